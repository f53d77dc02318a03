"""SLA clocks in business hours: the owner's team's working days and hours, in its zone.

A team's hours (BusinessHours) default to Monday to Friday, 9:00 to 17:00; a team in Tel Aviv
may work Sunday to Thursday, 8:00 to 16:00. A task created Friday at 16:00 in Berlin with a
2-business-day SLA (16 hours of a 9–17 day) is due Tuesday at 16:00 Berlin time, whatever the
UTC offset did over the weekend. A business day is the owning team's working day (Term). At
1× its SLA a task is overdue; at 2× it escalates. Pure: aware datetimes, zone names and hours
in, UTC datetimes out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedback import task_states

DAY_START = time(9, 0)
DAY_END = time(17, 0)
WORKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
ESCALATE_FACTOR = 2
MAX_DAYS = 3660  # a guard against a loop that never ends (an SLA of ten years)

ON_TIME, OVERDUE, ESCALATE = "on_time", "overdue", "escalate"

# Weekday names as stored and sent by the API, Monday first (datetime.weekday()'s order).
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class HoursError(ValueError):
    """Business hours a team cannot work by; `field` names what to fix (days, start, end)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class BusinessHours:
    """When a team works: the same opening and closing wall-clock time on each working day.

    Hours never cross midnight (end after start), and a team works on at least one day, so
    every SLA clock ends.
    """

    days: frozenset[int] = field(default=WORKDAYS)
    start: time = DAY_START
    end: time = DAY_END

    def __post_init__(self) -> None:
        if not self.days:
            raise HoursError("days", "Choose at least one working day.")
        if not set(self.days) <= set(range(7)):
            raise HoursError("days", "Working days are weekdays 0 (Monday) to 6 (Sunday).")
        if self.end <= self.start:
            raise HoursError("end", "The day must end after it starts.")

    @property
    def hours_per_day(self) -> float:
        """The length of one working day in hours (what a business day of SLA is worth)."""
        return (_minutes(self.end) - _minutes(self.start)) / 60

    @property
    def day_names(self) -> list[str]:
        return [DAY_NAMES[d] for d in sorted(self.days)]

    def works_on(self, day: date) -> bool:
        return day.weekday() in self.days

    def describe(self) -> str:
        """'Mon–Fri 09:00–17:00', for pages and emails."""
        return f"{_day_ranges(sorted(self.days))} {self.start:%H:%M}–{self.end:%H:%M}"


STANDARD = BusinessHours()


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _day_ranges(days: list[int]) -> str:
    """[0..4] → 'Mon–Fri'; [0, 2, 4] → 'Mon, Wed, Fri'; [6, 0, 1, 2, 3] → 'Sun–Thu'."""
    if len(days) == 7:
        return "Mon–Sun"
    # Start at a day whose eve is off, so a run across the week's end (Sun–Thu) stays whole.
    first = next(d for d in days if (d - 1) % 7 not in days)
    runs: list[list[int]] = []
    for d in sorted(days, key=lambda d: (d - first) % 7):
        if runs and (runs[-1][-1] + 1) % 7 == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        names = [DAY_NAMES[d].title() for d in run]
        parts.append(f"{names[0]}–{names[-1]}" if len(run) > 2 else ", ".join(names))
    return ", ".join(parts)


def parse_time(value: str | time, field_name: str) -> time:
    """'08:00' (or a time) as a time on the minute; HoursError naming the field otherwise."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        parsed = time.fromisoformat(str(value).strip())
    except ValueError:
        raise HoursError(field_name, f"{value!r} is not a time like 09:00.") from None
    if parsed.second or parsed.microsecond or parsed.tzinfo is not None:
        raise HoursError(field_name, f"{value!r} is not a time like 09:00.")
    return parsed


def parse_days(value: Iterable[str | int] | str) -> frozenset[int]:
    """Day names ('mon', 'Tuesday'), numbers 0–6 or 'mon,tue' text as weekday numbers."""
    items = value.split(",") if isinstance(value, str) else list(value)
    days: set[int] = set()
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            days.add(item)
            continue
        word = str(item).strip().lower()
        if not word:
            continue
        if word in DAY_NAMES:
            days.add(DAY_NAMES.index(word))
        elif word in _FULL_NAMES:
            days.add(_FULL_NAMES.index(word))
        else:
            raise HoursError("days", f"{item!r} is not a day of the week (mon … sun).")
    if not days:
        raise HoursError("days", "Choose at least one working day.")
    return frozenset(days)


def hours_from(
    days: Iterable[str | int] | str, start: str | time, end: str | time
) -> BusinessHours:
    """BusinessHours from what a person or machine sends; HoursError names the bad field."""
    return BusinessHours(parse_days(days), parse_time(start, "start"), parse_time(end, "end"))


def zone(name: str | tzinfo | None) -> tzinfo:
    """The zone of a name; UTC for None or a name this machine does not know."""
    if isinstance(name, tzinfo):
        return name
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime (UTC)")
    return value


def _window(day: date, tz: tzinfo, hours: BusinessHours) -> tuple[datetime, datetime]:
    """The day's business hours as UTC instants (the wall clock decides, so DST is honoured)."""
    start = datetime.combine(day, hours.start, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day, hours.end, tzinfo=tz).astimezone(UTC)
    return start, end


def add_business_hours(
    start: datetime,
    hours: float,
    tz: str | tzinfo | None,
    business: BusinessHours = STANDARD,
) -> datetime:
    """The UTC instant `hours` business hours after `start` (counting begins at the next
    opening when `start` falls outside business hours)."""
    start = _aware(start).astimezone(UTC)
    if hours < 0:
        raise ValueError("hours must not be negative")
    zone_ = zone(tz)
    remaining = timedelta(hours=hours)
    day = start.astimezone(zone_).date()
    for _ in range(MAX_DAYS):
        if business.works_on(day):
            opens, closes = _window(day, zone_, business)
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("the SLA is too long to count in business hours")


def business_hours_between(
    start: datetime, end: datetime, tz: str | tzinfo | None, business: BusinessHours = STANDARD
) -> float:
    """Business hours elapsed from `start` to `end` (0 when end is not after start)."""
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    if end <= start:
        return 0.0
    zone_ = zone(tz)
    total = timedelta()
    day = start.astimezone(zone_).date()
    last = end.astimezone(zone_).date()
    while day <= last:
        if business.works_on(day):
            opens, closes = _window(day, zone_, business)
            begin, finish = max(opens, start), min(closes, end)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def due_at(
    created_at: datetime,
    sla_hours: float,
    tz: str | tzinfo | None,
    business: BusinessHours = STANDARD,
) -> datetime:
    """When the task becomes overdue (1× its SLA)."""
    return add_business_hours(created_at, sla_hours, tz, business)


def escalate_at(
    created_at: datetime,
    sla_hours: float,
    tz: str | tzinfo | None,
    business: BusinessHours = STANDARD,
) -> datetime:
    """When the task escalates to the department head (2× its SLA)."""
    return add_business_hours(created_at, ESCALATE_FACTOR * sla_hours, tz, business)


def state(
    created_at: datetime,
    sla_hours: float,
    tz: str | tzinfo | None,
    now: datetime,
    business: BusinessHours = STANDARD,
) -> str:
    """on_time, overdue (past 1×) or escalate (past 2×), by task_states.is_overdue's rule."""
    if task_states.is_overdue(escalate_at(created_at, sla_hours, tz, business), now):
        return ESCALATE
    if task_states.is_overdue(due_at(created_at, sla_hours, tz, business), now):
        return OVERDUE
    return ON_TIME


DAYS, HOURS = "days", "hours"


@dataclass(frozen=True)
class Term:
    """An SLA as a playbook rule states it: so many business days, or so many business hours.

    Days stay days until the task's owning team is known, because a CSM lead reading "2
    business days" expects the task due two of that team's working days later, at the same
    point of the working day. A day is therefore worth the team's own day (end − start): 20
    hours to a team open 8:00–18:00, 12 to a team open 6 hours a day, 16 to the standard 9–17.
    Counting a fixed 8 hours a day would have given the first team 1.6 of its days.
    """

    amount: float
    unit: str = DAYS  # DAYS or HOURS

    def __post_init__(self) -> None:
        if self.unit not in (DAYS, HOURS):
            raise ValueError(f"an SLA is given in {DAYS} or {HOURS}, not {self.unit!r}")
        if self.amount < 0:
            raise ValueError("an SLA must not be negative")

    def hours(self, business: BusinessHours = STANDARD) -> int:
        """The business hours a task owned by a team working `business` gets.

        Whole hours, because a task stores its SLA in an integer column
        (Task.sla_business_hours) and every later clock (escalation at 2×, a reopened task's
        new deadline) counts that one number. Whole days of a team whose day is whole or half
        hours long stay exact in the usual cases (2 days of 7.5 hours is 15); otherwise the
        nearest hour, halves up (1 day of 7.5 hours is 8), and never less than 1 hour, so an
        SLA is never due the instant its task is created.
        """
        exact = self.amount * business.hours_per_day if self.unit == DAYS else self.amount
        return max(1, math.floor(exact + 0.5))

    def describe(self) -> str:
        """'2 business days', '1 business day', '4 business hours', for pages."""
        amount = f"{self.amount:g}"
        noun = "day" if self.unit == DAYS else "hour"
        return f"{amount} business {noun}{'' if self.amount == 1 else 's'}"


def local_day_bounds(now: datetime, tz: str | tzinfo | None) -> tuple[datetime, datetime]:
    """The UTC instants where `now`'s local calendar day starts and ends."""
    zone_ = zone(tz)
    day = _aware(now).astimezone(zone_).date()
    start = datetime.combine(day, time(0), tzinfo=zone_).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone_).astimezone(UTC)
    return start, end
