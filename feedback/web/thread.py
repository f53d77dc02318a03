"""The conversation page of one response: what the customer said, and the CSM's replies."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback import db, response_analysis
from feedback.access import roles
from feedback.roles import STAFF
from feedback.services import conversation, visibility
from feedback.services.errors import InvalidInput
from feedback.themes import highlight
from feedback.web import carry

bp = Blueprint("thread", __name__)


def _page(response_id: int, draft: str | None = None,
          errors: dict[str, list[str]] | None = None, status: int = 200,
          message: str = "") -> Any:  # fmt: skip
    session = db.session()
    visibility.require_response(session, current_user, response_id)
    thread = conversation.get_thread(session, response_id)
    if draft is None:  # the composer shows the greeting and signature the email will carry
        draft = conversation.reply_draft(session, response_id, current_user)
    shown = response_analysis.exposure(thread.response)
    spans = [
        (span["start"], span["end"], theme["name"])
        for theme in shown["themes"]
        for span in theme["spans"] or []
    ]
    return (
        render_template(
            "thread/show.html",
            thread=thread,
            analysis=shown,
            comment_pieces=highlight(thread.response.comment or "", spans),
            draft=draft,
            errors=errors or {},
            message=message,
            max_reply=conversation.MAX_REPLY,
        ),
        status,
    )


@bp.get("/responses/<int:response_id>/thread")
@roles(*STAFF)
def show(response_id: int) -> Any:
    carried = carry.take(request.path)
    if carried is None:
        return _page(response_id)
    return _page(response_id, carried["form"].get("draft", ""), carried["errors"],
                 message=carried["message"])  # fmt: skip


@bp.post("/responses/<int:response_id>/thread")
@roles(*STAFF)
def reply(response_id: int) -> Any:
    draft = request.form.get("body", "")
    try:
        with db.transaction() as session:
            conversation.reply_as_staff(
                session, current_app.config, response_id, current_user, draft
            )
    except InvalidInput as exc:  # post/redirect/get, the error once beside the reply box
        page, errors = (
            url_for("thread.show", response_id=response_id),
            carry.once(exc.message, exc.fields),
        )
        if carry.keep(page, "reply", errors, exc.message, {"draft": draft}):
            return redirect(page + "#body", code=303)
        return _page(response_id, draft, errors, 422, exc.message)
    flash("Reply sent; it is queued for email.", "success")
    return redirect(url_for("thread.show", response_id=response_id) + "#latest")
