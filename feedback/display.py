"""How staff pages word stored values: labels for codes, durations, times in the viewer's zone.

The database keeps codes (`in_progress`, `not_reachable`), hours as floats and UTC instants;
people read "In progress", "21 d 13 h" and "2026-12-01 17:20 CET". Every staff page asks this
module, through the Jinja filters registered in `feedback.web.display`, so a code is worded
once and a new code shows as words, never as `snake_case`. Pure: plain values in, strings out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from feedback import playbooks, task_states

DEFAULT_ZONE = "UTC"
LABELS: dict[str, dict[str, str]] = {
    "status": task_states.LABELS,
    "resolution": task_states.RESOLUTION_LABELS,
    "event": task_states.EVENT_LABELS,
    "task_type": {
        "recover": "Recover",
        "convert": "Convert",
        "advocate": "Advocate",
        "review": "Review",
    },
    "category": {
        "promoter": "Promoter",
        "passive": "Passive",
        "detractor": "Detractor",
        "easy": "Easy",
        "neutral": "Neutral",
        "difficult": "Difficult",
    },
    "role": {
        "admin": "Admin",
        "csm": "CSM",
        "team_lead": "Team lead",
        "department_head": "Department head",
    },
    "priority": {str(level): word.capitalize() for level, word in playbooks.PRIORITIES.items()},
    "account_status": {"active": "Active", "churned": "Churned"},
    # Why dispatch would not invite a contact, as the audience preview words it mid-sentence.
    "eligibility": {
        "unsubscribed": "unsubscribed",
        "bounced": "bounced",
        "spam_reported": "reported as spam",
        "in_conversation": "in an open conversation",
        "already_invited": "already invited",
        "fatigue": "for fatigue",
        "daily_cap": "over the daily cap",
        "not_sampled": "not in the sample",
        "outside_send_window": "outside the send window",
    },
    "backlog_status": {
        "proposed": "proposed",
        "accepted": "accepted",
        "in_progress": "in progress",
        "shipped": "shipped",
        "declined": "declined",
    },
    "outbox": {
        "held": "Held",
        "queued": "Queued",
        "sent": "Sent",
        "failed": "Failed",
        "cancelled": "Cancelled",
    },
    "import": {
        "uploaded": "Previewed, not started",
        "queued": "Waiting to start",
        "running": "Importing",
        "done": "Done",
        "failed": "Stopped",
    },
}


def label(value: str | None, kind: str) -> str:
    """The words for a stored code of one kind; an unknown code still reads as words."""
    if value is None or value == "":
        return "—"
    known = LABELS.get(kind, {}).get(value)
    if known is not None:
        return known
    return value.replace("_", " ").capitalize()


def duration(value: float | timedelta | None) -> str:
    """A span as a person reads it: "3 h 20 min", "21 d 13 h", "45 min"; None is "—".

    Hours are the unit the statistics compute in; under a day minutes matter, over a day
    they do not, so the two largest units are shown, rounded to the smaller one.
    """
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value) * 3600
    sign = "−" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60)
    if minutes == 0:
        return "under 1 min" if seconds else "0 min"
    if minutes < 60:
        return f"{sign}{minutes} min"
    if minutes < 24 * 60:
        hours, mins = divmod(minutes, 60)
        return f"{sign}{hours} h" + (f" {mins} min" if mins else "")
    days, hours = divmod(round(minutes / 60), 24)
    return f"{sign}{days} d" + (f" {hours} h" if hours else "")


def points(value: float | None) -> str:
    """NPS points to one decimal, as a person reads them: a cost that rounds to nothing is
    "0.0", never "-0.0"; a negative one gets a real minus sign ("−3.3")."""
    if value is None:
        return "—"
    rounded = round(float(value), 1) + 0.0  # -0.0 + 0.0 is 0.0
    return f"−{-rounded:.1f}" if rounded < 0 else f"{rounded:.1f}"


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 detractor", "9 passives": staff pages say counts the way people do."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


class ZoneError(ValueError):
    """A time zone name that is not in the IANA database."""


def known_zones() -> set[str]:
    """Every IANA zone name the system's database holds (what `check_zone` accepts)."""
    return available_timezones()


def check_zone(name: str | None) -> str:
    """The IANA name as the database spells it ("europe/paris" → "Europe/Paris"), or ZoneError."""
    typed = (name or "").strip()
    if not typed:
        raise ZoneError("Enter a time zone such as Europe/Paris or America/New_York.")
    zones = known_zones()
    if typed in zones:
        return typed
    by_case = {z.lower(): z for z in zones}
    if typed.lower() in by_case:
        return by_case[typed.lower()]
    raise ZoneError(
        f"{typed!r} is not a time zone we know; use an IANA name such as Europe/Paris, "
        "America/New_York or UTC."
    )


def viewer_zone(own: str | None, team: str | None) -> str:
    """The zone a person sees times in: their own choice, else their team's, else UTC."""
    for name in (own, team):
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return DEFAULT_ZONE


def local(moment: datetime, zone: str) -> datetime:
    """The instant on the viewer's clock; a naive value is taken as UTC (how SQLite returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(UTC)


def local_time(moment: datetime | None, zone: str) -> str:
    """ "2026-12-01 17:20 CET": the minute on the viewer's clock with the zone's abbreviation."""
    if moment is None:
        return "—"
    shown = local(moment, zone)
    return f"{shown:%Y-%m-%d %H:%M} {_abbreviation(shown)}"


def local_date(moment: datetime | None, zone: str) -> str:
    """The calendar day on the viewer's clock (a task due 23:30 UTC is tomorrow in Tokyo)."""
    if moment is None:
        return "—"
    return f"{local(moment, zone):%Y-%m-%d}"


def _abbreviation(moment: datetime) -> str:
    # Zones without a letter abbreviation report an offset such as "+04"; say "UTC+04" then.
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name
