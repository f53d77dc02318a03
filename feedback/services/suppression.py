"""Contacts who must never be emailed again, from three doors: the unsubscribe page, the
one-click unsubscribe a mailbox provider sends (RFC 8058), and SendGrid's event webhook
(hard bounces, spam reports, unsubscribes).

Suppressing a contact sets its flag and cancels whatever is still waiting in the outbox for
it, in the caller's transaction, so no email is sent after the answer "you are unsubscribed".
Each change leaves an EmailEvent behind: the provider's own event, or one of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from feedback.db import utcnow
from feedback.models import Contact, EmailEvent, Invitation, OutboxEmail
from feedback.models.privacy import ErasedEmail
from feedback.privacy import email_hash, is_erased_address
from feedback.services import dialects
from feedback.services.errors import InvalidInput, NotFound
from feedback.tokens import hash_token, looks_like_token

log = logging.getLogger(__name__)

# The Contact flag each reason sets, and the event name our own audit rows carry for it.
REASON_EVENTS = {"unsubscribed": "unsubscribe", "bounced": "bounce", "spam_reported": "spamreport"}
# Outbox rows not yet handed to the provider: 'held' reminders and 'queued' emails.
WAITING = ("held", "queued")
# SendGrid drops a message when the address is on its own suppression lists; those lists
# know something we must honour too.
DROPPED_REASONS = {
    "bounced address": "bounced",
    "spam reporting address": "spam_reported",
    "unsubscribed address": "unsubscribed",
}


def suppress(
    session: Session,
    contact: Contact,
    reason: str,
    source: str,
    *,
    invitation_id: int | None = None,
    detail: str | None = None,
    audit: bool = True,
) -> int:
    """Never email this contact again for `reason` (unsubscribed, bounced, spam_reported).

    Cancels the contact's waiting outbox emails and, when `audit` is set and the flag changes,
    records an EmailEvent from `source` (link, one-click, staff). The webhook passes
    audit=False: the provider's event it has just stored is the record. Returns the number of
    emails cancelled.
    """
    if reason not in REASON_EVENTS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    changed = not getattr(contact, reason)
    setattr(contact, reason, True)
    if changed and audit:
        session.add(
            EmailEvent(
                source=source, event=REASON_EVENTS[reason], email=contact.email,
                contact_id=contact.id, invitation_id=invitation_id, occurred_at=utcnow(),
                reason=detail, raw={},
            )
        )  # fmt: skip
    result = session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.status.in_(WAITING),
            or_(OutboxEmail.contact_id == contact.id, OutboxEmail.to_email == contact.email),
        )
        .values(status="cancelled", last_error=f"not sent: contact {reason} ({source})")
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return result.rowcount or 0


def resubscribe(
    session: Session, contact: Contact, source: str, *, invitation_id: int | None = None
) -> bool:
    """Undo an unsubscribe ("I clicked by mistake"). Bounces and spam reports stay: those
    are facts about the mailbox, not a choice the person can take back on our page."""
    if not contact.unsubscribed or _erased(session, contact):
        return False  # an erased person is never surveyed again, whatever link they kept
    contact.unsubscribed = False
    session.add(
        EmailEvent(
            source=source, event="resubscribe", email=contact.email, contact_id=contact.id,
            invitation_id=invitation_id, occurred_at=utcnow(), raw={},
        )
    )  # fmt: skip
    session.flush()
    return True


def _erased(session: Session, contact: Contact) -> bool:
    key = email_hash(contact.email)
    return is_erased_address(contact.email) or session.get(ErasedEmail, key) is not None


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation whose survey link carries this token (expired ones too: an unsubscribe
    link must keep working long after the survey closed)."""
    if not looks_like_token(token):
        return None
    return session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def unsubscribe_by_token(session: Session, token: str, source: str = "link") -> Invitation:
    """Unsubscribe the contact of the invitation behind this link token."""
    invitation = find_invitation(session, token)
    if invitation is None:
        raise NotFound("This unsubscribe link is not valid.")
    suppress(session, invitation.contact, "unsubscribed", source, invitation_id=invitation.id)
    return invitation


def resubscribe_by_token(session: Session, token: str, source: str = "link") -> Invitation:
    invitation = find_invitation(session, token)
    if invitation is None:
        raise NotFound("This unsubscribe link is not valid.")
    resubscribe(session, invitation.contact, source, invitation_id=invitation.id)
    return invitation


def record_events(session: Session, events: Any) -> dict[str, int]:
    """Store a batch of SendGrid webhook events once each and act on the new ones.

    SendGrid posts at least once, so an event already stored (same sg_event_id) is skipped
    whole: a replayed unsubscribe must not undo a later resubscribe. A batch holds up to
    thousands of events and SendGrid waits for the answer, so lookups and inserts go by the
    batch, not by the event. Returns counts.
    """
    if not isinstance(events, list) or not all(isinstance(e, Mapping) for e in events):
        raise InvalidInput("Expected a JSON array of event objects.")
    rows = _event_rows(session, events)
    new = _insert_new(session, rows)
    contacts = _by_id(session, Contact, {r["contact_id"] for r in new if r["contact_id"]})
    delivered = {r["invitation_id"] for r in new if r["event"] == "delivered"}
    invitations = _by_id(session, Invitation, {i for i in delivered if i})
    suppressed = sum(_apply(session, row, contacts, invitations) for row in new)
    _stamp_engagement(session, new)
    session.flush()
    return {"recorded": len(new), "duplicates": len(rows) - len(new), "suppressed": suppressed}


# The invitation column that keeps the latest of each engagement event (the funnel reads it).
ENGAGEMENT_STAMPS = {"open": "last_opened_at", "click": "last_clicked_at"}


def _stamp_engagement(session: Session, rows: list[dict[str, Any]]) -> None:
    """Move each invitation's last open and last click forward to the new events' times.

    One UPDATE per invitation and kind, each keeping the later of the stored time and the
    new one, so two posts stamping the same invitation at once leave the latest either way.
    """
    latest: dict[tuple[str, int], datetime] = {}
    for row in rows:
        column = ENGAGEMENT_STAMPS.get(row["event"])
        if column is None or row["invitation_id"] is None:
            continue
        key = (column, row["invitation_id"])
        if key not in latest or row["occurred_at"] > latest[key]:
            latest[key] = row["occurred_at"]
    table = Invitation.__table__
    for column in ENGAGEMENT_STAMPS.values():
        params = [{"b_id": i, "b_at": at} for (c, i), at in sorted(latest.items()) if c == column]
        if not params:
            continue
        stored = table.c[column]
        at = bindparam("b_at", type_=stored.type)
        later = case((or_(stored.is_(None), stored < at), at), else_=stored)
        session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values({column: later}), params
        )


def _event_rows(session: Session, events: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    outbox_ids = {i for i in (_int(e.get("outbox_id")) for e in events) if i is not None}
    outboxes = _by_id(session, OutboxEmail, outbox_ids)
    rows = []
    now = utcnow()
    for item in events:
        email = _text(item.get("email"), 254)
        email = email.lower() if email else None
        outbox = outboxes.get(_int(item.get("outbox_id")))
        if outbox is not None and email and outbox.to_email.lower() != email:
            log.warning("event for %s names outbox email %s sent elsewhere", email, outbox.id)
            outbox = None  # trust the address SendGrid reports, not a mismatched custom arg
        rows.append({
            "sg_event_id": _text(item.get("sg_event_id"), 100),
            "source": "webhook",
            "event": _text(item.get("event"), 32) or "unknown",
            "email": email,
            "contact_id": outbox.contact_id if outbox is not None else None,
            "outbox_email_id": outbox.id if outbox is not None else None,
            "invitation_id": outbox.invitation_id if outbox is not None else None,
            "occurred_at": _timestamp(item.get("timestamp")),
            "bounce_type": _text(item.get("type"), 32),
            "reason": _text(item.get("reason") or item.get("response"), 2000),
            "raw": dict(item),
            "created_at": now,
        })  # fmt: skip
    emails = {r["email"] for r in rows if r["contact_id"] is None and r["email"]}
    contact_ids: dict[str, int] = {}
    for chunk in _chunks(sorted(emails)):
        stmt = select(Contact.email, Contact.id).where(Contact.email.in_(chunk))
        contact_ids.update({email: cid for email, cid in session.execute(stmt)})
    for row in rows:
        if row["contact_id"] is None and row["email"]:
            row["contact_id"] = contact_ids.get(row["email"])
    return rows


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the rows whose sg_event_id is not stored yet; return those, in batch order.

    INSERT ... ON CONFLICT DO NOTHING RETURNING also settles two deliveries of one post
    racing each other: the second waits for the first and then inserts nothing.
    """
    table = EmailEvent.__table__
    insert = dialects.insert_for(session)
    seen: set[str] = set()
    keyed, unkeyed = [], []
    for row in rows:
        if row["sg_event_id"] is None:
            unkeyed.append(row)  # nothing to de-duplicate by; SendGrid always sends one
        elif row["sg_event_id"] not in seen:
            seen.add(row["sg_event_id"])
            keyed.append(row)
    inserted: set[str] = set()
    for chunk in _chunks(keyed, 500):
        stmt = (
            insert(table)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=[table.c.sg_event_id])
            .returning(table.c.sg_event_id)
        )
        inserted.update(session.execute(stmt).scalars())
    if unkeyed:
        session.execute(sa_insert(table), unkeyed)
    return [r for r in keyed if r["sg_event_id"] in inserted] + unkeyed


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in _chunks(sorted(ids)):
        found.update(
            {row.id: row for row in session.scalars(select(model).where(model.id.in_(chunk)))}
        )
    return found


def _chunks(items: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _apply(
    session: Session,
    row: dict[str, Any],
    contacts: dict[int, Contact],
    invitations: dict[int, Invitation],
) -> bool:
    """Act on one new event; True when it suppressed a contact."""
    event = row["event"]
    if event == "delivered":
        invitation = invitations.get(row["invitation_id"])
        if invitation is not None and invitation.delivered_at is None:
            invitation.delivered_at = row["occurred_at"]
        return False
    reason = None
    if event == "bounce" and (row["bounce_type"] or "bounce") == "bounce":
        reason = "bounced"  # a hard bounce; 'blocked' is temporary and SendGrid retries
    elif event == "spamreport":
        reason = "spam_reported"
    elif event in ("unsubscribe", "group_unsubscribe"):
        reason = "unsubscribed"
    elif event == "dropped":
        reason = DROPPED_REASONS.get((row["reason"] or "").strip().lower())
    contact = contacts.get(row["contact_id"])
    if reason is None or contact is None:
        return False
    suppress(session, contact, reason, "webhook", invitation_id=row["invitation_id"], audit=False)
    return True


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()
