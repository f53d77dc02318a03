"""The responses explorer and the CSV exports of responses and tasks.

Filters live in the URL (a view can be shared); the same filters drive the CSV, which is
streamed as it is read (services.response_explorer / task_list), never built in memory.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context

from feedback import db
from feedback.access import roles
from feedback.roles import STAFF
from feedback.services import response_explorer, response_export, task_list
from feedback.services.errors import InvalidInput
from feedback.web.viewer import signed_in_user, whole_number

bp = Blueprint("responses", __name__)


@bp.get("/responses")
@roles(*STAFF)
def explorer() -> Any:
    session = db.session()
    errors: dict[str, list[str]] = {}
    status = 200
    try:
        filters = response_explorer.Filters.from_args(request.args)
        after = response_explorer.parse_cursor(request.args.get("after"))
    except InvalidInput as exc:  # shown beside the filters; the list shows everything
        errors, status = exc.fields, 400
        filters, after = response_explorer.Filters(), None
    per_page = min(max(whole_number(request.args.get("per_page"), 50), 1), 200)
    page = response_explorer.explore(
        session, signed_in_user(), filters, after=after, per_page=per_page
    )
    return (
        render_template(
            "responses/list.html",
            page=page,
            filters=filters,
            args=filters.as_args(),
            typed={k: v for k, v in request.args.items() if k != "after"},
            first_page=after is None,
            errors=errors,
            menus=response_explorer.choices(session),
            categories=response_explorer.CATEGORIES,
            task_filters=response_explorer.TASK_FILTERS,
            segments=response_explorer.SEGMENTS,
        ),
        status,
    )


def _csv(lines: Any, filename: str) -> Response:
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # a proxy passes the rows on as they come
        },
    )


@bp.get("/responses/export.csv")
@roles(*STAFF)
def export() -> Any:
    """Every response the filters select (not just one page), as CSV."""
    filters = response_explorer.Filters.from_args(request.args)  # invalid: the 422 page
    lines = response_export.export_csv(db.session(), signed_in_user(), filters)
    return _csv(lines, "responses.csv")


@bp.get("/tasks/export.csv")
@roles(*STAFF)
def export_tasks() -> Any:
    """The tasks of a queue view (`view` = mine, team, overdue) with its filters, as CSV."""
    view = request.args.get("view", "team")
    sort = request.args.get("sort", "due")
    if view not in task_list.VIEWS:
        raise InvalidInput("Export my tasks, the team's or the overdue ones.",
                           {"view": [f"One of: {', '.join(task_list.VIEWS)}."]})  # fmt: skip
    if sort not in task_list.SORTS:
        raise InvalidInput("Sort by due time, priority or ARR.", {"sort": ["Unknown sort."]})
    filters = task_list.Filters.from_args(request.args)
    lines = task_list.export_csv(
        db.session(), user=signed_in_user(), view=view, filters=filters, sort=sort
    )
    return _csv(lines, f"tasks-{view}.csv")
