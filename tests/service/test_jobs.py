"""Jobs: each (job, slot) runs once whoever asks; manual runs always run; the CLI and the
scheduler are wired as the worker process uses them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from feedback.models import Invitation, JobRun
from feedback.services import job_runs, programs
from feedback.services.readiness import HEARTBEAT_EVERY
from jobs import registry
from jobs.registry import JOBS, Job, describe_every, describe_summary, run_job, slot_for
from jobs.worker import _safe_run, build_scheduler

NOW = datetime(2026, 3, 10, 12, 3, 20, tzinfo=UTC)  # a Tuesday, inside the send window


def runs(session, name: str) -> list[JobRun]:
    session.expire_all()
    return list(session.scalars(select(JobRun).filter_by(job=name).order_by(JobRun.id)))


def test_a_slot_runs_once_and_is_recorded(app, session):
    summary = run_job(app, "send-reminders", now=NOW)
    assert summary == {}
    [run] = runs(session, "send-reminders")
    assert (
        run.scheduled_for
        == slot_for(JOBS["send-reminders"], NOW)
        == NOW.replace(minute=0, second=0)
    )
    assert (run.status, run.summary, run.worker) == ("done", "{}", registry.worker_id())
    assert run.finished_at is not None

    # A second scheduler, a restart or a late tick in the same slot does nothing ...
    assert run_job(app, "send-reminders", now=NOW + timedelta(minutes=5)) is None
    assert len(runs(session, "send-reminders")) == 1
    # ... and the next slot runs again.
    assert run_job(app, "send-reminders", now=NOW + timedelta(minutes=15)) == {}
    assert len(runs(session, "send-reminders")) == 2


def test_manual_runs_always_run_and_never_take_a_scheduled_slot(app, session):
    slot = slot_for(JOBS["send-reminders"], NOW)
    assert run_job(app, "send-reminders", now=slot, manual=True) == {}
    assert run_job(app, "send-reminders", now=slot, manual=True) == {}  # same instant
    assert run_job(app, "send-reminders", now=slot) == {}  # the scheduled run still runs
    assert run_job(app, "send-reminders", now=slot, manual=True) == {}
    assert [r.status for r in runs(session, "send-reminders")] == ["done"] * 4


@pytest.mark.parametrize(
    ("status", "beat_ago", "abandoned"),
    [
        ("running", job_runs.LEASE + timedelta(seconds=1), True),
        ("running", job_runs.LEASE, False),  # at the lease's edge it may still be alive
        ("running", timedelta(seconds=5), False),
        ("running", None, False),  # recorded before heartbeats: left as it was
        ("done", job_runs.LEASE * 10, False),
        ("failed", job_runs.LEASE * 10, False),
    ],
)
def test_a_run_is_abandoned_when_its_process_stopped_beating(status, beat_ago, abandoned):
    alive_at = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    beat = None if beat_ago is None else alive_at - beat_ago
    assert job_runs.is_abandoned(status, beat, alive_at) is abandoned
    run = JobRun(job="send-reminders", status=status, heartbeat_at=beat)
    assert job_runs.shown_status(run, alive_at) == ("abandoned" if abandoned else status)


def test_a_dead_run_frees_its_slot_for_the_next_claim_and_is_recorded_abandoned(app, session):
    """A run whose process was killed (no beat for longer than the lease) is abandoned by the
    next run of its job, which may take the same slot; a live one keeps holding it."""
    name, slot = "send-reminders", slot_for(JOBS["send-reminders"], NOW)
    wall = datetime.now(UTC)
    dead = JobRun(job=name, scheduled_for=slot, started_at=NOW, worker="gone:1",
                  heartbeat_at=wall - job_runs.LEASE - timedelta(minutes=1))  # fmt: skip
    alive = JobRun(job="send-digests", scheduled_for=slot, started_at=NOW, worker="busy:2",
                   heartbeat_at=wall)  # fmt: skip
    session.add_all([dead, alive])
    session.commit()
    assert job_runs.shown_status(dead) == "abandoned" and job_runs.shown_status(alive) == "running"

    assert run_job(app, name, now=NOW) == {}  # the restarted scheduler, in the dead run's slot
    assert [(r.status, r.scheduled_for) for r in runs(session, name)] == [
        ("abandoned", slot), ("done", slot)
    ]  # fmt: skip
    assert runs(session, name)[0].summary == job_runs.ABANDONED
    assert runs(session, name)[0].finished_at is not None
    assert run_job(app, name, now=NOW) is None  # the rerun holds the slot now
    assert run_job(app, "send-digests", now=NOW) is None  # a live run keeps its slot
    assert [r.status for r in runs(session, "send-digests")] == ["running"]


def test_a_run_beats_while_its_job_works(app, session, monkeypatch):
    beats: list[int] = []
    monkeypatch.setattr(job_runs, "beat", lambda engine, run_id: beats.append(run_id))

    def slow(app, now):
        deadline = datetime.now(UTC) + timedelta(seconds=30)  # a bound, not a timing claim
        while not beats and datetime.now(UTC) < deadline:
            time.sleep(0.01)
        return {"beats_seen": bool(beats)}

    job = Job("slow-job", 60, "A job that waits for its own heartbeat.", slow)
    monkeypatch.setitem(registry.JOBS, job.name, job)
    monkeypatch.setattr(job_runs, "HEARTBEAT_EVERY", timedelta(milliseconds=10))
    assert run_job(app, job.name, now=NOW) == {"beats_seen": True}
    [run] = runs(session, job.name)
    assert set(beats) == {run.id} and run.status == "done"


def test_dispatch_job_invites_once_per_slot(app, session, make_contact):
    programs.create_program(session, {"name": "Job NPS", "kind": "nps", "active": True,
                                      "cadence_days": 1, "product_name": "Acme"})  # fmt: skip
    make_contact(timezone="UTC")
    session.commit()
    assert run_job(app, "dispatch-surveys", now=NOW) == {"invited": 1, "skipped": {}}
    assert run_job(app, "dispatch-surveys", now=NOW + timedelta(seconds=1)) is None
    session.expire_all()
    assert len(session.scalars(select(Invitation)).all()) == 1


def test_a_failing_job_is_recorded_and_the_worker_keeps_going(app, session, monkeypatch):
    def boom(app, now):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(JOBS, "boom", Job("boom", 60, "Always fails.", boom))
    with pytest.raises(RuntimeError):
        run_job(app, "boom", now=NOW)
    [run] = runs(session, "boom")
    assert (run.status, run.summary) == ("failed", "RuntimeError: the database went away")
    _safe_run(app, "boom")  # logged, not raised: the scheduler must survive a bad job


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


def test_jobs_list_names_every_job(cli):
    result = cli("jobs", "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(JOBS)
    described = {line.split()[0]: line for line in lines}
    assert "every 15 minutes" in described["dispatch-surveys"]
    assert "every 15 seconds" in described["deliver-email"]
    assert "every hour" in described["send-digests"]
    assert "every week" in described["send-huddle-packs"]
    assert not any(" s " in line or "900" in line for line in lines)  # no raw seconds


def test_jobs_run_runs_a_job_once_now(cli, session, make_contact):
    programs.create_program(session, {"name": "CLI NPS", "kind": "nps", "active": True,
                                      "cadence_days": 1, "product_name": "Acme"})  # fmt: skip
    make_contact(timezone="UTC")
    session.commit()
    # Inside the contact's send window (a weekday, 9–17), whatever time the suite runs at.
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=UTC), tick=True):
        result = cli("jobs", "run", "dispatch-surveys")
        again = cli("jobs", "run", "dispatch-surveys")  # a manual run is never "already taken"
    assert result.exit_code == 0, result.output
    assert result.output.startswith("dispatch-surveys: invited 1; skipped: ")
    assert "{" not in result.output and "'" not in result.output  # not a Python dict
    assert again.output.startswith("dispatch-surveys: invited 0; skipped: ")
    assert len(runs(session, "dispatch-surveys")) == 2


def test_jobs_run_an_unknown_job_says_which_exist(cli):
    result = cli("jobs", "run", "send-everything")
    assert result.exit_code == 1
    assert "Unknown job 'send-everything'; known jobs: dispatch-surveys" in result.output


# ---------------------------------------------------------------- the scheduler


@pytest.mark.parametrize("background", [False, True])
def test_the_scheduler_has_every_job_coalescing_with_a_misfire_grace(app, background):
    scheduler = build_scheduler(app, background=background)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    heartbeat = jobs.pop("heartbeat")  # not a job slot: the worker's sign of life for /readyz
    assert heartbeat.trigger.interval == HEARTBEAT_EVERY and heartbeat.args == (app,)
    assert set(jobs) == set(JOBS)
    for name, job in jobs.items():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time is not None
        assert job.misfire_grace_time >= max(60, JOBS[name].every_seconds)
        assert job.trigger.interval == timedelta(seconds=JOBS[name].every_seconds)
        assert job.args == (app, name)
    assert not scheduler.running


ROOT = Path(__file__).resolve().parents[2]
# "the `deliver-email` job", "the 'deliver-webhooks' job", "flask jobs run dispatch-surveys"
MENTION = re.compile(r"[`'\"]?\b([a-z]+(?:-[a-z]+)+)\b[`'\"]? job\b|jobs run ([a-z]+(?:-[a-z]+)+)")
NOT_JOB_NAMES = {"follow-up"}  # the domain word ("as if the follow-up job had run")


def mentioned_jobs() -> dict[str, str]:
    """Every job name the code, templates and README speak of, with one place that does."""
    found: dict[str, str] = {}
    files = [ROOT / "README.md"] + [
        path
        for folder in ("feedback", "jobs", "templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".html", ".txt", ".md")
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in MENTION.finditer(text):
            name = match.group(1) or match.group(2)
            if name not in NOT_JOB_NAMES:
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_job_a_module_speaks_of_is_registered_and_scheduled(app):
    mentioned = mentioned_jobs()
    assert {"deliver-webhooks", "deliver-email", "retag-responses"} <= set(mentioned)
    scheduled = {job.id for job in build_scheduler(app, background=True).get_jobs()}
    missing = {name: where for name, where in mentioned.items() if name not in scheduled}
    assert missing == {}, f"jobs mentioned but never scheduled: {missing}"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(15, "every 15 seconds"), (60, "every minute"), (900, "every 15 minutes"),
     (3600, "every hour"), (7200, "every 2 hours"), (86_400, "every day"),
     (7 * 86_400, "every week"), (90, "every 90 seconds")],
)  # fmt: skip
def test_intervals_read_as_words(seconds, words):
    assert describe_every(seconds) == words


def test_a_summary_reads_as_a_sentence():
    summary = {"invited": 3, "skipped": {"not_due": 12, "opted_out": 1}, "failed": []}
    assert describe_summary(summary) == "invited 3; skipped: not due 12, opted out 1; failed: none"
    assert describe_summary(None) == "nothing to do: another process already ran this slot"
