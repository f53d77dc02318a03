"""Closing the outer loop with customers: once an item ships, the customers whose responses
are linked to it hear "you asked, we changed it", once, in their language, in their thread.

A contact linked to several items shipped in the same week gets one email listing them all:
the tell-backlog-customers job sends after the shipping week has ended (Monday, UTC), so the
week's items are known. Unsubscribed, bounced and spam-reporting contacts are skipped. Every
email goes through the outbox in the transaction that records who was told, and lands in the
contact's conversation thread with a reply address, so a reply threads like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import backlog_impact as rules
from feedback.mail.render import REPLY_TOKEN, RenderedEmail, render
from feedback.mail.words import words_for
from feedback.models import (
    BacklogItem,
    BacklogNotice,
    BacklogResponse,
    Contact,
    Invitation,
    ReplyToken,
    Response,
)
from feedback.services import backlog, outbox, thread_turns
from feedback.services.errors import Conflict, InvalidInput
from feedback.tokens import hash_token, new_token

MAX_CUSTOMER_NOTE = 2000
KIND = "backlog_shipped"


def week_of(moment: datetime) -> date:
    return rules.week_start(moment.astimezone(UTC).date())


def set_customer_note(session: Session, item_id: int, actor: Any, note: str | None) -> BacklogItem:
    """The owner's words for the customers; fixed once anyone has been told."""
    item = backlog.get_item(session, item_id)
    backlog._require_change(actor, item)
    text = (note or "").strip()
    if not text:
        raise InvalidInput(
            "Write what changed, in words a customer understands.",
            {"customer_note": ["Write what changed."]},
        )
    if len(text) > MAX_CUSTOMER_NOTE:
        raise InvalidInput(
            "The note is too long.",
            {
                "customer_note": [
                    f"Keep it under {MAX_CUSTOMER_NOTE:,} characters; it goes into an email."
                ]
            },
        )
    if item.customers_told:
        raise Conflict("Customers have been told already; the note can no longer change.")
    item.customer_note = text
    backlog._event(item, "customer_note", actor, body=text)
    session.flush()
    return item


@dataclass(frozen=True)
class Recipient:
    contact: Contact
    invitation: Invitation  # the thread the notice lands in: their latest linked response's


def recipients(session: Session, item: BacklogItem) -> list[Recipient]:
    """Contacts of the item's linked responses who may be emailed, not yet told of it."""
    rows = session.execute(
        select(Contact, Invitation)
        .join(Response, Response.contact_id == Contact.id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(BacklogResponse, BacklogResponse.response_id == Response.id)
        .where(
            BacklogResponse.item_id == item.id,
            Contact.unsubscribed.is_(False),
            Contact.bounced.is_(False),
            Contact.spam_reported.is_(False),
            Contact.id.not_in(
                select(BacklogNotice.contact_id).where(BacklogNotice.item_id == item.id)
            ),
        )
        .order_by(Contact.id, Response.answered_at.desc(), Response.id.desc())
    ).all()
    seen: dict[int, Recipient] = {}
    for contact, invitation in rows:
        seen.setdefault(contact.id, Recipient(contact, invitation))
    return list(seen.values())


def render_notice(
    config: Mapping[str, Any], recipient: Recipient, notes: list[str]
) -> RenderedEmail:
    """The email exactly as sent: the preview calls this too."""
    invitation = recipient.invitation
    locale = invitation.locale or recipient.contact.locale or "en"
    words = words_for(locale)
    sender = invitation.program.sender_name
    return render(
        KIND,
        subject=words["shipped_subject"],
        from_email=str(config["MAIL_FROM"]).rsplit("<", 1)[-1].rstrip(">").strip(),
        from_name=sender,
        reply_to=f"reply+{REPLY_TOKEN}@{config['INBOUND_DOMAIN']}",
        locale=locale,
        t=words,
        notes=notes,
        customer_name=(recipient.contact.name or "").split(" ")[0] or None,
        sender_name=sender,
    )


def preview(
    session: Session, config: Mapping[str, Any], item: BacklogItem
) -> list[tuple[str, RenderedEmail]]:
    """One rendering per language among the customers still to tell, as each will get it."""
    if not item.customer_note:
        return []
    out: dict[str, RenderedEmail] = {}
    for recipient in recipients(session, item):
        locale = recipient.invitation.locale or recipient.contact.locale or "en"
        if locale not in out:
            out[locale] = render_notice(config, recipient, [item.customer_note])
    return sorted(out.items())


def tell_customers(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> dict[str, int]:
    """The job: one email per contact for every item shipped before this week, told once."""
    now = now or datetime.now(UTC)
    this_week = datetime.combine(week_of(now), time(), UTC)
    items = list(
        session.scalars(
            select(BacklogItem)
            .where(
                BacklogItem.status == "shipped",
                BacklogItem.customer_note.is_not(None),
                BacklogItem.status_changed_at < this_week,
            )
            .order_by(BacklogItem.status_changed_at, BacklogItem.id)
        )
    )
    by_contact: dict[int, tuple[Recipient, list[BacklogItem]]] = {}
    for item in items:
        for recipient in recipients(session, item):
            by_contact.setdefault(recipient.contact.id, (recipient, []))[1].append(item)
    for recipient, told_of in by_contact.values():
        email = render_notice(config, recipient, [i.customer_note or "" for i in told_of])
        token = new_token()
        invitation = recipient.invitation
        session.add(
            ReplyToken(token_hash=hash_token(token), invitation_id=invitation.id, created_at=now)
        )
        row = outbox.enqueue(
            session,
            kind=KIND,
            content=outbox.content_for(session, email),
            to_email=recipient.contact.email,
            to_name=recipient.contact.name,
            substitutions={REPLY_TOKEN: token},
            invitation_id=invitation.id,
            contact_id=recipient.contact.id,
        )
        session.flush()
        thread_turns.add_turn(
            session, invitation.id, "outbound", KIND, "email", email.text, now,
            outbox_email_id=row.id,
        )  # fmt: skip
        for item in told_of:
            session.add(
                BacklogNotice(
                    item_id=item.id,
                    contact_id=recipient.contact.id,
                    invitation_id=invitation.id,
                    outbox_email_id=row.id,
                    week=week_of(item.status_changed_at or now),
                    told_at=now,
                )
            )
            item.customers_told = (item.customers_told or 0) + 1
    session.flush()
    return {"emails": len(by_contact), "items": len(items)}


def pending(session: Session, item: BacklogItem) -> int:
    """How many customers are still to be told of this item."""
    return len(recipients(session, item))


def telling_on(item: BacklogItem) -> date | None:
    """The Monday the job tells the customers of a shipped item."""
    if item.status != "shipped" or item.status_changed_at is None:
        return None
    return week_of(item.status_changed_at) + timedelta(days=7)
