"""NPS statistics against hand-computed cases, and the edges where formulas usually break."""

from __future__ import annotations

import math

import pytest

from feedback.nps import (
    NpsResult,
    compare,
    holm,
    margin_of_error,
    nps,
    nps_from_counts,
    sample_size,
)

Z95 = 1.959963984540054


def scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [3] * detractors


# ---------------------------------------------------------------- hand-computed


def test_balanced_small_sample():
    # 2 promoters, 2 passives, 2 detractors: mean 0, variance 4/6, se √(4/6 / 6) = 1/3.
    # Adjusted: n 9, p_pro = p_det = 2.75/9 = .30556, variance .61111, se √(.61111/9) = .26058
    result = nps([10, 9, 8, 7, 6, 0])
    assert (result.n, result.promoters, result.passives, result.detractors) == (6, 2, 2, 2)
    assert result.score == 0
    assert result.standard_error == pytest.approx(100 / 3)
    assert result.adjusted_standard_error == pytest.approx(26.0579, abs=1e-4)
    assert result.margin_of_error == pytest.approx(Z95 * 26.0579, abs=1e-3)  # 51.07
    assert (result.ci_low, result.ci_high) == pytest.approx((-51.0725, 51.0725), abs=1e-3)
    assert result.small_sample


def test_hundred_answers():
    # 50 / 30 / 20: NPS 30, variance .5 + .2 − .3² = .61, se √(.61/100) = .0781 → 7.81 points.
    # Adjusted: n 103, p_pro 50.75/103 = .492718, p_det 20.75/103 = .201456, NPS 29.1262,
    # variance .694174 − .084834 = .609340, se √(.609340/103) = 7.6915, ± 1.96 × 7.6915 = 15.075
    result = nps(scores(50, 30, 20))
    assert result.score == pytest.approx(30)
    assert result.standard_error == pytest.approx(7.81025, abs=1e-5)
    assert result.adjusted_standard_error == pytest.approx(7.6915, abs=1e-4)
    assert result.margin_of_error == pytest.approx(15.0751, abs=1e-3)
    assert (result.ci_low, result.ci_high) == pytest.approx((14.0511, 44.2013), abs=1e-3)
    assert not result.small_sample
    assert result.confidence == 0.95


def test_interval_is_clamped_to_the_possible_range():
    # 28 promoters, 2 detractors: adjusted n 33, p_pro 28.75/33 = .871212, p_det .083333,
    # centre 78.79, variance .954545 − .620753 = .333792, se 10.0573, 78.79 + 19.71 = 98.50
    result = nps(scores(28, 0, 2))
    assert result.score == pytest.approx(86.6667, abs=1e-4)
    assert result.standard_error == pytest.approx(9.1084, abs=1e-4)
    assert (result.ci_low, result.ci_high) == pytest.approx((59.0759, 98.4998), abs=1e-3)
    low = nps(scores(2, 0, 28))
    assert (low.ci_low, low.ci_high) == pytest.approx((-98.4998, -59.0759), abs=1e-3)
    # 40 of 40 promoters: centre 40.75/43 − .75/43 = 93.02, se 4.817, high end clamped
    top = nps([10] * 40)
    assert top.ci_high == 100
    assert top.ci_low == pytest.approx(93.0233 - Z95 * 4.8172, abs=1e-3)
    bottom = nps([0] * 40)
    assert bottom.ci_low == -100


@pytest.mark.parametrize(
    ("counts", "score", "interval"),
    [
        # n = 1: adjusted n 4, p_pro 1.75/4, p_det .75/4, centre 25, se √(.5625/4) = 37.5
        ((1, 0, 0), 100, (-48.4986, 98.4986)),
        # one passive: p_pro = p_det = .1875, variance .375, se √(.375/4) = 30.62
        ((0, 1, 0), 0, (-60.0114, 60.0114)),
        ((0, 0, 1), -100, (-98.4986, 48.4986)),
        ((40, 0, 0), 100, (83.5817, 100)),
        # 40 passives: p_pro = p_det = .75/43, variance .034884, se 2.8482
        ((0, 40, 0), 0, (-5.5825, 5.5825)),
        ((0, 0, 40), -100, (-100, -83.5817)),
    ],
)
def test_unanimous_answers_keep_an_honest_interval(counts, score, interval):
    result = nps(scores(*counts))
    assert result.score == score
    assert result.standard_error == 0  # the observed spread is nil ...
    assert (result.ci_low, result.ci_high) == pytest.approx(interval, abs=1e-3)  # ... not the doubt
    assert result.margin_of_error > 0
    if sum(counts) >= 30:  # at n = 1 the interval is pulled towards the middle, as it should
        assert result.ci_low <= score <= result.ci_high
    assert result.small_sample is (sum(counts) < 30)


def test_no_answers_is_no_score():
    result = nps([])
    assert result == NpsResult(0, 0, 0, 0, None, None, None, None, 0.95, True)
    assert result.margin_of_error is None
    assert margin_of_error(result) is None


@pytest.mark.parametrize(("n", "small"), [(1, True), (29, True), (30, False), (1000, False)])
def test_small_sample_flag(n, small):
    assert nps([9] * n).small_sample is small


def test_the_minimum_n_is_a_setting():
    assert not nps([9] * 12, min_n=10).small_sample
    assert nps([9] * 40, min_n=50).small_sample


def test_every_score_counts_in_its_category():
    result = nps(range(11))
    assert (result.promoters, result.passives, result.detractors) == (2, 2, 7)
    assert result.score == pytest.approx(100 * (2 - 7) / 11)


def test_accepts_any_iterable_once():
    assert nps(s for s in [10, 10, 0]).n == 3


def test_counts_and_scores_agree():
    assert nps_from_counts(50, 30, 20) == nps(scores(50, 30, 20))


# ---------------------------------------------------------------- confidence levels


def test_other_confidence_levels_widen_or_narrow_the_interval():
    r90 = nps(scores(50, 30, 20), confidence=0.90)
    r99 = nps(scores(50, 30, 20), confidence=0.99)
    assert r90.margin_of_error == pytest.approx(1.644854 * 7.69151, abs=1e-4)
    assert r99.margin_of_error == pytest.approx(2.575829 * 7.69151, abs=1e-4)
    base = nps(scores(50, 30, 20))
    assert margin_of_error(base, 0.99) == pytest.approx(r99.margin_of_error)


def test_more_answers_narrow_the_interval_by_root_n():
    small, large = nps(scores(5, 3, 2)), nps(scores(500, 300, 200))
    assert small.score == large.score
    assert small.standard_error / large.standard_error == pytest.approx(10)


# ---------------------------------------------------------------- comparing segments


def test_a_clear_difference_is_significant():
    # 30 vs −10: se √(7.81² + 8.31²) = √(61 + 69) = 11.40; z = 3.51, p ≈ 0.00045
    result = compare(nps(scores(50, 30, 20)), nps(scores(30, 30, 40)))
    assert result.difference == pytest.approx(40)
    assert result.standard_error == pytest.approx(math.sqrt(130))
    assert result.z == pytest.approx(40 / math.sqrt(130))
    assert result.p_value == pytest.approx(0.000451, abs=1e-5)
    assert result.significant
    assert result.ci_low == pytest.approx(40 - Z95 * math.sqrt(130))
    assert not result.small_sample


def test_a_small_difference_is_noise():
    # 30 vs 20 with 100 answers each: se √(61 + 66) = 11.27; z = 0.887, p ≈ 0.375
    result = compare(nps(scores(50, 30, 20)), nps(scores(45, 30, 25)))
    assert result.difference == pytest.approx(10)
    assert result.z == pytest.approx(10 / math.sqrt(127))
    assert result.p_value == pytest.approx(0.3750, abs=1e-3)
    assert not result.significant
    assert result.ci_low < 0 < result.ci_high


def test_compare_is_antisymmetric():
    a, b = nps(scores(50, 30, 20)), nps(scores(30, 30, 40))
    ab, ba = compare(a, b), compare(b, a)
    assert ab.difference == -ba.difference
    assert ab.p_value == pytest.approx(ba.p_value)


def test_the_same_difference_needs_enough_answers():
    assert not compare(nps(scores(5, 3, 2)), nps(scores(3, 3, 4))).significant
    assert compare(nps(scores(500, 300, 200)), nps(scores(300, 300, 400))).significant


def test_identical_segments_do_not_differ():
    result = compare(nps(scores(50, 30, 20)), nps(scores(50, 30, 20)))
    assert (result.difference, result.z, result.p_value, result.significant) == (0, 0, 1, False)


def test_unanimous_segments():
    same = compare(nps([10] * 40), nps([10] * 40))
    assert (same.difference, same.p_value, same.significant) == (0, 1, False)
    apart = compare(nps([10] * 40), nps([0] * 40))
    assert apart.difference == 200
    assert apart.z == math.inf and apart.p_value == 0 and apart.significant
    assert (apart.ci_low, apart.ci_high) == (200, 200)


def test_small_segments_are_flagged_and_never_significant():
    result = compare(nps([10] * 5), nps(scores(10, 10, 80)))
    assert result.small_sample
    assert result.p_value < 0.001  # the arithmetic says "different" ...
    assert not result.significant  # ... but five answers are not enough to say so
    assert compare(nps([10] * 12), nps([0] * 12), min_n=10).significant


def test_a_segment_against_everyone_else():
    # 300 answers in all, 100 of them in the segment: the rest is the difference of counts
    everyone, segment = nps(scores(150, 90, 60)), nps(scores(30, 30, 40))
    rest = everyone - segment
    assert (rest.promoters, rest.passives, rest.detractors) == (120, 60, 20)
    assert rest.score == pytest.approx(50)
    result = compare(segment, rest)
    # −10 vs 50: se √(.69/100 + (.7 − .25)/200) × 100 = √(69 + 22.5) = 9.566
    assert result.difference == pytest.approx(-60)
    assert result.standard_error == pytest.approx(math.sqrt(91.5))
    assert result.significant


def test_a_change_between_two_periods():
    last_quarter, this_quarter = nps(scores(100, 60, 40)), nps(scores(80, 60, 60))
    change = compare(this_quarter, last_quarter)
    assert change.difference == pytest.approx(-20)
    assert change.significant  # z = −2.48


# ---------------------------------------------------------------- many segments


def test_holm_adjusts_in_step_down_order():
    # sorted .005, .01, .03, .04 (m = 4): 4×.005 = .02, 3×.01 = .03, 2×.03 = .06, max(.06, .04)
    adjusted = holm([0.01, 0.04, 0.03, None, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, None, 0.02])
    assert holm([]) == []
    assert holm([None]) == [None]
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_holm_turns_one_lucky_segment_of_twenty_into_noise():
    p = [0.03] + [0.5] * 19
    assert holm(p)[0] == pytest.approx(0.6)


# ---------------------------------------------------------------- sample size


@pytest.mark.parametrize(
    ("margin", "kwargs", "needed"),
    [
        (10, {}, 382),  # 1.96² × 10000 / 100 = 384.15, − 3 = 381.15 → 382
        (5, {}, 1534),  # 1536.6 − 3
        (10, {"expected_promoters": 0.5, "expected_detractors": 0.2}, 232),  # variance .61
        (10, {"confidence": 0.90}, 268),  # 1.645² × 100 = 270.55 − 3
        (200, {}, 1),  # never fewer than one answer
    ],
)
def test_sample_size_for_a_margin(margin, kwargs, needed):
    assert sample_size(margin, **kwargs) == needed


def test_the_sample_size_gives_the_margin_asked_for():
    n = sample_size(10, expected_promoters=0.5, expected_detractors=0.2)
    assert nps(scores(n // 2, n - n // 2 - n // 5, n // 5)).margin_of_error <= 10.05


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin": 0},
        {"margin": -3},
        {"margin": 5, "expected_promoters": 0.8, "expected_detractors": 0.3},
        {"margin": 5, "expected_promoters": -0.1},
        {"margin": 5, "confidence": 95},
    ],
)
def test_sample_size_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        sample_size(**kwargs)


def test_nothing_to_compare_without_answers():
    result = compare(nps([]), nps(scores(50, 30, 20)))
    assert result.difference is None and result.p_value is None
    assert not result.significant
    assert result.small_sample


def test_stricter_confidence_can_turn_a_finding_into_noise():
    # 200 answers each, 30 vs 10: se √(30.5 + 34.5) = 8.06, z = 2.48 (1.96 < z < 2.58)
    a, b = nps(scores(100, 60, 40)), nps(scores(80, 60, 60))
    assert compare(a, b).z == pytest.approx(20 / math.sqrt(65))
    assert compare(a, b, confidence=0.95).significant
    assert not compare(a, b, confidence=0.99).significant


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", [[11], [-1], [3.5], [None], [True], ["9"]])
def test_invalid_scores_are_refused_not_skipped(bad):
    with pytest.raises(ValueError, match="NPS score must be"):
        nps([10, *bad])


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((-1, 0, 0), "promoters must be"),
        ((0, 1.5, 0), "passives must be"),
        ((0, 0, None), "detractors must be"),
    ],
)
def test_invalid_counts(counts, message):
    with pytest.raises(ValueError, match=message):
        nps_from_counts(*counts)


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5])
def test_invalid_confidence(confidence):
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        nps([10], confidence=confidence)
