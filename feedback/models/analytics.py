"""Comment analytics: what each comment says (sentiment, language, themes, mismatch), the
theme taxonomy admins edit, phrases proposed as new themes, and the re-tagging progress.

The analysis lives beside the response (one row per response) rather than in its columns, so
the capture tables stay as they are and a re-analysis rewrites only these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from feedback.db import Base, JSONType, utcnow
from feedback.models.conversation import Response
from feedback.models.org import Team

LABELS = ("negative", "neutral", "positive")
PROPOSAL_STATUSES = ("proposed", "accepted", "dismissed")


class ResponseAnalysis(Base):
    """The analysis of a response's comment; sentiment is null where it was not English."""

    __tablename__ = "response_analysis"
    __table_args__ = (
        CheckConstraint(
            "sentiment_label IS NULL OR sentiment_label IN ('negative', 'neutral', 'positive')",
            name="label",
        ),
        Index("ix_response_analysis_mismatch", "mismatch"),
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str | None] = mapped_column(String(8))  # ISO 639-1; None: unknown
    sentiment_polarity: Mapped[float | None] = mapped_column(Float)
    sentiment_subjectivity: Mapped[float | None] = mapped_column(Float)
    sentiment_label: Mapped[str | None] = mapped_column(String(16))
    # [{"phrase": "crashes", "contribution": -0.37}, ...]: why the score came out as it did
    sentiment_drivers: Mapped[list[dict[str, Any]] | None]
    analyzer_version: Mapped[str | None] = mapped_column(String(200))
    mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    mismatch_reason: Mapped[str | None] = mapped_column(String(300))
    analyzed_at: Mapped[datetime] = mapped_column(default=utcnow)

    # A backref keeps the capture model untouched: response.analysis
    response: Mapped[Response] = relationship(
        backref=backref(
            "analysis", uselist=False, cascade="all, delete-orphan", passive_deletes=True
        )
    )


class Theme(Base):
    """One topic of the taxonomy, the keywords that find it, and the team that owns it."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    owner_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner_team: Mapped[Team | None] = relationship()


class ResponseTheme(Base):
    """A theme a comment mentions, where (spans into the comment), and how it felt about it."""

    __tablename__ = "response_themes"
    __table_args__ = (
        UniqueConstraint("response_id", "theme_id", name="uq_response_themes_response_theme"),
        CheckConstraint(
            "label IS NULL OR label IN ('negative', 'neutral', 'positive')", name="label"
        ),
        Index("ix_response_themes_theme_label", "theme_id", "label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    spans: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # [{start, end, keyword}]
    polarity: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(16))

    theme: Mapped[Theme] = relationship(lazy="joined")
    response: Mapped[Response] = relationship(
        backref=backref(
            "theme_tags",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="ResponseTheme.id",
        )
    )


class ThemeProposal(Base):
    """A recurring phrase from unhappy comments that no theme covers, for an admin to judge."""

    __tablename__ = "theme_proposals"
    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'accepted', 'dismissed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200))
    stems: Mapped[str] = mapped_column(String(200), unique=True)  # space-joined: the identity
    count: Mapped[int] = mapped_column(Integer, default=0)
    examples: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None]


class AnalysisProgress(Base):
    """Where a pass over all comments stands, so a killed run continues where it stopped.

    `generation` goes up on every taxonomy edit; a run that finds it changed starts over.
    """

    __tablename__ = "analysis_progress"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "retag"
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    last_response_id: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
