"""The APScheduler process. One per deployment is enough; a second one does no harm, since
each job slot is claimed in the database (see registry.run_job)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs.registry import JOBS, run_job

log = logging.getLogger("feedback.jobs")


def _safe_run(app: Flask, name: str, every_seconds: int | None = None) -> None:
    try:
        run_job(app, name, every_seconds=every_seconds)
    except Exception:  # logged in run_job; the scheduler must keep going
        log.warning("job %s raised; will run again at its next slot", name)


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
    return scheduler


def _soon():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(seconds=2)
