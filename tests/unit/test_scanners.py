"""Scanner hits never count; a person's click does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.scanners import Hit, burst_victims, judge

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _judge(**kw):
    args = {"score": 9, "at": NOW, "user_agent": PHONE, "headers": {},
            "delivered_at": NOW - timedelta(hours=2), "recent_hits": []}  # fmt: skip
    args.update(kw)
    return judge(**args)


def test_a_person_on_a_phone_counts():
    assert _judge().human


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Barracuda Sentinel)",
        "Mozilla/4.0 (compatible; ms-office; MSOffice 16)",
        "python-requests/2.31",
        "curl/8.4.0",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0",
        "Mozilla/5.0 (compatible; BingPreview/1.0b)",
        "",
        None,
    ],
)
def test_scanner_agents_do_not_count(agent):
    verdict = _judge(user_agent=agent)
    assert not verdict.human and verdict.reason


@pytest.mark.parametrize(
    "headers",
    [{"Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"X-Moz": "prefetch"}],
)
def test_prefetch_headers_do_not_count(headers):
    assert not _judge(headers=headers).human


def test_hits_within_seconds_of_delivery_do_not_count():
    assert not _judge(delivered_at=NOW - timedelta(seconds=5)).human
    assert _judge(delivered_at=NOW - timedelta(seconds=90)).human
    assert _judge(delivered_at=None).human


def test_a_burst_of_different_scores_does_not_count():
    recent = [Hit(0, NOW - timedelta(seconds=2), True), Hit(1, NOW - timedelta(seconds=1), False)]
    verdict = _judge(score=2, recent_hits=recent)
    assert not verdict.human and "burst" in verdict.reason
    assert burst_victims(2, NOW, recent) == [recent[0]]


def test_the_same_score_again_is_a_double_click_not_a_burst():
    assert _judge(score=9, recent_hits=[Hit(9, NOW - timedelta(seconds=1), True)]).human


def test_a_changed_mind_minutes_later_counts():
    assert _judge(score=6, recent_hits=[Hit(9, NOW - timedelta(minutes=3), True)]).human
