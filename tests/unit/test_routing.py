"""Routing: every path, each with the reason the task records."""

from __future__ import annotations

from datetime import UTC, datetime

from feedback.routing import Member, RouteRequest, TeamFacts, least_loaded, route

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ANN = Member(1, "Ann", "csm", 10, open_tasks=4)
BOB = Member(2, "Bob", "csm", 10, open_tasks=1)
CAT = Member(3, "Cat", "csm", 10, open_tasks=1)
LEE = Member(4, "Lee", "team_lead", 10, open_tasks=0)
SUPPORT = TeamFacts(10, "Support", (ANN, BOB, CAT, LEE))
BILLING = TeamFacts(20, "Billing", (Member(5, "Dan", "csm", 20, open_tasks=2),))
TEAMS = {10: SUPPORT, 20: BILLING}


def req(**kw):
    base = {"rule_name": "Enterprise detractor", "account_name": "MegaCorp", "teams": TEAMS}
    base.update(kw)
    return RouteRequest(**base)


def test_to_the_account_owner():
    r = route(req(owner=ANN))
    assert (r.owner_id, r.team_id) == (1, 10)
    assert r.reason == "rule 'Enterprise detractor' → owner of MegaCorp"


def test_an_inactive_owner_falls_back_to_the_team_lead():
    gone = Member(1, "Ann", "csm", 10, active=False)
    r = route(req(owner=gone))
    assert (r.owner_id, r.team_id) == (4, 10)
    assert r.reason == (
        "rule 'Enterprise detractor' → owner of MegaCorp (Ann) is inactive → team lead of Support"
    )


def test_an_account_without_owner_goes_to_the_theme_team_when_there_is_one():
    r = route(req(owner=None, theme_name="Billing", theme_team_id=20))
    assert (r.owner_id, r.team_id) == (5, 20)
    assert r.reason.startswith("rule 'Enterprise detractor': MegaCorp has no owner → theme")
    assert "Billing: Dan has the fewest open tasks (2)" in r.reason


def test_no_owner_and_no_team_is_unassigned_and_says_so():
    r = route(req(owner=None))
    assert (r.owner_id, r.team_id) == (None, None)
    assert r.reason == "rule 'Enterprise detractor': MegaCorp has no owner; unassigned"


def test_to_a_named_team_picks_the_least_loaded_with_round_robin_ties():
    # Bob and Cat both have 1 open task; Cat was assigned longer ago → Cat
    bob = Member(
        2, "Bob", "csm", 10, open_tasks=1, last_assigned_at=datetime(2026, 3, 5, tzinfo=UTC)
    )
    cat = Member(3, "Cat", "csm", 10, open_tasks=1, last_assigned_at=T0)
    team = TeamFacts(10, "Support", (ANN, bob, cat, LEE))
    r = route(req(route={"to": "team", "team_id": 10}, teams={10: team}, owner=ANN))
    assert (r.owner_id, r.team_id) == (3, 10)
    assert r.reason == "rule 'Enterprise detractor' → Support: Cat has the fewest open tasks (1)"


def test_never_assigned_counts_as_longest_ago_then_lowest_id():
    assert least_loaded(SUPPORT).id == 2  # Bob and Cat never assigned → lower id
    cat_busy = Member(3, "Cat", "csm", 10, open_tasks=1, last_assigned_at=T0)
    assert least_loaded(TeamFacts(10, "S", (cat_busy, BOB))).id == 2


def test_inactive_members_and_leads_do_not_share_the_team_load():
    team = TeamFacts(10, "Support", (Member(2, "Bob", "csm", 10, active=False), LEE))
    r = route(req(route={"to": "team", "team_id": 10}, teams={10: team}))
    assert r.owner_id == 4
    assert r.reason == "rule 'Enterprise detractor' → Support: no active CSM, so the team lead Lee"


def test_an_empty_team_leaves_the_task_unassigned_in_the_team():
    r = route(req(route={"to": "team", "team_id": 30}, teams={30: TeamFacts(30, "Empty")}))
    assert (r.owner_id, r.team_id) == (None, 30)
    assert "nobody active in the team; unassigned" in r.reason


def test_to_the_theme_team():
    r = route(req(route={"to": "theme_team"}, theme_name="Billing", theme_team_id=20, owner=ANN))
    assert (r.owner_id, r.team_id) == (5, 20)
    assert r.reason == (
        "rule 'Enterprise detractor' → theme 'Billing' → Billing: Dan has the fewest open tasks (2)"
    )


def test_theme_team_without_owning_team_falls_back_to_the_owner():
    r = route(req(route={"to": "theme_team"}, owner=ANN))
    assert r.owner_id == 1
    assert r.reason == (
        "rule 'Enterprise detractor' (no team owns the response's main theme) → owner of MegaCorp"
    )


def test_a_rule_naming_a_missing_team_falls_back_to_the_owner():
    r = route(req(route={"to": "team", "team_id": 99}, owner=ANN))
    assert r.owner_id == 1
    assert "(its team 99 does not exist) → owner of MegaCorp" in r.reason
