"""The staff landing page and the health checks: /healthz (alive) and /readyz (ready)."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from feedback import db
from feedback.access import public, roles
from feedback.roles import STAFF, Role
from feedback.services import overview
from feedback.web import dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
@roles(*STAFF)
def index():
    if current_user.role == "department_head":  # their work is the backlog, not tenant NPS
        return redirect(url_for("backlog.ranked_list"))
    if current_user.role in (Role.ADMIN, Role.TEAM_LEAD):  # leads watch the whole picture
        return dashboard.render()
    session = db.session()
    return render_template(
        "home.html",
        counts=overview.counts(session),
        overview=overview.nps_overview(session),
        onboarding=overview.onboarding_overview(session),
    )


@bp.route("/healthz")
@public
def healthz():
    try:
        db.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return jsonify({"status": "unavailable", "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok"})


@bp.route("/readyz")
@public
def readyz():
    """503 with the reason while the database, the schema or the worker is not ready."""
    from datetime import UTC, datetime

    from feedback.services import readiness

    result = readiness.check(db.session(), datetime.now(UTC))
    body = {"status": "ready" if result.ready else "not ready", "reason": result.reason}
    return jsonify({**body, "checks": result.checks}), 200 if result.ready else 503
