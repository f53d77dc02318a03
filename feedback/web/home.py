"""The staff landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text

from feedback import db
from feedback.models import Account, Contact, Team, User
from feedback.web.access import STAFF, public, roles

bp = Blueprint("home", __name__)


@bp.route("/")
@roles(*STAFF)
def index():
    session = db.session()
    counts = {
        "accounts": session.scalar(select(func.count()).select_from(Account)),
        "contacts": session.scalar(select(func.count()).select_from(Contact)),
        "teams": session.scalar(select(func.count()).select_from(Team)),
        "staff users": session.scalar(select(func.count()).select_from(User)),
    }
    from feedback.services import overview

    return render_template("home.html", counts=counts, overview=overview.nps_overview(session))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session().execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        return jsonify({"status": "unavailable", "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok"})
