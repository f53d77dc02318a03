"""The access rule's query filters select exactly what its one-item checks allow.

services.visibility translates feedback.access_rules into SQL for lists; this proves, on a real
database, that a list and a one-item check can never disagree, for every role.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.access_rules import may_see_any
from feedback.models import Response, Task, Team
from feedback.services import visibility
from feedback.services.errors import Forbidden
from tests.builders import add_response, add_task, contact_of


@pytest.fixture
def spread(session, make_team, make_user, make_account, make_contact):
    """Three teams in two departments; tasks owned, unowned, handed across; responses with a
    task, with only an account owner, and with neither."""
    one = make_team(name="One", department="CS")
    two = make_team(name="Two", department="CS")
    three = make_team(name="Three", department="Sales")
    ana = make_user("csm", name="Ana", team_id=one.id)
    bo = make_user("csm", name="Bo", team_id=two.id)
    cy = make_user("csm", name="Cy", team_id=three.id)
    viewers = [
        ana,
        make_user("team_lead", team_id=two.id),
        make_user("department_head", team_id=one.id),
        make_user("department_head", team_id=three.id),
        make_user("department_head"),
        make_user("csm"),
        make_user("admin"),
    ]
    acme = make_account(name="Acme", owner_email=bo.email)
    free = make_account(name="Free")
    responses = [add_response(session, contact_of(session, make_contact, acc), score=s)
                 for acc, s in ((acme, 2), (acme, 9), (free, 4), (free, 6))]  # fmt: skip
    add_task(session, owner=ana, response=responses[0])
    add_task(session, owner=ana, team=three, response=responses[2])  # handed across
    add_task(session, team=two)  # unowned
    add_task(session, owner=cy)
    add_task(session, owner=None, team=None)
    return {"viewers": viewers, "teams": (one, two, three)}


def test_lists_and_checks_agree_for_every_viewer(session, spread):
    tasks = list(session.scalars(select(Task)))
    responses = list(session.scalars(select(Response)))
    teams = list(session.scalars(select(Team)))
    for viewer in spread["viewers"]:
        listed = set(
            session.scalars(select(Task.id).where(visibility.tasks_filter(session, viewer)))
        )
        checked = set()
        for task in tasks:
            try:
                visibility.require_task(session, viewer, task)
                checked.add(task.id)
            except Forbidden:
                pass
        assert listed == checked, viewer.name

        listed = set(
            session.scalars(select(Response.id).where(visibility.responses_filter(session, viewer)))
        )
        checked = {
            r.id
            for r in responses
            if may_see_any(
                visibility.viewer_of(session, viewer), visibility.response_holders(session, r)
            )
        }
        assert listed == checked, viewer.name

        listed = set(
            session.scalars(select(Team.id).where(visibility.teams_filter(session, viewer)))
        )
        checked = set()
        for team in teams:
            try:
                visibility.require_team(session, viewer, team.id)
                checked.add(team.id)
            except Forbidden:
                pass
        assert listed == checked, viewer.name


def test_what_each_viewer_sees(session, spread):
    ana, lead_two, head_cs, head_sales, head_none, csm_none, admin = spread["viewers"]

    def count(viewer):
        return len(
            list(session.scalars(select(Task.id).where(visibility.tasks_filter(session, viewer))))
        )

    assert count(ana) == 2  # her task and the one handed to her in team Three
    assert count(lead_two) == 1  # team Two's unowned task
    assert count(head_cs) == 2  # teams One and Two: Ana's and the unowned one
    assert count(head_sales) == 2  # team Three: Cy's and Ana's handed-over one
    assert (count(head_none), count(csm_none)) == (0, 0)
    assert count(admin) == 5


def test_the_task_branches_are_disjoint_and_make_up_the_filter(session, spread):
    """Lists page through the branches one by one and add their counts (services.task_list):
    no task may be in two branches, and together they are what the filter selects."""
    for viewer in spread["viewers"]:
        branches = visibility.task_branches(session, viewer)
        listed = set(
            session.scalars(select(Task.id).where(visibility.tasks_filter(session, viewer)))
        )
        if branches is None:
            assert listed == set(session.scalars(select(Task.id))), viewer.name
            continue
        parts = [list(session.scalars(select(Task.id).where(b))) for b in branches]
        assert sum(len(p) for p in parts) == len(listed), viewer.name
        assert set().union(*parts) == listed, viewer.name
