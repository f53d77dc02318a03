"""Net Promoter Score with honest error bars.

A score of 32 from 12 answers and a score of 32 from 1,200 are different news; every result
carries its standard error, a confidence interval and a small_sample flag so dashboards can
say so, and compare() tells a real difference between segments from noise.

Each answer counts +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 × their mean.
The variance of one answer is p_pro + p_det − (p_pro − p_det)², so the standard error of NPS is
100 × √(variance / n).

The interval is the adjusted-Wald interval of Rocks (2016, "Interval estimation for the 'net
promoter score'", The American Statistician 70(4)): add 3/4 of a promoter, 3/4 of a detractor
and 3/2 of a passive (n + 3 answers), take the Wald interval of the adjusted NPS and clamp it
to ±100. Unlike the plain Wald interval it does not collapse to a point when every answer is a
promoter, and it keeps its promised coverage at small n.

Below `MIN_N` answers (default 30) on either side nothing is called significant: the page
greys such a cell and shows its n instead of a verdict. Many segments tested at once are
corrected with Holm's step-down method (`holm`), so "3 of 40 regions differ" is not the five
percent of noise one expects from 40 tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from feedback.classification import Category, classify_nps

MIN_N = 30  # below this many answers nothing is called significant
SMALL_SAMPLE_N = MIN_N
DEFAULT_CONFIDENCE = 0.95
ADJUST_EACH = 0.75  # Rocks 2016: 3/4 of a promoter and of a detractor, n + 3 in all
ADJUST_N = 3


@dataclass(frozen=True)
class NpsResult:
    """Counts, score (−100 … 100, None without answers) and its uncertainty, in NPS points.

    `standard_error` is the plain one of the observed score; `ci_low`/`ci_high` are the
    adjusted-Wald interval, whose half-width before clamping is `margin_of_error`.
    """

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
    adjusted_standard_error: float | None = None

    @property
    def margin_of_error(self) -> float | None:
        return margin_of_error(self)

    def __sub__(self, other: NpsResult) -> NpsResult:
        """The answers of self that are not in other: "everyone else" beside a segment."""
        return nps_from_counts(
            self.promoters - other.promoters,
            self.passives - other.passives,
            self.detractors - other.detractors,
            confidence=self.confidence,
        )


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


def _variance(p_pro: float, p_det: float) -> float:
    # max(): rounding must not make it negative
    return max(0.0, p_pro + p_det - (p_pro - p_det) ** 2)


def nps_from_counts(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_n: int = MIN_N,
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
    score = 100 * (pro - det) / n  # from the counts: -20.0, not -19.999…
    se = 100 * math.sqrt(_variance(p_pro, p_det) / n)
    n_adj = n + ADJUST_N
    a_pro, a_det = (pro + ADJUST_EACH) / n_adj, (det + ADJUST_EACH) / n_adj
    centre = 100 * (a_pro - a_det)
    se_adj = 100 * math.sqrt(_variance(a_pro, a_det) / n_adj)
    return NpsResult(
        n=n,
        promoters=pro,
        passives=pas,
        detractors=det,
        score=score,
        standard_error=se,
        ci_low=max(-100.0, centre - z * se_adj),
        ci_high=min(100.0, centre + z * se_adj),
        confidence=confidence,
        small_sample=n < min_n,
        adjusted_standard_error=se_adj,
    )


def nps(
    scores: Iterable[int], *, confidence: float = DEFAULT_CONFIDENCE, min_n: int = MIN_N
) -> NpsResult:
    """NPS of 0–10 answers; ValueError (from classification) on anything that is not one."""
    counts = {Category.PROMOTER: 0, Category.PASSIVE: 0, Category.DETRACTOR: 0}
    for score in scores:
        counts[classify_nps(score)] += 1
    return nps_from_counts(
        counts[Category.PROMOTER],
        counts[Category.PASSIVE],
        counts[Category.DETRACTOR],
        confidence=confidence,
        min_n=min_n,
    )


def margin_of_error(result: NpsResult, confidence: float | None = None) -> float | None:
    """Half the width of the adjusted-Wald interval before clamping: the '± 8' to print.

    None without answers. Never zero for a real sample: ten promoters out of ten say little
    about the eleventh answer, and the interval says so.
    """
    if result.adjusted_standard_error is None:
        return None
    return _z(result.confidence if confidence is None else confidence) * (
        result.adjusted_standard_error
    )


def sample_size(
    margin: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    expected_promoters: float = 0.5,
    expected_detractors: float = 0.5,
) -> int:
    """Answers needed for a 95% (or `confidence`) margin of ± `margin` NPS points.

    n + 3 = z² × variance / margin², the adjusted-Wald interval solved for n. The default
    expectation (half promoters, half detractors) is the worst case, variance 1; pass the
    shares seen last period for a tighter figure.
    """
    if not 0 < margin <= 200:
        raise ValueError(f"margin must be between 0 and 200 NPS points, not {margin}")
    if not (0 <= expected_promoters <= 1 and 0 <= expected_detractors <= 1) or (
        expected_promoters + expected_detractors > 1
    ):
        raise ValueError("expected shares must be between 0 and 1 and add up to at most 1")
    variance = _variance(expected_promoters, expected_detractors)
    needed = (_z(confidence) * 100) ** 2 * variance / margin**2 - ADJUST_N
    return max(1, math.ceil(needed - 1e-9))


def compare(
    a: NpsResult, b: NpsResult, *, confidence: float = DEFAULT_CONFIDENCE, min_n: int = MIN_N
) -> Comparison:
    """Do two independent groups' NPS differ by more than chance? A two-sided z-test.

    Used for "did NPS change between two periods" (a: this period, b: the one before) and "does
    this segment differ from everyone else" (a: the segment, b: total − segment). The
    difference's standard error is √(se_a² + se_b²). With fewer than `min_n` answers on either
    side the figures are given but nothing is significant; without answers on either side
    there is nothing to compare.
    """
    z_crit = _z(confidence)
    small = a.n < min_n or b.n < min_n
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
        significant=not small and p_value < 1 - confidence,
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


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the order given: compare each with 1 − confidence.

    Holm's step-down method keeps the chance of any false alarm among the many segments at
    the chosen level, and is uniformly more powerful than Bonferroni. None (nothing tested,
    e.g. too few answers) stays None and does not count as a test.
    """
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
