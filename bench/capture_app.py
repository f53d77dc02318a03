"""The app bench/capture.py serves with gunicorn: the real app, plus one bench-only endpoint.

`POST /bench/bare` inserts one row into `bench_bare` (a table the bench creates) through the
same engine, session and request hooks as every other route and answers 204: the floor that
the survey pages are measured against. It exists only in this module, which nothing but the
bench loads (`gunicorn bench.capture_app:app`); `wsgi:app`, the production entry point, never
has it.
"""

from __future__ import annotations

import sys

from flask import request
from sqlalchemy import text

from feedback import ConfigError, create_app, db
from feedback.access import public
from feedback.extensions import csrf

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"feedback: configuration error: {exc}")

BARE_INSERT = text("INSERT INTO bench_bare (token, created_at) VALUES (:token, now())")


@app.route("/bench/bare", methods=["POST"])
@csrf.exempt
@public
def bare() -> tuple[str, int]:
    """One row, one commit: what any capture request costs at the least."""
    with db.transaction() as session:
        session.execute(BARE_INSERT, {"token": request.form.get("token", "")[:64]})
    return "", 204
