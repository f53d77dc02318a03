"""Does NPS predict retention in our own data? Renewal and churn rates of the accounts that
were promoters, passives and detractors (their latest category before the renewal date), each
with a Wilson interval, so a company sees whether the gap is more than noise.

Pure: the service (services.retention) gathers one Outcome per account; this module counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feedback.nps import DEFAULT_CONFIDENCE, SMALL_SAMPLE_N, wilson_interval

GROUPS = ("promoter", "passive", "detractor", "unanswered")
RENEWED, CHURNED = "renewed", "churned"


@dataclass(frozen=True)
class Outcome:
    """One account at its renewal date: what it did, and its latest category before then."""

    account_id: int
    outcome: str  # renewed | churned
    category: str | None  # promoter | passive | detractor, None: never answered before


@dataclass(frozen=True)
class Rate:
    count: int
    n: int
    rate: float | None  # 0..1
    low: float | None
    high: float | None


@dataclass(frozen=True)
class GroupRates:
    group: str
    n: int
    renewed: Rate
    churned: Rate
    small_sample: bool


def _rate(count: int, n: int, confidence: float) -> Rate:
    interval = wilson_interval(count, n, confidence=confidence)
    if interval is None:
        return Rate(count, n, None, None, None)
    return Rate(count, n, count / n, interval[0], interval[1])


def rates(
    outcomes: Iterable[Outcome], *, confidence: float = DEFAULT_CONFIDENCE
) -> list[GroupRates]:
    """Per group (promoter, passive, detractor, never answered): renewal and churn rates."""
    counts = {g: {RENEWED: 0, CHURNED: 0} for g in GROUPS}
    for o in outcomes:
        if o.outcome not in (RENEWED, CHURNED):
            raise ValueError(f"an outcome is renewed or churned, not {o.outcome!r}")
        group = o.category if o.category in GROUPS else "unanswered"
        counts[group][o.outcome] += 1
    result = []
    for group in GROUPS:
        renewed, churned = counts[group][RENEWED], counts[group][CHURNED]
        n = renewed + churned
        result.append(
            GroupRates(
                group,
                n,
                _rate(renewed, n, confidence),
                _rate(churned, n, confidence),
                n < SMALL_SAMPLE_N,
            )
        )
    return result
