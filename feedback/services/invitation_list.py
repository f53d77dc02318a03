"""Invitations as an integrator sees them: filtered, paginated, each with where its emails are
and what the mail provider told us about them.

An invitation's status is read from its own dates, in one order: responded, then expired
(the link no longer works), then delivered, sent, and pending (waiting in the outbox). The
same order is the SQL filter, so a listed status and a filtered status never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from feedback.models import EmailEvent, Invitation, OutboxEmail
from feedback.models.delivery import OUTBOX_STATUSES
from feedback.services.paging import paginate

STATUSES = ("pending", "sent", "delivered", "responded", "expired")
EMAIL_STATUSES = OUTBOX_STATUSES


def status_of(invitation: Invitation, now: datetime) -> str:
    """The one status an invitation is in now (see the module's order)."""
    if invitation.responded_at is not None:
        return "responded"
    if invitation.expires_at < now:
        return "expired"
    if invitation.delivered_at is not None:
        return "delivered"
    if invitation.sent_at is not None:
        return "sent"
    return "pending"


def _status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """status_of() as SQL, condition by condition in the same order."""
    open_ = and_(Invitation.responded_at.is_(None), Invitation.expires_at >= now)
    conditions: dict[str, ColumnElement[bool]] = {
        "responded": Invitation.responded_at.is_not(None),
        "expired": and_(Invitation.responded_at.is_(None), Invitation.expires_at < now),
        "delivered": and_(open_, Invitation.delivered_at.is_not(None)),
        "sent": and_(open_, Invitation.delivered_at.is_(None), Invitation.sent_at.is_not(None)),
        "pending": and_(open_, Invitation.delivered_at.is_(None), Invitation.sent_at.is_(None)),
    }
    return conditions[status]


@dataclass
class InvitationView:
    """An invitation with its status, its outbox emails and its delivery events."""

    invitation: Invitation
    status: str
    emails: list[OutboxEmail] = field(default_factory=list)
    events: list[EmailEvent] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.invitation, name)


def list_invitations(
    session: Session,
    *,
    program_id: int | None = None,
    contact_id: int | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[InvitationView], int]:
    """Invitations, newest first; `since`/`until` bound when they were created."""
    now = now or datetime.now(UTC)
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if program_id is not None:
        query = query.where(Invitation.program_id == program_id)
    if contact_id is not None:
        query = query.where(Invitation.contact_id == contact_id)
    if status is not None:
        query = query.where(_status_condition(status, now))
    if since is not None:
        query = query.where(Invitation.created_at >= since)
    if until is not None:
        query = query.where(Invitation.created_at < until)
    rows, total = paginate(session, query, page, per_page)
    views = [InvitationView(row, status_of(row, now)) for row in rows]
    _attach_deliveries(session, views)
    return views, total


def _attach_deliveries(session: Session, views: list[InvitationView]) -> None:
    """Two queries for the whole page, not two per invitation."""
    by_id = {v.invitation.id: v for v in views}
    if not by_id:
        return
    emails: dict[int, list[OutboxEmail]] = defaultdict(list)
    for email in session.scalars(
        select(OutboxEmail).where(OutboxEmail.invitation_id.in_(by_id)).order_by(OutboxEmail.id)
    ):
        emails[email.invitation_id or 0].append(email)
    events: dict[int, list[EmailEvent]] = defaultdict(list)
    for event in session.scalars(
        select(EmailEvent)
        .where(EmailEvent.invitation_id.in_(by_id))
        .order_by(EmailEvent.occurred_at, EmailEvent.id)
    ):
        events[event.invitation_id or 0].append(event)
    for invitation_id, view in by_id.items():
        view.emails = emails.get(invitation_id, [])
        view.events = events.get(invitation_id, [])
