"""Admin page for outgoing webhooks: endpoints (add, disable, enable) and recent deliveries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import roles
from feedback.services import outbox_admin, webhooks_out
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.web.admin import page_args

bp = Blueprint("webhooks_out", __name__, url_prefix="/admin/webhooks")


def _page(form: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
          new_secret: tuple[int, str] | None = None, status: int = 200) -> Any:  # fmt: skip
    session = db.session()
    page, per_page = page_args()
    shown = request.args.get("status") or None
    if shown not in (None, *outbox_admin.WEBHOOK_STATUSES):
        shown = None
    endpoint = (request.args.get("endpoint_id") or "").strip()
    filters = outbox_admin.as_filters(
        status=shown, endpoint_id=int(endpoint) if endpoint.isdigit() else None
    )
    deliveries, total = outbox_admin.list_deliveries(
        session, page=page, per_page=per_page, **filters
    )
    return (
        render_template(
            "webhooks_out/index.html",
            endpoints=webhooks_out.list_endpoints(session),
            deliveries=deliveries,
            total=total,
            page=page,
            pages=outbox_admin.page_count(total, per_page),
            filters=filters,
            status_help=outbox_admin.WEBHOOK_STATUS_HELP,
            event_types=webhooks_out.EVENT_TYPES,
            form=form or {"event_types": list(webhooks_out.EVENT_TYPES)},
            errors=errors or {},
            new_secret=new_secret,
        ),
        status,
    )


@bp.get("")
@roles("admin")
def index() -> Any:
    return _page()


@bp.post("")
@roles("admin")
def create() -> Any:
    form = {
        "url": request.form.get("url", ""),
        "description": request.form.get("description", ""),
        "event_types": request.form.getlist("event_types"),
    }
    try:
        with db.transaction() as session:
            endpoint = webhooks_out.create_endpoint(
                session, form["url"], form["event_types"], form["description"]
            )
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _page(form, exc.fields, status=422)
    flash(f"Webhook {endpoint.id} added. Copy its secret now; it is not shown again.", "success")
    # Rendered, not redirected: the secret appears once, in this answer only.
    return _page(new_secret=(endpoint.id, endpoint.secret))


@bp.post("/<int:endpoint_id>/active")
@roles("admin")
def set_active(endpoint_id: int) -> Any:
    active = request.form.get("active") == "1"
    with db.transaction() as session:
        webhooks_out.set_active(session, endpoint_id, active)
    flash(f"Webhook {endpoint_id} {'enabled' if active else 'disabled'}.", "success")
    return redirect(url_for("webhooks_out.index"))


def _back() -> Any:
    back = request.form.get("next", "")
    if back.startswith("/admin/webhooks") and "//" not in back:
        return redirect(back, code=303)
    return redirect(url_for("webhooks_out.index"), code=303)


@bp.post("/deliveries/<int:delivery_id>/retry")
@roles("admin")
def retry(delivery_id: int) -> Any:
    try:
        with db.transaction() as session:
            outbox_admin.retry_delivery(session, delivery_id)
        flash(f"Delivery {delivery_id} will be sent again.", "success")
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
    return _back()


@bp.post("/deliveries/<int:delivery_id>/cancel")
@roles("admin")
def cancel(delivery_id: int) -> Any:
    try:
        with db.transaction() as session:
            outbox_admin.cancel_delivery(session, delivery_id)
        flash(f"Delivery {delivery_id} is cancelled; it will not be sent.", "success")
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
    return _back()
