"""What counts as a promoter: the one place that turns a score into a category.

Pages, API, statistics and playbooks all ask this module, so a change of threshold is a change
here and nowhere else.

NPS (0–10): promoter 9–10, passive 7–8, detractor 0–6. Onboarding effort (1–7, Customer
Effort Score, 7 = very easy): easy 6–7, neutral 4–5, difficult 1–3. Onboarding outcome
closeness (0–10, 10 = already there): on track 8–10, partway 5–7, off track 0–4; these are
not NPS categories, so an onboarding answer never counts as a promoter or a detractor.
"""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    """str-valued so it can be stored, compared with 'promoter' and sent as JSON unchanged."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"
    EASY = "easy"
    NEUTRAL = "neutral"
    DIFFICULT = "difficult"
    ON_TRACK = "on_track"
    PARTWAY = "partway"
    OFF_TRACK = "off_track"


NPS_MIN, NPS_MAX = 0, 10
PROMOTER_MIN = 9
PASSIVE_MIN = 7

EFFORT_MIN, EFFORT_MAX = 1, 7
EFFORT_EASY_MIN = 6
EFFORT_NEUTRAL_MIN = 4

CLOSENESS_MIN, CLOSENESS_MAX = 0, 10
ON_TRACK_MIN = 8
PARTWAY_MIN = 5


def _whole(score: object, low: int, high: int, scale: str) -> int:
    """Reject anything but a whole number in range: a 3.5 or a True is a bug upstream, not a
    score, and guessing would put it silently into the wrong category."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(
            f"{scale} score must be a whole number from {low} to {high}, not {score!r}"
        )
    if not low <= score <= high:
        raise ValueError(f"{scale} score must be from {low} to {high}, not {score}")
    return score


def classify_nps(score: int) -> Category:
    """Promoter, passive or detractor for a 0–10 answer; ValueError for anything else."""
    score = _whole(score, NPS_MIN, NPS_MAX, "NPS")
    if score >= PROMOTER_MIN:
        return Category.PROMOTER
    if score >= PASSIVE_MIN:
        return Category.PASSIVE
    return Category.DETRACTOR


def classify_effort(score: int) -> Category:
    """Easy, neutral or difficult for a 1–7 effort answer; ValueError for anything else."""
    score = _whole(score, EFFORT_MIN, EFFORT_MAX, "Effort")
    if score >= EFFORT_EASY_MIN:
        return Category.EASY
    if score >= EFFORT_NEUTRAL_MIN:
        return Category.NEUTRAL
    return Category.DIFFICULT


def classify_closeness(score: int) -> Category:
    """On track, partway or off track for a 0–10 "how close are you" answer."""
    score = _whole(score, CLOSENESS_MIN, CLOSENESS_MAX, "Closeness")
    if score >= ON_TRACK_MIN:
        return Category.ON_TRACK
    if score >= PARTWAY_MIN:
        return Category.PARTWAY
    return Category.OFF_TRACK
