"""Daily digests: each CSM's open and due-today tasks, each lead's overdue team tasks, in the
team's morning, once per person per day, through the outbox."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import followup, followup_notices
from tests.followup_world import NOW

MORNING = NOW - timedelta(hours=1)  # Monday 09:00 Berlin


def digests(session):
    return {
        m.to_email: m
        for m in session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "digest"))
    }


def test_digests_in_the_morning_once_per_day(session, world, respond):
    respond(3, at=NOW - timedelta(days=3))  # Ann's; due Monday... created Friday
    respond(2, account=world.big, at=NOW - timedelta(days=6))  # Bob's, long overdue
    followup.create_followups(session, NOW - timedelta(days=3) + timedelta(minutes=31))
    followup.create_followups(session, NOW - timedelta(days=6) + timedelta(minutes=31))
    late_morning = MORNING + timedelta(hours=2)  # 11:00 Berlin; Bob's task is overdue
    stats = followup_notices.send_digests(session, late_morning, config=current_app.config)
    assert stats["sent"] == 3, stats  # Ann, Bob, and Lee (the team's overdue task)
    sent = digests(session)
    assert set(sent) == {world.ann.email, world.bob.email, world.lee.email}
    assert "Your other open tasks (1)" in sent[world.ann.email].content.text
    # Bob's task is days late: overdue, never "due today".
    assert "Your overdue tasks (1)" in sent[world.bob.email].content.text
    assert "Due today" not in sent[world.bob.email].content.text
    assert "Overdue in your team (1)" in sent[world.lee.email].content.text
    assert "· Bob" in sent[world.lee.email].content.text
    # later that morning nothing is sent again
    again = followup_notices.send_digests(
        session, late_morning + timedelta(minutes=30), config=current_app.config
    )
    assert again["sent"] == 0 and again["already_sent"] == 3
    # the next morning sends again
    assert (
        followup_notices.send_digests(
            session, late_morning + timedelta(days=1), config=current_app.config
        )["sent"]
        == 3
    )


def test_no_digest_outside_the_morning_or_on_weekends_or_with_nothing_to_say(
    session, world, respond
):
    respond(3)
    followup.create_followups(session, NOW)
    assert (
        followup_notices.send_digests(session, NOW + timedelta(hours=6), config=current_app.config)[
            "sent"
        ]
        == 0
    )  # 16:00
    saturday = MORNING + timedelta(days=5)
    assert followup_notices.send_digests(session, saturday, config=current_app.config)["sent"] == 0
    stats = followup_notices.send_digests(
        session, MORNING + timedelta(days=1), config=current_app.config
    )
    assert stats["sent"] == 1 and stats["nothing"] >= 2  # only Ann has a task
