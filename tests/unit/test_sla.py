"""Business-hours SLA clocks: weekends skipped, counted in the team's zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback import sla

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(tz, *args):
    return datetime(*args, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "hours", "tz", "due"),
    [
        # Monday 10:00 + 2 business days (16 h) → Wednesday 10:00
        (local(BERLIN, 2026, 3, 2, 10), 16, "Europe/Berlin", local(BERLIN, 2026, 3, 4, 10)),
        # Friday 16:00 + 16 h → Tuesday 16:00 (the weekend does not count)
        (local(BERLIN, 2026, 3, 6, 16), 16, "Europe/Berlin", local(BERLIN, 2026, 3, 10, 16)),
        # Saturday → counting starts Monday 9:00
        (local(BERLIN, 2026, 3, 7, 12), 8, "Europe/Berlin", local(BERLIN, 2026, 3, 9, 17)),
        # Before opening: Tuesday 6:00 + 1 h → Tuesday 10:00
        (local(BERLIN, 2026, 3, 3, 6), 1, "Europe/Berlin", local(BERLIN, 2026, 3, 3, 10)),
        # After closing: Tuesday 18:00 + 1 h → Wednesday 10:00
        (local(BERLIN, 2026, 3, 3, 18), 1, "Europe/Berlin", local(BERLIN, 2026, 3, 4, 10)),
        # Ending exactly at closing time stays on that day
        (local(BERLIN, 2026, 3, 3, 9), 8, "Europe/Berlin", local(BERLIN, 2026, 3, 3, 17)),
        # 7 business days from Wednesday → the Friday after next
        (local(NEW_YORK, 2026, 3, 4, 9), 56, "America/New_York", local(NEW_YORK, 2026, 3, 12, 17)),
    ],
)
def test_due_times(start, hours, tz, due):
    assert sla.due_at(start, hours, tz) == due


def test_across_the_spring_dst_change_the_wall_clock_decides():
    # Europe moves its clocks on Sunday 29 March 2026: Friday 16:00 CET + 2 h is Monday
    # 10:00 CEST, which is 08:00 UTC (not 09:00 as before the change).
    start = local(BERLIN, 2026, 3, 27, 16)
    due = sla.due_at(start, 2, "Europe/Berlin")
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_across_the_autumn_dst_change_in_new_york():
    start = local(NEW_YORK, 2026, 10, 30, 12)  # Friday; clocks go back Sunday 1 November
    due = sla.due_at(start, 8, "America/New_York")
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 11, 2, 12)
    assert due == datetime(2026, 11, 2, 17, tzinfo=UTC)


def test_the_same_instant_is_due_at_different_times_in_different_zones():
    start = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday: 16:00 Berlin, 10:00 New York
    assert sla.due_at(start, 2, "Europe/Berlin") == local(BERLIN, 2026, 3, 9, 10)
    assert sla.due_at(start, 2, "America/New_York") == local(NEW_YORK, 2026, 3, 6, 12)


def test_escalation_is_at_twice_the_sla_and_state_follows():
    created = local(BERLIN, 2026, 3, 2, 9)  # Monday 9:00
    assert sla.due_at(created, 16, "Europe/Berlin") == local(BERLIN, 2026, 3, 3, 17)
    assert sla.escalate_at(created, 16, "Europe/Berlin") == local(BERLIN, 2026, 3, 5, 17)
    assert sla.state(created, 16, "Europe/Berlin", local(BERLIN, 2026, 3, 3, 16)) == sla.ON_TIME
    minute = timedelta(minutes=1)
    # At the deadline a task is due, not yet late (task_states.is_overdue); a minute after, late.
    assert sla.state(created, 16, "Europe/Berlin", local(BERLIN, 2026, 3, 3, 17)) == sla.ON_TIME
    assert (
        sla.state(created, 16, "Europe/Berlin", local(BERLIN, 2026, 3, 3, 17) + minute)
        == sla.OVERDUE
    )
    assert sla.state(created, 16, "Europe/Berlin", local(BERLIN, 2026, 3, 5, 17)) == sla.OVERDUE
    assert (
        sla.state(created, 16, "Europe/Berlin", local(BERLIN, 2026, 3, 5, 17) + minute)
        == sla.ESCALATE
    )


def test_business_hours_between_skips_nights_and_weekends():
    start, end = local(BERLIN, 2026, 3, 6, 16), local(BERLIN, 2026, 3, 9, 10)
    assert sla.business_hours_between(start, end, "Europe/Berlin") == pytest.approx(2)
    assert sla.business_hours_between(end, start, "Europe/Berlin") == 0


def test_unknown_zones_fall_back_to_utc_and_naive_times_are_refused():
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert sla.due_at(start, 1, "Mars/Olympus") == datetime(2026, 3, 2, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        sla.due_at(datetime(2026, 3, 2, 9), 1, "UTC")
    with pytest.raises(ValueError):
        sla.add_business_hours(start, -1, "UTC")


def test_local_day_bounds():
    start, end = sla.local_day_bounds(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "Europe/Berlin")
    assert start == local(BERLIN, 2026, 3, 3, 0) and end == local(BERLIN, 2026, 3, 4, 0)
