"""Outgoing webhooks: the endpoints other systems registered and the outbox of events for them.

webhook_endpoints: where to post, which event types, and the secret each delivery is signed
with. webhook_deliveries: one event for one endpoint, written in the same transaction as the
change it reports and sent (with retries) by the deliver-webhooks job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base, JSONType, utcnow

ENDPOINT_KINDS = ("signed", "slack", "teams")


class WebhookEndpoint(Base):
    """Where to post. `signed`: a system that subscribed to event types, posted our signed JSON.
    `slack` / `teams`: a department's chat incoming webhook, posted the message it expects
    (backlog digests), one per department."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(f"kind IN {ENDPOINT_KINDS!r}", name="kind"),
        Index("ix_webhook_endpoints_department", "department", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Kept in clear: we must sign with it. Shown once, when the endpoint is created.
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(16), default="signed", server_default="signed")
    department: Mapped[str | None] = mapped_column(String(120))


class WebhookDelivery(Base):
    """One event for one endpoint: written with the change, sent by the deliver-webhooks job."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
