"""Admin pages: the outbox and the dev mailbox (survey programs: web/programs.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template

from feedback import db
from feedback.access import roles
from feedback.mail.substitutions import apply_substitutions
from feedback.roles import Role
from feedback.services import outbox
from feedback.services.errors import NotFound

bp = Blueprint("admin", __name__, url_prefix="/admin")
dev = Blueprint("dev", __name__, url_prefix="/dev")


@bp.route("/outbox")
@roles(Role.ADMIN)
def outbox_view():
    session = db.session()
    return render_template(
        "admin/outbox.html",
        counts=outbox.status_counts(session),
        failed=outbox.failed_emails(session),
    )


# ---------------------------------------------------------------- dev mailbox


def _console_only() -> None:
    if current_app.config["MAIL_BACKEND"] != "console":
        abort(404)


@dev.route("/mailbox")
@roles(Role.ADMIN)
def mailbox():
    _console_only()
    messages = [{"email": row, "subject": subject} for row, subject in outbox.mailbox(db.session())]
    return render_template("admin/mailbox.html", messages=messages)


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
    )


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
