"""The outer loop's pure rules: workflow, NPS points, impact, trend, ranking, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from feedback import backlog_impact as b

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("proposed", "accepted"),
        ("proposed", "declined"),
        ("accepted", "in_progress"),
        ("accepted", "declined"),
        ("in_progress", "shipped"),
        ("in_progress", "declined"),
        ("declined", "proposed"),
    ],
)
def test_allowed_moves_return_the_cleaned_note(current, target):
    assert b.check_transition(current, target, "  because  ") == "because"


@pytest.mark.parametrize(
    ("current", "target", "says"),
    [
        ("proposed", "shipped", "cannot move to shipped; it can move to: accepted, declined"),
        ("proposed", "in_progress", "cannot move to in progress"),
        ("accepted", "proposed", "cannot move to proposed"),
        ("shipped", "declined", "it can move to: nothing"),
        ("shipped", "in_progress", "A shipped item cannot move"),
        ("declined", "shipped", "cannot move to shipped"),
        ("accepted", "accepted", "already accepted"),
        ("accepted", "done", "not a backlog status"),
    ],
)
def test_refused_moves_say_why_and_what_is_possible(current, target, says):
    with pytest.raises(b.TransitionRefused) as refused:
        b.check_transition(current, target, "a note")
    assert says in str(refused.value)
    assert refused.value.field == "status"


@pytest.mark.parametrize("note", [None, "", "   "])
def test_every_move_needs_a_note(note):
    with pytest.raises(b.TransitionRefused) as refused:
        b.check_transition("proposed", "accepted", note)
    assert refused.value.field == "note"
    with pytest.raises(b.TransitionRefused, match="why it is declined"):
        b.check_transition("proposed", "declined", note)


def test_a_note_too_long_is_refused():
    with pytest.raises(b.TransitionRefused, match="under 4,000"):
        b.check_transition("proposed", "accepted", "x" * 4001)


@pytest.mark.parametrize(
    ("overall", "mentioning", "points"),
    [
        # 10 answers: 4 promoters, 2 passives, 4 detractors → NPS 0. Without 3 detractors:
        # 4 P, 2 Pa, 1 D of 7 → 42.86; the theme costs 42.86 points.
        (b.Counts(4, 2, 4), b.Counts(0, 0, 3), 42.86),
        # Mentions by promoters only lift the score: a negative cost.
        (b.Counts(4, 2, 4), b.Counts(2, 0, 0), -25.0),
        # Nothing mentions it: no cost.
        (b.Counts(4, 2, 4), b.Counts(0, 0, 0), 0.0),
        # Every answer mentions it: nothing left to compare with.
        (b.Counts(1, 1, 1), b.Counts(1, 1, 1), 0.0),
        (b.Counts(0, 0, 0), b.Counts(0, 0, 0), 0.0),
    ],
)
def test_nps_points_a_theme_costs(overall, mentioning, points):
    assert b.nps_points(overall, mentioning) == points


def test_mentions_cannot_outnumber_the_answers():
    with pytest.raises(ValueError):
        b.nps_points(b.Counts(1, 0, 0), b.Counts(0, 0, 1))


def test_impact_on_a_hand_computed_fixture():
    ev = [
        b.Evidence(1, 10, "detractor", NOW - timedelta(days=1)),
        b.Evidence(2, 10, "passive", NOW - timedelta(days=8)),
        b.Evidence(3, 20, "detractor", NOW - timedelta(days=2)),
        b.Evidence(4, 30, "promoter", NOW - timedelta(weeks=20)),  # outside the trend
        b.Evidence(5, None, "detractor", NOW - timedelta(days=3)),
        b.Evidence(1, 10, "detractor", NOW - timedelta(days=1)),  # the same response twice
    ]
    arr = {10: Decimal("20000"), 20: Decimal("250000"), 30: None}
    # Account 20 has since answered 9: no longer at risk. Account 10's latest is a detractor.
    latest = {10: "detractor", 20: "promoter", 30: "detractor"}
    got = b.impact(ev, arr, latest, b.Counts(10, 5, 5), NOW)
    assert got.responses_linked == 5
    assert (got.detractors, got.passives) == (3, 1)
    assert got.accounts == 3
    assert got.arr == Decimal("270000")
    assert got.arr_at_risk == Decimal("20000")
    # Overall 10/5/5 → 25.0; without 1 P, 1 Pa, 3 D → 9/4/2 of 15 → 46.67: it costs 21.67.
    assert got.nps_points == 21.67
    assert got.trend == [0] * 10 + [1, 3]


def test_weekly_trend_buckets_the_last_twelve_weeks():
    moments = [
        NOW,
        NOW - timedelta(days=6, hours=23),
        NOW - timedelta(days=7),
        NOW - timedelta(weeks=11, days=6),
        NOW - timedelta(weeks=12),
        NOW + timedelta(1),
    ]
    assert b.weekly_trend(moments, NOW) == [1] + [0] * 9 + [1, 2]


def test_sparkline_points():
    assert b.sparkline_points([0, 2, 1], width=10, height=10) == "0,10 5,0 10,5"
    assert b.sparkline_points([0, 0], width=10, height=10) == "0,10 10,10"
    assert b.sparkline_points([]) == ""


def rk(i, at_risk, points, position=None):
    return b.Rankable(i, Decimal(at_risk), points, position)


def test_default_order_ranks_by_arr_at_risk_then_nps_points_then_age():
    items = [rk(1, 100, 5.0), rk(2, 900, 1.0), rk(3, 100, 9.0), rk(4, 100, 9.0), rk(5, 0, 50.0)]
    assert b.default_order(items) == [2, 3, 4, 1, 5]
    assert b.ranked(items) == [2, 3, 4, 1, 5]
    assert not b.is_hand_ordered(items)


def test_hand_placed_items_come_first():
    items = [rk(1, 100, 5.0), rk(2, 900, 1.0, position=2), rk(3, 5, 1.0, position=1)]
    assert b.ranked(items) == [3, 2, 1]
    assert b.is_hand_ordered(items)


@pytest.mark.parametrize(
    ("item", "action", "order"),
    [
        (3, "pin", [3, 1, 2, 4]),
        (3, "up", [1, 3, 2, 4]),
        (3, "down", [1, 2, 4, 3]),
        (1, "up", [1, 2, 3, 4]),
        (4, "down", [1, 2, 3, 4]),
    ],
)
def test_moves(item, action, order):
    assert b.move([1, 2, 3, 4], item, action) == order


def test_unknown_moves_are_refused():
    with pytest.raises(ValueError):
        b.move([1, 2], 1, "sideways")
    with pytest.raises(ValueError):
        b.move([1, 2], 9, "up")


@pytest.mark.parametrize(
    ("mentions", "threshold", "covered", "due"),
    [(5, 5, False, True), (4, 5, False, False), (9, 5, True, False)],
)
def test_proposal_threshold(mentions, threshold, covered, due):
    assert b.proposal_due(mentions, threshold, covered) is due


@pytest.mark.parametrize(
    ("role", "dept", "item_dept", "read", "change"),
    [
        ("admin", None, "Finance", True, True),
        ("department_head", "Finance", "Finance", True, True),
        ("department_head", "Support", "Finance", False, False),
        ("department_head", None, "Finance", False, False),
        ("csm", "Finance", "Finance", True, False),
        ("team_lead", "Support", "Finance", True, False),
    ],
)
def test_access(role, dept, item_dept, read, change):
    assert b.may_read(role, dept, item_dept) is read
    assert b.may_change(role, dept, item_dept) is change
    assert b.may_raise(role)


def test_excerpt_cuts_at_a_word():
    assert b.excerpt("one two three", 8) == "one two…"
    assert b.excerpt("  a\n b ") == "a b"
    assert b.excerpt(None) == ""
