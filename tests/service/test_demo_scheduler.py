"""The demo's scheduler: `serve --with-worker --every JOB=SECONDS` runs a job at a shorter
interval, each of its slots once, so a customer's answer becomes a task within seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import JobRun
from jobs.registry import run_job
from jobs.worker import build_scheduler, parse_intervals

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


def test_a_shorter_interval_runs_every_one_of_its_slots(app, session):
    """Two runs 5 s apart fall in one 300 s slot of create-followups: both run at 5 s."""
    assert run_job(app, "create-followups", now=NOW, every_seconds=5) is not None
    assert run_job(app, "create-followups", now=NOW + timedelta(seconds=5), every_seconds=5)
    assert run_job(app, "create-followups", now=NOW + timedelta(seconds=7), every_seconds=5) is None
    slots = session.scalars(
        select(JobRun.scheduled_for).where(JobRun.job == "create-followups")
    ).all()
    assert sorted(s.replace(tzinfo=UTC) for s in slots) == [NOW, NOW + timedelta(seconds=5)]


def test_the_demo_scheduler_runs_followups_and_delivery_every_five_seconds(app):
    intervals = parse_intervals(["create-followups=5", "deliver-email=5"])
    scheduler = build_scheduler(app, background=True, intervals=intervals)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    for name in ("create-followups", "deliver-email"):
        assert jobs[name].trigger.interval == timedelta(seconds=5)
        assert jobs[name].args == (app, name, 5)
    assert jobs["dispatch-surveys"].trigger.interval == timedelta(seconds=900)


@pytest.mark.parametrize(
    ("pair", "message"),
    [("nope=5", "unknown job 'nope'"), ("create-followups=0", "whole seconds"),
     ("create-followups=abc", "whole seconds"), ("create-followups", "whole seconds")],
)  # fmt: skip
def test_a_bad_interval_is_refused_with_a_message(pair, message):
    with pytest.raises(ValueError, match=message):
        parse_intervals([pair])


def test_serve_refuses_every_without_the_worker(app):
    result = app.test_cli_runner().invoke(args=["serve", "--every", "create-followups=5"])
    assert result.exit_code != 0 and "--every needs --with-worker" in result.output
