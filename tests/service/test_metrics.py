"""Close-the-loop metrics on a hand-built set of tasks, each figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.models import ResolutionCheck
from feedback.services import metrics
from feedback.services.errors import InvalidInput
from feedback.tokens import hash_token, new_token
from tests.builders import add_response, add_task

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
D0 = datetime(2026, 11, 15, 0, 0, tzinfo=UTC)  # when the tasks were created


def h(hours: float) -> datetime:
    return D0 + timedelta(hours=hours)


def check(session, task, answer):
    token_hash = hash_token(new_token())
    session.add(ResolutionCheck(task_id=task.id, token_hash=token_hash, send_at=NOW, sent_at=NOW,
                                answer=answer, answered_at=NOW))  # fmt: skip
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
    task(a1, detractor, due_at=NOW + timedelta(days=1))
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


def run(session, **kw):
    return metrics.close_the_loop(session, start=date(2026, 11, 10), end=date(2026, 11, 20),
                                  now=NOW, **kw)  # fmt: skip


def test_overall_figures(session, loop):
    o = run(session).overall
    assert (o.tasks, o.detractor_tasks, o.detractors_decided, o.detractors_contacted_in_sla) == (
        6, 5, 4, 2)  # fmt: skip
    assert o.contacted_in_sla_share == 0.5
    assert o.median_hours_to_first_contact == 3.0  # 1, 2, 4, 20
    assert o.median_hours_to_close == 10.0  # 5, 10, 30
    assert (o.resolution_answers, o.resolved_yes, o.recovery_rate) == (3, 2, 0.6667)


def test_per_team_and_per_csm(session, loop):
    result = run(session)
    teams = {g.name: g.figures for g in result.teams}
    assert teams["A team"].contacted_in_sla_share == 0.3333
    assert teams["A team"].median_hours_to_first_contact == 4.0  # 2, 4, 20
    assert teams["A team"].median_hours_to_close == 20.0
    assert teams["A team"].recovery_rate == 0.5
    assert (teams["B team"].contacted_in_sla_share, teams["B team"].median_hours_to_close,
            teams["B team"].recovery_rate) == (1.0, 5.0, 1.0)  # fmt: skip
    csms = {g.name: g for g in result.csms}
    assert [g.name for g in result.csms] == ["Alex", "Avery", "Blake"]
    assert csms["Alex"].team == "A team"
    assert csms["Alex"].figures.median_hours_to_first_contact == 12.0  # 4, 20
    avery = csms["Avery"].figures
    assert (avery.detractor_tasks, avery.contacted_in_sla_share, avery.median_hours_to_close) == (
        0, None, None)  # fmt: skip
    assert (avery.recovery_rate, avery.median_hours_to_first_contact) == (None, 2.0)


def test_one_team_only_and_an_empty_range(session, loop):
    only_b = run(session, team_id=loop["teams"][1].id)
    assert [g.name for g in only_b.teams] == ["B team"] and only_b.overall.tasks == 1
    empty = metrics.close_the_loop(session, start=date(2020, 1, 1), end=date(2020, 1, 2), now=NOW)
    assert empty.overall.tasks == 0 and empty.overall.contacted_in_sla_share is None
    assert empty.teams == [] and empty.csms == []


def test_as_dict_for_the_api(session, loop):
    body = run(session).as_dict()
    assert body["start"] == "2026-11-10" and body["overall"]["recovery_rate"] == 0.6667
    assert {"id", "name", "team", "median_hours_to_close"} <= set(body["csms"][0])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(None, None, (date(2026, 10, 22), date(2026, 11, 20))),
     ("2026-11-01", None, (date(2026, 11, 1), date(2026, 11, 20))),
     (None, "2026-06-30", (date(2026, 6, 1), date(2026, 6, 30))),
     (date(2026, 1, 1), date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1)))],
)  # fmt: skip
def test_date_range_defaults(start, end, expected):
    assert metrics.date_range(start, end, today=date(2026, 11, 20)) == expected


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("2026-11-31", None, "start"), (None, "soon", "end"), ("2026-11-10", "2026-11-01", "start"),
     ("2020-01-01", "2026-01-01", "start")],
)  # fmt: skip
def test_date_range_refusals(start, end, field):
    with pytest.raises(InvalidInput) as caught:
        metrics.date_range(start, end, today=date(2026, 11, 20))
    assert field in caught.value.fields


def test_figures_is_plain_arithmetic():
    f = metrics.TaskFacts
    facts = [f(1, 1, 1, True, D0, h(8), h(8), None), f(2, 1, 1, True, D0, h(8), h(9), h(9))]
    out = metrics.figures(facts, ["yes", "maybe"], now=NOW)
    assert (out.contacted_in_sla_share, out.median_hours_to_first_contact) == (0.5, 8.5)
    assert (out.resolution_answers, out.recovery_rate) == (1, 1.0)
