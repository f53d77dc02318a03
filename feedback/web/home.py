"""The staff landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from feedback import db
from feedback.access import public, roles
from feedback.roles import STAFF
from feedback.services import overview

bp = Blueprint("home", __name__)


@bp.route("/")
@roles(*STAFF)
def index():
    session = db.session()
    return render_template(
        "home.html", counts=overview.counts(session), overview=overview.nps_overview(session)
    )


@bp.route("/healthz")
@public
def healthz():
    try:
        db.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return jsonify({"status": "unavailable", "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok"})
