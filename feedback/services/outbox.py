"""Putting emails in the outbox: the only way anything leaves this service by email.

Callers enqueue inside the transaction that caused the email (an invitation, a reply), so
either both are saved or neither is. The delivery job sends what is queued.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.mail.render import RenderedEmail
from feedback.models import EmailContent, OutboxEmail
from feedback.services import dialects
from feedback.services.bulk_rows import RowWriter
from feedback.services.errors import NotFound


def content_for(session: Session, email: RenderedEmail) -> EmailContent:
    """The stored content with these exact parts, created once and shared by every recipient."""
    parts = [
        email.from_email,
        email.from_name,
        email.reply_to or "",
        email.subject,
        email.html,
        email.text,
    ]
    fingerprint = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    by_fingerprint = select(EmailContent).where(EmailContent.fingerprint == fingerprint)
    content = session.scalar(by_fingerprint)
    if content is None:
        # Two web processes inviting at once both find no row; ON CONFLICT lets the second
        # wait for the first and share its row instead of failing on the unique fingerprint.
        session.execute(
            dialects.insert_for(session)(EmailContent)
            .values(
                fingerprint=fingerprint, from_email=email.from_email, from_name=email.from_name,
                reply_to=email.reply_to, subject=email.subject, html=email.html, text=email.text,
            )
            .on_conflict_do_nothing(index_elements=[EmailContent.fingerprint])
        )  # fmt: skip
        content = session.scalars(by_fingerprint).one()
    return content


def enqueue(
    session: Session,
    *,
    kind: str,
    content: EmailContent,
    to_email: str,
    to_name: str | None = None,
    substitutions: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    invitation_id: int | None = None,
    contact_id: int | None = None,
) -> OutboxEmail:
    row = OutboxEmail(
        kind=kind,
        content_id=content.id,
        to_email=to_email,
        to_name=to_name,
        substitutions=dict(substitutions or {}),
        headers=dict(headers or {}),
        invitation_id=invitation_id,
        contact_id=contact_id,
    )
    session.add(row)
    return row


def enqueue_many(
    session: Session, rows: list[dict[str, Any]], writer: RowWriter | None = None
) -> None:
    """Queue many emails at once (dispatch writes thousands per run): COPY on PostgreSQL.

    Each row holds OutboxEmail columns, the same keys in every row (kind, content_id,
    to_email, ...). No objects come back: callers that need a row use enqueue(). With a
    `writer`, the rows go with its page (bulk_rows), written when the caller starts it.
    """
    if writer is not None:
        writer.add(OutboxEmail.__table__, rows)
    elif rows:
        dialects.insert_rows(session, OutboxEmail.__table__, rows)


# ---------------------------------------------------------------- reading, for admins


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status))
    return {status: count for status, count in rows}


def failed_emails(session: Session, limit: int = 200) -> list[OutboxEmail]:
    """The newest emails the provider refused, with its message, for the outbox page."""
    return list(
        session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.status == "failed")
            .order_by(OutboxEmail.id.desc())
            .limit(limit)
        )
    )


def get_email(session: Session, outbox_id: int) -> OutboxEmail:
    """One email of the outbox, for the dev mailbox's message pages."""
    row = session.get(OutboxEmail, outbox_id)
    if row is None:
        raise NotFound(f"There is no email with id {outbox_id} in the outbox.")
    return row
