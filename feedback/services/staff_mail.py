"""What every email to staff shares: the sender address taken from MAIL_FROM, the link to a
task, one rule for a team's clock (time zone and business hours), and the staff email itself
(rendered and queued in the outbox in the caller's transaction).

Used by the task service, digests, escalation notices and the "Did we resolve it?" mail;
callers pass the app's config (services do not reach for Flask's current_app).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import sla
from feedback.mail.addresses import bare_address
from feedback.mail.render import render
from feedback.models import OutboxEmail, Team, User
from feedback.services import outbox

TASK_PATH = "/tasks/{id}"


def zone_of(team: Team | None) -> str:
    """A team's time zone name; a team without one (or no team) works in UTC."""
    return team.timezone if team is not None and team.timezone else "UTC"


def team_timezone(session: Session, team_id: int | None) -> str:
    """The time zone of the team with `team_id` (see zone_of)."""
    return zone_of(session.get(Team, team_id) if team_id is not None else None)


def hours_of(team: Team | None) -> sla.BusinessHours:
    """A team's business hours; work without a team keeps the standard Mon–Fri 9–17."""
    return team.business_hours if team is not None else sla.STANDARD


@dataclass(frozen=True)
class TeamClock:
    """What an SLA clock needs of a team: the zone it counts in and the hours it counts."""

    zone: str
    hours: sla.BusinessHours


NO_TEAM = TeamClock("UTC", sla.STANDARD)


def clock_of(team: Team | None) -> TeamClock:
    return TeamClock(zone_of(team), hours_of(team)) if team is not None else NO_TEAM


class TeamClocks:
    """Every team's clock, read once per job run (a job marks hundreds of tasks of a handful
    of teams; each task asks its team's clock without another query)."""

    def __init__(self, clocks: Mapping[int, TeamClock]) -> None:
        self._clocks = dict(clocks)

    @classmethod
    def load(cls, session: Session) -> TeamClocks:
        return cls({team.id: clock_of(team) for team in session.scalars(select(Team))})

    def of(self, team_id: int | None) -> TeamClock:
        return self._clocks.get(team_id, NO_TEAM) if team_id is not None else NO_TEAM


def team_clock(session: Session, team_id: int | None) -> TeamClock:
    """The clock of one team (a single task's change, outside a job run)."""
    return clock_of(session.get(Team, team_id) if team_id is not None else None)


def task_url(config: Mapping[str, Any], task_id: int) -> str:
    return str(config["PUBLIC_URL"]).rstrip("/") + TASK_PATH.format(id=task_id)


def staff_email(
    session: Session,
    config: Mapping[str, Any],
    *,
    kind: str,
    template: str,
    to: User,
    subject: str,
    now: datetime,
    **context: Any,
) -> OutboxEmail:
    """Render `template` for a staff member and queue it, stamped at `now`."""
    email = render(
        template,
        subject=subject,
        from_email=bare_address(str(config["MAIL_FROM"])),
        from_name="Feedback follow-ups",
        reply_to=None,
        recipient=to,
        task_url=lambda task_id: task_url(config, task_id),
        **context,
    )
    row = outbox.enqueue(
        session,
        kind=kind,
        content=outbox.content_for(session, email),
        to_email=to.email,
        to_name=to.name,
    )
    row.created_at = row.next_attempt_at = now
    return row
