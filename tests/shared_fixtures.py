"""Fixtures shared by several test modules, as a pytest plugin (tests/conftest.py lists it in
`pytest_plugins`) instead of one test module importing another's fixture.

- `desk`: a team with a CSM, an overdue detractor task with a comment, another team's task
  (the queue pages, the staff display).
- `invite_to`: a new contact invited to a given program (at a milestone for onboarding), as
  dispatch would; gives the link token, the invitation and its email.
- `survey_link`: an invitation of a new program, made to order; gives its link token
  (the survey pages, input policy, fuzzing).
- `loop`: a hand-built set of tasks whose close-the-loop figures are worked out by hand
  (the metrics service and its API).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback import cadence
from feedback.models import OutboxEmail, ResolutionCheck
from feedback.services import invitation_email, invitations, programs
from feedback.tokens import hash_token, new_token
from tests.builders import add_response, add_task, contact_of

XSS = "<script>alert('x')</script>"


@pytest.fixture
def desk(session, make_team, make_user, make_account, make_contact):
    """A team with a CSM, an overdue detractor task with a comment, and another team's task."""
    now = datetime.now(UTC)
    team = make_team(name="Enterprise")
    other_team = make_team(name="SMB")
    csm = make_user("csm", name="Casey", team_id=team.id)
    mate = make_user("csm", name="Morgan", team_id=team.id)
    stranger = make_user("csm", name="Sam", team_id=other_team.id)
    account = make_account(name="MegaCorp", plan="enterprise", arr="120000")
    contact = contact_of(session, make_contact, account, name="Dana Lee")
    three_days_ago = now - timedelta(days=3)
    response = add_response(
        session, contact, score=2, comment=f"Export fails {XSS}", answered_at=three_days_ago,
        label="negative", polarity=-0.7, drivers=[{"phrase": "fails", "contribution": -0.7}],
    )  # fmt: skip
    task = add_task(session, owner=csm, response=response, priority=3, title="Recover MegaCorp",
                    due_at=now - timedelta(hours=4), created_at=three_days_ago)  # fmt: skip
    later = add_task(session, owner=csm, contact=contact, type="convert", title="Convert Dana",
                     due_at=now + timedelta(days=2))  # fmt: skip
    foreign = add_task(session, owner=stranger, contact=contact, title="Not yours")
    return {"team": team, "other_team": other_team, "csm": csm, "mate": mate,
            "stranger": stranger, "task": task, "later": later, "foreign": foreign,
            "response": response, "contact": contact}  # fmt: skip


# ---------------------------------------------------------------- close the loop

LOOP_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
D0 = datetime(2026, 11, 15, 0, 0, tzinfo=UTC)  # when the tasks were created


def h(hours: float) -> datetime:
    return D0 + timedelta(hours=hours)


def check(session, task, answer):
    token_hash = hash_token(new_token())
    session.add(ResolutionCheck(task_id=task.id, token_hash=token_hash, send_at=LOOP_NOW,
                                sent_at=LOOP_NOW, answer=answer, answered_at=LOOP_NOW))  # fmt: skip
    session.commit()


@pytest.fixture
def loop(session, make_team, make_user, make_contact):
    team_a, team_b = make_team(name="A team"), make_team(name="B team")
    a1 = make_user("csm", name="Alex", team_id=team_a.id)
    a2 = make_user("csm", name="Avery", team_id=team_a.id)
    b1 = make_user("csm", name="Blake", team_id=team_b.id)
    contact = make_contact()
    detractor = add_response(session, contact, score=3, answered_at=D0)
    passive = add_response(session, contact, score=7, answered_at=D0)

    def task(owner, response, **fields):
        return add_task(session, owner=owner, response=response, created_at=D0, **fields)

    # Alex: in SLA and resolved; late; never contacted and past due; not yet due.
    t1 = task(a1, detractor, due_at=h(16), first_contact_at=h(4), closed_at=h(10), status="closed")
    t2 = task(a1, detractor, due_at=h(16), first_contact_at=h(20), closed_at=h(30), status="closed")
    task(a1, detractor, due_at=h(16))
    task(a1, detractor, due_at=LOOP_NOW + timedelta(days=1))
    # Avery: a passive reached after 2 hours, still open.
    task(a2, passive, type="convert", due_at=h(40), first_contact_at=h(2))
    # Blake: reached in an hour, closed after five.
    t6 = task(b1, detractor, due_at=h(16), first_contact_at=h(1), closed_at=h(5), status="closed")
    # Before the range: counts nowhere.
    add_task(session, owner=b1, response=detractor, created_at=D0 - timedelta(days=20),
             due_at=D0, first_contact_at=D0 + timedelta(days=3))  # fmt: skip
    check(session, t1, "yes")
    check(session, t2, "no")
    check(session, t6, "yes")
    check(session, t6, None)  # asked, not answered: not counted
    return {"teams": (team_a, team_b), "users": (a1, a2, b1)}


# ---------------------------------------------------------------- a survey link


@pytest.fixture
def invite_to(app, session, make_contact):
    """Invite a new contact to a program (at a milestone for onboarding), as dispatch would:
    (link token, invitation id, outbox email)."""

    def make(program, milestone=None, **contact_fields):
        contact = make_contact(**contact_fields)
        if milestone:
            trigger = next(t for t in program.triggers if t["milestone"] == milestone)
            due = cadence.Due(milestone, milestone, cadence.trigger_question(trigger))
            candidate = invitations._candidates(session, [contact.id])[0]
            composer = invitation_email.InvitationComposer(session, app.config)
            queued = composer.queue(program, candidate, due, datetime.now(UTC))
            composer.finish(datetime.now(UTC))  # writes the invitation: its id is known now
            invitation_id = queued.id
        else:
            invitation_id = invitations.invite_now(
                session, app.config, program.id, [contact.email]
            )[0]["invitation_id"]
        email = (
            session.query(OutboxEmail)
            .filter_by(invitation_id=invitation_id, kind="invitation")
            .one()
        )
        session.commit()
        return email.substitutions["%%token%%"], invitation_id, email

    return make


@pytest.fixture
def survey_link(session, invite_to):
    """An invitation of a new program made to order: (link token, invitation id)."""

    def make(kind="nps", question="nps", **program_fields):
        data = {
            "name": f"Program {question}",
            "kind": kind,
            "active": True,
            "product_name": "Acme",
            **program_fields,
        }
        if kind == "onboarding":
            data["triggers"] = [
                {"milestone": "week1", "days_after_signup": 7, "question": question}
            ]
        program = programs.create_program(session, data)
        token, invitation_id, _ = invite_to(program, "week1" if kind == "onboarding" else None)
        return token, invitation_id

    return make
