"""Invitations and the email outbox: every email is a row before it is a request.

An invitation and its outbox email are written in one transaction; the delivery job claims
outbox rows with a lease, so a killed worker's batch is retried and none is sent twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base, utcnow
from feedback.models.customers import Contact
from feedback.models.programs import SurveyProgram

FUNNEL_COLUMNS = (
    "id",
    "program_id",
    "delivered_at",
    "last_opened_at",
    "last_clicked_at",
    "answered",
    "commented",
)


class Invitation(Base):
    """One survey sent to one contact for one program wave (or onboarding milestone)."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("program_id", "contact_id", "wave_key", name="uq_invitations_wave"),
        # Both cover the dashboard's funnel (services.funnel): the invitations of a date range,
        # or of a segment's contacts, counted from the index alone.
        Index("ix_invitations_contact_sent", "contact_id", "sent_at", *FUNNEL_COLUMNS),
        Index("ix_invitations_sent_funnel", "sent_at", "contact_id", *FUNNEL_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("survey_programs.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    wave_key: Mapped[str] = mapped_column(String(80))
    milestone: Mapped[str | None] = mapped_column(String(40))
    # Opaque random tokens, stored as SHA-256: the links and the reply address carry the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reply_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    # The latest open and click SendGrid reported (services.suppression stamps them with each
    # event it stores), so the dashboard's funnel counts opens without scanning the events.
    last_opened_at: Mapped[datetime | None]
    last_clicked_at: Mapped[datetime | None]
    # Whether the invitation has a response, and whether that response has a comment, so the
    # funnel counts answers without joining the responses. Kept by the database itself (a
    # trigger on responses, migration a7c2e9f1b3d4): every path that inserts, edits or deletes
    # a response (capture, replies, API, imports, privacy, raw SQL) keeps them exact, and the
    # application never writes them.
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    commented: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    program: Mapped[SurveyProgram] = relationship()
    contact: Mapped[Contact] = relationship()


class EmailContent(Base):
    """Subject and bodies shared by many emails; per-recipient parts are substitutions.

    Sharing one content lets SendGrid send 1,000 recipients in one request.
    """

    __tablename__ = "email_contents"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    from_email: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str] = mapped_column(String(120))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# held: a reminder waiting for its day, released (or cancelled) by the send-reminders job.
OUTBOX_STATUSES = ("held", "queued", "sent", "failed", "cancelled")


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint(
            "status IN ('held', 'queued', 'sent', 'failed', 'cancelled')", name="status"
        ),
        Index("ix_outbox_emails_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # invitation, reminder, reply, digest, ...
    content_id: Mapped[int] = mapped_column(ForeignKey("email_contents.id"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    to_email: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(200))
    substitutions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    # The "sending" mark, committed just before the provider request: a queued row that has it
    # was in a request whose outcome we never learned (the worker died), see services/delivery.
    sending_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    content: Mapped[EmailContent] = relationship()
