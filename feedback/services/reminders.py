"""Survey reminders: each invitation's one reminder waits ("held") in the outbox for its day.

Released when the day comes, cancelled when it is no longer wanted: never after a response,
a suppression (eligibility's one rule) or once the survey link has expired.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import eligibility
from feedback.models import Contact, Invitation, OutboxEmail


def release_reminders(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Queue the reminders whose day has come, or cancel them when no longer wanted.

    Never after a response, an unsubscribe, a bounce or a spam report, and never once the
    survey link has expired.
    """
    now = now or datetime.now(UTC)
    rows = session.execute(
        select(OutboxEmail, Invitation, Contact)
        .join(Invitation, OutboxEmail.invitation_id == Invitation.id)
        .join(Contact, OutboxEmail.contact_id == Contact.id)
        .where(OutboxEmail.status == "held", OutboxEmail.next_attempt_at <= now)
        .with_for_update(skip_locked=True, of=OutboxEmail)
    ).all()
    counts = Counter[str]()
    for email, invitation, contact in rows:
        reason = None
        if invitation.responded_at is not None:
            reason = "responded"
        elif eligibility.is_suppressed(
            contact.unsubscribed, contact.bounced, contact.spam_reported
        ):
            reason = "suppressed"
        elif invitation.expires_at <= now:
            reason = "expired"
        elif invitation.sent_at is None:
            email.next_attempt_at = now + timedelta(hours=1)  # the invitation itself is late
            counts["waiting"] += 1
            continue
        if reason:
            email.status = "cancelled"
            email.last_error = f"reminder not sent: {reason}"
            counts[f"cancelled_{reason}"] += 1
        else:
            email.status = "queued"
            email.next_attempt_at = now
            counts["queued"] += 1
    session.flush()
    return dict(counts)


def cancel_reminders(session: Session, invitation_id: int) -> None:
    """A response came in: its reminder must never go out."""
    session.execute(cancelling_reminders(invitation_id))


def cancelling_reminders(invitation_id: Any) -> Any:
    """The UPDATE that cancels an invitation's reminders, for a caller that sends it together
    with its other writes; `invitation_id` may be a bound parameter (services.capture_rows
    builds the statement once)."""
    return (
        OutboxEmail.__table__.update()
        .where(
            OutboxEmail.invitation_id == invitation_id,
            OutboxEmail.kind == "reminder",
            OutboxEmail.status.in_(("held", "queued")),
        )
        .values(status="cancelled", last_error="reminder not sent: responded")
    )
