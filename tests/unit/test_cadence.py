"""When contacts are due: even spread over the period, stable waves, milestones, renewals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.cadence import (
    FIRST_WAVE_GRACE_DAYS,
    is_due,
    offset_days,
    onboarding_due,
    renewal_due,
    wave_key,
    wave_start,
)

PROGRAM = 7
PERIOD = 90
DAY0 = date(2026, 3, 9)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def slot(contact_id: int, day: date = DAY0) -> date:
    return wave_start(PROGRAM, contact_id, PERIOD, day)


# ---------------------------------------------------------------- spread


def test_ten_thousand_contacts_spread_evenly_over_the_days_of_a_period():
    day_before = DAY0 - timedelta(days=1)
    per_day = Counter(
        (wave_start(PROGRAM, contact, PERIOD, day_before) + timedelta(PERIOD) - DAY0).days  # 0 … 89
        for contact in range(1, 10_001)
    )
    assert sorted(per_day) == list(range(PERIOD))
    mean = 10_000 / PERIOD
    assert all(0.8 * mean <= count <= 1.2 * mean for count in per_day.values()), per_day


@pytest.mark.parametrize("program_id", [1, 2, 99, 123_456])
def test_every_program_spreads_its_contacts_evenly(program_id):
    per_day = Counter(offset_days(program_id, c, PERIOD) for c in range(1, 10_001))
    mean = 10_000 / PERIOD
    assert len(per_day) == PERIOD
    assert all(0.8 * mean <= n <= 1.2 * mean for n in per_day.values())


def test_scattered_or_text_ids_spread_evenly_by_week():
    ids = [f"contact-{n:05d}" for n in range(10_000)] + list(
        range(10**9, 10**9 + 7_919 * 10_000, 7_919)
    )
    per_week = Counter(offset_days(PROGRAM, c, 91) // 7 for c in ids)
    mean = len(ids) / 13
    assert all(0.8 * mean <= n <= 1.2 * mean for n in per_week.values())


def test_a_contact_has_different_days_in_different_programs():
    days = {offset_days(program, 42, PERIOD) for program in range(1, 11)}
    assert len(days) >= 8


def test_offsets_are_stable_and_in_range():
    for contact in range(500):
        offset = offset_days(PROGRAM, contact, PERIOD)
        assert 0 <= offset < PERIOD
        assert offset == offset_days(PROGRAM, contact, PERIOD)
    assert offset_days(PROGRAM, 1, 1) == 0


def test_steady_state_simulation_sends_evenly_once_per_wave():
    """Run the daily job for two periods over 2,000 new contacts and count what goes out."""
    last: dict[int, datetime] = {}
    sends: dict[int, list[date]] = {c: [] for c in range(1, 2_001)}
    per_day: Counter[int] = Counter()
    for n in range(2 * PERIOD):
        now = at(DAY0 + timedelta(days=n), 10)
        for contact in sends:
            if is_due(contact, PROGRAM, PERIOD, last.get(contact), now):
                key = wave_key(PROGRAM, contact, PERIOD, now)
                assert key not in {
                    wave_key(PROGRAM, contact, PERIOD, at(d)) for d in sends[contact]
                }
                last[contact] = now
                sends[contact].append(now.date())
                per_day[n] += 1
    for days in sends.values():
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        assert len(days) in (2, 3)
        # a contact caught up in the grace days on day one is next asked at their own slot
        assert PERIOD - FIRST_WAVE_GRACE_DAYS < gaps[0] <= PERIOD
        assert all(gap == PERIOD for gap in gaps[1:])
    mean = 2_000 / PERIOD
    # Day one also asks those whose slot fell in the grace days just before: a bounded bump.
    assert per_day[0] <= (FIRST_WAVE_GRACE_DAYS + 1.2) * mean
    assert all(0.8 * mean <= per_day[n] <= 1.2 * mean for n in range(1, 2 * PERIOD))


# ---------------------------------------------------------------- waves


def test_wave_key_is_stable_within_a_wave_and_changes_at_its_end():
    start = slot(42)
    key = wave_key(PROGRAM, 42, PERIOD, start)
    assert key == f"{start.isoformat()}/90d"
    for n in range(PERIOD):
        assert wave_key(PROGRAM, 42, PERIOD, start + timedelta(days=n)) == key
    assert wave_key(PROGRAM, 42, PERIOD, start - timedelta(days=1)) != key
    assert wave_key(PROGRAM, 42, PERIOD, start + timedelta(days=PERIOD)) != key
    assert len(key) <= 80  # fits invitations.wave_key


def test_wave_key_counts_utc_days_whatever_zone_now_carries():
    from zoneinfo import ZoneInfo

    start = slot(42)
    late_evening_before = datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(
        minutes=1
    )
    in_auckland = late_evening_before.astimezone(ZoneInfo("Pacific/Auckland"))  # local: start+1
    assert wave_key(PROGRAM, 42, PERIOD, in_auckland) == wave_key(
        PROGRAM, 42, PERIOD, start - timedelta(days=1)
    )


def test_wave_start_is_never_in_the_future_and_within_a_period():
    for contact in range(200):
        for n in (0, 17, 89, 90, 400):
            today = DAY0 + timedelta(days=n)
            start = wave_start(PROGRAM, contact, PERIOD, today)
            assert start <= today < start + timedelta(days=PERIOD)
            following = start + timedelta(PERIOD)  # the next wave starts a period later
            assert wave_start(PROGRAM, contact, PERIOD, following) == following


S = slot(42)


@pytest.mark.parametrize(
    ("last_invited", "today", "due"),
    [
        # never invited: due in the first grace days of the slot only
        (None, S, True),
        (None, S + timedelta(days=FIRST_WAVE_GRACE_DAYS - 1), True),
        (None, S + timedelta(days=FIRST_WAVE_GRACE_DAYS), False),
        (None, S - timedelta(days=1), False),  # the end of the previous wave
        (None, S + timedelta(days=PERIOD), True),  # the next slot
        # invited in this wave: not again
        (S, S, False),
        (S + timedelta(days=30), S + timedelta(days=60), False),
        # invited at the previous slot: due from this slot, all wave long
        (S - timedelta(days=PERIOD), S, True),
        (S - timedelta(days=PERIOD), S + timedelta(days=40), True),
        (S - timedelta(days=PERIOD), S + timedelta(days=PERIOD - 1), True),
        # a "send now" late in the previous wave: wait half a period
        (S - timedelta(days=10), S, False),
        (S - timedelta(days=10), S + timedelta(days=34), False),
        (S - timedelta(days=10), S + timedelta(days=35), True),
        # invited long ago (a paused program): treated like new, asked at the slot
        (S - timedelta(days=PERIOD + 1), S, True),
        (S - timedelta(days=PERIOD + 1), S + timedelta(days=30), False),
        (S - timedelta(days=400), S + timedelta(days=2), True),
    ],
)
def test_is_due(last_invited, today, due):
    last = at(last_invited, 10) if last_invited else None
    assert is_due(42, PROGRAM, PERIOD, last, at(today)) is due


def test_first_wave_grace_is_adjustable():
    assert not is_due(42, PROGRAM, PERIOD, None, at(S + timedelta(days=2)), first_wave_grace_days=2)
    assert is_due(42, PROGRAM, PERIOD, None, at(S + timedelta(days=1)), first_wave_grace_days=2)


@pytest.mark.parametrize("period", [0, -90, 1.5, None, True])
def test_period_must_be_whole_positive_days(period):
    with pytest.raises(ValueError, match="period_days"):
        wave_key(PROGRAM, 42, period, DAY0)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_due(42, PROGRAM, PERIOD, None, datetime(2026, 3, 9, 12))


# ---------------------------------------------------------------- onboarding


SIGNUP = date(2026, 1, 1)
MILESTONES = [1, 7, 30]


@pytest.mark.parametrize(
    ("age", "invited", "expected"),
    [
        (0, set(), []),
        (1, set(), [1]),
        (6, set(), [1]),
        (7, set(), [7]),  # day 7 has begun: the day-1 check-in is stale
        (7, {1}, [7]),
        (7, {7}, []),
        (14, set(), [7]),  # seven days late is still in grace
        (15, set(), []),
        (29, set(), []),
        (30, set(), [30]),
        (37, set(), [30]),
        (38, set(), []),
        (400, set(), []),
        (3, {1}, []),
        (-5, set(), []),  # signed up in the future (bad clock or data)
    ],
)
def test_onboarding_due(age, invited, expected):
    today = SIGNUP + timedelta(days=age)
    assert onboarding_due(SIGNUP, MILESTONES, invited, today) == expected


@pytest.mark.parametrize(
    ("milestones", "age", "grace", "expected"),
    [
        ([30, 7, 7, 1], 8, 7, [7]),  # unsorted, duplicated
        ([0], 0, 7, [0]),  # a welcome check-in on the sign-up day
        ([7], 7, 0, [7]),
        ([7], 8, 0, []),
        ([7, 8], 7, 7, [7]),
        ([7, 8], 8, 7, [8]),
        ([], 7, 7, []),
    ],
)
def test_onboarding_due_variants(milestones, age, grace, expected):
    today = SIGNUP + timedelta(days=age)
    assert onboarding_due(SIGNUP, milestones, set(), today, grace_days=grace) == expected


def test_onboarding_refuses_negative_milestones():
    with pytest.raises(ValueError, match="cannot be negative"):
        onboarding_due(SIGNUP, [-1, 7], set(), SIGNUP)


# ---------------------------------------------------------------- renewal


RENEWAL = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("today", "days_before", "grace", "due"),
    [
        (date(2026, 5, 30), 30, None, False),
        (date(2026, 5, 31), 30, None, True),  # 30 days before
        (date(2026, 6, 29), 30, None, True),  # still worth asking the day before
        (date(2026, 6, 30), 30, None, False),  # decided by now
        (date(2026, 7, 1), 30, None, False),
        (date(2026, 6, 7), 30, 7, True),
        (date(2026, 6, 8), 30, 7, False),
        (date(2026, 6, 30), 0, None, False),
        (date(2026, 6, 29), 1, None, True),
    ],
)
def test_renewal_due(today, days_before, grace, due):
    assert renewal_due(RENEWAL, days_before, today, grace_days=grace) is due


def test_renewal_refuses_negative_lead_time():
    with pytest.raises(ValueError, match="days_before"):
        renewal_due(RENEWAL, -1, RENEWAL)
