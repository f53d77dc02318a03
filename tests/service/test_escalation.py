"""Escalation: overdue at 1× the SLA (team lead told), escalated at 2× (department head)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import escalation, followup, followup_notices
from tests.builders import add_task
from tests.followup_world import NOW, tasks_of


def emails(session, kind):
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind)))


def test_overdue_at_1x_then_escalated_at_2x_once_each(session, app, world, respond):
    response = respond(3)
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, response)
    due = task.due_at  # Wednesday 10:00 Berlin
    assert (
        escalation.escalate_tasks(session, due, config=current_app.config)["overdue"] == 0
    )  # due now, not yet late
    late = due + timedelta(minutes=1)
    stats = escalation.escalate_tasks(session, late, config=current_app.config)
    assert stats == {"overdue": 1, "escalated": 0, "emails": 1, "held": 0}
    (mail,) = emails(session, "task_notices")
    assert mail.to_email == world.lee.email
    assert mail.content.subject == f"Overdue: {task.title}" and "/tasks/" in mail.content.text
    assert task.overdue_at == late and task.events[-1].kind == "overdue"
    assert (
        escalation.escalate_tasks(session, due + timedelta(hours=1), config=current_app.config)[
            "overdue"
        ]
        == 0
    )
    # 2×: 16 more business hours → Friday 10:00 Berlin
    escalate = due + timedelta(days=2)
    assert (
        escalation.escalate_tasks(session, escalate, config=current_app.config)["escalated"] == 0
    )  # at 2×, not past it
    stats = escalation.escalate_tasks(
        session, escalate + timedelta(minutes=1), config=current_app.config
    )
    assert stats == {"overdue": 0, "escalated": 1, "emails": 1, "held": 0}
    (mail,) = [m for m in emails(session, "task_notices") if m.to_email == world.dee.email]
    assert mail.content.subject == f"Escalated: {task.title}"
    assert task.escalated_at == escalate + timedelta(minutes=1)
    assert task.events[-1].kind == "escalated"
    assert (
        escalation.escalate_tasks(session, escalate + timedelta(days=5), config=current_app.config)[
            "escalated"
        ]
        == 0
    )


def test_the_weekend_does_not_count_towards_escalation(session, world, respond):
    friday = NOW + timedelta(days=4, hours=6)  # Friday 16:00 Berlin
    response = respond(2, account=world.big, at=friday - timedelta(minutes=5))
    followup.create_followups(session, friday)
    (task,) = tasks_of(session, response)
    assert task.due_at.isoformat() == "2026-03-09T15:00:00+00:00"  # Monday 16:00 Berlin
    stats = escalation.escalate_tasks(
        session, task.due_at + timedelta(hours=6), config=current_app.config
    )
    assert (stats["overdue"], stats["escalated"]) == (1, 0)  # Monday night is not 2×
    assert (
        escalation.escalate_tasks(
            session, task.due_at + timedelta(days=1), config=current_app.config
        )["escalated"]
        == 0
    )
    stats = escalation.escalate_tasks(
        session, task.due_at + timedelta(days=1, minutes=1), config=current_app.config
    )
    assert stats["escalated"] == 1  # just past Tuesday 16:00 Berlin, 2× its 8 business hours


def test_closed_tasks_never_escalate_and_no_lead_is_recorded(session, world, respond):
    closed = respond(3)
    lone = respond(4, account=world.orphan, themes=(world.billing,))  # Finance has no lead
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, closed)
    followup.transition(session, task.id, world.ann, "closed", resolution_code="no_action", now=NOW)
    later = NOW + timedelta(days=30)
    stats = escalation.escalate_tasks(session, later, config=current_app.config)
    assert stats["overdue"] == 1 and stats["escalated"] == 1 and stats["emails"] == 0
    (other,) = tasks_of(session, lone)
    assert "nobody (the team has no lead)" in other.events[-2].body
    assert task.overdue_at is None


# ---------------------------------------------------------------- batched notices


def late_tasks(session, world, n, due_at, priority=3, title="Late follow-up"):
    return [
        add_task(
            session,
            owner=world.ann,
            title=f"{title} {i:02d}",
            due_at=due_at,
            created_at=due_at - timedelta(days=2),
            priority=priority,
        )  # fmt: skip
        for i in range(1, n + 1)
    ]


def test_48_escalations_for_one_head_are_one_email_listing_them_all(session, app, world):
    tasks = late_tasks(session, world, 48, NOW - timedelta(days=10))
    stats = escalation.escalate_tasks(session, NOW, config=current_app.config)
    assert (stats["overdue"], stats["escalated"], stats["emails"]) == (48, 48, 2)
    (to_dee,) = [m for m in emails(session, "task_notices") if m.to_email == world.dee.email]
    (to_lee,) = [m for m in emails(session, "task_notices") if m.to_email == world.lee.email]
    assert to_dee.content.subject == "Follow-ups: 48 escalated"
    assert to_lee.content.subject == "Follow-ups: 48 overdue"
    for mail in (to_dee, to_lee):
        for task in tasks:
            assert task.title in mail.content.text and f"/tasks/{task.id}\n" in mail.content.text
            assert f'/tasks/{task.id}"' in mail.content.html
        # The queue's priority words, never the stored number.
        assert mail.content.text.count("high priority") == 48
        assert "priority 3" not in mail.content.text and "priority 3" not in mail.content.html
        # The task's own SLA, never twice it presented as if it were the SLA.
        hours = tasks[0].sla_business_hours
        assert f"a {hours}-business-hour SLA" in mail.content.text
        assert f"a {hours}-business-hour SLA" in mail.content.html
        assert f"{2 * hours} business hours" not in mail.content.text + mail.content.html
    assert "Escalated to you (48)" in to_dee.content.html

    # The worker runs again within the window: nothing new for the same tasks.
    again = escalation.escalate_tasks(
        session, NOW + timedelta(minutes=15), config=current_app.config
    )
    assert again == {"overdue": 0, "escalated": 0, "emails": 0, "held": 0}
    assert len(emails(session, "task_notices")) == 2


def test_a_person_gets_at_most_one_notice_per_window(session, app, world):
    late_tasks(session, world, 2, NOW - timedelta(hours=2))  # overdue, not yet 2×
    assert (
        escalation.escalate_tasks(session, NOW, config=current_app.config)["emails"] == 1
    )  # Lee: both tasks
    (newer,) = late_tasks(session, world, 1, NOW + timedelta(minutes=10), title="Newer")
    held = escalation.escalate_tasks(
        session, NOW + timedelta(minutes=20), config=current_app.config
    )
    assert (held["overdue"], held["emails"], held["held"]) == (1, 0, 1)
    assert len(emails(session, "task_notices")) == 1
    # The window is kept in the database: a later run (any worker) sends the held one.
    sent = escalation.escalate_tasks(
        session, NOW + timedelta(minutes=61), config=current_app.config
    )
    assert (sent["overdue"], sent["emails"], sent["held"]) == (0, 1, 0)
    latest = max(emails(session, "task_notices"), key=lambda m: m.id)
    assert latest.to_email == world.lee.email
    assert latest.content.subject == f"Overdue: {newer.title}"
    assert "Late follow-up 01" not in latest.content.text  # told already, not again


def test_a_digest_that_lists_the_task_carries_its_notice(session, app, world):
    late_tasks(session, world, 1, NOW - timedelta(hours=2))
    escalation.escalate_tasks(
        session, NOW, config=current_app.config
    )  # Lee is told at 10:00 Berlin
    (newer,) = late_tasks(session, world, 1, NOW + timedelta(minutes=5), title="Newer")
    assert (
        escalation.escalate_tasks(session, NOW + timedelta(minutes=10), config=current_app.config)[
            "held"
        ]
        == 1
    )
    followup_notices.send_digests(
        session, NOW + timedelta(minutes=20), config=current_app.config
    )  # the morning digest
    digest = session.scalar(
        select(OutboxEmail).where(OutboxEmail.kind == "digest",
                                  OutboxEmail.to_email == world.lee.email)
    )  # fmt: skip
    assert newer.title in digest.content.text
    later = escalation.escalate_tasks(session, NOW + timedelta(hours=2), config=current_app.config)
    assert (later["emails"], later["held"]) == (0, 0)
    assert len([m for m in emails(session, "task_notices") if m.to_email == world.lee.email]) == 1
