"""The outer loop: backlog items a department owns, the evidence linked to them, their history.

An item is the company's answer to a systemic cause (billing errors, a missing integration):
the responses and tasks that show it are linked, its impact figures are recomputed by the
refresh-backlog job and stored on the item so the ranked list is one indexed read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import backlog_impact
from feedback.db import Base, JSONType, utcnow
from feedback.models.analytics import Theme
from feedback.models.conversation import Response
from feedback.models.followup import Task
from feedback.models.org import Team, User

BACKLOG_STATUSES = backlog_impact.STATUSES
BACKLOG_SOURCES = backlog_impact.SOURCES


class BacklogItem(Base):
    __tablename__ = "backlog_items"
    __table_args__ = (
        CheckConstraint(f"status IN {BACKLOG_STATUSES!r}", name="status"),
        CheckConstraint(f"source IN {BACKLOG_SOURCES!r}", name="source"),
        Index("ix_backlog_items_department_status", "department", "status"),
        Index("ix_backlog_items_theme_status", "theme_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_date: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(16), default="manual")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Hand order within the department: set items come first, by position; None: by impact.
    rank_position: Mapped[int | None] = mapped_column(Integer)
    # Impact, recomputed by refresh-backlog (and on every link), read by lists and the API.
    responses_linked: Mapped[int] = mapped_column(Integer, default=0)
    detractors: Mapped[int] = mapped_column(Integer, default=0)
    passives: Mapped[int] = mapped_column(Integer, default=0)
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    arr_at_risk: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    nps_points: Mapped[float] = mapped_column(Float, default=0.0)
    trend: Mapped[list[int]] = mapped_column(JSONType, default=list)  # mentions per week, 12
    impact_at: Mapped[datetime | None]
    # "You asked, we changed it": what the customers who raised it are told once it ships.
    customer_note: Mapped[str | None] = mapped_column(Text)
    customers_told: Mapped[int] = mapped_column(Integer, default=0)
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    events: Mapped[list[BacklogEvent]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="BacklogEvent.id"
    )


class BacklogResponse(Base):
    """A response that shows the item's cause: its quote is the evidence on the item page."""

    __tablename__ = "backlog_responses"
    __table_args__ = (
        UniqueConstraint("item_id", "response_id", name="uq_backlog_responses_item_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship()


class BacklogTask(Base):
    """An inner-loop task (typically closed as product_gap) whose cause the item fixes."""

    __tablename__ = "backlog_tasks"
    __table_args__ = (UniqueConstraint("item_id", "task_id", name="uq_backlog_tasks_item_task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship()


class BacklogEvent(Base):
    """The item's history: created, status changes (each with its note), links, merges, rank."""

    __tablename__ = "backlog_events"
    __table_args__ = (Index("ix_backlog_events_unnotified", "kind", "notified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the department head's digest reported it ("created" and "threshold" events only).
    notified_at: Mapped[datetime | None]

    item: Mapped[BacklogItem] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class BacklogNotice(Base):
    """One customer told that one shipped item changed: the unique pair is "told once"."""

    __tablename__ = "backlog_notices"
    __table_args__ = (
        UniqueConstraint("item_id", "contact_id", name="uq_backlog_notices_item_contact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
    outbox_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_emails.id", ondelete="SET NULL")
    )
    week: Mapped[date] = mapped_column(Date)  # the Monday of the week the item shipped
    told_at: Mapped[datetime] = mapped_column(default=utcnow)
