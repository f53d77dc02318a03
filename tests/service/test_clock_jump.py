"""The machine's clock jumps a day ahead (a suspended VM resumed, an NTP correction, a worker
stopped over a day): the scheduler runs each missed job once, not once per missed interval,
and the run takes the slot of the time it really runs at.

The real scheduler (jobs.worker.build_scheduler) runs the real jobs; time_machine moves the
clock it reads, and one executor thread keeps the test's one database connection to one
user at a time.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from sqlalchemy import select

from feedback.models import JobRun
from jobs.registry import JOBS, slot_for
from jobs.worker import build_scheduler

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)


class Executions:
    """Counts the scheduler's job events, and lets the test wait for the next few."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self._changed = threading.Condition()

    def __call__(self, event) -> None:
        with self._changed:
            self.seen.append((event.job_id, event.code))
            self._changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self._changed:  # a bound on a slow machine, not a timing assertion
            assert self._changed.wait_for(lambda: len(self.seen) >= count, timeout=120), self.seen


def test_a_day_long_clock_jump_runs_each_missed_job_once(app, session):
    daily = [name for name, job in JOBS.items() if job.every_seconds <= DAY.total_seconds()]
    weekly = set(JOBS) - set(daily)
    executions = Executions()
    with time_machine.travel(START, tick=False) as traveller:
        scheduler = build_scheduler(app, background=True)
        scheduler.add_executor(ThreadPoolExecutor(1), "default")
        scheduler.add_listener(executions, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.start()
        try:
            traveller.shift(timedelta(seconds=3))  # past every job's first run (start + 2 s)
            scheduler.wakeup()
            executions.wait_for(len(JOBS) + 1)  # every job and the heartbeat
            first = datetime.now(UTC)
            traveller.shift(DAY)
            scheduler.wakeup()
            executions.wait_for(2 * len(JOBS) + 2 - len(weekly))
        finally:
            scheduler.shutdown(wait=True)
        after = datetime.now(UTC)

    codes = Counter(code for _, code in executions.seen)
    assert set(codes) == {EVENT_JOB_EXECUTED}  # nothing failed, nothing reported missed
    runs = Counter(job_id for job_id, _ in executions.seen)
    assert runs == Counter({**{n: 2 for n in daily}, **{n: 1 for n in weekly}, "heartbeat": 2})
    slots = session.execute(select(JobRun.job, JobRun.scheduled_for, JobRun.status)).all()
    expected = {(n, slot_for(JOBS[n], first), "done") for n in JOBS}
    expected |= {(n, slot_for(JOBS[n], after), "done") for n in daily}
    assert set(slots) == expected and len(slots) == len(expected)
