"""Business-hours SLA clocks: weekends skipped, counted in the team's zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
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


# ---------------------------------------------------------------- a team's own business hours

JERUSALEM = ZoneInfo("Asia/Jerusalem")
SUN_THU_8_16 = sla.BusinessHours(frozenset({6, 0, 1, 2, 3}), time(8), time(16))
TEN_TO_SIX = sla.BusinessHours(start=time(10), end=time(18))


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Thursday 5 March 14:00 (UTC+2) + 16 h: Thursday 2 h, Friday and Saturday off,
        # Sunday 8 h, Monday 6 h → Monday 9 March 14:00.
        (local(JERUSALEM, 2026, 3, 5, 14), 16, local(JERUSALEM, 2026, 3, 9, 14)),
        # Friday is a day off: counting starts Sunday 08:00 → Sunday 16:00.
        (local(JERUSALEM, 2026, 3, 6, 10), 8, local(JERUSALEM, 2026, 3, 8, 16)),
        # Sunday before opening: 07:00 + 1 h → Sunday 09:00.
        (local(JERUSALEM, 2026, 3, 8, 7), 1, local(JERUSALEM, 2026, 3, 8, 9)),
        # Thursday after closing: 17:00 + 1 h → Sunday 09:00.
        (local(JERUSALEM, 2026, 3, 5, 17), 1, local(JERUSALEM, 2026, 3, 8, 9)),
        # Ending exactly at closing time stays on that day.
        (local(JERUSALEM, 2026, 3, 9, 8), 8, local(JERUSALEM, 2026, 3, 9, 16)),
    ],
)
def test_due_times_of_a_team_working_sunday_to_thursday_8_to_16(start, hours, due):
    assert sla.due_at(start, hours, "Asia/Jerusalem", SUN_THU_8_16) == due


def test_sunday_to_thursday_hand_computed_in_utc_and_at_twice_the_sla():
    created = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # Thursday 14:00 in Jerusalem (UTC+2)
    assert sla.due_at(created, 16, "Asia/Jerusalem", SUN_THU_8_16) == datetime(
        2026, 3, 9, 12, 0, tzinfo=UTC
    )
    # 32 h: Thursday 2, Sunday 8, Monday 8, Tuesday 8, Wednesday 6 → Wednesday 11 March 14:00.
    assert sla.escalate_at(created, 16, "Asia/Jerusalem", SUN_THU_8_16) == datetime(
        2026, 3, 11, 12, 0, tzinfo=UTC
    )
    # 8 h: Thursday 2, Sunday 6 → Sunday 14:00; the standard Mon–Fri 9–17 clock would count
    # Thursday 3 and Friday 5 → Friday 14:00.
    assert sla.due_at(created, 8, "Asia/Jerusalem", SUN_THU_8_16) == local(
        JERUSALEM, 2026, 3, 8, 14
    )
    assert sla.due_at(created, 8, "Asia/Jerusalem") == local(JERUSALEM, 2026, 3, 6, 14)


def test_sunday_to_thursday_across_israels_spring_clock_change():
    # Israel moves to summer time on Friday 27 March 2026, a day off: Thursday 15:00 (UTC+2)
    # + 2 h is Sunday 09:00 (UTC+3), 06:00 UTC.
    due = sla.due_at(local(JERUSALEM, 2026, 3, 26, 15), 2, "Asia/Jerusalem", SUN_THU_8_16)
    assert due.astimezone(JERUSALEM).replace(tzinfo=None) == datetime(2026, 3, 29, 9)
    assert due == datetime(2026, 3, 29, 6, tzinfo=UTC)


def test_state_and_hours_between_count_the_teams_own_days():
    created = local(JERUSALEM, 2026, 3, 5, 14)  # Thursday
    friday_noon = local(JERUSALEM, 2026, 3, 6, 12)
    monday_late = local(JERUSALEM, 2026, 3, 9, 15)
    # 3 h: Thursday 2, Sunday 1 → due Sunday 09:00. Friday is a day off: the task is not late
    # then, for all the wall-clock hours passed; by the standard clock it would be.
    assert sla.state(created, 3, "Asia/Jerusalem", friday_noon, SUN_THU_8_16) == sla.ON_TIME
    assert sla.state(created, 3, "Asia/Jerusalem", friday_noon) == sla.OVERDUE
    assert sla.state(created, 8, "Asia/Jerusalem", monday_late, SUN_THU_8_16) == sla.ESCALATE
    # Thursday 15:00 to Sunday 10:00: one hour on Thursday, two on Sunday.
    start, end = local(JERUSALEM, 2026, 3, 5, 15), local(JERUSALEM, 2026, 3, 8, 10)
    assert sla.business_hours_between(start, end, JERUSALEM, SUN_THU_8_16) == pytest.approx(3)
    assert sla.business_hours_between(start, end, JERUSALEM) == pytest.approx(10)  # Thu, Fri


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Monday 09:00 is before opening: Monday 10–18 and Tuesday 10–18 → Tuesday 18:00.
        (local(BERLIN, 2026, 3, 2, 9), 16, local(BERLIN, 2026, 3, 3, 18)),
        # Friday 17:30 is still open: half an hour Friday, half an hour Monday → 10:30.
        (local(BERLIN, 2026, 3, 6, 17, 30), 1, local(BERLIN, 2026, 3, 9, 10, 30)),
        # Tuesday 18:00 is closed: Wednesday 10:00 + 1 h.
        (local(BERLIN, 2026, 3, 3, 18), 1, local(BERLIN, 2026, 3, 4, 11)),
    ],
)
def test_due_times_of_a_team_working_ten_to_six(start, hours, due):
    assert sla.due_at(start, hours, "Europe/Berlin", TEN_TO_SIX) == due


def test_the_standard_hours_are_the_default():
    assert sla.STANDARD == sla.BusinessHours(frozenset({0, 1, 2, 3, 4}), time(9), time(17))
    assert sla.STANDARD.hours_per_day == 8 and TEN_TO_SIX.hours_per_day == 8
    start = local(BERLIN, 2026, 3, 6, 16)
    assert sla.due_at(start, 16, "Europe/Berlin", sla.STANDARD) == sla.due_at(
        start, 16, "Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("days", "start", "end", "field"),
    [
        ([], "09:00", "17:00", "days"),
        ("", "09:00", "17:00", "days"),
        (["mon", "someday"], "09:00", "17:00", "days"),
        (["mon"], "17:00", "09:00", "end"),
        (["mon"], "09:00", "09:00", "end"),
        (["mon"], "9 o'clock", "17:00", "start"),
        (["mon"], "09:00", "17:00:30", "end"),
    ],
)
def test_hours_that_cannot_be_worked_by_name_the_field(days, start, end, field):
    with pytest.raises(sla.HoursError) as caught:
        sla.hours_from(days, start, end)
    assert caught.value.field == field


def test_hours_read_from_names_numbers_and_text():
    assert sla.hours_from("sun,mon,tue,wed,thu", "08:00", "16:00") == SUN_THU_8_16
    assert sla.hours_from(["Sunday", "MON", 1, 2, 3], time(8), "16:00") == SUN_THU_8_16
    assert SUN_THU_8_16.day_names == ["mon", "tue", "wed", "thu", "sun"]


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "Mon–Fri 09:00–17:00"),
        ({6, 0, 1, 2, 3}, "Sun–Thu 09:00–17:00"),
        ({0, 2, 4}, "Mon, Wed, Fri 09:00–17:00"),
        ({5, 6}, "Sat, Sun 09:00–17:00"),
        ({0, 1, 2, 3, 4, 5, 6}, "Mon–Sun 09:00–17:00"),
        ({0, 1, 2, 4, 5}, "Mon–Wed, Fri, Sat 09:00–17:00"),
    ],
)
def test_hours_describe_themselves(days, text):
    assert sla.BusinessHours(frozenset(days)).describe() == text


EIGHT_TO_SIX = sla.BusinessHours(start=time(8), end=time(18))  # 10-hour days, Mon–Fri
NINE_TO_THREE = sla.BusinessHours(start=time(9), end=time(15))  # 6-hour days, Mon–Fri
HALF_PAST_FOUR = sla.BusinessHours(start=time(9), end=time(16, 30))  # 7.5-hour days


@pytest.mark.parametrize(
    ("term", "business", "hours"),
    [
        (sla.Term(2, sla.DAYS), sla.STANDARD, 16),
        (sla.Term(2, sla.DAYS), EIGHT_TO_SIX, 20),  # two of its days, not 1.6
        (sla.Term(2, sla.DAYS), NINE_TO_THREE, 12),  # two of its days, not 2.67
        (sla.Term(2, sla.DAYS), HALF_PAST_FOUR, 15),  # exact in whole hours
        (sla.Term(1, sla.DAYS), HALF_PAST_FOUR, 8),  # 7.5: the nearest hour, halves up
        (sla.Term(0.5, sla.DAYS), EIGHT_TO_SIX, 5),
        (sla.Term(0.05, sla.DAYS), sla.STANDARD, 1),  # never due the instant it is created
        (sla.Term(4, sla.HOURS), EIGHT_TO_SIX, 4),  # hours are hours, whatever the day's length
        (sla.Term(4, sla.HOURS), NINE_TO_THREE, 4),
    ],
)
def test_a_business_day_is_a_working_day_of_the_owning_team(term, business, hours):
    assert term.hours(business) == hours


@pytest.mark.parametrize("business", [EIGHT_TO_SIX, NINE_TO_THREE, sla.STANDARD])
def test_two_business_days_from_tuesday_10_are_due_thursday_10(business):
    tuesday_10 = local(BERLIN, 2026, 3, 3, 10)
    hours = sla.Term(2, sla.DAYS).hours(business)
    assert sla.due_at(tuesday_10, hours, BERLIN, business) == local(BERLIN, 2026, 3, 5, 10)


def test_terms_describe_themselves_as_the_rule_gave_them():
    assert sla.Term(2, sla.DAYS).describe() == "2 business days"
    assert sla.Term(1, sla.DAYS).describe() == "1 business day"
    assert sla.Term(0.5, sla.DAYS).describe() == "0.5 business days"
    assert sla.Term(4, sla.HOURS).describe() == "4 business hours"
    with pytest.raises(ValueError):
        sla.Term(2, "weeks")
