"""Retry delays and error classes: tables of cases for feedback.backoff."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from feedback.backoff import (
    DEFAULT_POLICY,
    ErrorKind,
    RetryPolicy,
    classify_status,
    delay,
    gives_up,
    retry_after_seconds,
)

POLICY = RetryPolicy(base=10.0, cap=100.0, floor=1.0, max_attempts=5)


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [
        (1, 0.0, 1.0),  # the floor, never zero
        (1, 1.0, 10.0),  # first window: up to base
        (1, 0.5, 5.5),
        (2, 1.0, 20.0),  # doubles
        (3, 1.0, 40.0),
        (4, 1.0, 80.0),
        (5, 1.0, 100.0),  # capped
        (50, 1.0, 100.0),
        (1000, 0.25, 25.75),  # no overflow, still capped
    ],
)
def test_full_jitter_between_floor_and_capped_exponential(attempt, rand, expected):
    assert delay(attempt, policy=POLICY, rand=lambda: rand) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("attempt", "retry_after", "rand", "expected"),
    [
        (1, 60.0, 0.0, 60.0),  # the provider's wait wins over a shorter backoff
        (1, 60.0, 1.0, 61.0),  # plus up to a second of jitter
        (4, 2.0, 1.0, 80.0),  # a longer backoff wins over a short Retry-After
        (1, 0.0, 0.0, 1.0),  # a reset already passed still waits the floor
        (1, 10_000.0, 0.0, 100.0),  # never longer than the cap
    ],
)
def test_provider_wait_is_a_minimum(attempt, retry_after, rand, expected):
    got = delay(attempt, policy=POLICY, retry_after=retry_after, rand=lambda: rand)
    assert got == pytest.approx(expected)


def test_attempts_count_from_one():
    with pytest.raises(ValueError):
        delay(0)


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, False), (4, False), (5, True), (6, True)]
)  # fmt: skip
def test_gives_up_at_max_attempts(attempts, expected):
    assert gives_up(attempts, POLICY) is expected


def test_default_policy_is_eight_attempts():
    assert DEFAULT_POLICY.max_attempts == 8
    assert gives_up(8) and not gives_up(7)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (None, ErrorKind.TEMPORARY),  # timeout, refused connection
        (408, ErrorKind.TEMPORARY),
        (429, ErrorKind.TEMPORARY),
        (500, ErrorKind.TEMPORARY),
        (502, ErrorKind.TEMPORARY),
        (503, ErrorKind.TEMPORARY),
        (504, ErrorKind.TEMPORARY),
        (400, ErrorKind.PERMANENT),
        (401, ErrorKind.PERMANENT),
        (403, ErrorKind.PERMANENT),
        (413, ErrorKind.PERMANENT),
    ],
)
def test_classify_status(status, kind):
    assert classify_status(status) is kind


@pytest.mark.parametrize("status", [200, 202, 302])
def test_success_is_not_an_error(status):
    with pytest.raises(ValueError):
        classify_status(status)


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (None, None),
        ({}, None),
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"Retry-After": formatdate(NOW + 90, usegmt=True)}, 90.0),
        ({"Retry-After": formatdate(NOW - 90, usegmt=True)}, 0.0),
        ({"X-RateLimit-Reset": str(int(NOW + 12))}, 12.0),
        ({"X-RateLimit-Reset": str(int(NOW - 5))}, 0.0),
        ({"Retry-After": "7", "X-RateLimit-Reset": str(int(NOW + 12))}, 7.0),  # explicit wins
        ({"Retry-After": "soon", "X-RateLimit-Reset": str(int(NOW + 12))}, 12.0),
        ({"X-RateLimit-Reset": "whenever"}, None),
    ],
)
def test_retry_after_seconds(headers, expected):
    got = retry_after_seconds(headers, NOW)
    assert got == (pytest.approx(expected) if expected is not None else None)
