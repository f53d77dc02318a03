"""When a contact is due: relationship-NPS waves spread over the period, onboarding milestones.

Each contact gets a stable day inside the period from a hash of (contact, program), so a 90-day
cadence asks about 1/90 of the audience each day instead of everyone on day one, and a rerun,
a second worker or a restart computes the same day.

Days are UTC calendar days; the send window (eligibility) then picks the hour in the
contact's own zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feedback import questions

EPOCH = date(2000, 1, 3)  # waves are counted from here; changing it renames every wave
FIRST_WAVE_GRACE_DAYS = 7  # a new contact is asked within this many days of their slot
MIN_GAP_FRACTION = 0.5  # never two relationship surveys closer than half a period
MILESTONE_GRACE_DAYS = 7  # a milestone check-in delayed (weekend, fatigue) may go this late
EVENT_TRIGGER_WINDOW_DAYS = 14  # an event-started check-in is still worth sending this late

# Fibonacci hashing: multiplying by 2**64/φ spreads consecutive ids (as databases hand them
# out) almost perfectly evenly over the period; a cryptographic hash would only be even on
# average, leaving some days with 30% more sends than others.
_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / φ
_ROOT2 = 0x6A09E667F3BCC909  # 2**64 × frac(√2): shifts each program to its own days
_MASK = (1 << 64) - 1


def _as_int(value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int.from_bytes(hashlib.sha256(str(value).encode()).digest()[:8], "big")


def _utc_day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"A timezone-aware datetime is needed, not {moment.isoformat()}")
        return moment.astimezone(UTC).date()
    return moment


def _check_period(period_days: int) -> None:
    if isinstance(period_days, bool) or not isinstance(period_days, int) or period_days < 1:
        raise ValueError(f"period_days must be a whole number of days ≥ 1, not {period_days!r}")


def offset_days(program_id: int | str, contact_id: int | str, period_days: int) -> int:
    """The contact's stable day within the period, 0 … period_days − 1."""
    _check_period(period_days)
    key = (_as_int(contact_id) * _GOLDEN + _as_int(program_id) * _ROOT2) & _MASK
    return (key * period_days) >> 64


def wave_number(
    program_id: int | str, contact_id: int | str, period_days: int, now: datetime | date
) -> int:
    days = (_utc_day(now) - EPOCH).days - offset_days(program_id, contact_id, period_days)
    return days // period_days


def wave_start(
    program_id: int | str, contact_id: int | str, period_days: int, now: datetime | date
) -> date:
    """The first day of the contact's current wave: their slot, the day they become due."""
    number = wave_number(program_id, contact_id, period_days, now)
    offset = offset_days(program_id, contact_id, period_days)
    return EPOCH + timedelta(days=number * period_days + offset)


def wave_key(
    program_id: int | str, contact_id: int | str, period_days: int, now: datetime | date
) -> str:
    """A stable name for the contact's current wave, e.g. '2026-03-14/90d'.

    The same for every moment of the wave, so an invitation stored under it (unique per
    program and contact) means the wave is never invited twice; readable, so a person can tell
    when it began.
    """
    return f"{wave_start(program_id, contact_id, period_days, now).isoformat()}/{period_days}d"


def is_due(
    contact_id: int | str,
    program_id: int | str,
    period_days: int,
    last_invited_at: datetime | None,
    now: datetime,
    *,
    first_wave_grace_days: int = FIRST_WAVE_GRACE_DAYS,
) -> bool:
    """Is the contact due for this program's relationship survey today?

    - Not if already invited in this wave, nor within half a period of the last invitation
      (an admin's "send now" late in the previous wave).
    - A contact invited in the previous wave stays due all through this one, so fatigue, a
      daily cap or a weekend delays the survey instead of losing it.
    - A contact never invited (or not for over a period) is due only in the first
      `first_wave_grace_days` of their slot: an import of 10,000 contacts is then asked over
      the period, not all on the first morning. Missed, they are asked in their next wave.
    """
    start = wave_start(program_id, contact_id, period_days, now)
    today = _utc_day(now)
    if last_invited_at is not None:
        last_day = _utc_day(last_invited_at)
        if last_day >= start:
            return False
        if (today - last_day).days < period_days * MIN_GAP_FRACTION:
            return False
        if last_day >= start - timedelta(days=period_days):
            return True
    return (today - start).days < first_wave_grace_days


# ---------------------------------------------------------------- lifecycle milestones


def onboarding_due(
    signed_up_on: date,
    milestones_days: Iterable[int],
    invited_milestones: set[int],
    today: date,
    grace_days: int = MILESTONE_GRACE_DAYS,
) -> list[int]:
    """The milestones (days after sign-up) to ask about today, oldest first.

    A milestone is due from its day until grace_days later, unless already invited, and never
    once a later milestone has begun: a day-7 check-in is stale once day 30 has come.
    """
    days = sorted(set(milestones_days))
    if any(day < 0 for day in days):
        raise ValueError(f"Milestones are days after sign-up and cannot be negative: {days}")
    age = (_utc_day(today) - _utc_day(signed_up_on)).days
    due: list[int] = []
    for i, day in enumerate(days):
        later = days[i + 1] if i + 1 < len(days) else None
        if later is not None and age >= later:
            continue
        if day <= age <= day + grace_days and day not in invited_milestones:
            due.append(day)
    return due


def renewal_due(
    renewal_date: date,
    days_before: int,
    today: date,
    *,
    grace_days: int | None = None,
) -> bool:
    """The pre-renewal check is due from days_before the renewal until the day before it.

    Asking after the renewal is decided is pointless; grace_days, when given, stops it sooner.
    The caller names the wave after the renewal date so each renewal is asked once.
    """
    if days_before < 0:
        raise ValueError(f"days_before must be 0 or more, not {days_before}")
    renewal, day = _utc_day(renewal_date), _utc_day(today)
    start = renewal - timedelta(days=days_before)
    if grace_days is not None and (day - start).days > grace_days:
        return False
    return start <= day < renewal


# ---------------------------------------------------------------- the surveys a contact is due for


@dataclass(frozen=True)
class ProgramTiming:
    """What a survey program says about timing, as plain values (no ORM object)."""

    program_id: int
    kind: str  # nps, onboarding
    cadence_days: int
    fatigue_days: int
    triggers: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ContactDates:
    """The dates of one contact that start a survey: sign-up and the account's renewal."""

    contact_id: int
    signed_up_on: date | None = None
    renewal_date: date | None = None


@dataclass(frozen=True)
class Due:
    """One survey a contact is due for: which wave, which milestone, which question."""

    wave_key: str
    milestone: str | None
    question: str  # nps, effort, closeness


@dataclass
class SentHistory:
    """What was already sent, and the lifecycle events that start check-ins.

    Kept up to date by record() during a run, so a contact invited by one program is seen as
    invited when the next program is considered.
    """

    last_survey_at: dict[int, datetime] = field(default_factory=dict)
    waves: set[tuple[int, int, str]] = field(default_factory=set)  # (program, contact, wave)
    last_invited: dict[tuple[int, int], datetime] = field(default_factory=dict)
    events: dict[tuple[int, str], datetime] = field(default_factory=dict)  # latest per name

    def record(self, program_id: int, contact_id: int, wave_key: str, now: datetime) -> None:
        self.waves.add((program_id, contact_id, wave_key))
        self.last_survey_at[contact_id] = now
        self.last_invited[(program_id, contact_id)] = now


def due_surveys(
    program: ProgramTiming, contact: ContactDates, history: SentHistory, now: datetime
) -> list[Due]:
    """The waves this contact is due for in this program, most urgent first."""
    if program.kind == "nps":
        last = history.last_invited.get((program.program_id, contact.contact_id))
        grace = _first_wave_grace(program, contact, history, last, now)
        if not is_due(
            contact.contact_id,
            program.program_id,
            program.cadence_days,
            last,
            now,
            first_wave_grace_days=grace,
        ):
            return []
        wave = wave_key(program.program_id, contact.contact_id, program.cadence_days, now)
        return [Due(wave, None, "nps")]
    today = now.date()
    due: list[Due] = []

    def invited(wave: str) -> bool:
        return (program.program_id, contact.contact_id, wave) in history.waves

    by_signup = [t for t in program.triggers if "days_after_signup" in t]
    if contact.signed_up_on and by_signup:
        days = onboarding_due(
            contact.signed_up_on,
            [t["days_after_signup"] for t in by_signup],
            {t["days_after_signup"] for t in by_signup if invited(t["milestone"])},
            today,
        )
        for trigger in by_signup:
            if trigger["days_after_signup"] in days:
                due.append(
                    Due(trigger["milestone"], trigger["milestone"], trigger_question(trigger))
                )
    for trigger in program.triggers:
        if "days_before_renewal" in trigger and contact.renewal_date:
            wave = f"{trigger['milestone']}:{contact.renewal_date.isoformat()}"
            if not invited(wave) and renewal_due(
                contact.renewal_date, trigger["days_before_renewal"], today
            ):
                due.append(Due(wave, trigger["milestone"], trigger_question(trigger)))
        elif "event" in trigger:
            occurred = history.events.get((contact.contact_id, trigger["event"]))
            if occurred is None:
                continue
            start = occurred + timedelta(days=trigger.get("days_after", 0))
            wave = f"{trigger['milestone']}:{occurred.date().isoformat()}"
            if start <= now < start + timedelta(days=EVENT_TRIGGER_WINDOW_DAYS) and not invited(
                wave
            ):
                due.append(Due(wave, trigger["milestone"], trigger_question(trigger)))
    return due


def _first_wave_grace(
    program: ProgramTiming,
    contact: ContactDates,
    history: SentHistory,
    last: datetime | None,
    now: datetime,
) -> int:
    """Days a not-yet-asked contact stays due after their slot.

    When another program's survey puts the contact in their fatigue rest over the slot, the
    grace counts from the end of that rest: the wait delays this survey instead of losing
    the whole wave (the rest, 30 days by default, outlasts the slot's grace of 7).
    """
    grace = FIRST_WAVE_GRACE_DAYS
    other = history.last_survey_at.get(contact.contact_id)
    if other is None or (last is not None and other <= last):
        return grace
    start = wave_start(program.program_id, contact.contact_id, program.cadence_days, now)
    rest_ends = (other + timedelta(days=program.fatigue_days)).astimezone(UTC).date()
    return grace + max(0, (rest_ends - start).days)


def trigger_question(trigger: Mapping[str, Any]) -> str:
    """The question kind an onboarding trigger's invitation asks."""
    return questions.kind_for("onboarding", [trigger], trigger.get("milestone")).name
