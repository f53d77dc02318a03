"""Every score on both scales, and the inputs that must never be classified."""

from __future__ import annotations

import json

import pytest

from feedback.classification import Category, classify_effort, classify_nps

NPS_TABLE = [
    (0, Category.DETRACTOR),
    (1, Category.DETRACTOR),
    (2, Category.DETRACTOR),
    (3, Category.DETRACTOR),
    (4, Category.DETRACTOR),
    (5, Category.DETRACTOR),
    (6, Category.DETRACTOR),
    (7, Category.PASSIVE),
    (8, Category.PASSIVE),
    (9, Category.PROMOTER),
    (10, Category.PROMOTER),
]

EFFORT_TABLE = [
    (1, Category.DIFFICULT),
    (2, Category.DIFFICULT),
    (3, Category.DIFFICULT),
    (4, Category.NEUTRAL),
    (5, Category.NEUTRAL),
    (6, Category.EASY),
    (7, Category.EASY),
]

INVALID_ANY = [None, True, False, 3.5, 9.0, "9", [9], float("nan")]


@pytest.mark.parametrize(("score", "expected"), NPS_TABLE)
def test_nps_every_score(score, expected):
    assert classify_nps(score) is expected


@pytest.mark.parametrize(("score", "expected"), EFFORT_TABLE)
def test_effort_every_score(score, expected):
    assert classify_effort(score) is expected


def test_tables_cover_each_scale_exactly():
    assert [s for s, _ in NPS_TABLE] == list(range(0, 11))
    assert [s for s, _ in EFFORT_TABLE] == list(range(1, 8))


@pytest.mark.parametrize("score", [-1, 11, 100, -100, *INVALID_ANY])
def test_nps_invalid(score):
    with pytest.raises(ValueError, match="NPS score must be"):
        classify_nps(score)


@pytest.mark.parametrize("score", [-1, 0, 8, 11, *INVALID_ANY])
def test_effort_invalid(score):
    with pytest.raises(ValueError, match="Effort score must be"):
        classify_effort(score)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (11, "NPS score must be from 0 to 10, not 11"),
        (3.5, "NPS score must be a whole number from 0 to 10, not 3.5"),
        (None, "NPS score must be a whole number from 0 to 10, not None"),
        (True, "NPS score must be a whole number from 0 to 10, not True"),
    ],
)
def test_messages_say_what_is_wrong(score, message):
    with pytest.raises(ValueError) as excinfo:
        classify_nps(score)
    assert str(excinfo.value) == message


def test_categories_are_plain_strings():
    assert classify_nps(10) == "promoter"
    assert str(classify_effort(2)) == "difficult"
    assert json.dumps({"c": classify_nps(7)}) == '{"c": "passive"}'
