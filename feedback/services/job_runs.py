"""The record of each job slot: claimed once across every worker process, then marked done or
failed. The unique (job, scheduled time) key is what makes a second scheduler or a restart
harmless (procrastinate's approach); the scheduler itself keeps no state.

Each function owns its short transaction (commit or rollback), because a claim must be
visible to other processes before the job's own work starts.

A process killed mid-run cannot mark its run finished, so a running process beats
`heartbeat_at` (keep_alive); a running run whose beat is older than LEASE is "abandoned": the
admin list shows it so at once, and the next run of the job records it so and frees its slot.
The beat is wall-clock time, unlike `started_at` (the job's own `now`, which tests move).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.models import JobRun

log = logging.getLogger("feedback.jobs")
SUMMARY_CHARS = 2000
# The worker's own heartbeat cadence and patience (services.readiness): four missed beats.
HEARTBEAT_EVERY = timedelta(seconds=30)
LEASE = timedelta(seconds=120)
ABANDONED = "abandoned: its process stopped beating (killed or stuck); the slot may run again"


def wall_clock() -> datetime:
    """Real time, for signs of life (a job's `now` may be a test's or a catch-up slot's)."""
    return datetime.now(UTC)


def is_abandoned(status: str, heartbeat_at: datetime | None, alive_at: datetime) -> bool:
    """A run still marked running whose process gave no sign of life within the lease.

    Runs recorded before heartbeats existed (NULL) are left as they are."""
    return status == "running" and heartbeat_at is not None and heartbeat_at < alive_at - LEASE


def shown_status(run: JobRun, alive_at: datetime | None = None) -> str:
    """The status to show of a run: "abandoned" for a dead running one, before any writes."""
    if is_abandoned(run.status, run.heartbeat_at, alive_at or wall_clock()):
        return "abandoned"
    return run.status


def abandon_stale(session: Session, job: str, alive_at: datetime) -> int:
    """Record as abandoned the running runs of `job` whose process died (is_abandoned, in
    SQL); they stop holding their slots. Flushes; the caller commits."""
    result = session.execute(
        update(JobRun)
        .where(
            JobRun.job == job, JobRun.status == "running", JobRun.heartbeat_at < alive_at - LEASE
        )  # fmt: skip
        .values(status="abandoned", finished_at=alive_at, summary=ABANDONED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def claim(
    session: Session, job: str, slot: datetime, worker: str, now: datetime, *, manual: bool
) -> JobRun | None:
    """The run of this slot, claimed now; None when another live process holds it. A manual
    run moves to the next free microsecond instead, so two manual runs both run. Dead runs of
    the job are recorded as abandoned first, so a slot whose process died runs again."""
    alive_at = wall_clock()
    if abandon_stale(session, job, alive_at):
        session.commit()
    while True:
        run = JobRun(job=job, scheduled_for=slot, worker=worker, started_at=now,
                     heartbeat_at=alive_at)  # fmt: skip
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


def beat(engine: Engine, run_id: int) -> None:
    """One sign of life of a running run, in its own short transaction."""
    with engine.begin() as connection:
        connection.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == "running")
            .values(heartbeat_at=wall_clock())
        )


@contextmanager
def keep_alive(engine: Engine, run_id: int, every: timedelta | None = None) -> Iterator[None]:
    """Beat the run's heartbeat from a thread while the job works (on its own connection,
    never the job's session); a killed process stops beating, and its run is abandoned."""
    stop = threading.Event()
    interval = (every or HEARTBEAT_EVERY).total_seconds()

    def beating() -> None:
        while not stop.wait(interval):
            try:
                beat(engine, run_id)
            except Exception:  # a missed beat is logged; LEASE allows several
                log.warning("job run %s: heartbeat not recorded", run_id, exc_info=True)

    thread = threading.Thread(target=beating, name=f"job-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)


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
