"""The dashboard: NPS trend, mix, funnel, hot spots, onboarding and close-the-loop figures
under one set of filters kept in the URL, so a view can be shared as a link.

It is the home page of admins and team leads (feedback.web.home) and /dashboard for every
lead. Charts are inline SVG drawn by templates from feedback.web.charts: no script, no CDN.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from feedback import db, nps, segments
from feedback.access import roles
from feedback.roles import LEADS
from feedback.services import dashboard as dashboard_service
from feedback.services import nps_report, nps_segments, visibility
from feedback.services.errors import InvalidInput
from feedback.web import charts

bp = Blueprint("dashboard", __name__)


def render() -> Any:
    """The dashboard page for the current request's filters (400 with the reasons if wrong)."""
    session = db.session()
    errors: dict[str, list[str]] = {}
    status = 200
    try:
        filters = nps_report.filters_from(request.args)
    except InvalidInput as exc:  # shown beside the filters; the page shows the defaults
        errors, status = exc.fields, 400
        filters = nps_report.filters_from({})
    period = request.args.get("period")
    if period not in nps_report.PERIODS:
        period = None
    me = current_user._get_current_object()  # noqa: SLF001 - the User row, not the proxy
    board = dashboard_service.dashboard(
        session, filters, period=period, team_ids=visibility.teams_picked(session, me, None)
    )
    return (
        render_template(
            "dashboard/index.html",
            d=board,
            trend_chart=charts.trend_chart(board.trend, board.period),
            mix_chart=charts.mix_chart(board.trend, board.period),
            programs=nps_report.programs(session),
            segment_choices=nps_segments.segment_choices(session),
            errors=errors,
            typed={k: request.args.get(k, "") for k in ("from", "to", "program", "segment")},
            min_n=nps.MIN_N,
            dimension_label=segments.dimension_label,
        ),
        status,
    )


@bp.route("/dashboard")
@roles(*LEADS)
def index() -> Any:
    return render()
