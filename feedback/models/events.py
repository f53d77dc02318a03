"""What happened to our emails and to a contact's consent: the mail provider's delivery events
(SendGrid's event webhook) and the unsubscribes and resubscribes made on our own pages.

Provider events are kept once each, keyed by SendGrid's `sg_event_id`, because SendGrid posts
at least once and retries; our own changes (link, one-click) have no provider id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, utcnow

# webhook: SendGrid's event webhook; link: the unsubscribe page's form; one-click: an RFC 8058
# POST sent by the mailbox provider; staff: a person changed it by hand.
EVENT_SOURCES = ("webhook", "link", "one-click", "staff")


class EmailEvent(Base):
    __tablename__ = "email_events"
    __table_args__ = (
        CheckConstraint("source IN ('webhook', 'link', 'one-click', 'staff')", name="source"),
        # Covers the funnel's opens and clicks since a date (services.funnel).
        Index("ix_email_events_event_occurred", "event", "occurred_at", "invitation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sg_event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    # processed, delivered, open, click, bounce, dropped, deferred, spamreport, unsubscribe,
    # group_unsubscribe (SendGrid's words); resubscribe for our own page.
    event: Mapped[str] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    outbox_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_emails.id", ondelete="SET NULL"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    occurred_at: Mapped[datetime]
    bounce_type: Mapped[str | None] = mapped_column(String(32))  # bounce (hard) or blocked
    reason: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
