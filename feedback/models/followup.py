"""The inner loop: playbooks that turn responses into routed follow-up tasks, and the tasks.

A task has an owner, a due time and a trail (task_events) until the loop with that customer is
closed. Playbook sets are versioned: an admin edits a draft, dry-runs it, then activates it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback import playbooks, task_states
from feedback.db import Base, utcnow
from feedback.models.org import User

# The vocabulary is decided by the pure modules; the tables only enforce it.
TASK_TYPES = playbooks.TASK_TYPES
TASK_STATUSES = task_states.STATUSES
RESOLUTION_CODES = task_states.RESOLUTION_CODES
ROOT_CAUSES = task_states.ROOT_CAUSES


class PlaybookSet(Base):
    """An ordered list of rules; exactly one set is active, others are drafts or retired."""

    __tablename__ = "playbook_sets"
    __table_args__ = (CheckConstraint("status IN ('draft', 'active', 'retired')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]

    rules: Mapped[list[PlaybookRule]] = relationship(
        back_populates="playbook_set",
        cascade="all, delete-orphan",
        order_by="PlaybookRule.position",
    )


class PlaybookRule(Base):
    """`conditions`: {"category": [...], "score_max": 6, "sentiment_label": [...], "themes": [...],
    "mismatch": true, "plan": [...], "arr_min": 100000, "region": [...], "lifecycle_stage": [...],
    "program_id": [...], "score_drop": 3}; `action`: {"task_type", "priority", "sla_business_days",
    "route": {"to": "owner" | "team" | "theme_team", "team_id": ...}}."""

    __tablename__ = "playbook_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_set_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stop: Mapped[bool] = mapped_column(default=True)  # first match wins unless told to go on
    active: Mapped[bool] = mapped_column(default=True)

    playbook_set: Mapped[PlaybookSet] = relationship(back_populates="rules")


OPEN_TASKS_SQL = "status IN ('open', 'in_progress', 'waiting_on_customer')"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"type IN {TASK_TYPES!r}", name="type"),
        CheckConstraint(f"status IN {TASK_STATUSES!r}", name="status"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        Index("ix_tasks_owner_status_due", "owner_id", "status", "due_at"),
        Index("ix_tasks_team_status_due", "team_id", "status", "due_at"),
        Index("ix_tasks_status_due", "status", "due_at"),
        # The queue's open tasks already in its order (migrations e15b7a3c9d21, f4d2b6a8c1e3),
        # carrying what its branches filter and sort on besides, so that a page's keys and its
        # count are read from the index alone (services.task_list).
        Index("ix_tasks_open_owner_due", "owner_id", "due_at", "id",
              postgresql_include=["team_id", "priority", "account_id"],
              postgresql_where=text(OPEN_TASKS_SQL), sqlite_where=text(OPEN_TASKS_SQL)),
        Index("ix_tasks_open_team_due", "team_id", "due_at", "id",
              postgresql_include=["priority", "account_id"],
              postgresql_where=text(OPEN_TASKS_SQL), sqlite_where=text(OPEN_TASKS_SQL)),
        Index("ix_tasks_open_due", "due_at", "id",
              postgresql_include=["priority", "account_id"],
              postgresql_where=text(OPEN_TASKS_SQL), sqlite_where=text(OPEN_TASKS_SQL)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="open")
    priority: Mapped[int] = mapped_column(default=2)  # 1 low, 2 normal, 3 high, 4 urgent
    title: Mapped[str] = mapped_column(String(300))
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    playbook_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("playbook_rules.id", ondelete="SET NULL")
    )
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    severity_note: Mapped[str | None] = mapped_column(Text)  # "3rd billing complaint since June"
    sla_business_hours: Mapped[int]
    due_at: Mapped[datetime]
    overdue_at: Mapped[datetime | None]  # flagged overdue (1× the SLA)
    escalated_at: Mapped[datetime | None]  # escalated to the department head (2× the SLA)
    first_contact_at: Mapped[datetime | None]
    resolution_code: Mapped[str | None] = mapped_column(String(24))
    root_cause: Mapped[str | None] = mapped_column(String(40))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()
    events: Mapped[list[TaskEvent]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskEvent.id"
    )

    @classmethod
    def overdue_where(cls, now: datetime) -> Any:
        """The SQL condition "overdue at `now`": task_states.is_overdue applied to the columns."""
        return task_states.is_overdue(cls.due_at, now, cls.status)


class TaskEvent(Base):
    """The audit trail: created, status changes, reassignment, comments, overdue, escalation."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="events")


class StaffNotice(Base):
    """One person to be told that one task went overdue or escalated.

    Written when the escalation job marks the task; `sent_at` is set when the notice goes out
    inside a batched email (or a digest that lists the task). The rows are the memory behind
    "at most one notice email per person per window": a held notice waits here, not in a
    process, and the last `sent_at` of a person says when the window opens again.
    """

    __tablename__ = "staff_notices"
    __table_args__ = (
        CheckConstraint("kind IN ('overdue', 'escalated')", name="kind"),
        Index("ix_staff_notices_user_sent", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ResolutionCheck(Base):
    """ "Did we resolve it?" asked a few days after a recovery task closed; a "no" reopens it."""

    __tablename__ = "resolution_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    send_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(8))  # yes / no
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OuterLoopCandidate(Base):
    """A verbatim a team raised to the outer loop from its huddle, kept for the backlog."""

    __tablename__ = "outer_loop_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
