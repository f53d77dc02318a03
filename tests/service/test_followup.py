"""Creating follow-ups from responses, and working a task: transitions, reassignment,
comments, the customer's reply, the open-recover-task survey rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.mail import replies
from feedback.models import PlaybookSet, Task, TaskEvent, WebhookDelivery
from feedback.services import conversation, followup, followup_planning, invitations, webhooks_out
from feedback.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from feedback.tokens import hash_token, new_token
from tests.followup_world import NOW, tasks_of


def run(session, now=NOW):
    stats = followup.create_followups(session, now)
    session.commit()
    return stats


def test_the_default_set_is_seeded_active_once(session):
    first = followup_planning.active_set(session, NOW)
    again = followup_planning.active_set(session, NOW)
    assert first.id == again.id and first.status == "active"
    assert [r.name for r in first.rules][:2] == ["High-ARR detractor", "Detractor"]
    assert session.scalar(select(PlaybookSet.id).where(PlaybookSet.id != first.id)) is None


def test_a_detractor_gets_a_recover_task_routed_to_the_account_owner(session, world, respond):
    response = respond(3)
    assert run(session) == {"responses": 1, "tasks": 1}
    (task,) = tasks_of(session, response)
    assert (task.type, task.status, task.priority) == ("recover", "open", 2)
    assert task.owner_id == world.ann.id and task.team_id == world.support.id
    assert task.routing_reason == "rule 'Detractor' → owner of MegaCorp"
    assert task.sla_business_hours == 16
    # Monday 10:00 Berlin + 2 business days → Wednesday 10:00 Berlin (09:00 UTC)
    assert task.due_at == NOW + timedelta(days=2)
    assert task.title.startswith("Recover: Customer") and "(MegaCorp) scored 3" in task.title
    assert [e.kind for e in task.events] == ["created"]
    assert task.events[0].body == task.routing_reason
    assert task.invitation_id == response.invitation_id and task.contact_id == response.contact_id


@pytest.mark.parametrize(
    ("score", "task_type", "hours"), [(8, "convert", 40), (10, "advocate", 56)]
)
def test_passives_and_promoters(session, world, respond, score, task_type, hours):
    response = respond(score)
    run(session)
    (task,) = tasks_of(session, response)
    assert (task.type, task.sla_business_hours) == (task_type, hours)


def test_high_arr_accounts_get_a_tighter_sla_and_higher_priority(session, world, respond):
    response = respond(2, account=world.big)
    run(session)
    (task,) = tasks_of(session, response)
    assert (task.priority, task.sla_business_hours, task.owner_id) == (3, 8, world.bob.id)
    assert task.routing_reason == "rule 'High-ARR detractor' → owner of BigBank"


def test_a_mismatch_goes_to_review(session, world, respond):
    response = respond(10, mismatch=True, comment="Crashes every day")
    run(session)
    assert [t.type for t in tasks_of(session, response)] == ["review"]


def test_a_score_drop_is_recovered_even_when_not_a_detractor(session, world, respond):
    earlier = respond(10, at=NOW - timedelta(days=100))
    contact = earlier.contact
    later = respond(7, contact=contact)
    run(session)
    (task,) = tasks_of(session, later)
    assert task.type == "recover"
    assert task.routing_reason == "rule 'Score drop' → owner of MegaCorp"


def test_unsettled_old_and_already_followed_responses_are_left_alone(session, world, respond):
    fresh = respond(3, status="provisional", at=NOW - timedelta(minutes=10))
    settled = respond(3, status="provisional", at=NOW - timedelta(minutes=31))
    old = respond(3, at=NOW - timedelta(days=8))
    assert run(session) == {"responses": 1, "tasks": 1}
    assert tasks_of(session, fresh) == [] and tasks_of(session, old) == []
    assert len(tasks_of(session, settled)) == 1
    assert run(session) == {"responses": 0, "tasks": 0}  # never twice
    # the customer who only clicked is followed up once the half hour has passed
    assert run(session, NOW + timedelta(minutes=25))["tasks"] == 1
    assert len(tasks_of(session, fresh)) == 1


def test_no_owner_routes_to_the_theme_team_and_records_why(session, world, respond):
    response = respond(4, account=world.orphan, themes=(world.billing,))
    run(session)
    (task,) = tasks_of(session, response)
    assert (task.owner_id, task.team_id) == (world.fay.id, world.finance.id)
    assert task.routing_reason == (
        "rule 'Detractor': NoOwner Ltd has no owner → theme 'Billing' → Finance: Fay has the "
        "fewest open tasks (0)"
    )
    # the team's zone counts: Monday 04:00 New York → due Tuesday 17:00 New York
    assert task.due_at.isoformat() == "2026-03-03T22:00:00+00:00"


def test_an_inactive_owner_falls_back_to_the_team_lead(session, world, respond):
    world.ann.active = False
    session.commit()
    response = respond(3)
    run(session)
    (task,) = tasks_of(session, response)
    assert task.owner_id == world.lee.id
    assert "owner of MegaCorp (Ann) is inactive → team lead of Support" in task.routing_reason


def test_a_team_rule_balances_the_load_round_robin(session, world, respond):
    playbook_set = followup_planning.active_set(session, NOW)
    for rule in playbook_set.rules:
        rule.action = {**rule.action, "route": {"to": "team", "team_id": world.support.id}}
    session.commit()
    owners = []
    for _ in range(4):
        response = respond(3)
        run(session)
        owners.append(tasks_of(session, response)[0].owner_id)
    assert owners == [world.ann.id, world.bob.id, world.ann.id, world.bob.id]


def test_repetition_raises_priority_and_says_so(session, world, respond):
    contact_a = respond(5, themes=(world.billing,), at=NOW - timedelta(days=150)).contact
    respond(6, contact=contact_a, themes=(world.billing,), at=NOW - timedelta(days=40))
    third = respond(4, themes=(world.billing,))
    run(session, NOW)
    task = tasks_of(session, third)[0]
    assert task.priority == 4
    assert task.severity_note == "3rd billing complaint from MegaCorp since October 2025"
    assert [e.kind for e in task.events] == ["created", "severity"]


def test_task_created_and_closed_webhooks_when_subscribed(session, world, respond, monkeypatch):
    monkeypatch.setattr(
        webhooks_out, "EVENT_TYPES", (*webhooks_out.EVENT_TYPES, "task.created", "task.closed")
    )
    webhooks_out.create_endpoint(
        session, "https://hooks.example.com/x", ["task.created", "task.closed"]
    )
    response = respond(3)
    run(session)
    task = tasks_of(session, response)[0]
    followup.transition(session, task.id, world.ann, "closed", resolution_code="no_action", now=NOW)
    kinds = [
        d.event_type for d in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    ]
    assert kinds == ["task.created", "task.closed"]
    assert session.scalars(select(WebhookDelivery)).first().payload["routing_reason"]


# ---------------------------------------------------------------- working a task


@pytest.fixture
def task(session, world, respond) -> Task:
    response = respond(3)
    run(session)
    return tasks_of(session, response)[0]


def test_the_lifecycle_with_its_trail(session, world, task):
    followup.transition(session, task.id, world.ann, "in_progress", now=NOW)
    followup.transition(session, task.id, world.ann, "waiting_on_customer", now=NOW)
    assert task.first_contact_at == NOW
    followup.transition(
        session,
        task.id,
        world.ann,
        "closed",
        resolution_code="churn_risk",
        root_cause="price/value",
        note="Budget cut",
        now=NOW,
    )
    session.commit()
    assert (task.status, task.resolution_code, task.root_cause) == (
        "closed",
        "churn_risk",
        "price/value",
    )
    assert task.closed_at == NOW and task.resolution_note == "Budget cut"
    trail = [(e.kind, e.from_value, e.to_value) for e in task.events]
    assert trail[1:] == [
        ("status", "open", "in_progress"),
        ("status", "in_progress", "waiting_on_customer"),
        ("status", "waiting_on_customer", "closed"),
    ]
    followup.transition(session, task.id, world.ann, "open", note="Customer called", now=NOW)
    assert task.status == "open" and task.resolution_code is None and task.closed_at is None


def test_invalid_transitions_are_conflicts_with_a_clear_message(session, world, task):
    followup.transition(session, task.id, world.ann, "in_progress", now=NOW)
    with pytest.raises(Conflict, match="in progress cannot be moved to open"):
        followup.transition(session, task.id, world.ann, "open", now=NOW)


def test_closing_without_a_resolution_code_is_invalid_input(session, world, task):
    with pytest.raises(InvalidInput) as caught:
        followup.transition(session, task.id, world.ann, "closed", now=NOW)
    assert caught.value.status == 422 and "resolution_code" in caught.value.fields


def test_only_the_team_or_the_managers_may_change_a_task(session, world, task):
    with pytest.raises(Forbidden):
        followup.transition(session, task.id, world.fay, "in_progress", now=NOW)
    followup.transition(session, task.id, world.dee, "in_progress", now=NOW)  # department head
    followup.add_comment(session, task.id, world.admin, "Looked at it", now=NOW)
    with pytest.raises(NotFound):
        followup.transition(session, 999_999, world.admin, "in_progress", now=NOW)


def test_reassign_and_comment_leave_a_trail(session, world, task):
    with pytest.raises(Forbidden):  # Lee leads Support; Finance is not his to hand work to
        followup.reassign(session, task.id, world.lee, world.fay.id, "Billing question", now=NOW)
    assert (task.owner_id, task.team_id) == (world.ann.id, world.support.id)
    followup.reassign(session, task.id, world.admin, world.fay.id, "Billing question", now=NOW)
    assert (task.owner_id, task.team_id) == (world.fay.id, world.finance.id)
    with pytest.raises(Conflict):
        followup.reassign(session, task.id, world.admin, world.fay.id)
    with pytest.raises(InvalidInput, match="not reassigned"):
        followup.reassign(session, task.id, world.admin, 999_999)
    with pytest.raises(InvalidInput):
        followup.add_comment(session, task.id, world.admin, "   ")
    followup.add_comment(session, task.id, world.admin, "Called them", now=NOW)
    events = session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
    ).all()
    assert [(e.kind, e.from_value, e.to_value, e.body) for e in events[1:]] == [
        ("reassigned", "Ann", "Fay", "Billing question"),
        ("comment", None, None, "Called them"),
    ]


def test_a_customer_reply_moves_a_waiting_task_back_to_in_progress(session, world, task):
    followup.transition(session, task.id, world.ann, "waiting_on_customer", now=NOW)
    session.commit()
    token = new_token()
    invitation = task.response.invitation if hasattr(task, "response") else None
    from feedback.models import Invitation

    invitation = session.get(Invitation, task.invitation_id)
    invitation.reply_token_hash = hash_token(token)
    session.commit()
    mail = replies.InboundMail(
        from_header=invitation.contact.email,
        to_header=f"reply+{token}@inbound.localhost",
        envelope_to=(f"reply+{token}@inbound.localhost",),
        envelope_from=invitation.contact.email,
        subject="Re: your feedback",
        text="Thanks, that would help.",
        headers="",
    )
    received = conversation.receive_inbound(session, mail, NOW + timedelta(hours=2))
    session.commit()
    assert received.message is not None
    session.refresh(task)
    assert task.status == "in_progress"
    assert task.events[-1].body == "The customer replied."
    # a reply to an open (not waiting) task changes nothing
    assert followup.customer_replied(session, task.invitation_id, NOW) == []


def test_no_new_survey_while_a_recover_task_is_open(session, app, world, task):
    from feedback.models import Contact

    contact = session.get(Contact, task.contact_id)
    results = invitations.invite_now(
        session, app.config, world.program.id, [contact.email], now=NOW + timedelta(days=120)
    )
    assert results[0]["status"] == "not_invited"
    assert results[0]["reason"] == "in_conversation"
    followup.transition(session, task.id, world.ann, "closed", resolution_code="no_action", now=NOW)
    session.commit()
    results = invitations.invite_now(
        session, app.config, world.program.id, [contact.email], now=NOW + timedelta(days=120)
    )
    assert results[0]["status"] == "invited", results


def test_list_tasks_filters(session, world, respond):
    respond(3)
    respond(2, account=world.big)
    respond(9)
    run(session)
    admin = world.admin
    items, total = followup.list_tasks(session, viewer=admin, owner_id=world.ann.id, now=NOW)
    assert total == 2
    items, total = followup.list_tasks(
        session, viewer=admin, status=["open"], overdue=True, now=NOW + timedelta(days=1, minutes=1)
    )
    assert [t.owner_id for t in items] == [world.bob.id]  # the high-ARR one, due in 1 day
    items, total = followup.list_tasks(
        session, viewer=admin, team_id=world.support.id, per_page=1, now=NOW
    )
    assert (len(items), total) == (1, 3)


def test_a_csm_reply_from_the_thread_is_the_first_contact(session, world, respond, app):
    response = respond(2)
    run(session)
    (task,) = tasks_of(session, response)
    assert task.first_contact_at is None
    later = NOW + timedelta(hours=3)
    conversation.reply_as_staff(session, app.config, response.id, world.ann, "Sorry! Call?", later)
    session.commit()
    session.refresh(task)
    assert task.first_contact_at == later and task.first_contact_at <= task.due_at
    assert task.events[-1].kind == "contacted"


def test_task_webhooks_can_be_subscribed(session):
    endpoint = webhooks_out.create_endpoint(
        session, url="https://hooks.example.com/t", event_types=["task.created", "task.closed"]
    )
    assert endpoint.event_types == ["task.created", "task.closed"]
