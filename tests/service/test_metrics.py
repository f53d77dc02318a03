"""Close-the-loop metrics on a hand-built set of tasks, each figure worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from feedback.services import metrics
from feedback.services.errors import InvalidInput
from tests.shared_fixtures import D0, h
from tests.shared_fixtures import LOOP_NOW as NOW


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
