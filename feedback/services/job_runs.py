"""The record of each job slot: claimed once across every worker process, then marked done or
failed. The unique (job, scheduled time) key is what makes a second scheduler or a restart
harmless (procrastinate's approach); the scheduler itself keeps no state.

Each function owns its short transaction (commit or rollback), because a claim must be
visible to other processes before the job's own work starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import JobRun

SUMMARY_CHARS = 2000


def claim(
    session: Session, job: str, slot: datetime, worker: str, now: datetime, *, manual: bool
) -> JobRun | None:
    """The run of this slot, claimed now; None when another process holds it. A manual run
    moves to the next free microsecond instead, so two manual runs both run."""
    while True:
        run = JobRun(job=job, scheduled_for=slot, worker=worker, started_at=now)
        session.add(run)
        try:
            session.commit()
            return run
        except IntegrityError:
            session.rollback()
            if not manual:
                return None
            slot += timedelta(microseconds=1)


def finish(session: Session, run: JobRun, summary: str, *, failed: bool = False) -> None:
    """Record how the run ended (after rolling back whatever the job left unfinished)."""
    session.rollback()
    run.status = "failed" if failed else "done"
    run.finished_at = datetime.now(UTC)
    run.summary = summary[:SUMMARY_CHARS]
    session.add(run)
    session.commit()


def prune(session: Session, now: datetime, keep_days: int) -> int:
    """Forget runs older than `keep_days`; their keys can no longer collide with a slot."""
    result = session.execute(
        delete(JobRun).where(JobRun.started_at < now - timedelta(days=keep_days))
    )
    return result.rowcount or 0


def last_runs(session: Session) -> dict[str, JobRun]:
    """The newest run of each job that has run (within the kept days), by job name."""
    newest = (
        select(JobRun.job, func.max(JobRun.started_at).label("started_at"))
        .group_by(JobRun.job)
        .subquery()
    )
    rows = session.scalars(
        select(JobRun)
        .join(newest, (newest.c.job == JobRun.job) & (newest.c.started_at == JobRun.started_at))
        .order_by(JobRun.id)
    )
    return {run.job: run for run in rows}


def run_started_at(session: Session, job: str, started_at: datetime) -> JobRun | None:
    """The run of `job` that started at this instant (a manual run's own key)."""
    return session.scalar(
        select(JobRun)
        .where(JobRun.job == job, JobRun.started_at == started_at)
        .order_by(JobRun.id.desc())
        .limit(1)
    )
