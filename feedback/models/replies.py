"""Email replies around a conversation.

reply_tokens: extra reply addresses (one per staff reply) that thread back to an invitation,
stored as SHA-256 like the invitation's own reply token.
inbound_emails: the email behind each inbound reply message, in full: the message keeps only
the customer's new words, so nothing quoted-away is ever lost.
unmatched_replies: replies we could not attach to a conversation, kept for an admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, utcnow


class ReplyToken(Base):
    __tablename__ = "reply_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundEmail(Base):
    """The full email of one inbound reply message.

    sender_matches is False when the From address is not the invitation's contact (a colleague
    answering, a forwarded mail): the reply is still threaded, and the page says who sent it.
    """

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    from_email: Mapped[str] = mapped_column(String(254))
    to_email: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")  # the HTML part as sent, if any
    headers: Mapped[str] = mapped_column(Text, default="")
    sender_matches: Mapped[bool] = mapped_column(default=True)
    # The reply's new words analysed like a survey comment. Sentiment stays null when the
    # language has no lexicon (language says which) or there were no new words.
    language: Mapped[str | None] = mapped_column(String(8))
    sentiment_polarity: Mapped[float | None] = mapped_column(Float)
    sentiment_label: Mapped[str | None] = mapped_column(String(16))
    sentiment_drivers: Mapped[list[dict[str, Any]] | None]
    analyzer_version: Mapped[str | None] = mapped_column(String(200))
    # [{"filename", "content_type", "size"}]: what was attached (the files are not kept)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # The email's Message-ID: SendGrid posts again when our answer is lost; store it once.
    email_message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnmatchedReply(Base):
    __tablename__ = "unmatched_replies"
    __table_args__ = (
        CheckConstraint(
            "resolution IS NULL OR resolution IN ('attached', 'dismissed')", name="resolution"
        ),
        Index("ix_unmatched_replies_open", "resolved_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_email: Mapped[str] = mapped_column(String(254), default="")
    to_email: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(32))  # no_token, unknown_token
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    email_message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
    resolved_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
