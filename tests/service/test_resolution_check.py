"""After a recovery: "Did we resolve it?" a few days later, in the same thread; a "no"
reopens the task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from feedback.models import Message, OutboxEmail, ResolutionCheck
from feedback.services import followup, resolution_checks
from feedback.services.errors import InvalidInput, NotFound
from tests.followup_world import NOW, tasks_of


@pytest.fixture
def closed(session, world, respond):
    response = respond(3)
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, response)
    followup.transition(session, task.id, world.ann, "closed", resolution_code="resolved", now=NOW)
    session.commit()
    return task


def send(session, now):
    stats = resolution_checks.send_resolution_checks(session, now, config=current_app.config)
    mail = session.scalars(
        select(OutboxEmail).where(OutboxEmail.kind == "resolution_check")
    ).first()
    return stats, mail


def test_asked_a_few_days_later_in_the_thread_and_a_no_reopens(session, world, closed):
    assert send(session, NOW + timedelta(days=2))[0]["sent"] == 0
    stats, mail = send(session, NOW + timedelta(days=3))
    assert stats["sent"] == 1
    token = mail.substitutions["%%token%%"]
    assert "/resolved/%%token%%?answer=no" in mail.content.text
    assert mail.invitation_id == closed.invitation_id and mail.content.reply_to.startswith("reply+")
    thread = session.scalars(
        select(Message).where(Message.invitation_id == closed.invitation_id)
    ).all()
    assert thread[-1].kind == "resolution_check" and thread[-1].direction == "outbound"
    resolution_checks.answer_resolution_check(
        session, token, "no", "Still double-billed", NOW + timedelta(days=4)
    )
    session.commit()
    assert closed.status == "open" and closed.resolution_code is None
    assert closed.events[-1].body == "The customer says it is not resolved: Still double-billed"
    kinds = [
        m.kind
        for m in session.scalars(
            select(Message)
            .where(Message.invitation_id == closed.invitation_id)
            .order_by(Message.id)
        )
    ][-2:]
    assert kinds == ["resolution_answer", "comment"]
    assert send(session, NOW + timedelta(days=10))[0]["sent"] == 0  # asked once


def test_a_yes_keeps_it_closed(session, world, closed):
    _, mail = send(session, NOW + timedelta(days=3))
    page = resolution_checks.answer_resolution_check(
        session, mail.substitutions["%%token%%"], "yes"
    )
    assert page.check.answer == "yes" and closed.status == "closed"
    with pytest.raises(InvalidInput):
        resolution_checks.answer_resolution_check(session, mail.substitutions["%%token%%"], "maybe")
    with pytest.raises(NotFound):
        resolution_checks.open_resolution_check(session, "x" * 43)


def test_only_recoveries_closed_as_resolved_or_contacted_are_checked(session, world, respond):
    r1, r2 = respond(3), respond(9)
    followup.create_followups(session, NOW)
    (recover,), (advocate,) = tasks_of(session, r1), tasks_of(session, r2)
    followup.transition(
        session, recover.id, world.ann, "closed", resolution_code="not_reachable", now=NOW
    )
    followup.transition(
        session, advocate.id, world.ann, "closed", resolution_code="contacted", now=NOW
    )
    assert session.scalars(select(ResolutionCheck)).all() == []


def test_a_reopened_task_is_not_asked(session, world, closed):
    followup.transition(session, closed.id, world.ann, "in_progress", now=NOW + timedelta(days=1))
    assert send(session, NOW + timedelta(days=3))[0]["sent"] == 0
