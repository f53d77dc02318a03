"""Scheduled job runs, keyed by (job, scheduled time) so a second scheduler does no work twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, utcnow

# An abandoned run (its process died) no longer holds its slot: the slot may run again.
HOLDS_SLOT_SQL = "status <> 'abandoned'"


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        Index("uq_job_runs_slot", "job", "scheduled_for", unique=True,
              postgresql_where=text(HOLDS_SLOT_SQL), sqlite_where=text(HOLDS_SLOT_SQL)),
        Index("ix_job_runs_job_status", "job", "status"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # running, done, failed, abandoned (running, but its worker stopped beating: killed)
    status: Mapped[str] = mapped_column(String(16), default="running")
    summary: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(120))
    # Wall-clock sign of life of the running process (services.job_runs.keep_alive); NULL on
    # runs recorded before it existed.
    heartbeat_at: Mapped[datetime | None]


class WorkerHeartbeat(Base):
    """The last sign of life of each scheduler process; /readyz wants a recent one."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
