"""Who may be surveyed, and when: the one place that says yes or no to an invitation.

Jobs, the admin "send now" and the API all ask decide() (dispatch through choose_program,
which picks the one program a contact hears from per run); none of them re-decide. Who may
get no email at all is suppression(), asked by reminders, resolution checks and staff replies.
Every "no" carries a reason code for counting, a sentence a person can act on, and, where
waiting helps, the moment it stops applying (retry_at), so a contact who must wait is not lost.

All datetimes are timezone-aware; naive ones are refused, because guessing their zone is how
surveys land at 3 a.m.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SEND_WINDOW_START = time(9, 0)
SEND_WINDOW_END = time(17, 0)  # exclusive: 17:00 itself is too late
SEND_WEEKDAYS = frozenset(range(5))  # Monday–Friday, by the contact's own calendar
SAMPLE_BUCKETS = 10_000  # sampling resolution: 0.01 %


class Reason(enum.StrEnum):
    """Why a contact may or may not be invited; str-valued so it counts and serialises as is."""

    OK = "ok"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    SPAM_REPORTED = "spam_reported"
    IN_CONVERSATION = "in_conversation"
    ALREADY_INVITED = "already_invited"
    FATIGUE = "fatigue"
    DAILY_CAP = "daily_cap"
    NOT_SAMPLED = "not_sampled"
    OUTSIDE_SEND_WINDOW = "outside_send_window"


@dataclass(frozen=True)
class ContactFacts:
    """What is known about the person, as plain values."""

    contact_id: int
    unsubscribed: bool = False
    bounced: bool = False
    spam_reported: bool = False
    timezone: str | None = None
    account_timezone: str | None = None
    has_open_recover_task: bool = False


@dataclass(frozen=True)
class SurveyHistory:
    """What this contact was already sent.

    last_sent_at: the last survey email to the contact from any program (fatigue is about the
    person's inbox, not about one program). invited_waves: (program_id, wave_key) pairs.
    """

    last_sent_at: datetime | None = None
    invited_waves: frozenset[tuple[int, str]] = frozenset()


@dataclass(frozen=True)
class ProgramRules:
    """The program's own limits. sent_today counts its invitations since 00:00 UTC."""

    program_id: int
    priority: int = 100  # lower is more important
    fatigue_days: int = 30
    sample_percent: float = 100
    daily_cap: int | None = None
    sent_today: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.sample_percent <= 100:
            raise ValueError(f"sample_percent must be from 0 to 100, not {self.sample_percent}")
        if self.fatigue_days < 0:
            raise ValueError(f"fatigue_days must be 0 or more, not {self.fatigue_days}")
        if self.daily_cap is not None and self.daily_cap < 0:
            raise ValueError(f"daily_cap must be 0 or more, not {self.daily_cap}")


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reason: Reason
    detail: str
    retry_at: datetime | None = None


# ---------------------------------------------------------------- time zones and send window


def resolve_timezone(contact_tz: str | None, account_tz: str | None = None) -> ZoneInfo:
    """The contact's zone, else the account's, else UTC: a typo must not stop the survey."""
    for name in (contact_tz, account_tz):
        zone = _zone(name)
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _as_zone(tz: tzinfo | str | None) -> tzinfo:
    return tz if isinstance(tz, tzinfo) else resolve_timezone(tz)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not naive ({value.isoformat()})")
    return value.astimezone(UTC)


def in_send_window(tz: tzinfo | str | None, now_utc: datetime) -> bool:
    """09:00 ≤ local time < 17:00 on a local weekday: when a work email gets read, not buried."""
    local = _aware(now_utc, "now_utc").astimezone(_as_zone(tz))
    return local.weekday() in SEND_WEEKDAYS and SEND_WINDOW_START <= local.time() < SEND_WINDOW_END


def next_send_window_start(tz: tzinfo | str | None, now_utc: datetime) -> datetime:
    """The earliest moment at or after now_utc inside the send window, in UTC.

    now_utc itself when already inside; otherwise 09:00 local on the next local weekday. Found
    by wall-clock dates, so a DST switch in between never shifts the answer by an hour.
    """
    now = _aware(now_utc, "now_utc")
    zone = _as_zone(tz)
    if in_send_window(zone, now):
        return now
    day = now.astimezone(zone).date()
    for _ in range(8):
        start = datetime.combine(day, SEND_WINDOW_START, tzinfo=zone).astimezone(UTC)
        if day.weekday() in SEND_WEEKDAYS and start >= now:
            return start
        day += timedelta(days=1)
    raise AssertionError("a weekday always comes within eight days")  # pragma: no cover


# ---------------------------------------------------------------- sampling


def sample_bucket(contact_id: int | str, program_id: int | str, wave_key: str) -> int:
    """A stable number in [0, SAMPLE_BUCKETS) for this contact, program and wave.

    A hash, not random(): a rerun of the job, another worker or a restart decides the same,
    and each wave draws a fresh sample so the same people are not always left out.
    """
    digest = hashlib.sha256(f"{contact_id}\x1f{program_id}\x1f{wave_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SAMPLE_BUCKETS


def is_sampled(
    contact_id: int | str, program_id: int | str, wave_key: str, sample_percent: float
) -> bool:
    return sample_bucket(contact_id, program_id, wave_key) < sample_percent * SAMPLE_BUCKETS / 100


# ---------------------------------------------------------------- the decision


def _no(reason: Reason, detail: str, retry_at: datetime | None = None) -> Decision:
    return Decision(False, reason, detail, retry_at)


_SUPPRESSED_DETAIL = {
    Reason.UNSUBSCRIBED: "The contact unsubscribed from surveys.",
    Reason.BOUNCED: "Email to this contact bounced; fix the address first.",
    Reason.SPAM_REPORTED: "The contact reported a survey email as spam.",
}


def suppression(
    unsubscribed: bool, bounced: bool, spam_reported: bool, *, personal: bool = False
) -> Reason | None:
    """Why no email may go to this contact, or None: the one suppression rule.

    Surveys, reminders and "Did we resolve it?" check all three. A personal email (a person
    replying to what the customer wrote) is not a survey: unsubscribing from surveys does not
    stop it, but a bounce or a spam report does.
    """
    if unsubscribed and not personal:
        return Reason.UNSUBSCRIBED
    if bounced:
        return Reason.BOUNCED
    if spam_reported:
        return Reason.SPAM_REPORTED
    return None


def is_suppressed(
    unsubscribed: bool, bounced: bool, spam_reported: bool, *, personal: bool = False
) -> bool:
    return suppression(unsubscribed, bounced, spam_reported, personal=personal) is not None


def _suppressed(contact: ContactFacts) -> Decision | None:
    reason = suppression(contact.unsubscribed, contact.bounced, contact.spam_reported)
    return None if reason is None else _no(reason, _SUPPRESSED_DETAIL[reason])


def _fatigued(history: SurveyHistory, program: ProgramRules, now: datetime) -> Decision | None:
    if history.last_sent_at is None or program.fatigue_days == 0:
        return None
    last = _aware(history.last_sent_at, "last_sent_at")
    until = last + timedelta(days=program.fatigue_days)
    if now >= until:
        return None
    return _no(
        Reason.FATIGUE,
        f"The contact was sent a survey on {last:%Y-%m-%d}; the "
        f"{program.fatigue_days}-day rest ends {until:%Y-%m-%d %H:%M} UTC.",
        until,
    )


def _next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)


def decide(
    contact: ContactFacts,
    history: SurveyHistory,
    program: ProgramRules,
    wave_key: str,
    now_utc: datetime,
    *,
    ignore_send_window: bool = False,
    ignore_cadence: bool = False,
) -> Decision:
    """May this contact be invited to this program's wave now?

    Checked in order, first "no" wins: suppression, open conversation, same wave already
    invited, fatigue (none of these yield to an admin's "send now"), then the daily cap and
    sampling (skipped with ignore_cadence: they spread automatic sends, an admin picking a
    person is not one), then the send window (skipped with ignore_send_window).
    """
    now = _aware(now_utc, "now_utc")
    decided = _suppressed(contact)
    if decided:
        return decided
    if contact.has_open_recover_task:
        return _no(
            Reason.IN_CONVERSATION,
            "A follow-up with this contact is still open; close it before asking again.",
        )
    if (program.program_id, wave_key) in history.invited_waves:
        return _no(Reason.ALREADY_INVITED, f"The contact was already invited to wave {wave_key}.")
    decided = _fatigued(history, program, now)
    if decided:
        return decided
    if not ignore_cadence:
        if program.daily_cap is not None and program.sent_today >= program.daily_cap:
            return _no(
                Reason.DAILY_CAP,
                f"The program's daily cap of {program.daily_cap} invitations is reached.",
                _next_utc_midnight(now),
            )
        if not is_sampled(contact.contact_id, program.program_id, wave_key, program.sample_percent):
            return _no(
                Reason.NOT_SAMPLED,
                f"Not in this wave's {program.sample_percent:g}% sample.",
            )
    if not ignore_send_window:
        zone = resolve_timezone(contact.timezone, contact.account_timezone)
        if not in_send_window(zone, now):
            return _no(
                Reason.OUTSIDE_SEND_WINDOW,
                f"Outside 09:00–17:00 on a weekday in {zone.key}.",
                next_send_window_start(zone, now),
            )
    return Decision(True, Reason.OK, "May be invited now.")


def choose_program(
    contact: ContactFacts,
    history: SurveyHistory,
    due_programs: Iterable[tuple[ProgramRules, str]],
    now_utc: datetime,
    *,
    ignore_send_window: bool = False,
) -> list[tuple[ProgramRules, Decision]]:
    """One survey at a time: the most important eligible program goes; the rest wait.

    due_programs are (rules, wave_key) pairs. Programs are tried by (priority, program_id);
    the first eligible one gets its "ok", and every program after it that would also have
    been eligible gets 'fatigue' with retry_at at the end of its rest after today's send, so
    it stays due and goes later instead of being lost. Ineligible ones keep their own reason.
    Returned in that order.
    """
    now = _aware(now_utc, "now_utc")
    ordered = sorted(due_programs, key=lambda pair: (pair[0].priority, pair[0].program_id))
    chosen: ProgramRules | None = None
    results: list[tuple[ProgramRules, Decision]] = []
    for rules, wave in ordered:
        decision = decide(contact, history, rules, wave, now, ignore_send_window=ignore_send_window)
        if decision.eligible and chosen is None:
            chosen = rules
        elif decision.eligible and chosen is not None:
            until = now + timedelta(days=rules.fatigue_days)
            decision = _no(
                Reason.FATIGUE,
                f"Program {chosen.program_id} goes first; this one waits for the "
                f"{rules.fatigue_days}-day rest, until {until:%Y-%m-%d %H:%M} UTC.",
                until,
            )
        results.append((rules, decision))
    return results
