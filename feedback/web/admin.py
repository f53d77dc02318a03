"""Admin pages: the outbox and the dev mailbox (survey programs: web/programs.py)."""

from __future__ import annotations

import json
import uuid
from email.utils import formataddr
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import roles
from feedback.mail import replies
from feedback.mail.substitutions import apply_substitutions
from feedback.roles import Role
from feedback.services import conversation, outbox, outbox_admin
from feedback.services.errors import Conflict, NotFound

bp = Blueprint("admin", __name__, url_prefix="/admin")
dev = Blueprint("dev", __name__, url_prefix="/dev")


def _int_arg(name: str, default: int | None = None) -> int | None:
    """A whole-number query argument; anything else reads as not given (a filter, not an error)."""
    raw = (request.args.get(name) or "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def page_args() -> tuple[int, int]:
    page = min(max(_int_arg("page", 1) or 1, 1), 100_000)
    per_page = min(max(_int_arg("per_page", 50) or 50, 1), 200)
    return page, per_page


@bp.route("/outbox")
@roles(Role.ADMIN)
def outbox_view():
    session = db.session()
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status not in (None, *outbox_admin.EMAIL_STATUS_HELP):
        status = None
    filters = outbox_admin.as_filters(
        status=status,
        program_id=_int_arg("program_id"),
        recipient=(request.args.get("recipient") or "").strip()[:254],
    )
    emails, total = outbox_admin.list_emails(session, page=page, per_page=per_page, **filters)
    return render_template(
        "admin/outbox.html",
        counts=outbox.status_counts(session),
        emails=emails,
        programs_by_email=outbox_admin.program_names(session, emails),
        program_choices=outbox_admin.program_choices(session),
        status_help=outbox_admin.EMAIL_STATUS_HELP,
        filters=filters,
        total=total,
        page=page,
        pages=outbox_admin.page_count(total, per_page),
    )


def _back_to_outbox() -> Any:
    """The list the button was pressed on, with its filters and page (only our own path)."""
    back = request.form.get("next", "")
    if back.startswith("/admin/outbox") and "//" not in back:
        return redirect(back, code=303)
    return redirect(url_for("admin.outbox_view"), code=303)


@bp.post("/outbox/<int:outbox_id>/retry")
@roles(Role.ADMIN)
def outbox_retry(outbox_id: int):
    try:
        with db.transaction() as session:
            row = outbox_admin.retry_email(session, outbox_id)
        flash(f"Email {row.id} to {row.to_email} is queued again.", "success")
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
    return _back_to_outbox()


@bp.post("/outbox/<int:outbox_id>/cancel")
@roles(Role.ADMIN)
def outbox_cancel(outbox_id: int):
    try:
        with db.transaction() as session:
            row = outbox_admin.cancel_email(session, outbox_id)
        flash(f"Email {row.id} to {row.to_email} is cancelled; it will not be sent.", "success")
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
    return _back_to_outbox()


# ---------------------------------------------------------------- dev mailbox


def _console_only() -> None:
    if current_app.config["MAIL_BACKEND"] != "console":
        abort(404)


def can_reply_as_customer() -> bool:
    """The "reply as this customer" form: development and tests only, never production, even
    with the console backend (it writes a customer's words no customer wrote)."""
    return current_app.config["MAIL_BACKEND"] == "console" and current_app.config["ENV"] != (
        "production"
    )


@dev.route("/mailbox")
@roles(Role.ADMIN)
def mailbox():
    _console_only()
    page, per_page = page_args()
    filters = outbox_admin.as_filters(
        recipient=(request.args.get("recipient") or "").strip()[:254],
        subject=(request.args.get("subject") or "").strip()[:300],
    )
    rows, total = outbox_admin.mailbox(db.session(), page=page, per_page=per_page, **filters)
    return render_template(
        "admin/mailbox.html",
        messages=[{"email": row, "subject": subject} for row, subject in rows],
        can_reply=can_reply_as_customer(),
        filters=filters,
        total=total,
        page=page,
        pages=outbox_admin.page_count(total, per_page),
    )


def _message(outbox_id: int) -> tuple[Any, Any]:
    """The outbox row and its shared content (the mailbox shows both)."""
    _console_only()
    try:
        row = outbox.get_email(db.session(), outbox_id)
    except NotFound:
        abort(404)
    return row, row.content


@dev.route("/mailbox/<int:outbox_id>")
@roles(Role.ADMIN)
def mailbox_message(outbox_id: int):
    row, content = _message(outbox_id)
    return render_template(
        "admin/mailbox_message.html",
        email=row,
        content=content,
        subject=apply_substitutions(content.subject, row.substitutions),
        reply_to=apply_substitutions(content.reply_to or "", row.substitutions),
        text=apply_substitutions(content.text, row.substitutions),
        can_reply=can_reply_as_customer() and bool(content.reply_to),
    )


@dev.post("/mailbox/<int:outbox_id>/reply")
@roles(Role.ADMIN)
def mailbox_reply(outbox_id: int):
    """Post the typed text as the customer's email reply, through the same parser and service
    the Inbound Parse webhook uses, so the whole conversation can be tried in the demo."""
    if not can_reply_as_customer():
        abort(404)
    row, content = _message(outbox_id)
    reply_to = apply_substitutions(content.reply_to or "", row.substitutions)
    text = request.form.get("text", "").strip()
    if not reply_to:
        flash("This email has no reply address: a customer's reply would not reach us.", "error")
        return redirect(url_for("dev.mailbox_message", outbox_id=outbox_id), code=303)
    if not text:
        flash("Type the customer's reply first.", "error")
        return redirect(url_for("dev.mailbox_message", outbox_id=outbox_id), code=303)
    subject = apply_substitutions(content.subject, row.substitutions)
    fields = {
        "from": formataddr((row.to_name or "", row.to_email)),
        "to": reply_to,
        "subject": f"Re: {subject}",
        "text": text,
        "envelope": json.dumps({"to": [reply_to], "from": row.to_email}),
        "headers": f"Message-ID: <dev-mailbox-{uuid.uuid4().hex}@feedback.invalid>\n",
    }
    mail = replies.from_sendgrid(fields)
    with db.transaction() as session:
        received = conversation.receive_inbound(session, mail)
    if received.message is not None:
        number = received.message.id
        flash(f"Reply stored in the conversation as {row.to_email} (message {number}).", "success")
    else:
        flash("The reply address was not recognised; the reply is among the unmatched replies.",
              "error")  # fmt: skip
    return redirect(url_for("dev.mailbox_message", outbox_id=outbox_id), code=303)


@dev.route("/mailbox/<int:outbox_id>/html")
@roles(Role.ADMIN)
def mailbox_html(outbox_id: int):
    row, content = _message(outbox_id)
    # Our own template with escaped values: links open in the whole window, as from a mail app.
    html = apply_substitutions(content.html, row.substitutions)
    html = html.replace("<head>", '<head><base target="_top">', 1)
    # An email is not a page: its inline styles are allowed, scripts never; only the mailbox
    # page of this site may frame it.
    headers = {
        "Content-Security-Policy": "script-src 'none'; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN",
    }
    return html, 200, headers
