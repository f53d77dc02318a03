"""The health job on a real database: parts gathered from responses, tasks, invitations and
posted attributes; the score stored with the one before; a fall opens one recover task
through the playbooks (and no second while it is open)."""

from __future__ import annotations

from datetime import timedelta

from feedback.models import AccountHealth, Task
from feedback.services import account_health, accounts
from tests.builders import NOW, add_response, add_task, contact_of

SETTINGS = account_health.Settings(weights={"nps_latest": 50, "usage": 50}, drop_points=15)


def test_health_is_scored_stored_and_a_fall_opens_a_recover_task(
    session, make_team, make_user, make_account, make_contact
):
    team = make_team()
    csm = make_user("csm", team_id=team.id)
    account = make_account(name="MegaCorp", owner_email=csm.email,
                           attributes={"usage_score": 80})  # fmt: skip
    quiet = make_account(name="Quiet")
    dana = contact_of(session, make_contact, account)
    lee = contact_of(session, make_contact, account)
    add_response(session, dana, score=3, answered_at=NOW - timedelta(days=200))
    add_response(session, dana, score=10, answered_at=NOW - timedelta(days=20))  # latest
    add_response(session, lee, score=9, answered_at=NOW - timedelta(days=10))

    stats = account_health.recompute_all(session, SETTINGS, NOW)
    session.commit()
    assert stats == {"accounts": 2, "scored": 1, "dropped": 0, "tasks": 0}
    stored = session.get(AccountHealth, account.id)
    assert stored.score == 90  # (NPS +100 -> 100) * 50 + 80 * 50
    assert stored.parts["nps_latest"]["detail"] == "NPS +100 from 2 contacts"
    assert stored.previous_score is None
    assert session.get(AccountHealth, quiet.id) is None  # nothing to score it on

    # Usage collapses and Lee turns detractor: latest NPS 0 (50) and usage 10 -> 30.
    accounts.update_account(session, account.id, {"attributes": {"usage_score": 10}})
    add_response(session, lee, score=2, answered_at=NOW - timedelta(days=1))
    later = NOW + timedelta(hours=6)
    stats = account_health.recompute_all(session, SETTINGS, later)
    session.commit()
    assert stats["dropped"] == 1 and stats["tasks"] == 1
    stored = session.get(AccountHealth, account.id)
    assert (stored.previous_score, stored.score) == (90, 30)
    (task,) = session.query(Task).filter_by(account_id=account.id).all()
    assert task.type == "recover" and task.response_id is None
    assert task.owner_id == csm.id  # routed by the rule: to the account's owner
    assert "health fell from 90" in task.title
    assert task.playbook_rule_id is not None

    # Still low on the next run: the open task is not doubled.
    accounts.update_account(session, account.id, {"attributes": {"usage_score": 0}})
    stats = account_health.recompute_all(session, SETTINGS, later + timedelta(hours=6))
    session.commit()
    assert session.query(Task).filter_by(account_id=account.id).count() == 1


def test_parts_come_from_tasks_invitations_and_sentiment(
    session, make_team, make_user, make_account, make_contact
):
    csm = make_user("csm", team_id=make_team().id)
    account = make_account()
    contact = contact_of(session, make_contact, account)
    recent = add_response(session, contact, score=4, comment="slow", label="negative",
                          polarity=-0.5, answered_at=NOW - timedelta(days=5))  # fmt: skip
    add_response(session, contact, score=8, comment="fine", label="positive", polarity=0.5,
                 answered_at=NOW - timedelta(days=120))  # fmt: skip
    add_task(session, owner=csm, response=recent)  # an open recover task
    inputs = account_health.gather(session, [account.id], NOW)[account.id]
    assert inputs.latest_scores == [4]
    assert inputs.recent_scores == [4] and inputs.earlier_scores == [8]
    assert inputs.recent_polarity == -0.5 and inputs.earlier_polarity == 0.5
    assert inputs.open_detractor_tasks == 1
    assert (inputs.invited, inputs.answered) == (2, 2)  # both within the 180-day window
