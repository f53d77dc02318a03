"""The demo tells the README's story: dates in order, work due in the coming days, and every
persona the README names sees a non-empty, coherent view; starting the worker beside it sends
no wave of emails."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from feedback.models import Contact, Invitation, Message, OutboxEmail, Response, Task, User
from feedback.services import (
    escalation,
    huddle,
    invitations,
    metrics,
    overview,
    resolution_checks,
    task_list,
)

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # a Tuesday afternoon


@pytest.fixture
def seeded(session):
    demo_seed.seed(session, seed=11, now=NOW)
    session.commit()


def user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_every_date_is_in_order_and_nothing_happens_after_now(session, seeded):
    assert session.scalar(select(func.max(Invitation.sent_at))) < NOW
    assert session.scalar(select(func.max(Response.answered_at))) < NOW
    assert session.scalar(select(func.max(Response.confirmed_at))) < NOW
    assert session.scalar(select(func.max(Message.created_at))) < NOW
    rows = session.execute(
        select(Task, Response).join(Response, Response.id == Task.response_id)
    ).all()
    assert len(rows) == session.scalar(select(func.count()).select_from(Task)) >= 30
    for task, response in rows:
        # A task follows the answer it is about, within the job's few minutes.
        assert (
            response.answered_at < task.created_at <= response.confirmed_at + timedelta(minutes=6)
        )
        assert task.created_at < task.due_at and task.created_at < NOW
        if task.first_contact_at is not None:
            assert task.created_at <= task.first_contact_at <= NOW
        if task.closed_at is not None:
            assert task.status == "closed" and task.created_at < task.closed_at <= NOW
            assert task.first_contact_at <= task.closed_at
        events = [e.created_at for e in task.events]
        assert events == sorted(events) and max(events) <= NOW


def test_most_open_tasks_are_due_in_the_coming_days_and_a_few_are_overdue(session, seeded):
    open_tasks = session.scalars(select(Task).where(Task.status != "closed")).all()
    overdue = [t for t in open_tasks if t.due_at < NOW]
    coming = [t for t in open_tasks if NOW <= t.due_at < NOW + timedelta(days=14)]
    assert len(open_tasks) >= 8
    assert 1 <= len(overdue) <= len(open_tasks) // 4  # a few, not all of them
    assert len(coming) + len(overdue) == len(open_tasks)
    assert len({t.due_at.date() for t in coming}) >= 4  # spread over several days
    # What was overdue in the past was flagged then: the first escalation run has no backlog.
    assert all(t.overdue_at == t.due_at for t in overdue)
    closed = session.scalars(select(Task).where(Task.status == "closed")).all()
    assert len(closed) >= len(overdue) and all(t.resolution_code for t in closed)
    statuses = Counter(t.status for t in open_tasks)
    assert statuses["open"] and statuses["in_progress"]


def test_the_quick_start_customer_belongs_to_the_csm_the_readme_names(session, seeded):
    dana = session.scalar(select(Contact).where(Contact.email == demo_data.TRY_ME))
    assert dana.account.owner.email == "csm1@demo.example"
    assert dana.locale == "en" and not (dana.unsubscribed or dana.bounced)


def test_every_persona_the_readme_names_sees_a_non_empty_view(session, seeded):
    csm1, lead = user(session, "csm1@demo.example"), user(session, "lead@demo.example")
    head, admin = user(session, "head@demo.example"), user(session, demo_data.ADMIN_EMAIL)
    assert (lead.role, head.role, admin.role) == ("team_lead", "department_head", "admin")

    mine, total = task_list.queue(session, user=csm1, view="mine", now=NOW)
    assert total >= 3 and all(row.owner_name == csm1.name for row in mine)
    overdue, _ = task_list.queue(session, user=csm1, view="overdue", now=NOW)
    assert len(overdue) < total  # some overdue at most, not all

    # The lead leads csm1's team: its queue, huddle pack and metrics have something in them.
    assert lead.team_id == csm1.team_id
    team_rows, team_total = task_list.queue(session, user=lead, view="team", now=NOW)
    assert team_total >= total
    pack = huddle.huddle_pack(session, lead.team_id, now=NOW)
    assert pack.negatives or pack.positives
    assert not pack.empty
    start, end = metrics.date_range(None, None, today=NOW.date())
    team_loop = metrics.close_the_loop(session, start=start, end=end, team_id=lead.team_id, now=NOW)
    assert team_loop.as_dict()["csms"]

    # The department head and the admin see every team.
    everyone, everyone_total = task_list.queue(session, user=head, view="team", now=NOW)
    assert everyone_total > team_total
    loop = metrics.close_the_loop(session, start=start, end=end, now=NOW)
    assert loop.as_dict()["csms"]
    # "Did we resolve it?" was asked of the recoveries closed days ago, and mostly answered
    # yes: the metrics page shows a recovery rate, not "—".
    assert loop.overall.recovery_rate is not None and 0.5 < loop.overall.recovery_rate <= 1
    assert task_list.queue(session, user=admin, view="team", now=NOW)[1] >= everyone_total
    assert overview.nps_overview(session, now=NOW)["region"]


def test_starting_the_worker_beside_the_demo_sends_no_wave(app, session, seeded):
    """The jobs that run right after the demo starts: a few emails at most, not 100."""
    before = set(session.scalars(select(OutboxEmail.id)))
    invited = invitations.dispatch_due_surveys(session, app.config, NOW).invited
    escalations = escalation.escalate_tasks(session, NOW, config=app.config)
    checks = resolution_checks.send_resolution_checks(session, NOW, config=app.config)
    session.flush()
    queued = Counter(
        row.kind for row in session.scalars(select(OutboxEmail)) if row.id not in before
    )
    # Only the few contacts really due today (of 300); no escalation backlog, no checks.
    assert invited <= 15 and queued["invitation"] == invited
    assert escalations["emails"] <= 3 and checks["sent"] == 0
    assert set(queued) <= {"invitation", "reminder", "task_notices"}
