"""NPS statistics against hand-computed cases, and the edges where formulas usually break."""

from __future__ import annotations

import math

import pytest

from feedback.nps import NpsResult, compare, margin_of_error, nps, nps_from_counts

Z95 = 1.959963984540054


def scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [3] * detractors


# ---------------------------------------------------------------- hand-computed


def test_balanced_small_sample():
    # 2 promoters, 2 passives, 2 detractors: mean 0, variance 4/6, se √(4/6 / 6) = 1/3
    result = nps([10, 9, 8, 7, 6, 0])
    assert (result.n, result.promoters, result.passives, result.detractors) == (6, 2, 2, 2)
    assert result.score == 0
    assert result.standard_error == pytest.approx(100 / 3)
    assert result.margin_of_error == pytest.approx(Z95 * 100 / 3)  # 65.33
    assert (result.ci_low, result.ci_high) == pytest.approx((-65.3321, 65.3321), abs=1e-4)
    assert result.small_sample


def test_hundred_answers():
    # 50 / 30 / 20: NPS 30, variance .5 + .2 − .3² = .61, se √(.61/100) = .0781 → 7.81 points
    result = nps(scores(50, 30, 20))
    assert result.score == pytest.approx(30)
    assert result.standard_error == pytest.approx(7.81025, abs=1e-5)
    assert result.margin_of_error == pytest.approx(15.3079, abs=1e-4)
    assert (result.ci_low, result.ci_high) == pytest.approx((14.6921, 45.3079), abs=1e-4)
    assert not result.small_sample
    assert result.confidence == 0.95


def test_interval_is_clamped_to_the_possible_range():
    # 28 promoters, 2 detractors: 86.67 ± 17.85 would reach 104.5
    result = nps(scores(28, 0, 2))
    assert result.score == pytest.approx(86.6667, abs=1e-4)
    assert result.standard_error == pytest.approx(9.1084, abs=1e-4)
    assert result.ci_high == 100
    assert result.ci_low == pytest.approx(86.6667 - Z95 * 9.1084, abs=1e-3)
    assert result.margin_of_error == pytest.approx(17.852, abs=1e-3)  # unclamped
    low = nps(scores(2, 0, 28))
    assert low.ci_low == -100
    assert low.score == pytest.approx(-86.6667, abs=1e-4)


@pytest.mark.parametrize(
    ("counts", "score"),
    [
        ((1, 0, 0), 100),
        ((0, 1, 0), 0),
        ((0, 0, 1), -100),
        ((40, 0, 0), 100),
        ((0, 40, 0), 0),
        ((0, 0, 40), -100),
    ],
)
def test_unanimous_answers_collapse_the_interval_onto_the_score(counts, score):
    result = nps(scores(*counts))
    assert result.score == score
    assert result.standard_error == 0
    assert (result.ci_low, result.ci_high) == (score, score)
    assert result.margin_of_error == 0
    assert result.small_sample is (sum(counts) < 30)


def test_no_answers_is_no_score():
    result = nps([])
    assert result == NpsResult(0, 0, 0, 0, None, None, None, None, 0.95, True)
    assert result.margin_of_error is None
    assert margin_of_error(result) is None


@pytest.mark.parametrize(("n", "small"), [(1, True), (29, True), (30, False), (1000, False)])
def test_small_sample_flag(n, small):
    assert nps([9] * n).small_sample is small


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
    assert r90.margin_of_error == pytest.approx(1.644854 * 7.81025, abs=1e-4)
    assert r99.margin_of_error == pytest.approx(2.575829 * 7.81025, abs=1e-4)
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


def test_small_segments_are_flagged():
    assert compare(nps([10] * 5), nps(scores(50, 30, 20))).small_sample


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
