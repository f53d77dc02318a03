"""Renewal and churn by latest NPS category, with Wilson intervals checked by hand."""

from __future__ import annotations

import pytest

from feedback import retention
from feedback.nps import wilson_interval
from feedback.retention import Outcome


def test_wilson_interval_against_hand_computed_values():
    # 8 of 10, z = 1.95996: centre 0.7167, half-width 0.2266 (Wilson 1927)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    low, high = wilson_interval(0, 5)  # never below 0, and not a useless [0, 0]
    assert low == 0.0 and high == pytest.approx(0.4345, abs=1e-4)
    low, high = wilson_interval(5, 5)
    assert high == 1.0 and low == pytest.approx(0.5655, abs=1e-4)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_rates_by_latest_category():
    outcomes = [
        *(Outcome(i, "renewed", "promoter") for i in range(8)),
        *(Outcome(10 + i, "churned", "promoter") for i in range(2)),
        Outcome(20, "renewed", "passive"),
        *(Outcome(30 + i, "churned", "detractor") for i in range(3)),
        Outcome(40, "renewed", "detractor"),
        Outcome(50, "churned", None),
    ]
    by = {g.group: g for g in retention.rates(outcomes)}
    assert list(by) == ["promoter", "passive", "detractor", "unanswered"]
    assert by["promoter"].n == 10 and by["promoter"].renewed.rate == 0.8
    assert by["promoter"].renewed.low == pytest.approx(0.4902, abs=1e-4)
    assert by["promoter"].churned.rate == pytest.approx(0.2)
    assert by["detractor"].churned.rate == 0.75 and by["detractor"].renewed.count == 1
    assert by["passive"].n == 1 and by["passive"].small_sample
    assert by["unanswered"].churned.count == 1


def test_no_accounts_means_no_rates_not_a_division_error():
    groups = retention.rates([])
    assert all(g.n == 0 and g.renewed.rate is None and g.churned.low is None for g in groups)
    with pytest.raises(ValueError):
        retention.rates([Outcome(1, "paused", "promoter")])
