"""Net Promoter Score with honest error bars.

A score of 32 from 12 answers and a score of 32 from 1,200 are different news; every result
carries its standard error, a confidence interval and a small_sample flag so dashboards can
say so, and compare() tells a real difference between segments from noise.

Each answer counts +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 × their mean.
The variance of one answer is p_pro + p_det − (p_pro − p_det)², so the standard error of NPS is
100 × √(variance / n). Intervals use the normal approximation, clamped to the possible range.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

from feedback.classification import Category, classify_nps

SMALL_SAMPLE_N = 30  # below this the normal approximation is a rough guide only
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class NpsResult:
    """Counts, score (−100 … 100, None without answers) and its uncertainty, in NPS points."""

    n: int
    promoters: int
    passives: int
    detractors: int
    score: float | None
    standard_error: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    small_sample: bool

    @property
    def margin_of_error(self) -> float | None:
        return margin_of_error(self)


@dataclass(frozen=True)
class Comparison:
    """a − b in NPS points, and whether that is more than noise at the chosen confidence."""

    difference: float | None
    standard_error: float | None
    z: float | None
    p_value: float | None
    significant: bool
    ci_low: float | None
    ci_high: float | None
    confidence: float
    small_sample: bool


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, e.g. 0.95, not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number ≥ 0, not {value!r}")
    return value


def nps_from_counts(
    promoters: int, passives: int, detractors: int, *, confidence: float = DEFAULT_CONFIDENCE
) -> NpsResult:
    """NPS from category counts, as a GROUP BY over stored categories gives them."""
    pro = _count("promoters", promoters)
    pas = _count("passives", passives)
    det = _count("detractors", detractors)
    z = _z(confidence)
    n = pro + pas + det
    if n == 0:
        return NpsResult(0, 0, 0, 0, None, None, None, None, confidence, True)
    p_pro, p_det = pro / n, det / n
    mean = p_pro - p_det
    variance = max(0.0, p_pro + p_det - mean**2)  # max(): rounding must not make it negative
    score = 100 * mean
    se = 100 * math.sqrt(variance / n)
    return NpsResult(
        n=n,
        promoters=pro,
        passives=pas,
        detractors=det,
        score=score,
        standard_error=se,
        ci_low=max(-100.0, score - z * se),
        ci_high=min(100.0, score + z * se),
        confidence=confidence,
        small_sample=n < SMALL_SAMPLE_N,
    )


def nps(scores: Iterable[int], *, confidence: float = DEFAULT_CONFIDENCE) -> NpsResult:
    """NPS of 0–10 answers; ValueError (from classification) on anything that is not one."""
    counts = {Category.PROMOTER: 0, Category.PASSIVE: 0, Category.DETRACTOR: 0}
    for score in scores:
        counts[classify_nps(score)] += 1
    return nps_from_counts(
        counts[Category.PROMOTER],
        counts[Category.PASSIVE],
        counts[Category.DETRACTOR],
        confidence=confidence,
    )


def margin_of_error(result: NpsResult, confidence: float | None = None) -> float | None:
    """Half the width of the interval, in NPS points, before clamping: the '± 8' to print.

    None without answers. Zero when every answer is in one category, which says nothing
    about the next answer: show it with the small_sample flag, not instead of it.
    """
    if result.standard_error is None:
        return None
    return _z(result.confidence if confidence is None else confidence) * result.standard_error


def compare(a: NpsResult, b: NpsResult, *, confidence: float = DEFAULT_CONFIDENCE) -> Comparison:
    """Do two independent segments' NPS differ by more than chance? A two-sided z-test.

    The difference's standard error is √(se_a² + se_b²). Without answers on either side
    there is nothing to compare: difference None, not significant.
    """
    z_crit = _z(confidence)
    small = a.small_sample or b.small_sample
    if a.score is None or b.score is None or a.standard_error is None or b.standard_error is None:
        return Comparison(None, None, None, None, False, None, None, confidence, True)
    difference = a.score - b.score
    se = math.hypot(a.standard_error, b.standard_error)
    if se == 0:
        z = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    else:
        z = difference / se
    p_value = math.erfc(abs(z) / math.sqrt(2))  # two-sided, exact in the tails
    return Comparison(
        difference=difference,
        standard_error=se,
        z=z,
        p_value=p_value,
        significant=p_value < 1 - confidence,
        ci_low=max(-200.0, difference - z_crit * se),
        ci_high=min(200.0, difference + z_crit * se),
        confidence=confidence,
        small_sample=small,
    )


def wilson_interval(
    successes: int, n: int, *, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (renewal rate, churn rate), as fractions 0..1.

    Unlike the plain p ± z·√(p(1−p)/n) it stays inside 0..1 and is sane at 0 of 5 or 5 of 5
    (Wilson 1927; Agresti & Coull 1998 recommend it for small n). None when n is 0.
    """
    _count("successes", successes)
    _count("n", n)
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    if n == 0:
        return None
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 of n (n of n) the bound is exactly 0 (1); say so rather than 3e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high
