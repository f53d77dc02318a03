"""Responses and the conversation around each invitation.

A response is one per invitation: clicking again, double clicks and two tabs change it, never
duplicate it. Every change is kept in score_changes, with whether it counted and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base, utcnow
from feedback.models.customers import Contact
from feedback.models.delivery import Invitation


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="score_range"),
        CheckConstraint("scale IN ('nps', 'effort', 'closeness')", name="scale"),
        CheckConstraint("status IN ('provisional', 'confirmed')", name="status"),
        Index("ix_responses_program_answered", "program_id", "answered_at"),
        Index("ix_responses_account_answered", "account_id", "answered_at"),
        # The explorer's keyset order, and its full-text search (PostgreSQL only; the
        # expression is the one services/dialects.py queries with).
        Index("ix_responses_answered_id", "answered_at", "id"),
        Index(
            "ix_responses_comment_fts",
            func.to_tsvector(
                literal_column("'simple'::regconfig"),
                func.coalesce(text("comment"), literal_column("''")),
            ),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        # Covers the dashboard's counts (services.nps_report): read from the index alone.
        Index(
            "ix_responses_scale_answered",
            "scale",
            "answered_at",
            "category",
            "account_id",
            "program_id",
        ),  # fmt: skip
        # The comments the analyze-responses job has still to analyse, and only those.
        Index(
            "ix_responses_analysis_pending",
            "id",
            postgresql_where=text("analysis_pending"),
            sqlite_where=text("analysis_pending"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("survey_programs.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # The question kind answered (feedback/questions.py): only "nps" answers count as NPS.
    scale: Mapped[str] = mapped_column(String(16), default="nps")
    score: Mapped[int | None]
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="provisional")
    comment: Mapped[str | None] = mapped_column(Text)
    success_definition: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The comment changed and is not analysed yet: the survey page leaves the analysis
    # (language, sentiment, themes) to a job, so a customer's answer is stored at once.
    analysis_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    invitation: Mapped[Invitation] = relationship()
    contact: Mapped[Contact] = relationship()


class ScoreChange(Base):
    """Every score hit on a survey link, human or scanner, kept as evidence."""

    __tablename__ = "score_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))  # click, page, reply, api
    counted: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(200), default="")
    user_agent: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One turn of the conversation with a customer, in either direction."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('outbound', 'inbound')", name="direction"),
        Index("ix_messages_thread", "invitation_id", "created_at", "id"),
        Index(
            "ix_messages_inbound_body_fts",
            func.to_tsvector(
                literal_column("'simple'::regconfig"),
                func.coalesce(text("body"), literal_column("''")),
            ),
            postgresql_using="gin",
            postgresql_where=text("direction = 'inbound'"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))  # invitation, score, comment, question, reply
    channel: Mapped[str] = mapped_column(String(16))  # email, page, click, reply
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    outbox_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_emails.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
