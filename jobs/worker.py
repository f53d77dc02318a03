"""The APScheduler process. One per deployment is enough; a second one does no harm, since
each job slot is claimed in the database (see registry.run_job)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs.registry import JOBS, run_job, worker_id

log = logging.getLogger("feedback.jobs")


def _safe_run(app: Flask, name: str, every_seconds: int | None = None) -> None:
    try:
        run_job(app, name, every_seconds=every_seconds)
    except Exception:  # logged in run_job; the scheduler must keep going
        log.warning("job %s raised; will run again at its next slot", name)


def record_heartbeat(app: Flask) -> None:
    """Tell /readyz this scheduler is alive; a failed beat is logged, never fatal."""
    from feedback import db
    from feedback.services import readiness

    try:
        with app.app_context(), db.transaction() as session:
            readiness.record_heartbeat(session, worker_id(), datetime.now(UTC))
    except Exception:
        log.warning("worker heartbeat not recorded; /readyz will report it if this persists")


def parse_intervals(pairs: Iterable[str]) -> dict[str, int]:
    """`JOB=SECONDS` pairs (the serve command's --every) as a mapping; ValueError names the
    pair that is not one."""
    intervals: dict[str, int] = {}
    for pair in pairs:
        name, _, seconds = pair.partition("=")
        if name not in JOBS:
            raise ValueError(f"--every {pair}: unknown job {name!r}; known: {', '.join(JOBS)}.")
        if not seconds.isdigit() or int(seconds) < 1:
            raise ValueError(f"--every {pair}: give whole seconds, e.g. {name}=5.")
        intervals[name] = int(seconds)
    return intervals


def build_scheduler(
    app: Flask, *, background: bool = False, intervals: Mapping[str, int] | None = None
) -> BaseScheduler:
    """A scheduler with every job; missed runs coalesce into one, late ones still run.

    `intervals` overrides some jobs' intervals (seconds): the demo runs create-followups and
    deliver-email every few seconds so an answer's task and an email appear while one watches.
    """
    scheduler: BaseScheduler = (
        BackgroundScheduler(timezone="UTC") if background else BlockingScheduler(timezone="UTC")
    )
    intervals = intervals or {}
    for job in JOBS.values():
        every = intervals.get(job.name, job.every_seconds)
        scheduler.add_job(
            _safe_run,
            "interval",
            seconds=every,
            args=(app, job.name) if every == job.every_seconds else (app, job.name, every),
            id=job.name,
            name=job.description,
            coalesce=True,
            max_instances=1,
            # APScheduler's default grace of 1 s silently drops a run delayed by a busy machine.
            misfire_grace_time=max(every, 60),
            next_run_time=_soon(),  # first run right after start, then every interval
        )
    from feedback.services.readiness import HEARTBEAT_EVERY

    scheduler.add_job(
        record_heartbeat,
        "interval",
        seconds=HEARTBEAT_EVERY.total_seconds(),
        args=(app,),
        id="heartbeat",
        name="Record that this worker is alive (read by /readyz).",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=60,
        next_run_time=datetime.now(UTC),  # ready as soon as the worker is
    )
    return scheduler


def _soon() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=2)
