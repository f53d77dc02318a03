"""The CSM queue: my tasks, my team's, the overdue ones; the task page; the huddle pack; metrics.

Reading goes through services.task_list / task_detail / huddle / metrics; every change through
the follow-up and conversation services, so the page and the API make the same checks.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from feedback import db, task_states
from feedback.access import roles
from feedback.roles import LEADS, STAFF
from feedback.services import (
    conversation,
    followup,
    huddle,
    metrics,
    product_gaps,
    task_detail,
    task_list,
    visibility,
)
from feedback.services.errors import Conflict, Forbidden, InvalidInput, ServiceError
from feedback.web import carry
from feedback.web.sparkline import Sparkline
from feedback.web.viewer import signed_in_user, whole_number

bp = Blueprint("queue", __name__)
VIEW_TITLES = {"mine": "My tasks", "team": "Team tasks", "overdue": "Overdue tasks"}


# ---------------------------------------------------------------- lists


def _list(view: str) -> Any:
    session = db.session()
    user = signed_in_user()
    errors: dict[str, list[str]] = {}
    status = 200
    try:
        filters = task_list.Filters.from_args(request.args)
    except InvalidInput as exc:  # shown once, beside the filters
        errors, status, filters = exc.fields, 400, task_list.Filters()
    sort = request.args.get("sort", "due")
    if sort not in task_list.SORTS:
        errors["sort"] = ["Sort by due time, priority or ARR."]
        sort, status = "due", 400
    page = max(whole_number(request.args.get("page"), 1), 1)
    per_page = min(max(whole_number(request.args.get("per_page"), 50), 1), task_list.MAX_PER_PAGE)
    rows, total = task_list.queue(
        session, user=user, view=view, filters=filters, sort=sort, page=page, per_page=per_page
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return (
        render_template(
            "queue/list.html",
            view=view,
            title=VIEW_TITLES[view],
            rows=rows,
            total=total,
            page=page,
            per_page=per_page,
            pages=max((total + per_page - 1) // per_page, 1),
            filters=filters,
            sort=sort,
            errors=errors,
            args=args,
            plans=task_list.plans(session),
            teams=task_list.teams_for(session, user) if view != "mine" else [],
            statuses=task_list.TASK_STATUSES,
            types=task_list.TASK_TYPES,
            priorities=task_list.PRIORITY_NAMES,
        ),
        status,
    )


@bp.get("/queue")
@roles(*STAFF)
def mine() -> Any:
    return _list("mine")


@bp.get("/queue/team")
@roles(*STAFF)
def team() -> Any:
    return _list("team")


@bp.get("/queue/overdue")
@roles(*STAFF)
def overdue() -> Any:
    return _list("overdue")


# ---------------------------------------------------------------- one task


def _task_page(task_id: int, status: int = 200, **form: Any) -> Any:
    detail = task_detail.task_detail(db.session(), task_id, signed_in_user())
    form.setdefault("errors", {})
    if "draft" not in form and detail.task.response_id is not None:
        # The reply box shows the greeting and signature the email will carry, editable.
        form["draft"] = conversation.reply_draft(
            db.session(), detail.task.response_id, signed_in_user()
        )
    form.setdefault("draft", "")
    form.setdefault("close", {})
    form.setdefault("comment", "")
    form.setdefault("reassign", {})
    form.setdefault("failed", None)
    form.setdefault("message", "")
    return (
        render_template(
            "queue/task.html",
            d=detail,
            t=detail.task,
            contact_spark=Sparkline(detail.customer.contact_trend),
            account_spark=Sparkline(detail.customer.account_trend),
            max_reply=conversation.MAX_REPLY,
            gap_items=product_gaps.open_items(db.session(), signed_in_user())
            if detail.task.status != "closed"
            else [],
            backlog_items=product_gaps.linked_items(db.session(), detail.task.id),
            **form,
        ),
        status,
    )


def _back(task_id: int, anchor: str = "") -> Any:
    return redirect(url_for("queue.task", task_id=task_id) + anchor)


def _checked(task_id: int) -> Any:
    """The task, when a view needs it before the service runs (the access rule applies)."""
    return task_detail.get_task(db.session(), task_id, signed_in_user())


def _failed(task_id: int, exc: ServiceError, which: str, anchor: str, **form: Any) -> Any:
    """Back to the task page (post/redirect/get) with the error beside the form, once, and
    what was typed; the page is answered in place only when the text is too long to carry."""
    if isinstance(exc, Forbidden):
        raise exc  # not this person's task: the 403 page, not the task page
    page, errors = url_for("queue.task", task_id=task_id), carry.once(exc.message, exc.fields)
    if carry.keep(page, which, errors, exc.message, form):
        return redirect(page + anchor, code=303)
    status = 409 if isinstance(exc, Conflict) else exc.status
    return _task_page(task_id, status, errors=errors, message=exc.message, failed=which, **form)


@bp.get("/tasks/<int:task_id>")
@roles(*STAFF)
def task(task_id: int) -> Any:
    carried = carry.take(request.path)
    if carried is None:
        return _task_page(task_id)
    return _task_page(task_id, errors=carried["errors"], message=carried["message"],
                      failed=carried["failed"], **carried["form"])  # fmt: skip


@bp.post("/tasks/<int:task_id>/reply")
@roles(*STAFF)
def reply(task_id: int) -> Any:
    response_id = _checked(task_id).response_id
    draft = request.form.get("body", "")
    if response_id is None:
        abort(404, "This task has no customer conversation to reply to.")
    try:
        with db.transaction() as session:
            conversation.reply_as_staff(
                session, current_app.config, response_id, signed_in_user(), draft
            )
    except ServiceError as exc:
        return _failed(task_id, exc, "reply", "#reply-body", draft=draft)
    flash("Reply sent; it is queued for email.", "success")
    return _back(task_id, "#latest")


@bp.post("/tasks/<int:task_id>/status")
@roles(*STAFF)
def change_status(task_id: int) -> Any:
    to_status = request.form.get("to_status", "")
    try:
        with db.transaction() as session:
            followup.transition(session, task_id, signed_in_user(), to_status)
    except ServiceError as exc:
        return _failed(task_id, exc, "status", "#status-message")
    flash(f"Task is now {task_states.label(to_status).lower()}.", "success")
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/close")
@roles(*STAFF)
def close(task_id: int) -> Any:
    fields = ("resolution_code", "root_cause", "note", "backlog_item_id", "backlog_title")
    typed = {k: request.form.get(k, "") for k in fields}
    try:
        with db.transaction() as session:
            _, item = product_gaps.close_task(session, task_id, signed_in_user(), typed)
    except ServiceError as exc:
        return _failed(task_id, exc, "close", "#close", close=typed)
    flash("Task closed." if item is None else f"Task closed and linked to “{item.title}”.",
          "success")  # fmt: skip
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/reassign")
@roles(*STAFF)
def reassign(task_id: int) -> Any:
    _checked(task_id)
    typed = {"owner_id": request.form.get("owner_id", ""), "note": request.form.get("note", "")}
    owner_id = whole_number(typed["owner_id"], 0)
    try:
        if not owner_id:
            raise InvalidInput(
                "Choose whom to hand the task to.", {"owner_id": ["Choose a person."]}
            )
        with db.transaction() as session:
            followup.reassign(session, task_id, signed_in_user(), owner_id, typed["note"] or None)
    except ServiceError as exc:
        return _failed(task_id, exc, "reassign", "#owner_id", reassign=typed)
    flash("Task handed over.", "success")
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/comments")
@roles(*STAFF)
def comment(task_id: int) -> Any:
    body = request.form.get("body", "")
    try:
        with db.transaction() as session:
            followup.add_comment(session, task_id, signed_in_user(), body)
    except ServiceError as exc:
        return _failed(task_id, exc, "comment", "#comment-body", comment=body)
    flash("Comment added.", "success")
    return _back(task_id, "#trail")


# ---------------------------------------------------------------- huddle pack


@bp.get("/huddle")
@roles(*STAFF)
def huddle_home() -> Any:
    user = signed_in_user()
    if user.team_id is not None:
        return redirect(url_for("queue.huddle_page", team_id=user.team_id))
    teams = task_list.teams_for(db.session(), user)
    return render_template("queue/huddle_teams.html", teams=teams)


@bp.get("/huddle/<int:team_id>")
@roles(*STAFF)
def huddle_page(team_id: int) -> Any:
    visibility.require_team(db.session(), signed_in_user(), team_id)
    pack = huddle.huddle_pack(db.session(), team_id)
    return render_template("queue/huddle.html", pack=pack)


@bp.post("/huddle/<int:team_id>/raise")
@roles(*STAFF)
def raise_verbatim(team_id: int) -> Any:
    visibility.require_team(db.session(), signed_in_user(), team_id)
    response_id = whole_number(request.form.get("response_id"), 0)
    try:
        with db.transaction() as session:
            _, created = huddle.raise_to_outer_loop(
                session, response_id=response_id, team_id=team_id, user=signed_in_user(),
                note=request.form.get("note"),
            )  # fmt: skip
    except Forbidden:
        raise  # a verbatim of a customer this person may not see: 403, like any other
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("queue.huddle_page", team_id=team_id))
    flash(
        "Raised to the outer loop." if created else "This verbatim was already raised.",
        "success",
    )
    return redirect(url_for("queue.huddle_page", team_id=team_id) + f"#r{response_id}")


# ---------------------------------------------------------------- metrics


@bp.get("/metrics")
@roles(*LEADS)
def metrics_page() -> Any:
    session = db.session()
    errors: dict[str, list[str]] = {}
    status = 200
    try:
        start, end = metrics.date_range(request.args.get("start"), request.args.get("end"))
    except InvalidInput as exc:  # shown once, beside the date fields
        errors, status = exc.fields, 400
        start, end = metrics.date_range(None, None)
    team_id = whole_number(request.args.get("team"), 0) or None
    team_ids = visibility.teams_picked(session, signed_in_user(), team_id)
    result = metrics.close_the_loop(session, start=start, end=end, team_ids=team_ids)
    return (
        render_template(
            "queue/metrics.html",
            m=result,
            errors=errors,
            team_id=team_id,
            teams=task_list.teams_for(session, signed_in_user()),
            typed={k: request.args.get(k, "") for k in ("start", "end")},
        ),
        status,
    )
