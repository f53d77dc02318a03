"""Customers' email replies: SendGrid's Inbound Parse webhook, and the admins' page of replies
that could not be placed in a conversation.

The webhook has no session and no CSRF token: it is authenticated by a shared secret, in the
URL (/webhooks/sendgrid/inbound/<secret>) or as the HTTP basic-auth password. SendGrid retries
a 5xx for 72 hours and drops a 4xx, so we answer 2xx once the post is stored, 4xx only for a
post that can never be stored (wrong secret, not an Inbound Parse post), and let a database
error be a 5xx.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from feedback import db
from feedback.access import api_error, public, roles
from feedback.extensions import csrf
from feedback.mail import attachments, replies
from feedback.services import conversation
from feedback.services.errors import ServiceError
from feedback.web.input_policy import strip_controls

bp = Blueprint("inbound", __name__)
INBOUND_MAX_BYTES = 40 * 1024 * 1024  # a 30 MB message, base64 and multipart overhead included


def _authorised(url_secret: str | None) -> bool:
    secret = current_app.config.get("INBOUND_SECRET")
    if not secret:
        current_app.logger.error(
            "Inbound Parse webhook refused a post: FEEDBACK_INBOUND_SECRET is not set (set it, "
            "and give SendGrid https://<host>/webhooks/sendgrid/inbound/<secret> as the URL)"
        )
        return False
    offered = url_secret
    if offered is None and request.authorization is not None:
        offered = request.authorization.password
    if not offered or not hmac.compare_digest(str(offered).encode(), str(secret).encode()):
        current_app.logger.warning(
            "Inbound Parse webhook refused a post from %s: wrong or missing secret",
            request.remote_addr,
        )
        return False
    return True


def _bad_request(reason: str) -> Any:
    current_app.logger.warning("Inbound Parse webhook refused a malformed post: %s", reason)
    return api_error(400, "bad_request", f"Not an Inbound Parse post: {reason}.")


def _clean(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(strip_controls(v) if isinstance(v, str) else v for v in value)
    return strip_controls(value)


def _attachments(form: dict[str, str]) -> list[dict[str, Any]]:
    """Names, types and sizes of the files the post carried (parsed or raw mode)."""
    if form.get("email"):
        try:
            return attachments.from_mime(form["email"])
        except Exception:  # a MIME message we cannot take apart still has its text stored
            current_app.logger.warning("could not list the attachments of an inbound message")
            return []
    files = []
    for field, upload in request.files.items(multi=True):
        upload.stream.seek(0, 2)
        files.append((field, upload.filename, upload.mimetype, upload.stream.tell()))
    return attachments.from_parsed_post(files, form.get("attachment-info"))


@bp.post("/webhooks/sendgrid/inbound")
@bp.post("/webhooks/sendgrid/inbound/<secret>")
@public
def sendgrid_inbound(secret: str | None = None) -> Any:
    if not _authorised(secret):
        return api_error(403, "forbidden", "Wrong or missing inbound secret.")
    if request.mimetype != "multipart/form-data":
        return _bad_request(f"expected multipart/form-data, got {request.mimetype or 'nothing'}")
    # SendGrid posts messages up to 30 MB, HTML parts and raw MIME far above the app-wide form
    # limits; a 413 here made SendGrid drop the customer's reply. This route alone takes more.
    limit = int(current_app.config.get("INBOUND_MAX_BYTES") or INBOUND_MAX_BYTES)
    request.max_content_length = limit
    request.max_form_memory_size = limit
    body = request.get_data(cache=True)
    # Mail clients do send control characters; the database takes none: strip, never refuse.
    form = {key: strip_controls(value) for key, value in request.form.items()}
    attached = _attachments(form)
    try:
        charsets = json.loads(form.get("charsets") or "{}")
        if isinstance(charsets, dict):
            redecoded = replies.redecode_fields(request.content_type or "", body, charsets)
            if redecoded:
                form.update(redecoded)
    except ValueError:
        pass  # charsets is advisory; the fields read as UTF-8 are still stored
    try:
        mail = replies.from_sendgrid(form)
    except replies.MalformedPost as exc:
        return _bad_request(str(exc))
    # Parts decoded from raw MIME can hold NUL too (quoted-printable =00): strip them as well.
    mail = dataclasses.replace(mail, **{
        f.name: _clean(getattr(mail, f.name)) for f in dataclasses.fields(mail)
        if isinstance(getattr(mail, f.name), str | tuple)
    })  # fmt: skip
    with db.transaction() as session:
        received = conversation.receive_inbound(session, mail, attachments=attached)
    if received.message is not None:
        return jsonify({"status": "threaded", "message_id": received.message.id,
                        "duplicate": received.duplicate})  # fmt: skip
    assert received.unmatched is not None
    current_app.logger.info(
        "Inbound reply from %s kept as unmatched reply %s (%s)",
        received.unmatched.from_email, received.unmatched.id, received.unmatched.reason,
    )  # fmt: skip
    return jsonify({"status": "unmatched", "unmatched_id": received.unmatched.id,
                    "duplicate": received.duplicate})  # fmt: skip


csrf.exempt(sendgrid_inbound)


@bp.get("/admin/replies/unmatched")
@roles("admin")
def unmatched() -> Any:
    show_all = request.args.get("all") == "1"
    rows = conversation.list_unmatched(db.session(), include_resolved=show_all)
    return render_template("thread/unmatched.html", rows=rows, show_all=show_all, errors={})


@bp.post("/admin/replies/unmatched/<int:unmatched_id>")
@roles("admin")
def resolve(unmatched_id: int) -> Any:
    action = request.form.get("action", "")
    raw_id = request.form.get("invitation_id", "").strip()
    try:
        invitation_id = int(raw_id) if raw_id else None
    except ValueError:
        flash(f"{raw_id!r} is not an invitation id.", "error")
        return redirect(url_for("inbound.unmatched"))
    try:
        with db.transaction() as session:
            row = conversation.resolve_unmatched(
                session,
                unmatched_id,
                action=action,
                user_id=current_user.id,
                invitation_id=invitation_id,
                contact_email=request.form.get("contact_email"),
            )
    except ServiceError as exc:
        details = "; ".join(m for ms in exc.fields.values() for m in ms)
        flash(f"{exc.message} {details}".strip(), "error")
        return redirect(url_for("inbound.unmatched"))
    if row.resolution == "attached":
        flash(f"Reply attached to invitation {row.resolved_invitation_id}.", "success")
    else:
        flash("Reply dismissed; it stays listed under 'show resolved'.", "success")
    return redirect(url_for("inbound.unmatched"))
