"""Theme analytics for leads: every theme's mentions, share, sentiment and NPS beside the
overall, and one theme's page with its trend and top verbatims, under the dashboard's
filters (in the URL, like the dashboard's)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from feedback import db
from feedback.access import roles
from feedback.roles import LEADS
from feedback.services import nps_report, theme_insight
from feedback.services.errors import InvalidInput
from feedback.web import charts

bp = Blueprint("theme_insight", __name__, url_prefix="/insight/themes")


def _filters() -> tuple[nps_report.Filters, dict[str, list[str]], int]:
    try:
        return nps_report.filters_from(request.args), {}, 200
    except InvalidInput as exc:  # shown beside the filters; the page shows the defaults
        return nps_report.filters_from({}), exc.fields, 400


@bp.route("")
@roles(*LEADS)
def overview() -> Any:
    session = db.session()
    filters, errors, status = _filters()
    return render_template(
        "insight/themes.html",
        filters=filters,
        themes=theme_insight.overview(session, filters),
        programs=nps_report.programs(session),
        errors=errors,
        typed={k: request.args.get(k, "") for k in ("from", "to", "program", "segment")},
    ), status


@bp.route("/<int:theme_id>")
@roles(*LEADS)
def detail(theme_id: int) -> Any:
    session = db.session()
    filters, errors, status = _filters()
    period = request.args.get("period")
    board = theme_insight.detail(
        session, theme_id, filters, period if period in nps_report.PERIODS else None
    )
    fmt = "%b %Y" if board.period == "month" else "%d %b"
    share_chart = charts.bar_chart(
        [(p.start.strftime(fmt), 100 * (p.share or 0.0)) for p in board.points]
    )
    return render_template(
        "insight/theme.html",
        filters=filters,
        d=board,
        share_chart=share_chart,
        programs=nps_report.programs(session),
        errors=errors,
        typed={k: request.args.get(k, "") for k in ("from", "to", "program", "segment")},
    ), status
