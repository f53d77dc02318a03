"""When a contact is due: relationship-NPS waves spread over the period, onboarding milestones.

Each contact gets a stable offset inside the period from a hash of (program, contact), so a
90-day cadence sends about 1/90 of the audience each day instead of everyone on day one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

EPOCH = date(2020, 1, 6)  # a Monday; waves are counted from here
MILESTONE_GRACE_DAYS = 21  # a milestone missed (fatigue, weekend) may still go this late


def offset_days(program_id: int, contact_id: int, period_days: int) -> int:
    digest = hashlib.sha256(f"{program_id}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % period_days


def wave_number(program_id: int, contact_id: int, period_days: int, now: datetime) -> int:
    days = (now.astimezone(UTC).date() - EPOCH).days - offset_days(
        program_id, contact_id, period_days
    )  # noqa: E501
    return days // period_days


def wave_key(program_id: int, contact_id: int, period_days: int, now: datetime) -> str:
    """A stable name for the contact's current wave: the same wave is never invited twice."""
    return f"w{period_days}-{wave_number(program_id, contact_id, period_days, now)}"


def wave_start(program_id: int, contact_id: int, period_days: int, now: datetime) -> date:
    number = wave_number(program_id, contact_id, period_days, now)
    return EPOCH + timedelta(
        days=number * period_days + offset_days(program_id, contact_id, period_days)
    )  # noqa: E501


def is_due(
    contact_id: int,
    program_id: int,
    period_days: int,
    last_invited_at: datetime | None,
    now: datetime,
) -> bool:
    """Due once per wave, and never sooner than a period after the last invitation."""
    if last_invited_at is None:
        return True
    if now - last_invited_at < timedelta(days=period_days) * 0.5:
        return False  # a send-now or an old schedule asked recently: wait for a later wave
    start = wave_start(program_id, contact_id, period_days, now)
    return last_invited_at.astimezone(UTC).date() < start


def onboarding_due(
    signed_up_on: date,
    milestones_days: Iterable[int],
    invited: set[int],
    today: date,
    grace_days: int = MILESTONE_GRACE_DAYS,
) -> list[int]:
    """Milestones (days after sign-up) that are due today and not yet invited.

    A milestone stays due for `grace_days` (so fatigue or a weekend delays it instead of losing
    it), but never once a later milestone is due: the later check-in supersedes it.
    """
    days = sorted(set(milestones_days))
    age = (today - signed_up_on).days
    due = []
    for i, day in enumerate(days):
        later = days[i + 1] if i + 1 < len(days) else None
        if day <= age < day + grace_days and (later is None or age < later) and day not in invited:
            due.append(day)
    return due


def renewal_due(
    renewal_date: date, days_before: int, today: date, grace_days: int = MILESTONE_GRACE_DAYS
) -> bool:
    """The pre-renewal check: from `days_before` the renewal until shortly after it starts."""
    start = renewal_date - timedelta(days=days_before)
    return start <= today < min(start + timedelta(days=grace_days), renewal_date)
