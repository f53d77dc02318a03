"""Cadence as tables and simulations: stable waves, once per wave, an even spread over the
period, onboarding milestones with grace and supersession, and the pre-renewal check."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback import cadence

PERIOD = 90
PROGRAM = 3


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# ---------------------------------------------------------------- waves


def test_wave_key_is_the_same_all_through_a_wave_and_changes_after():
    contact = 1234
    start = cadence.wave_start(PROGRAM, contact, PERIOD, date(2026, 3, 10))
    key = cadence.wave_key(PROGRAM, contact, PERIOD, start)
    assert key == f"{start.isoformat()}/{PERIOD}d"
    for offset in range(PERIOD):
        moment = datetime.combine(start + timedelta(days=offset), datetime.min.time(), UTC)
        assert cadence.wave_key(PROGRAM, contact, PERIOD, moment + timedelta(hours=23)) == key
    after = start + timedelta(days=PERIOD)
    assert cadence.wave_key(PROGRAM, contact, PERIOD, after) == f"{after.isoformat()}/{PERIOD}d"
    assert cadence.wave_key(PROGRAM, contact, PERIOD, start - timedelta(days=1)) != key


def test_waves_are_stable_across_runs_and_differ_between_programs():
    keys = [cadence.wave_key(PROGRAM, c, PERIOD, date(2026, 3, 10)) for c in range(1, 200)]
    assert keys == [cadence.wave_key(PROGRAM, c, PERIOD, date(2026, 3, 10)) for c in range(1, 200)]
    other = [cadence.wave_key(PROGRAM + 1, c, PERIOD, date(2026, 3, 10)) for c in range(1, 200)]
    assert sum(a != b for a, b in zip(keys, other, strict=True)) > 150


def test_a_zone_aware_moment_is_counted_in_utc_and_naive_is_refused():
    from zoneinfo import ZoneInfo

    late_in_auckland = datetime(2026, 3, 11, 9, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert cadence.wave_key(PROGRAM, 5, PERIOD, late_in_auckland) == cadence.wave_key(
        PROGRAM, 5, PERIOD, date(2026, 3, 10)
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        cadence.wave_key(PROGRAM, 5, PERIOD, datetime(2026, 3, 10, 12))


@pytest.mark.parametrize("period", [0, -1, 1.5, True])
def test_a_period_must_be_whole_days(period):
    with pytest.raises(ValueError):
        cadence.offset_days(PROGRAM, 1, period)


def simulate(contacts: range, days: int, start: date) -> dict[int, list[date]]:
    """Run the daily job: invite everyone due, remember when."""
    invited: dict[int, list[date]] = {c: [] for c in contacts}
    for n in range(days):
        today = start + timedelta(days=n)
        for contact in contacts:
            last = invited[contact][-1] if invited[contact] else None
            if cadence.is_due(contact, PROGRAM, PERIOD, last and noon(last), noon(today)):
                invited[contact].append(today)
    return invited


def test_is_due_once_per_wave_every_period():
    invited = simulate(range(1, 301), 3 * PERIOD + 10, date(2026, 1, 5))
    for contact, days in invited.items():
        waves = [cadence.wave_key(PROGRAM, contact, PERIOD, d) for d in days]
        assert len(waves) == len(set(waves)), contact  # never twice in a wave
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        # the first may be a catch-up late in the slot's grace; after it, one period apart
        assert PERIOD - cadence.FIRST_WAVE_GRACE_DAYS < gaps[0] <= PERIOD, (contact, days)
        assert set(gaps[1:]) <= {PERIOD}, (contact, days)
        assert len(days) >= 3


def test_a_contact_who_had_to_wait_stays_due_through_the_wave():
    contact = 77
    start = cadence.wave_start(PROGRAM, contact, PERIOD, date(2026, 6, 1))
    last = noon(start - timedelta(days=PERIOD))  # invited in the previous wave
    for offset in range(PERIOD):
        assert cadence.is_due(contact, PROGRAM, PERIOD, last, noon(start + timedelta(offset)))
    # but never when invited within half a period (an admin's send-now late last wave)
    recent = noon(start - timedelta(days=10))
    assert not cadence.is_due(contact, PROGRAM, PERIOD, recent, noon(start))


def test_a_new_contact_is_due_only_in_the_first_days_of_their_slot():
    contact = 78
    start = cadence.wave_start(PROGRAM, contact, PERIOD, date(2026, 6, 1))
    due = [cadence.is_due(contact, PROGRAM, PERIOD, None, noon(start + timedelta(d)))
           for d in range(PERIOD)]  # fmt: skip
    assert due == [d < cadence.FIRST_WAVE_GRACE_DAYS for d in range(PERIOD)]


def test_ten_thousand_contacts_spread_evenly_over_the_period():
    contacts = range(1, 10_001)
    per_day = Counter(cadence.offset_days(PROGRAM, c, PERIOD) for c in contacts)
    expected = len(contacts) / PERIOD
    assert set(per_day) == set(range(PERIOD))
    assert all(0.8 * expected <= n <= 1.2 * expected for n in per_day.values()), per_day
    # the same through is_due in steady state: everyone invited last period, one day at a time
    first = date(2026, 4, 6)
    sends: Counter[date] = Counter()
    for contact in contacts:
        start = cadence.wave_start(PROGRAM, contact, PERIOD, first)
        if start < first:
            start += timedelta(days=PERIOD)
        last = noon(start - timedelta(days=PERIOD))
        assert cadence.is_due(contact, PROGRAM, PERIOD, last, noon(start))
        assert not cadence.is_due(contact, PROGRAM, PERIOD, last, noon(start - timedelta(1)))
        sends[start] += 1
    assert len(sends) == PERIOD
    assert all(0.8 * expected <= n <= 1.2 * expected for n in sends.values()), sends


# ---------------------------------------------------------------- onboarding milestones

SIGNED_UP = date(2026, 2, 2)
MILESTONES = [7, 30, 90]

ONBOARDING_CASES = [
    # age in days, invited milestones, grace, due
    (0, set(), 7, []),
    (6, set(), 7, []),
    (7, set(), 7, [7]),
    (14, set(), 7, [7]),  # last day of grace
    (15, set(), 7, []),  # too late: a week-one check-in in week three is stale
    (8, {7}, 7, []),  # already asked
    (29, set(), 30, [7]),  # a long grace still ends when the next milestone begins
    (30, set(), 30, [30]),  # superseded by day 30
    (30, {7}, 7, [30]),
    (37, {7, 30}, 7, []),
    (90, {7, 30}, 7, [90]),
    (97, set(), 7, [90]),  # the last milestone has only its grace
    (98, set(), 7, []),
]


@pytest.mark.parametrize(("age", "invited", "grace", "due"), ONBOARDING_CASES)
def test_onboarding_due(age, invited, grace, due):
    today = SIGNED_UP + timedelta(days=age)
    assert cadence.onboarding_due(SIGNED_UP, MILESTONES, invited, today, grace) == due


def test_onboarding_milestones_in_any_order_and_a_datetime_today():
    today = noon(SIGNED_UP + timedelta(days=30))
    assert cadence.onboarding_due(SIGNED_UP, [90, 30, 7, 30], set(), today) == [30]


def test_negative_milestones_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        cadence.onboarding_due(SIGNED_UP, [-1, 7], set(), SIGNED_UP)


# ---------------------------------------------------------------- renewal

RENEWAL = date(2026, 6, 30)
RENEWAL_CASES = [
    # today, days before, grace, due
    (date(2026, 4, 30), 60, None, False),
    (date(2026, 5, 1), 60, None, True),
    (date(2026, 6, 29), 60, None, True),
    (date(2026, 6, 30), 60, None, False),  # renewal day: decided already
    (date(2026, 7, 15), 60, None, False),
    (date(2026, 5, 8), 60, 7, True),
    (date(2026, 5, 9), 60, 7, False),
    (date(2026, 6, 30), 0, None, False),
]


@pytest.mark.parametrize(("today", "before", "grace", "due"), RENEWAL_CASES)
def test_renewal_due(today, before, grace, due):
    assert cadence.renewal_due(RENEWAL, before, today, grace_days=grace) is due


def test_renewal_days_before_cannot_be_negative():
    with pytest.raises(ValueError):
        cadence.renewal_due(RENEWAL, -1, RENEWAL)
