"""The outbox as an operator works with it: a filtered, paginated list of emails and webhook
deliveries, and retry or cancel for the ones that failed.

Retrying puts the row back in the queue the delivery jobs read, with its attempts reset so the
backoff starts over; nothing is sent from here. A contact who has since unsubscribed, bounced
or reported spam is never retried: suppression wins over an operator's click.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from feedback.mail.substitutions import apply_substitutions
from feedback.models import (
    Contact,
    EmailContent,
    Invitation,
    OutboxEmail,
    SurveyProgram,
    WebhookDelivery,
    WebhookEndpoint,
)
from feedback.models.delivery import OUTBOX_STATUSES
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.paging import paginate

# Every status in words, shown on the page beside the list (the issue: "Held" meant nothing).
EMAIL_STATUS_HELP: dict[str, str] = {
    "held": "A reminder waiting for its day. The send-reminders job releases it to the queue "
    "on that day, or cancels it if the customer answered or unsubscribed meanwhile.",
    "queued": "Waiting for the deliver-email job (every 15 seconds), or for its next attempt "
    "after a temporary refusal by the mail provider.",
    "sent": "Accepted by the mail provider; its message id is shown. Delivery, bounces and "
    "opens arrive later as events.",
    "failed": "Refused for good by the provider, or given up after repeated temporary errors. "
    "Retry puts it back in the queue; cancel closes it.",
    "cancelled": "Will never be sent: the customer unsubscribed, bounced or answered, or an "
    "admin cancelled it.",
}
WEBHOOK_STATUSES = ("pending", "delivered", "failed")
WEBHOOK_STATUS_HELP: dict[str, str] = {
    "pending": "Waiting for the deliver-webhooks job (every 30 seconds), or for its next "
    "attempt after a 408, 429, 5xx or no answer. Cancel stops it.",
    "delivered": "The receiver answered 2xx.",
    "failed": "Refused with another 4xx or a redirect, given up after 8 attempts, or its "
    "endpoint was disabled or an admin cancelled it. Retry sends it again.",
}
# Cancelling is for what has not been sent and is not in a provider request right now.
CANCELLABLE = ("failed", "held", "queued")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def list_emails(
    session: Session,
    *,
    status: str | None = None,
    program_id: int | None = None,
    recipient: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[OutboxEmail], int]:
    """Outbox emails, newest first, by status, program (through the invitation) and recipient."""
    if status and status not in OUTBOX_STATUSES:
        raise InvalidInput(
            f"Unknown status {status!r}.",
            {"status": [f"Choose one of {', '.join(OUTBOX_STATUSES)}."]},
        )
    query = select(OutboxEmail).order_by(OutboxEmail.id.desc())
    if status:
        query = query.where(OutboxEmail.status == status)
    if program_id is not None:
        query = query.join(Invitation, Invitation.id == OutboxEmail.invitation_id).where(
            Invitation.program_id == program_id
        )
    if recipient and recipient.strip():
        query = query.where(func.lower(OutboxEmail.to_email).like(_like(recipient.strip()), "\\"))
    return paginate(session, query, page, per_page)


def program_names(session: Session, emails: list[OutboxEmail]) -> dict[int, str]:
    """The program of each listed email that belongs to an invitation, by outbox id."""
    ids = [e.invitation_id for e in emails if e.invitation_id]
    if not ids:
        return {}
    rows = session.execute(
        select(Invitation.id, SurveyProgram.name)
        .join(SurveyProgram, SurveyProgram.id == Invitation.program_id)
        .where(Invitation.id.in_(ids))
    )
    by_invitation = {inv: name for inv, name in rows}
    return {
        e.id: by_invitation[e.invitation_id] for e in emails if e.invitation_id in by_invitation
    }


def program_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(SurveyProgram.id, SurveyProgram.name).order_by(SurveyProgram.name)
    )
    return [(program_id, name) for program_id, name in rows]


def _email(session: Session, outbox_id: int) -> OutboxEmail:
    row = session.get(OutboxEmail, outbox_id)
    if row is None:
        raise NotFound(f"There is no email with id {outbox_id} in the outbox.")
    return row


def retry_email(session: Session, outbox_id: int, now: datetime | None = None) -> OutboxEmail:
    """Queue a failed email again, attempts from zero; refused for a suppressed contact."""
    row = _email(session, outbox_id)
    if row.status != "failed":
        raise Conflict(
            f"Email {outbox_id} is {row.status}, not failed; only a failed email is retried."
        )
    contact = session.get(Contact, row.contact_id) if row.contact_id else None
    if contact is None:
        contact = session.scalar(
            select(Contact).where(func.lower(Contact.email) == row.to_email.lower())
        )
    if contact is not None and (contact.unsubscribed or contact.bounced or contact.spam_reported):
        why = (
            "unsubscribed"
            if contact.unsubscribed
            else "bounced"
            if contact.bounced
            else "reported spam"
        )
        raise Conflict(
            f"{row.to_email} has {why}; we do not email them again, so it was not retried."
        )
    row.status = "queued"
    row.attempts = 0
    row.next_attempt_at = now or datetime.now(UTC)
    row.claimed_by = None
    row.claimed_until = None
    row.sending_at = None
    session.flush()
    return row


def cancel_email(session: Session, outbox_id: int, now: datetime | None = None) -> OutboxEmail:
    """Close an email that was not sent: it will never go out."""
    row = _email(session, outbox_id)
    now = now or datetime.now(UTC)
    if row.status not in CANCELLABLE:
        raise Conflict(
            f"Email {outbox_id} is {row.status}; only a failed, held or queued email is cancelled."
        )
    claimed = row.claimed_until is not None and row.claimed_until > now
    if row.status == "queued" and (row.sending_at is not None or claimed):
        raise Conflict(
            f"Email {outbox_id} is with the mail provider right now; try again in a minute."
        )
    row.status = "cancelled"
    row.last_error = (row.last_error + "\n" if row.last_error else "") + "cancelled by an admin"
    session.flush()
    return row


def list_deliveries(
    session: Session,
    *,
    status: str | None = None,
    endpoint_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[WebhookDelivery], int]:
    """Webhook deliveries, newest first, by status and endpoint."""
    if status and status not in WEBHOOK_STATUSES:
        raise InvalidInput(
            f"Unknown status {status!r}.",
            {"status": [f"Choose one of {', '.join(WEBHOOK_STATUSES)}."]},
        )
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
    if status:
        query = query.where(WebhookDelivery.status == status)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return paginate(session, query, page, per_page)


def _delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"There is no webhook delivery with id {delivery_id}.")
    return row


def retry_delivery(
    session: Session, delivery_id: int, now: datetime | None = None
) -> WebhookDelivery:
    """Send a failed delivery again, attempts from zero; its endpoint must be active."""
    row = _delivery(session, delivery_id)
    if row.status != "failed":
        raise Conflict(
            f"Delivery {delivery_id} is {row.status}, not failed; only a failed one is retried."
        )
    endpoint = session.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or not endpoint.active:
        raise Conflict(
            f"Webhook {row.endpoint_id} is disabled; enable it before retrying its deliveries."
        )
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now or datetime.now(UTC)
    row.claimed_by = None
    row.claimed_until = None
    session.flush()
    return row


def cancel_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    """Stop a pending delivery for good (it stays in the list as failed, cancelled by an admin)."""
    row = _delivery(session, delivery_id)
    if row.status != "pending":
        raise Conflict(f"Delivery {delivery_id} is {row.status}; only a pending one is cancelled.")
    row.status = "failed"
    row.last_error = "cancelled by an admin"
    row.claimed_by = None
    row.claimed_until = None
    session.flush()
    return row


def page_count(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def as_filters(**values: Any) -> dict[str, Any]:
    """The filters worth carrying in the pager's links (the empty ones are not)."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def mailbox(
    session: Session,
    *,
    recipient: str | None = None,
    subject: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[tuple[OutboxEmail, str]], int]:
    """The dev mailbox: queued and sent emails, newest first, with the subject each recipient
    sees; searched by recipient and by the subject's shared wording (the per-recipient parts
    of a subject, such as a name, are substitutions and not searched)."""
    query = (
        select(OutboxEmail)
        .join(EmailContent, OutboxEmail.content_id == EmailContent.id)
        .where(OutboxEmail.status.in_(("sent", "queued")))
        .order_by(OutboxEmail.id.desc())
    )
    if recipient and recipient.strip():
        query = query.where(func.lower(OutboxEmail.to_email).like(_like(recipient.strip()), "\\"))
    if subject and subject.strip():
        query = query.where(func.lower(EmailContent.subject).like(_like(subject.strip()), "\\"))
    rows, total = paginate(session, query.options(joinedload(OutboxEmail.content)), page, per_page)
    return [
        (row, apply_substitutions(row.content.subject, row.substitutions)) for row in rows
    ], total
