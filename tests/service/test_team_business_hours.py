"""A team's own business hours drive every SLA clock of its tasks: the due time a new task
gets, the reopened task's new deadline, escalation at 2×, and which mornings digests go out;
and a playbook's business day is one of the owning team's working days, however long.

Hand-computed: Support works Sunday to Thursday, 08:00 to 16:00 in Asia/Jerusalem (UTC+2 in
March before the 27th), or Monday to Friday 10:00 to 18:00 in Berlin (UTC+1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import escalation, followup, followup_notices, org, playbook_admin
from feedback.services.followup_planning import Context
from tests.followup_world import tasks_of

THURSDAY_14_JERUSALEM = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
MONDAY_10_BERLIN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY_10_BERLIN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
THURSDAY_10_BERLIN = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def _work_sunday_to_thursday(session, team) -> None:
    org.update_team(session, team.id, {"timezone": "Asia/Jerusalem",
                    "business_days": ["sun", "mon", "tue", "wed", "thu"],
                    "business_start": "08:00", "business_end": "16:00"})  # fmt: skip
    session.commit()


def _work_ten_to_six(session, team) -> None:
    org.update_team(session, team.id, {"business_start": "10:00", "business_end": "18:00"})
    session.commit()


def _work_eight_to_six(session, team) -> None:
    org.update_team(session, team.id, {"business_start": "08:00", "business_end": "18:00"})
    session.commit()


def _bigbank_task(session, world, respond, at):
    """A high-ARR detractor of BigBank (Bob's, in Support): an 8 business hour SLA."""
    response = respond(2, account=world.big, at=at - timedelta(minutes=5))
    followup.create_followups(session, at)
    (task,) = tasks_of(session, response)
    assert (task.team_id, task.sla_business_hours) == (world.support.id, 8)
    return task


def test_the_run_reads_each_teams_hours_once_with_the_teams(session, world):
    _work_sunday_to_thursday(session, world.support)
    context = Context.load(session)
    assert context.hours_of(world.support.id).describe() == "Sun–Thu 08:00–16:00"
    assert context.hours_of(world.finance.id).describe() == "Mon–Fri 09:00–17:00"
    assert context.hours_of(None).describe() == "Mon–Fri 09:00–17:00"


def test_a_sunday_to_thursday_team_is_due_on_sunday_not_friday(session, world, respond):
    _work_sunday_to_thursday(session, world.support)
    task = _bigbank_task(session, world, respond, THURSDAY_14_JERUSALEM)
    # Thursday 14:00–16:00 (2 h), Friday and Saturday off, Sunday 08:00 + 6 h → 14:00 (12 UTC).
    # Mon–Fri 9–17 would have said Friday 14:00.
    assert task.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_escalation_counts_the_teams_hours_between_1x_and_2x(session, world, respond):
    _work_sunday_to_thursday(session, world.support)
    task = _bigbank_task(session, world, respond, THURSDAY_14_JERUSALEM)
    config = current_app.config
    friday_noon = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert escalation.escalate_tasks(session, friday_noon, config=config)["overdue"] == 0
    sunday_late = datetime(2026, 3, 8, 12, 1, tzinfo=UTC)
    stats = escalation.escalate_tasks(session, sunday_late, config=config)
    assert (stats["overdue"], stats["escalated"]) == (1, 0)
    # 2×: 8 more hours from Sunday 14:00: Sunday 2 h, Monday 08:00 + 6 h → Monday 14:00
    # (12:00 UTC); the standard 9–17 day would have said Monday 17:00.
    monday_at_2x = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert escalation.escalate_tasks(session, monday_at_2x, config=config)["escalated"] == 0
    stats = escalation.escalate_tasks(session, monday_at_2x + timedelta(minutes=1), config=config)
    assert stats["escalated"] == 1
    session.refresh(task)
    assert task.escalated_at == monday_at_2x + timedelta(minutes=1)


def test_a_ten_to_six_team_and_a_reopened_task(session, world, respond):
    _work_ten_to_six(session, world.support)
    response = respond(3, at=MONDAY_10_BERLIN - timedelta(minutes=5))
    followup.create_followups(session, MONDAY_10_BERLIN)
    (task,) = tasks_of(session, response)
    assert task.sla_business_hours == 16
    # Monday 10–18 and Tuesday 10–18 → Tuesday 18:00 Berlin (17:00 UTC), not Wednesday 10:00.
    assert task.due_at == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    followup.transition(session, task.id, world.ann, "closed", resolution_code="resolved",
                        now=MONDAY_10_BERLIN + timedelta(hours=3))  # fmt: skip
    friday_1730 = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    task = followup.transition(session, task.id, world.ann, "open", now=friday_1730)
    # Reopened Friday 17:30: half an hour on Friday, Monday 8 h, Tuesday 10:00 + 7.5 h → 17:30.
    assert task.due_at == datetime(2026, 3, 10, 16, 30, tzinfo=UTC)


def test_digests_go_out_on_the_teams_working_mornings(session, world, respond):
    _work_sunday_to_thursday(session, world.support)
    _bigbank_task(session, world, respond, THURSDAY_14_JERUSALEM)
    config = current_app.config

    def digest_to(email):
        return session.scalar(
            select(OutboxEmail).where(OutboxEmail.kind == "digest", OutboxEmail.to_email == email)
        )

    friday_9 = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # 09:00 in Jerusalem, a day off
    stats = followup_notices.send_digests(session, friday_9, config=config)
    assert stats["sent"] == 0 and digest_to(world.bob.email) is None
    sunday_9 = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 09:00 in Jerusalem, a working day
    stats = followup_notices.send_digests(session, sunday_9, config=config)
    assert stats["sent"] == 1 and digest_to(world.bob.email) is not None
    assert "Sunday" in digest_to(world.bob.email).content.subject


@pytest.mark.parametrize(
    ("opens", "closes", "hours"),
    [("08:00", "18:00", 20), ("09:00", "15:00", 12)],  # 10-hour and 6-hour days
)
def test_two_business_days_are_two_of_the_teams_own_days(
    session, world, respond, opens, closes, hours
):
    org.update_team(session, world.support.id, {"business_start": opens, "business_end": closes})
    session.commit()
    response = respond(3, at=TUESDAY_10_BERLIN - timedelta(minutes=5))  # "Detractor": 2 days
    followup.create_followups(session, TUESDAY_10_BERLIN)
    (task,) = tasks_of(session, response)
    # Tuesday 10:00 + two working days → Thursday 10:00, at the same point of the day. Eight
    # hours a day would have said Wednesday 18:00 (8–18) or Friday 14:00 (9–15).
    assert (task.team_id, task.sla_business_hours) == (world.support.id, hours)
    assert task.due_at == THURSDAY_10_BERLIN


def _activate(session, world, rules):
    draft = playbook_admin.create_draft(session, world.admin)
    playbook_admin.update_rules(session, draft.id, "Own rules", rules)
    playbook_admin.activate(session, draft.id, world.admin, TUESDAY_10_BERLIN)
    session.commit()


def test_a_rule_in_hours_keeps_its_hours_where_days_stretch(session, world, respond):
    _work_eight_to_six(session, world.support)
    detractor = {"category": ["detractor"]}
    _activate(session, world, [
        {"name": "Quick look", "conditions": detractor, "stop": False,
         "action": {"task_type": "review", "priority": 2, "sla_business_hours": 4}},
        {"name": "Call back", "conditions": detractor,
         "action": {"task_type": "recover", "priority": 2, "sla_business_days": 2}},
    ])  # fmt: skip
    response = respond(3, at=TUESDAY_10_BERLIN - timedelta(minutes=5))
    followup.create_followups(session, TUESDAY_10_BERLIN)
    review, recover = tasks_of(session, response)
    assert (review.type, review.sla_business_hours) == ("review", 4)
    assert review.due_at == TUESDAY_10_BERLIN + timedelta(hours=4)  # 14:00, four hours
    assert (recover.type, recover.sla_business_hours) == ("recover", 20)
    assert recover.due_at == THURSDAY_10_BERLIN


def test_a_health_recovery_task_is_due_by_the_teams_clock(session, world):
    org.update_team(session, world.support.id, {"timezone": "Asia/Jerusalem",
                    "business_days": ["sun", "mon", "tue", "wed", "thu"],
                    "business_start": "08:00", "business_end": "18:00"})  # fmt: skip
    session.commit()
    wednesday_10 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # 10:00 in Jerusalem (UTC+2)
    (task,) = followup.open_health_recovery(session, world.big, 90, 30, 15, wednesday_10)
    # "Account health dropped": 2 business days, routed to BigBank's owner Bob (Support).
    # Wednesday 10–18, Thursday 08–18, Friday and Saturday off, Sunday 08:00 + 2 h → 10:00
    # (08:00 UTC). The standard Mon–Fri 9–17 clock had said Friday 10:00.
    assert (task.team_id, task.sla_business_hours) == (world.support.id, 20)
    assert task.due_at == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
