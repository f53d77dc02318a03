"""The access rule, case by case: who may see and act on a task, a response and its thread."""

from __future__ import annotations

import pytest

from feedback.access_rules import (
    Holder,
    Viewer,
    may_hand_to,
    may_see,
    may_see_any,
    may_see_team,
    scope_of,
)

CS, SALES = "Customer Success", "Sales"
# Teams 1 and 2 are in Customer Success, team 3 in Sales. Users: 10 (team 1), 20 (team 2).
CSM_1 = Viewer("csm", 10, 1, CS)
LEAD_1 = Viewer("team_lead", 11, 1, CS)
HEAD_CS = Viewer("department_head", 12, 1, CS)
HEAD_SALES = Viewer("department_head", 13, 3, SALES)
HEAD_NO_TEAM = Viewer("department_head", 14, None, None)
CSM_NO_TEAM = Viewer("csm", 15, None, None)
ADMIN = Viewer("admin", 16, None, None)
UNKNOWN_ROLE = Viewer("intern", 17, 1, CS)

TEAM_1_TASK = Holder(owner_id=10, team_id=1, department=CS)
TEAM_2_TASK = Holder(owner_id=20, team_id=2, department=CS)
SALES_TASK = Holder(owner_id=30, team_id=3, department=SALES)
MINE_IN_TEAM_2 = Holder(owner_id=10, team_id=2, department=CS)  # handed to CSM 10 across teams
UNOWNED_TEAM_1 = Holder(owner_id=None, team_id=1, department=CS)
NOBODYS = Holder()  # no task, no account owner

CASES = [
    # viewer, holder, may see
    (CSM_1, TEAM_1_TASK, True),
    (CSM_1, UNOWNED_TEAM_1, True),
    (CSM_1, TEAM_2_TASK, False),  # same department, other team
    (CSM_1, SALES_TASK, False),
    (CSM_1, MINE_IN_TEAM_2, True),  # what you own, you see
    (CSM_1, NOBODYS, False),
    (LEAD_1, TEAM_1_TASK, True),
    (LEAD_1, TEAM_2_TASK, False),
    (LEAD_1, SALES_TASK, False),
    (HEAD_CS, TEAM_1_TASK, True),
    (HEAD_CS, TEAM_2_TASK, True),  # the department's other team
    (HEAD_CS, SALES_TASK, False),
    (HEAD_CS, NOBODYS, False),
    (HEAD_SALES, SALES_TASK, True),
    (HEAD_SALES, TEAM_1_TASK, False),
    (HEAD_NO_TEAM, TEAM_1_TASK, False),  # no team, no department: nothing but their own
    (HEAD_NO_TEAM, Holder(owner_id=14), True),
    (CSM_NO_TEAM, TEAM_1_TASK, False),
    (CSM_NO_TEAM, Holder(owner_id=15, team_id=None), True),
    (ADMIN, TEAM_1_TASK, True),
    (ADMIN, SALES_TASK, True),
    (ADMIN, NOBODYS, True),
    (UNKNOWN_ROLE, TEAM_1_TASK, False),  # a role the rule does not know sees only its own
    (UNKNOWN_ROLE, Holder(owner_id=17), True),
]


@pytest.mark.parametrize(("viewer", "holder", "expected"), CASES)
def test_who_may_see_what(viewer, holder, expected):
    assert may_see(viewer, holder) is expected
    assert scope_of(viewer).covers(holder) is expected


def test_a_response_is_seen_by_whoever_sees_one_of_its_holders():
    # A response followed up by team 2's task, of an account owned by CSM 10 (team 1).
    holders = [TEAM_2_TASK, Holder(owner_id=10, team_id=1, department=CS)]
    assert may_see_any(CSM_1, holders)
    assert may_see_any(LEAD_1, holders)  # through the account owner of their team
    assert not may_see_any(HEAD_SALES, holders)
    assert not may_see_any(CSM_1, [])  # no task and no account owner: admins only
    assert may_see_any(ADMIN, [])


@pytest.mark.parametrize(
    ("viewer", "team_id", "department", "expected"),
    [
        (LEAD_1, 1, CS, True),
        (LEAD_1, 2, CS, False),
        (CSM_1, 1, CS, True),
        (HEAD_CS, 2, CS, True),
        (HEAD_CS, 3, SALES, False),
        (HEAD_NO_TEAM, 1, CS, False),
        (ADMIN, 3, SALES, True),
    ],
)
def test_whose_team_pages_a_viewer_opens(viewer, team_id, department, expected):
    assert may_see_team(viewer, team_id, department) is expected


@pytest.mark.parametrize(
    ("viewer", "task", "new_owner", "expected"),
    [
        (CSM_1, TEAM_1_TASK, Holder(owner_id=11, team_id=1, department=CS), True),  # a mate
        (CSM_1, TEAM_1_TASK, Holder(owner_id=20, team_id=2, department=CS), False),  # away
        (CSM_1, TEAM_2_TASK, Holder(owner_id=10, team_id=1, department=CS), False),  # not theirs
        (CSM_1, TEAM_1_TASK, Holder(owner_id=10, team_id=1, department=CS), True),  # to self
        (HEAD_CS, TEAM_1_TASK, Holder(owner_id=20, team_id=2, department=CS), True),
        (HEAD_CS, TEAM_1_TASK, Holder(owner_id=30, team_id=3, department=SALES), False),
        (ADMIN, TEAM_1_TASK, Holder(owner_id=30, team_id=3, department=SALES), True),
    ],
)
def test_to_whom_a_task_may_be_handed(viewer, task, new_owner, expected):
    assert may_hand_to(viewer, task, new_owner) is expected
