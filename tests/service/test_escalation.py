"""Escalation: overdue at 1× the SLA (team lead told), escalated at 2× (department head)."""

from __future__ import annotations

from datetime import timedelta

import followup_fixtures as shared
from followup_fixtures import NOW, tasks_of
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import followup

world, respond = shared.world, shared.respond  # the shared fixtures


def emails(session, kind):
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind)))


def test_overdue_at_1x_then_escalated_at_2x_once_each(session, app, world, respond):
    response = respond(3)
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, response)
    due = task.due_at  # Wednesday 10:00 Berlin
    assert followup.escalate_tasks(session, due)["overdue"] == 0  # due now, not yet late
    late = due + timedelta(minutes=1)
    stats = followup.escalate_tasks(session, late)
    assert stats == {"overdue": 1, "escalated": 0, "emails": 1, "held": 0}
    (mail,) = emails(session, "task_notices")
    assert mail.to_email == world.lee.email
    assert mail.content.subject == f"Overdue: {task.title}" and "/tasks/" in mail.content.text
    assert task.overdue_at == late and task.events[-1].kind == "overdue"
    assert followup.escalate_tasks(session, due + timedelta(hours=1))["overdue"] == 0
    # 2×: 16 more business hours → Friday 10:00 Berlin
    escalate = due + timedelta(days=2)
    assert followup.escalate_tasks(session, escalate - timedelta(minutes=1))["escalated"] == 0
    stats = followup.escalate_tasks(session, escalate)
    assert stats == {"overdue": 0, "escalated": 1, "emails": 1, "held": 0}
    (mail,) = [m for m in emails(session, "task_notices") if m.to_email == world.dee.email]
    assert mail.content.subject == f"Escalated: {task.title}"
    assert task.escalated_at == escalate and task.events[-1].kind == "escalated"
    assert followup.escalate_tasks(session, escalate + timedelta(days=5))["escalated"] == 0


def test_the_weekend_does_not_count_towards_escalation(session, world, respond):
    friday = NOW + timedelta(days=4, hours=6)  # Friday 16:00 Berlin
    response = respond(2, account=world.big, at=friday - timedelta(minutes=5))
    followup.create_followups(session, friday)
    (task,) = tasks_of(session, response)
    assert task.due_at.isoformat() == "2026-03-09T15:00:00+00:00"  # Monday 16:00 Berlin
    stats = followup.escalate_tasks(session, task.due_at + timedelta(hours=6))
    assert (stats["overdue"], stats["escalated"]) == (1, 0)  # Monday night is not 2×
    stats = followup.escalate_tasks(session, task.due_at + timedelta(days=1))
    assert stats["escalated"] == 1


def test_closed_tasks_never_escalate_and_no_lead_is_recorded(session, world, respond):
    closed = respond(3)
    lone = respond(4, account=world.orphan, themes=(world.billing,))  # Finance has no lead
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, closed)
    followup.transition(session, task.id, world.ann, "closed", resolution_code="no_action", now=NOW)
    later = NOW + timedelta(days=30)
    stats = followup.escalate_tasks(session, later)
    assert stats["overdue"] == 1 and stats["escalated"] == 1 and stats["emails"] == 0
    (other,) = tasks_of(session, lone)
    assert "nobody (the team has no lead)" in other.events[-2].body
    assert task.overdue_at is None
