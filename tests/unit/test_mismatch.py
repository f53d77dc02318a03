"""Mismatch flags: a promoter with a clearly negative comment, a detractor with a clearly
positive one; mixed, mild or unscored comments are never flagged."""

from __future__ import annotations

import pytest

from feedback import mismatch
from feedback.mismatch import (
    CLEARLY_NEGATIVE_AT_MOST,
    CLEARLY_POSITIVE_AT_LEAST,
    MAX_OPPOSING_SHARE,
    check,
)
from feedback.sentiment import analyze


@pytest.mark.parametrize(
    ("category", "polarity", "contributions", "flag"),
    [
        # promoters
        ("promoter", -0.80, [-0.5, -0.3], True),
        ("promoter", CLEARLY_NEGATIVE_AT_MOST, [-0.5], True),  # the bar itself counts
        ("promoter", CLEARLY_NEGATIVE_AT_MOST + 0.01, [-0.49], False),  # just above: not clear
        ("promoter", -0.3, [-0.3], False),  # mildly negative
        ("promoter", 0.8, [0.8], False),  # agrees with the score
        ("promoter", -0.7, [-0.5, 0.3], False),  # mixed: 0.3 of 0.8 pulls the other way
        ("promoter", -0.7, [-0.8, 0.2], False),  # 0.2 of 1.0 against: praise, not a misread
        ("promoter", -0.7, [-0.95, 0.05], True),  # 0.05 of 1.0 against: within the share
        ("promoter", -0.7, [], True),  # no drivers given: polarity alone decides
        # detractors
        ("detractor", 0.75, [0.4, 0.35], True),
        ("detractor", CLEARLY_POSITIVE_AT_LEAST, [0.6], True),
        ("detractor", CLEARLY_POSITIVE_AT_LEAST - 0.01, [0.59], False),
        ("detractor", 0.39, [0.39], False),  # "ok" / "not bad" is not clearly positive
        ("detractor", -0.9, [-0.9], False),  # agrees
        ("detractor", 0.7, [0.6, -0.4], False),  # mixed
        # neither end of the scale, or nothing to compare
        ("passive", -0.9, [-0.9], False),
        ("passive", 0.9, [0.9], False),
        ("easy", -0.9, [-0.9], False),  # effort scale: not a promoter/detractor question
        ("difficult", 0.9, [0.9], False),
        (None, -0.9, [-0.9], False),
        ("promoter", None, [], False),  # non-English comment: no score, no flag
        ("detractor", None, [], False),
    ],
)
def test_mismatch_table(category, polarity, contributions, flag):
    result = check(category, 9, polarity, contributions)
    assert result.flag is flag
    assert (result.reason is not None) is flag


def test_reason_names_the_score_and_the_direction():
    promoter = check("promoter", 10, -0.82, [-0.82])
    assert "Promoter score (10)" in promoter.reason and "negative" in promoter.reason
    detractor = check("detractor", 1, 0.7, [0.7])
    assert "Detractor score (1)" in detractor.reason and "positive" in detractor.reason


def test_thresholds_are_sane():
    assert -1 < CLEARLY_NEGATIVE_AT_MOST < 0 < CLEARLY_POSITIVE_AT_LEAST < 1
    assert 0 < MAX_OPPOSING_SHARE < 0.5
    assert mismatch.NO_MISMATCH.flag is False


@pytest.mark.parametrize(
    ("category", "comment", "flag"),
    [
        ("promoter", "Terrible, waste of money, and the app crashes constantly.", True),
        ("promoter", "Billing is a nightmare and the app crashes constantly.", True),
        ("promoter", "Great product but support is awful", False),  # a complaint, not a misread
        ("promoter", "Love it, works great", False),
        ("detractor", "Love it! Amazing product, works great, no problems.", True),
        ("detractor", "ok", False),
        ("detractor", "not bad", False),
        ("detractor", "It is okay I guess, could be better", False),
        ("detractor", "Stopped working after the update and nobody answers", False),
    ],
)
def test_with_the_sentiment_module(category, comment, flag):
    result = analyze(comment)
    got = check(category, 5, result.polarity, [d.contribution for d in result.drivers])
    assert got.flag is flag, (comment, result.polarity, result.drivers)
