"""The app bench/capture.py serves with gunicorn: the real app, plus two bench-only endpoints.

`POST /bench/bare` inserts one row into `bench_bare` (a table the bench creates) through the
same engine, session and request hooks as every other route and answers 204: the floor that
the survey pages are measured against. `GET /bench/page/<token>/<score>` reads and renders the
page a click shows and writes nothing: what a click would cost if recording were free.
They exist only in this module, which nothing but the bench loads
(`gunicorn bench.capture_app:app`); `wsgi:app`, the production entry point, never has them.
"""

from __future__ import annotations

import sys

from flask import request
from sqlalchemy import text

from feedback import ConfigError, create_app, db
from feedback.access import public
from feedback.extensions import csrf
from feedback.services import capture
from feedback.web import survey

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


@app.route("/bench/page/<token>/<int:score>")
@public
def page(token: str, score: int):
    """The answer page a click shows, read and rendered with no write: the floor of a click
    (what is left if every write were someone else's), to tell rendering from recording."""
    opened = capture.open_survey(db.session(), token)
    return survey.answer_page(opened, score=score)
