"""SLA clocks in business hours: Monday to Friday, 9:00 to 17:00 in the owner's team's zone.

A task created Friday at 16:00 in Berlin with a 2-business-day (16 hour) SLA is due Tuesday at
16:00 Berlin time, whatever the UTC offset did over the weekend. At 1× its SLA a task is
overdue; at 2× it escalates. Pure: aware datetimes and zone names in, UTC datetimes out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedback import task_states

DAY_START = time(9, 0)
DAY_END = time(17, 0)
HOURS_PER_DAY = 8
WORKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
ESCALATE_FACTOR = 2
MAX_DAYS = 3660  # a guard against a loop that never ends (an SLA of ten years)

ON_TIME, OVERDUE, ESCALATE = "on_time", "overdue", "escalate"


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


def _window(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The day's business hours as UTC instants (the wall clock decides, so DST is honoured)."""
    start = datetime.combine(day, DAY_START, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day, DAY_END, tzinfo=tz).astimezone(UTC)
    return start, end


def add_business_hours(start: datetime, hours: float, tz: str | tzinfo | None) -> datetime:
    """The UTC instant `hours` business hours after `start` (counting begins at the next
    opening when `start` falls outside business hours)."""
    start = _aware(start).astimezone(UTC)
    if hours < 0:
        raise ValueError("hours must not be negative")
    zone_ = zone(tz)
    remaining = timedelta(hours=hours)
    day = start.astimezone(zone_).date()
    for _ in range(MAX_DAYS):
        if day.weekday() in WORKDAYS:
            opens, closes = _window(day, zone_)
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("the SLA is too long to count in business hours")


def business_hours_between(start: datetime, end: datetime, tz: str | tzinfo | None) -> float:
    """Business hours elapsed from `start` to `end` (0 when end is not after start)."""
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    if end <= start:
        return 0.0
    zone_ = zone(tz)
    total = timedelta()
    day = start.astimezone(zone_).date()
    last = end.astimezone(zone_).date()
    while day <= last:
        if day.weekday() in WORKDAYS:
            opens, closes = _window(day, zone_)
            begin, finish = max(opens, start), min(closes, end)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def due_at(created_at: datetime, sla_hours: float, tz: str | tzinfo | None) -> datetime:
    """When the task becomes overdue (1× its SLA)."""
    return add_business_hours(created_at, sla_hours, tz)


def escalate_at(created_at: datetime, sla_hours: float, tz: str | tzinfo | None) -> datetime:
    """When the task escalates to the department head (2× its SLA)."""
    return add_business_hours(created_at, ESCALATE_FACTOR * sla_hours, tz)


def state(created_at: datetime, sla_hours: float, tz: str | tzinfo | None, now: datetime) -> str:
    """on_time, overdue (past 1×) or escalate (past 2×), by task_states.is_overdue's rule."""
    if task_states.is_overdue(escalate_at(created_at, sla_hours, tz), now):
        return ESCALATE
    if task_states.is_overdue(due_at(created_at, sla_hours, tz), now):
        return OVERDUE
    return ON_TIME


def hours_for_days(business_days: float) -> int:
    """Business days as the business hours the SLA clock counts (8 to a working day)."""
    return round(business_days * HOURS_PER_DAY)


def local_day_bounds(now: datetime, tz: str | tzinfo | None) -> tuple[datetime, datetime]:
    """The UTC instants where `now`'s local calendar day starts and ends."""
    zone_ = zone(tz)
    day = _aware(now).astimezone(zone_).date()
    start = datetime.combine(day, time(0), tzinfo=zone_).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone_).astimezone(UTC)
    return start, end
