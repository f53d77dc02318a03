"""Admin page for outgoing webhooks: endpoints (add, disable, enable) and recent deliveries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import roles
from feedback.services import webhooks_out
from feedback.services.errors import InvalidInput

bp = Blueprint("webhooks_out", __name__, url_prefix="/admin/webhooks")


def _page(form: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
          new_secret: tuple[int, str] | None = None, status: int = 200) -> Any:  # fmt: skip
    session = db.session()
    return (
        render_template(
            "webhooks_out/index.html",
            endpoints=webhooks_out.list_endpoints(session),
            deliveries=webhooks_out.recent_deliveries(session),
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
