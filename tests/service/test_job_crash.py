"""A worker SIGKILLed in the middle of the escalation job: nothing lost, nothing done twice.

The job runs in a process of its own (tests/processes.py), through the scheduler's path
(jobs.registry.run_job: claim the slot, do the work in one transaction, mark the run done),
and is killed at the two moments that matter:

- before its transaction commits: the database rolls the work back; the slot stays claimed by
  the dead run, and the next slot does the work, once;
- after the commit, before the run is marked done: the work is there; the next slot finds
  nothing left to do and sends nothing again.

The dead run stays "running" only while its heartbeat is recent: once it is older than the
lease, the admin list shows the run abandoned and the next run records it so and reruns its slot.

PostgreSQL pass only, like tests/service/test_delivery_crash.py: another process must see the
rows, so they are committed for real (tests/committed.py) and deleted afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback.models import JobRun, OutboxEmail, StaffNotice, Task, TaskEvent
from feedback.services import job_runs, org
from jobs.registry import JOBS, run_job, slot_for
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
JOB = "escalate-tasks"
# A Friday, 10:00 in Berlin: tasks due on Monday are past twice their 16-hour SLA.
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
TASKS = 3

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL): a job in another process; "
    "runs in the PostgreSQL pass of `python3 dev.py test`",
)


@pytest.fixture
def overdue(committed):
    """A team with a lead, its department's head, a CSM and three tasks past 2× their SLA."""
    tag = time.time_ns()
    team = org.create_team(committed, {"name": f"Crash {tag}", "department": f"Dept {tag}",
                                       "timezone": "Europe/Berlin"})  # fmt: skip
    people = {
        role: org.create_user(committed, {"email": f"{role}-{tag}@staff.example.com",
                                          "name": f"{role} {tag}", "role": role,
                                          "password": PASSWORD, "team_id": team.id})
        for role in ("csm", "team_lead", "department_head")
    }  # fmt: skip
    tasks = [
        Task(type="recover", status="open", priority=3, title=f"Crash task {i}",
             owner_id=people["csm"].id, team_id=team.id, routing_reason="test",
             sla_business_hours=16, due_at=NOW - timedelta(days=4),
             created_at=NOW - timedelta(days=5))
        for i in range(TASKS)
    ]  # fmt: skip
    committed.add_all(tasks)
    committed.commit()
    return [t.id for t in tasks], people


def kill_during(
    database_url: str, pause: str, tmp_path: Path, before_kill: Callable[[], bool] | None = None
) -> None:
    """Run the job's slot at NOW in another process and SIGKILL it at `pause` (once
    `before_kill` holds, when given: the process beats its heartbeat every 0.1 s)."""
    marker = tmp_path / f"{pause}.paused"
    beats = ["--heartbeat-every", "0.1"] if before_kill else []
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "processes.py"), "--database-url", database_url,
         "--job", JOB, "--now", NOW.isoformat(), "--pause", pause, "--marker", str(marker),
         *beats],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60  # a bound on start-up, not a timing assertion
    while not marker.exists() or (before_kill is not None and not before_kill()):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the job never reached the pause"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def state(session, task_ids: list[int], people) -> dict[str, object]:
    session.expire_all()
    tasks = session.scalars(select(Task).where(Task.id.in_(task_ids))).all()
    notices = session.execute(
        select(StaffNotice.user_id, StaffNotice.kind).where(StaffNotice.task_id.in_(task_ids))
    ).all()
    events = session.scalars(select(TaskEvent.kind).where(TaskEvent.task_id.in_(task_ids)))
    addresses = {u.email for u in people.values()}
    emails = session.scalars(
        select(OutboxEmail.to_email).where(
            OutboxEmail.kind == "task_notices", OutboxEmail.to_email.in_(addresses)
        )
    )
    return {
        "escalated": sum(t.escalated_at is not None for t in tasks),
        "overdue": sum(t.overdue_at is not None for t in tasks),
        "notices": Counter(kind for _, kind in notices),
        "events": Counter(events),
        "emails": Counter(emails),
    }


DONE_ONCE = {
    "escalated": TASKS,
    "overdue": TASKS,
    "notices": Counter({"overdue": TASKS, "escalated": TASKS}),
    "events": Counter({"overdue": TASKS, "escalated": TASKS}),
}


def runs(session) -> list[tuple[datetime, str]]:
    session.expire_all()
    return list(
        session.execute(
            select(JobRun.scheduled_for, JobRun.status)
            .where(JobRun.job == JOB)
            .order_by(JobRun.scheduled_for, JobRun.id)
        )
    )


def test_killed_before_commit_loses_nothing_the_next_slot_does_it_once(
    database_url, committed, live_app, overdue, tmp_path
):
    task_ids, people = overdue
    kill_during(database_url, "before-commit", tmp_path)

    nothing = {"escalated": 0, "overdue": 0, "notices": Counter(), "events": Counter(),
               "emails": Counter()}  # fmt: skip
    assert state(committed, task_ids, people) == nothing  # rolled back with the connection
    slot = slot_for(JOBS[JOB], NOW)
    assert runs(committed) == [(slot, "running")]  # the dead run still holds its slot

    assert run_job(live_app, JOB, now=NOW) is None  # a restarted scheduler: the slot is taken
    later = NOW + timedelta(seconds=JOBS[JOB].every_seconds)
    assert run_job(live_app, JOB, now=later) == {"overdue": TASKS, "escalated": TASKS, "emails": 2,
                                            "held": 0}  # fmt: skip
    run_job(live_app, JOB, now=later + timedelta(seconds=JOBS[JOB].every_seconds))

    after = state(committed, task_ids, people)
    assert {k: after[k] for k in DONE_ONCE} == DONE_ONCE
    lead, head = people["team_lead"].email, people["department_head"].email
    assert after["emails"] == Counter({lead: 1, head: 1})  # one batched email each, once
    assert [status for _, status in runs(committed)] == ["running", "done", "done"]


def test_killed_after_commit_the_next_slot_does_nothing_again(
    database_url, committed, live_app, overdue, tmp_path
):
    task_ids, people = overdue
    kill_during(database_url, "after-commit", tmp_path)

    done = state(committed, task_ids, people)
    assert {k: done[k] for k in DONE_ONCE} == DONE_ONCE
    lead, head = people["team_lead"].email, people["department_head"].email
    assert done["emails"] == Counter({lead: 1, head: 1})

    every = timedelta(seconds=JOBS[JOB].every_seconds)
    for slots in (1, 2, 5):
        summary = run_job(live_app, JOB, now=NOW + slots * every)
        assert summary == {"overdue": 0, "escalated": 0, "emails": 0, "held": 0}
    assert state(committed, task_ids, people) == done


def test_a_killed_run_is_shown_abandoned_and_its_slot_runs_again(
    database_url, committed, live_app, overdue, tmp_path, monkeypatch
):
    task_ids, people = overdue
    seen: set[datetime] = set()

    def beaten() -> bool:  # the beat moved on from the first one seen: the process beats
        committed.expire_all()
        seen.update(committed.scalars(select(JobRun.heartbeat_at).where(JobRun.job == JOB)))
        return len(seen - {None}) > 1

    kill_during(database_url, "before-commit", tmp_path, before_kill=beaten)
    nothing = {"escalated": 0, "overdue": 0, "notices": Counter(), "events": Counter(),
               "emails": Counter()}  # fmt: skip
    assert state(committed, task_ids, people) == nothing
    slot = slot_for(JOBS[JOB], NOW)
    assert runs(committed) == [(slot, "running")]
    [run] = committed.scalars(select(JobRun).where(JobRun.job == JOB))
    assert job_runs.shown_status(run) == "running"  # its beat is recent: maybe alive
    assert run_job(live_app, JOB, now=NOW) is None  # so its slot is still taken

    # The lease later, the dead process has not beaten again.
    later = run.heartbeat_at + job_runs.LEASE + timedelta(seconds=1)
    monkeypatch.setattr(job_runs, "wall_clock", lambda: later)
    with live_app.extensions["feedback.db"].sessionmaker() as reading:
        assert job_runs.shown_status(job_runs.last_runs(reading)[JOB]) == "abandoned"
    assert runs(committed) == [(slot, "running")]  # shown so; a read writes nothing

    summary = run_job(live_app, JOB, now=NOW)  # the restarted scheduler, in the same slot
    assert summary == {"overdue": TASKS, "escalated": TASKS, "emails": 2, "held": 0}
    assert runs(committed) == [(slot, "abandoned"), (slot, "done")]
    committed.expire_all()
    dead = committed.get(JobRun, run.id)
    assert dead.finished_at == later and dead.summary == job_runs.ABANDONED
    after = state(committed, task_ids, people)
    assert {k: after[k] for k in DONE_ONCE} == DONE_ONCE
    lead, head = people["team_lead"].email, people["department_head"].email
    assert after["emails"] == Counter({lead: 1, head: 1})  # the work done once, by the rerun
