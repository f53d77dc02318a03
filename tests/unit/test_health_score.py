"""Account health: each part scored by hand, missing parts left out, weights renormalised."""

from __future__ import annotations

import pytest

from feedback import health
from feedback.health import Inputs


def parts(result):
    return {p.key: round(p.score, 1) for p in result.parts}


def test_an_account_we_never_heard_from_has_no_score():
    result = health.score(Inputs())
    assert result.score is None and result.parts == ()


def test_each_part_by_hand():
    result = health.score(
        Inputs(
            latest_scores=[10, 9, 3, 8],  # NPS (2 - 1) / 4 = +25 -> 62.5
            recent_scores=[10, 10],  # +100
            earlier_scores=[10, 0],  # 0 -> change +100 -> 100
            recent_polarity=0.2,
            earlier_polarity=0.4,  # 60 + 25 * -0.2 = 55
            open_detractor_tasks=1,  # 75
            invited=10,
            answered=4,  # 40% of a 50% target -> 80
            attributes={
                "seats_active": 30,
                "seats_licensed": 40,
                "open_tickets": 2,
                "csat": 4,
                "overdue_invoices": 1,
            },  # fmt: skip
        )
    )
    assert parts(result) == {
        "nps_latest": 62.5, "nps_trend": 100.0, "sentiment": 55.0,
        "open_detractor_tasks": 75.0, "response_rate": 80.0, "usage": 75.0,
        "support": 77.5, "billing": 66.0,
    }  # fmt: skip
    expected = (
        62.5 * 25 + 100 * 10 + 55 * 10 + 75 * 10 + 80 * 5 + 75 * 20 + 77.5 * 10 + 66 * 10
    ) / 100
    assert result.score == round(expected)


def test_missing_parts_are_left_out_and_the_weights_renormalised():
    result = health.score(Inputs(attributes={"usage_score": 40, "billing_score": 100}))
    assert parts(result) == {"usage": 40.0, "billing": 100.0}
    assert result.score == round((40 * 20 + 100 * 10) / 30)


def test_weights_come_from_the_setting_and_a_zero_weight_drops_the_part():
    weights = health.parse_weights('{"usage": 0, "billing": 50}')
    result = health.score(Inputs(attributes={"usage_score": 0, "billing_score": 90}), weights)
    assert parts(result) == {"billing": 90.0} and result.score == 90
    assert health.parse_weights("") == health.DEFAULT_WEIGHTS
    for bad in ('{"vibes": 1}', '{"usage": -1}', "[1]", '{"usage": "lots"}'):
        with pytest.raises(ValueError):
            health.parse_weights(bad)
    with pytest.raises(ValueError):
        health.parse_weights(dict.fromkeys(health.PARTS, 0))


def test_scores_stay_within_0_and_100_whatever_is_posted():
    wild = Inputs(
        latest_scores=[0, 0],
        recent_polarity=-1.0,
        earlier_polarity=1.0,
        open_detractor_tasks=9,
        invited=3,
        answered=7,
        attributes={
            "usage_score": 500,
            "open_tickets": 40,
            "billing_score": "nan",
            "payment_failed": True,
        },  # fmt: skip
    )
    result = health.score(wild)
    assert all(0 <= p.score <= 100 for p in result.parts)
    assert parts(result)["billing"] == 0.0 and parts(result)["usage"] == 100.0
    assert 0 <= result.score <= 100


def test_a_drop_is_more_than_the_configured_points():
    assert health.dropped(80, 64, 15) is True
    assert health.dropped(80, 65, 15) is False
    assert health.dropped(None, 10) is False and health.dropped(80, None) is False
    assert health.dropped(60, 70) is False
