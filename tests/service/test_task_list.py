"""The CSM queue: who sees which tasks, filters, sorts, pages, and the task page's contents."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from feedback.models import (
    EmailEvent,
    ResponseAnalysis,
    ResponseTheme,
    TaskEvent,
    Theme,
)
from feedback.services import task_list as q
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.task_detail import task_detail
from tests.builders import NOW, add_response, add_task, contact_of


@pytest.fixture
def world(session, make_team, make_user, make_account, make_contact):
    """Two teams; Ana and Ben in team A (Lea leads it), Cy in team B; a few tasks each."""
    team_a, team_b = make_team(name="Enterprise"), make_team(name="SMB")
    ana = make_user("csm", name="Ana", team_id=team_a.id)
    ben = make_user("csm", name="Ben", team_id=team_a.id)
    lea = make_user("team_lead", name="Lea", team_id=team_a.id)
    cy = make_user("csm", name="Cy", team_id=team_b.id)
    big = make_account(
        name="MegaCorp", plan="enterprise", arr=Decimal("250000"), owner_email=ana.email
    )
    small = make_account(name="Tiny Ltd", plan="starter", arr=Decimal("5000"))
    unknown = make_account(name="No ARR Inc", plan="starter")
    dana, tom, una = (
        contact_of(session, make_contact, account, name=name)
        for name, account in (("Dana", big), ("Tom", small), ("Una", unknown))
    )
    r_dana = add_response(session, dana, score=2, comment="Export <b>crashes</b>", label="negative",
                          polarity=-0.6, mismatch=False)  # fmt: skip
    tasks = {
        "ana_overdue": add_task(
            session,
            owner=ana,
            response=r_dana,
            priority=3,
            due_at=NOW - timedelta(hours=5),
            title="Recover Dana",
        ),  # fmt: skip
        "ana_later": add_task(
            session,
            owner=ana,
            contact=tom,
            type="convert",
            priority=2,
            due_at=NOW + timedelta(days=3),
        ),  # fmt: skip
        "ana_noarr": add_task(
            session,
            owner=ana,
            contact=una,
            type="advocate",
            priority=1,
            due_at=NOW + timedelta(days=2),
        ),  # fmt: skip
        "ana_closed": add_task(
            session,
            owner=ana,
            contact=tom,
            status="closed",
            resolution_code="resolved",
            closed_at=NOW - timedelta(hours=1),
            due_at=NOW - timedelta(days=2),
        ),  # fmt: skip
        "ben_waiting": add_task(
            session,
            owner=ben,
            contact=tom,
            status="waiting_on_customer",
            priority=4,
            due_at=NOW + timedelta(hours=2),
        ),  # fmt: skip
        "cy_overdue": add_task(session, owner=cy, contact=una, due_at=NOW - timedelta(days=1)),
    }
    return {"teams": (team_a, team_b), "ana": ana, "ben": ben, "lea": lea, "cy": cy,
            "accounts": (big, small, unknown), "contacts": (dana, tom, una), "tasks": tasks,
            "response": r_dana}  # fmt: skip


def ids(rows):
    return [r.id for r in rows]


def run(session, user, view="mine", sort="due", **filters):
    rows, total = q.queue(session, user=user, view=view, filters=q.Filters(**filters),
                          sort=sort, now=NOW)  # fmt: skip
    return rows, total


# ---------------------------------------------------------------- views and roles


def test_my_tasks_are_my_open_tasks_soonest_due_first(session, world):
    t = world["tasks"]
    rows, total = run(session, world["ana"])
    assert ids(rows) == [t["ana_overdue"].id, t["ana_noarr"].id, t["ana_later"].id]
    assert total == 3
    first = rows[0]
    assert (first.account_name, first.arr, first.plan) == ("MegaCorp", Decimal("250000"),
                                                           "enterprise")  # fmt: skip
    assert (first.contact_name, first.score, first.category) == ("Dana", 2, "detractor")
    assert first.overdue and not rows[1].overdue
    assert first.owner_name == "Ana" and first.team_name == "Enterprise"


def test_closed_tasks_show_only_when_asked(session, world):
    t = world["tasks"]
    rows, _ = run(session, world["ana"], status="closed")
    assert ids(rows) == [t["ana_closed"].id] and not rows[0].overdue
    rows, total = run(session, world["ana"], status="all")
    assert total == 4


@pytest.mark.parametrize("who", ["ana", "lea"])
def test_the_team_view_shows_the_whole_team_and_nothing_else(session, world, who):
    t = world["tasks"]
    rows, _ = run(session, world[who], view="team")
    assert set(ids(rows)) == {t["ana_overdue"].id, t["ana_later"].id, t["ana_noarr"].id,
                              t["ben_waiting"].id}  # fmt: skip


def test_admins_and_department_heads_see_every_team_or_pick_one(session, world, make_user):
    t = world["tasks"]
    # Both teams are in one department; the head sits in team B.
    for role, team in (("admin", None), ("department_head", world["teams"][1])):
        boss = make_user(role, team_id=team.id if team else None)
        rows, total = run(session, boss, view="team")
        assert total == 5
        rows, _ = run(session, boss, view="team", team_id=world["teams"][1].id)
        assert ids(rows) == [t["cy_overdue"].id]


def test_the_overdue_view_is_the_teams_late_open_tasks(session, world, make_user):
    t = world["tasks"]
    rows, _ = run(session, world["ben"], view="overdue")
    assert ids(rows) == [t["ana_overdue"].id]  # not Cy's (other team), not the closed one
    assert all(r.overdue for r in rows)
    rows, _ = run(session, make_user("admin"), view="overdue")
    assert ids(rows) == [t["cy_overdue"].id, t["ana_overdue"].id]


def test_a_csm_without_a_team_sees_only_their_own_tasks(session, world, make_user):
    loner = make_user("csm")
    add_task(session, owner=loner)
    rows, total = run(session, loner, view="team")
    assert total == 1 and rows[0].owner_name == loner.name


# ---------------------------------------------------------------- filters, sorts, pages


def test_filters_narrow_the_list(session, world):
    t, ana, lea = world["tasks"], world["ana"], world["lea"]
    assert ids(run(session, ana, type="convert")[0]) == [t["ana_later"].id]
    assert ids(run(session, ana, priority=3)[0]) == [t["ana_overdue"].id]
    assert ids(run(session, ana, plan="starter")[0]) == [t["ana_noarr"].id, t["ana_later"].id]
    assert ids(run(session, ana, overdue=True)[0]) == [t["ana_overdue"].id]
    assert ids(run(session, lea, view="team", status="waiting_on_customer")[0]) == [
        t["ben_waiting"].id
    ]


def test_sorts_by_priority_and_by_arr_with_unknown_arr_last(session, world):
    t, lea = world["tasks"], world["lea"]
    rows, _ = run(session, lea, view="team", sort="priority")
    assert ids(rows) == [t["ben_waiting"].id, t["ana_overdue"].id, t["ana_later"].id,
                         t["ana_noarr"].id]  # fmt: skip
    rows, _ = run(session, lea, view="team", sort="arr")
    assert [r.account_name for r in rows] == ["MegaCorp", "Tiny Ltd", "Tiny Ltd", "No ARR Inc"]
    assert ids(rows)[1:3] == [t["ben_waiting"].id, t["ana_later"].id]  # ties: soonest due


def test_pages_and_the_total(session, world, make_user):
    csm = make_user("csm")
    made = [add_task(session, owner=csm, due_at=NOW + timedelta(hours=i)) for i in range(7)]
    page1, total = q.queue(session, user=csm, page=1, per_page=3, now=NOW)
    page3, _ = q.queue(session, user=csm, page=3, per_page=3, now=NOW)
    assert total == 7 and ids(page1) == [m.id for m in made[:3]] and ids(page3) == [made[6].id]


def test_one_page_is_two_statements_whatever_its_size(session, world, make_user, engine):
    csm = make_user("csm", team_id=world["teams"][0].id)
    for i in range(30):
        contact = world["contacts"][i % 3]
        add_task(session, owner=csm, contact=contact, due_at=NOW + timedelta(hours=i))
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", seen)
    try:
        rows, total = q.queue(session, user=csm, per_page=25, now=NOW)
        [(r.account_name, r.contact_name, r.mismatch, r.owner_name) for r in rows]
    finally:
        event.remove(connection, "before_cursor_execute", seen)
    assert (len(rows), total) == (25, 30)
    assert len(statements) == 2, statements


def test_pages_read_branch_by_branch_are_the_whole_list_in_order(session, world, make_user):
    """A page's keys come from each branch of the access rule in index order; walked page by
    page they are exactly the one-query list (the CSV export's), for every viewer, view, sort
    and filter, ties and tasks handed across teams included."""
    rng = random.Random(7)
    team_a, team_b = world["teams"]
    people = [world["ana"], world["ben"], world["cy"], None]
    for n in range(40):
        owner = rng.choice(people)
        add_task(
            session, owner=owner, team=rng.choice([team_a, team_b, None]) if n % 5 == 0 else None,
            contact=rng.choice(world["contacts"]), priority=rng.randint(1, 4),
            status=rng.choice(["open", "in_progress", "waiting_on_customer", "closed"]),
            due_at=NOW + timedelta(hours=rng.randint(-30, 30) // 3),  # many equal due times
            type=rng.choice(["recover", "convert"]),
        )  # fmt: skip
    viewers = [world["ana"], world["lea"], make_user("csm"), make_user("admin"),
               make_user("department_head", team_id=team_b.id)]  # fmt: skip
    choices = [q.Filters(), q.Filters(status="all"), q.Filters(plan="starter"),
               q.Filters(type="convert", overdue=True), q.Filters(team_id=team_a.id)]  # fmt: skip
    for viewer in viewers:
        for view in q.VIEWS:
            for sort in q.SORTS:
                for filters in choices:
                    whole = session.execute(
                        q._queue_query(session, viewer, view, filters, sort, NOW)
                    ).all()
                    walked, page, rows = [], 0, [None]
                    while rows:
                        page += 1
                        rows, total = q.queue(
                            session,
                            user=viewer,
                            view=view,
                            sort=sort,
                            filters=filters,
                            page=page,
                            per_page=4,
                            now=NOW,
                        )
                        walked += rows
                    case = (viewer.name, view, sort, filters)
                    assert total == len(whole), case
                    assert [r.id for r in walked] == [r.id for r in whole], case
                    assert walked == [q._row(r, NOW) for r in whole], case


@pytest.mark.parametrize(
    ("args", "field"),
    [({"status": "done"}, "status"), ({"type": "upsell"}, "type"),
     ({"priority": "9"}, "priority"), ({"priority": "high"}, "priority"), ({"team": "x"}, "team")],
)  # fmt: skip
def test_filters_that_name_nothing_are_refused(args, field):
    with pytest.raises(InvalidInput) as caught:
        q.Filters.from_args(args)
    assert field in caught.value.fields


def test_filters_from_get_parameters():
    f = q.Filters.from_args({"status": "open", "type": "recover", "priority": "4",
                             "plan": "enterprise", "overdue": "1", "team": "3"})  # fmt: skip
    assert f == q.Filters("open", "recover", 4, "enterprise", True, 3)
    assert q.Filters.from_args({}) == q.Filters()


def test_an_unknown_view_or_sort_is_refused(session, world):
    with pytest.raises(InvalidInput):
        q.queue(session, user=world["ana"], view="everything")
    with pytest.raises(InvalidInput):
        q.queue(session, user=world["ana"], sort="mood")


# ---------------------------------------------------------------- the task page


def test_task_detail_brings_the_response_thread_trail_and_customer_360(session, world):
    ana, dana = world["ana"], world["contacts"][0]
    response = world["response"]
    task = world["tasks"]["ana_overdue"]
    analysis = session.get(ResponseAnalysis, response.id)
    analysis.sentiment_drivers = [{"phrase": "crashes", "contribution": -0.5}]
    theme = Theme(key="export", name="Export", keywords=["export"])
    session.add(theme)
    session.flush()
    session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, label="negative"))
    session.add(TaskEvent(task_id=task.id, kind="created", body="routed", created_at=NOW))
    later = NOW + timedelta(minutes=1)
    session.add(TaskEvent(task_id=task.id, kind="comment", actor_user_id=ana.id,
                          body="Calling tomorrow", created_at=later))  # fmt: skip
    session.add(EmailEvent(source="webhook", event="open", email=dana.email, contact_id=dana.id,
                           occurred_at=NOW - timedelta(hours=3)))  # fmt: skip
    session.commit()
    earlier = [add_response(session, dana, score=s, answered_at=NOW - timedelta(days=90 * i))
               for i, s in ((3, 9), (2, 7))]  # fmt: skip
    colleague = world["contacts"][0].__class__(email="eve@megacorp.example", name="Eve",
                                               account_id=dana.account_id)  # fmt: skip
    session.add(colleague)
    session.commit()
    add_response(session, colleague, score=10, answered_at=NOW - timedelta(days=30))
    other_open = add_task(session, owner=ana, account=world["accounts"][0], title="Other")

    d = task_detail(session, task.id, ana, now=NOW)
    assert d.overdue and d.owner.name == "Ana" and d.team.name == "Enterprise"
    assert d.response.comment == "Export <b>crashes</b>"
    assert d.analysis.sentiment_label == "negative"
    assert [rt.theme.name for rt in d.themes] == ["Export"]
    assert [t.message.body for t in d.thread.turns] == ["How are we doing?"]
    assert [(e.event.kind, e.actor_name) for e in d.events] == [("created", None),
                                                                ("comment", "Ana")]  # fmt: skip
    c = d.customer
    assert c.account.name == "MegaCorp" and c.account_owner.name == "Ana"
    assert [p.score for p in c.contact_trend.points] == [9, 7, 2]
    assert [p.response_id for p in c.contact_trend.points][:2] == [e.id for e in earlier]
    assert [p.score for p in c.account_trend.points] == [9, 7, 10, 2]
    assert [t.id for t in c.open_tasks] == [other_open.id]
    assert [e.event for e in c.email_events] == ["open"]
    assert {u.name for u in d.assignees} == {"Ana", "Ben", "Lea"}


def test_a_task_of_another_team_is_forbidden_to_a_csm(session, world, make_user):
    cy_task = world["tasks"]["cy_overdue"]
    with pytest.raises(Forbidden):
        task_detail(session, cy_task.id, world["ana"], now=NOW)
    head = make_user("department_head", team_id=world["teams"][0].id)
    for boss in (make_user("admin"), head):
        assert task_detail(session, cy_task.id, boss, now=NOW).task.id == cy_task.id
    with pytest.raises(NotFound):
        task_detail(session, 987654, world["ana"])


def test_a_task_without_response_or_account_still_has_a_page(session, make_user):
    csm = make_user("csm")
    task = add_task(session, owner=csm)
    d = task_detail(session, task.id, csm, now=NOW)
    assert d.response is None and d.thread is None and d.customer.account is None
    assert d.customer.contact_trend.summary == "no scores yet"
