"""The outer loop's pages: the ranked backlog, the board by status, the item page, raising.

Thin views over services.backlog: the service decides who may do what and which status move
is allowed; a refused change comes back as a flashed message and the right status code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from feedback import backlog_digest, backlog_impact, db
from feedback.access import roles
from feedback.roles import ADMINS, STAFF
from feedback.services import (
    backlog,
    backlog_digests,
    backlog_evidence,
    backlog_notices,
    backlog_responsiveness,
    org,
)
from feedback.services.errors import NotFound, ServiceError
from feedback.web.viewer import signed_in_user

bp = Blueprint("backlog", __name__, url_prefix="/backlog")
STATUS_FILTERS = {"open": backlog_impact.OPEN_STATUSES, "all": ()}
STATUS_FILTERS.update({s: (s,) for s in backlog_impact.STATUSES})


class CsrfOnlyForm(FlaskForm):
    """Our forms are plain HTML; this carries and checks the CSRF token."""


def _check_csrf() -> None:
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)


def _refused(exc: ServiceError) -> None:
    """A person's mistake: 404 stays a 404, the rest is a message on the page they came from."""
    db.session().rollback()
    if isinstance(exc, NotFound):
        abort(404)
    flash(exc.message, "error")


def _filters() -> dict[str, Any]:
    status = request.args.get("status", "open")
    theme_id = request.args.get("theme_id", "")
    return {
        "status": status if status in STATUS_FILTERS else "open",
        "department": request.args.get("department") or None,
        "theme_id": int(theme_id) if theme_id.isdigit() else None,
    }


def _items(filters: dict[str, Any], *, all_statuses: bool = False) -> list[Any]:
    return backlog.list_items(
        db.session(),
        signed_in_user(),
        department=filters["department"],
        status=() if all_statuses else STATUS_FILTERS[filters["status"]],
        theme_id=filters["theme_id"],
    )


def _page_context(filters: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    me = signed_in_user()
    department = backlog.visible_department(me, filters["department"])
    return {
        "filters": filters,
        "department": department,
        "departments": backlog.departments(session),
        "themes": backlog.themes(session),
        "may_rank": department is not None
        and backlog_impact.may_change(me.role, backlog.department_of(me), department),
        "labels": backlog_impact.STATUS_LABELS,
        "points": backlog_impact.sparkline_points,
    }


@bp.get("")
@roles(*STAFF)
def ranked_list() -> Any:
    filters = _filters()
    items = _items(filters)
    return render_template(
        "backlog/list.html",
        items=items,
        hand_ordered=backlog.is_hand_ordered(items),
        **_page_context(filters),
    )


@bp.get("/board")
@roles(*STAFF)
def board() -> Any:
    filters = _filters()
    items = _items(filters, all_statuses=True)
    columns = {s: [i for i in items if i.status == s] for s in backlog_impact.STATUSES}
    return render_template("backlog/board.html", columns=columns, **_page_context(filters))


@bp.get("/responsiveness")
@roles(*ADMINS)
def responsiveness() -> Any:
    """Per department: what it was given, what it did with it, and how fast (admins)."""
    today = datetime.now(UTC).date()
    rows, totals = backlog_responsiveness.department_figures(db.session(), today)
    return render_template("backlog/responsiveness.html", rows=rows, totals=totals, today=today)


@bp.route("/chat", methods=["GET", "POST"])
@roles(*ADMINS)
def chat() -> Any:
    """Each department's Slack/Teams incoming webhook for its backlog digest (admins)."""
    session = db.session()
    typed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        _check_csrf()
        typed = {k: request.form.get(k, "") for k in ("department", "kind", "url")}
        try:
            endpoint = backlog_digests.set_chat(
                session, typed["department"], typed["kind"], typed["url"]
            )
            session.commit()
        except ServiceError as exc:
            session.rollback()
            errors = exc.fields or {"": [exc.message]}
        else:
            flash(
                f"{typed['department']}: digests also go to its "
                f"{backlog_digest.CHAT_LABELS[endpoint.kind]} channel."
                if endpoint is not None
                else f"{typed['department']}: no chat channel; digests go by email only.",
                "success",
            )
            return redirect(url_for("backlog.chat")), 303
    return render_template(
        "backlog/chat.html",
        departments=backlog.departments(session),
        endpoints=backlog_digests.chat_endpoints(session),
        kinds=backlog_digest.CHAT_LABELS,
        typed=typed,
        errors=errors,
    ), (422 if errors else 200)


@bp.get("/<int:item_id>")
@roles(*STAFF)
def item_page(item_id: int) -> Any:
    session = db.session()
    try:
        item = backlog.get_item(session, item_id, signed_in_user())
    except NotFound:
        abort(404)
    except ServiceError:
        abort(403)
    return render_template(
        "backlog/item.html",
        item=item,
        quotes=backlog_evidence.quotes(session, item),
        tasks=backlog_evidence.linked_tasks(session, item),
        linked=set(backlog_evidence.linked_response_ids(session, item)),
        may_change=backlog.may_change(signed_in_user(), item),
        moves=backlog_impact.TRANSITIONS[item.status],
        labels=backlog_impact.STATUS_LABELS,
        points=backlog_impact.sparkline_points,
        users=org.list_users(session, 1, 1000)[0]
        if backlog.may_change(signed_in_user(), item)
        else [],
        previews=backlog_notices.preview(session, current_app.config, item),
        to_tell=backlog_notices.pending(session, item),
        telling_on=backlog_notices.telling_on(item),
    )


@bp.post("/<int:item_id>/customer-note")
@roles(*STAFF)
def customer_note(item_id: int) -> Any:
    _check_csrf()
    session = db.session()
    try:
        backlog_notices.set_customer_note(
            session, item_id, signed_in_user(), request.form.get("customer_note")
        )
        session.commit()
    except ServiceError as exc:
        _refused(exc)
        return redirect(url_for("backlog.item_page", item_id=item_id)), 303
    flash("Saved; the preview below shows the email exactly as each customer gets it.", "success")
    return redirect(url_for("backlog.item_page", item_id=item_id) + "#customers"), 303


@bp.post("/<int:item_id>/status")
@roles(*STAFF)
def change_status(item_id: int) -> Any:
    _check_csrf()
    session = db.session()
    target = request.form.get("status", "")
    try:
        backlog.transition(session, item_id, signed_in_user(), target, request.form.get("note"))
        session.commit()
    except ServiceError as exc:
        _refused(exc)
        return redirect(url_for("backlog.item_page", item_id=item_id)), 303
    flash(f"Moved to {backlog_impact.STATUS_LABELS[target].lower()}.", "success")
    return redirect(url_for("backlog.item_page", item_id=item_id)), 303


@bp.post("/<int:item_id>/edit")
@roles(*STAFF)
def edit(item_id: int) -> Any:
    _check_csrf()
    session = db.session()
    data = {k: request.form.get(k, "") for k in ("title", "description", "owner_id", "target_date")
            if k in request.form}  # fmt: skip
    try:
        backlog.update_item(session, item_id, signed_in_user(), data)
        session.commit()
    except ServiceError as exc:
        _refused(exc)
        for field, messages in exc.fields.items():
            for message in messages:
                flash(f"{field.replace('_', ' ')}: {message}", "error")
        return redirect(url_for("backlog.item_page", item_id=item_id)), 303
    flash("Saved.", "success")
    return redirect(url_for("backlog.item_page", item_id=item_id)), 303


@bp.post("/<int:item_id>/move")
@roles(*STAFF)
def move(item_id: int) -> Any:
    _check_csrf()
    session = db.session()
    try:
        backlog.move(session, item_id, signed_in_user(), request.form.get("action", ""))
        session.commit()
    except ServiceError as exc:
        _refused(exc)
    back = request.form.get("back", "")
    if not back.startswith("/backlog") or back.startswith("//"):
        back = url_for("backlog.ranked_list")  # only back to a backlog page, never elsewhere
    return redirect(back), 303


@bp.post("/order/reset")
@roles(*STAFF)
def reset_order() -> Any:
    _check_csrf()
    session = db.session()
    department = request.form.get("department", "")
    try:
        count = backlog.reset_order(session, signed_in_user(), department)
        session.commit()
        flash(f"Back to the impact order ({count} hand-placed items released).", "success")
    except ServiceError as exc:
        _refused(exc)
    return redirect(url_for("backlog.ranked_list", department=department)), 303


@bp.post("/<int:item_id>/responses")
@roles(*STAFF)
def link_response(item_id: int) -> Any:
    _check_csrf()
    session = db.session()
    raw = request.form.get("response_id", "").strip()
    if not raw.isdigit():
        flash("Enter the number of the response to link.", "error")
        return redirect(url_for("backlog.item_page", item_id=item_id)), 303
    try:
        _, new = backlog.link_response(session, item_id, int(raw), signed_in_user())
        session.commit()
        flash("Linked." if new else "That response was already linked.", "success")
    except ServiceError as exc:
        db.session().rollback()
        if exc.status == 404 and "item" in exc.message:
            abort(404)
        flash(exc.message, "error")
    return redirect(url_for("backlog.item_page", item_id=item_id)), 303


@bp.post("/<int:item_id>/responses/<int:response_id>/unlink")
@roles(*STAFF)
def unlink_response(item_id: int, response_id: int) -> Any:
    _check_csrf()
    session = db.session()
    try:
        backlog.unlink_response(session, item_id, response_id, signed_in_user())
        session.commit()
        flash("Unlinked.", "success")
    except ServiceError as exc:
        _refused(exc)
    return redirect(url_for("backlog.item_page", item_id=item_id)), 303


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def raise_item() -> Any:
    """Raise an item by hand, or from a response or a task (their ids come in the query)."""
    session = db.session()
    source = {k: request.values.get(k, "") for k in ("response_id", "task_id")}
    values = {k: request.form.get(k, "") for k in ("title", "description", "theme_id", "note")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        _check_csrf()
        data = {k: v for k, v in values.items() if v}
        try:
            if source["task_id"].isdigit():
                item, new = backlog.raise_from_task(
                    session, int(source["task_id"]), signed_in_user(), data
                )
            elif source["response_id"].isdigit():
                item, new = backlog.raise_from_response(
                    session, int(source["response_id"]), signed_in_user(), data
                )
            else:
                item, new = backlog.create_item(session, data, signed_in_user()), True
            session.commit()
        except ServiceError as exc:
            session.rollback()
            errors = exc.fields or {"": [exc.message]}
        else:
            flash(
                "Raised as a proposal."
                if new
                else f"Linked to the open item “{item.title}”, which already covers it.",
                "success",
            )
            return redirect(url_for("backlog.item_page", item_id=item.id)), 303
    return render_template(
        "backlog/new.html",
        values=values,
        source=source,
        errors=errors,
        themes=backlog.themes(session),
    ), (422 if errors else 200)
