"""Close-the-loop metrics: did we reach unhappy customers in time, how fast, and did it help.

For tasks created in a date range (UTC days, both ends included), per team and per CSM:

- detractors contacted within SLA: detractor tasks whose first contact came at or before the
  due time, out of those already decided (contacted, or past their due time). A task still
  inside its SLA and not yet contacted counts for neither side.
- median hours to first contact, and to close, from the task's creation.
- recovery rate: "Did we resolve it?" answers that said yes, out of all answers.

The arithmetic (`figures`) is plain values in, plain values out; the service only reads rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from feedback import task_states
from feedback.models import ResolutionCheck, Response, Task, Team, User
from feedback.services.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class TaskFacts:
    task_id: int
    team_id: int | None
    owner_id: int | None
    detractor: bool
    created_at: datetime
    due_at: datetime
    first_contact_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Figures:
    tasks: int
    detractor_tasks: int
    detractors_decided: int
    detractors_contacted_in_sla: int
    contacted_in_sla_share: float | None
    median_hours_to_first_contact: float | None
    median_hours_to_close: float | None
    resolution_answers: int
    resolved_yes: int
    recovery_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(facts: Iterable[TaskFacts], answers: Iterable[str], now: datetime) -> Figures:
    """The metrics of a set of tasks and the "did we resolve it?" answers ('yes'/'no') of them."""
    facts = list(facts)
    answers = [a for a in answers if a in ("yes", "no")]
    detractors = [f for f in facts if f.detractor]
    # Decided: contacted, or the deadline passed without contact (a miss either way).
    decided = [
        f
        for f in detractors
        if f.first_contact_at is not None or task_states.is_overdue(f.due_at, now)
    ]
    in_sla = [
        f
        for f in decided
        if f.first_contact_at and not task_states.is_overdue(f.due_at, f.first_contact_at)
    ]
    to_contact = [
        _hours(f.created_at, f.first_contact_at) for f in facts if f.first_contact_at is not None
    ]
    to_close = [_hours(f.created_at, f.closed_at) for f in facts if f.closed_at is not None]
    yes = sum(1 for a in answers if a == "yes")
    return Figures(
        tasks=len(facts),
        detractor_tasks=len(detractors),
        detractors_decided=len(decided),
        detractors_contacted_in_sla=len(in_sla),
        contacted_in_sla_share=_share(len(in_sla), len(decided)),
        median_hours_to_first_contact=_median(to_contact),
        median_hours_to_close=_median(to_close),
        resolution_answers=len(answers),
        resolved_yes=yes,
        recovery_rate=_share(yes, len(answers)),
    )


@dataclass(frozen=True)
class Group:
    id: int | None
    name: str
    team: str | None
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "team": self.team, **self.figures.as_dict()}


@dataclass(frozen=True)
class CloseTheLoop:
    start: date
    end: date
    overall: Figures
    teams: list[Group]
    csms: list[Group]

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "overall": self.overall.as_dict(),
            "teams": [g.as_dict() for g in self.teams],
            "csms": [g.as_dict() for g in self.csms],
        }


def date_range(
    start: date | str | None, end: date | str | None, today: date | None = None
) -> tuple[date, date]:
    """The range asked for, defaulting to the last 30 days; refuses reversed or huge ranges."""
    today = today or datetime.now(UTC).date()
    errors: dict[str, list[str]] = {}

    def parse(value: date | str | None, name: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            errors[name] = ["Use a date like 2026-11-01."]
            return None

    first, last = parse(start, "start"), parse(end, "end")
    if errors:
        raise InvalidInput("The date range is not valid.", errors)
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput(
            "The range starts after it ends.", {"start": ["Start on or before the end."]}
        )
    if (last - first).days > MAX_DAYS:
        raise InvalidInput(
            "The range is too long.", {"start": [f"Ask for at most {MAX_DAYS} days at a time."]}
        )
    return first, last


def close_the_loop(
    session: Session,
    *,
    start: date,
    end: date,
    team_id: int | None = None,
    team_ids: Collection[int] | None = None,
    now: datetime | None = None,
    response_where: Sequence[ColumnElement[bool]] = (),
) -> CloseTheLoop:
    """The figures of tasks created in the range; `team_ids` (from services.visibility.
    teams_picked) keeps them to the teams the viewer may see, None meaning every team;
    `response_where` to the tasks of some responses (the dashboard's program and segment)."""
    now = now or datetime.now(UTC)
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    where = [Task.created_at >= since, Task.created_at < until]
    if team_id is not None:
        where.append(Task.team_id == team_id)
    if team_ids is not None:
        where.append(Task.team_id.in_(list(team_ids)))
    where.extend(response_where)
    rows = session.execute(
        select(
            Task.id,
            Task.team_id,
            Task.owner_id,
            Response.category,
            Task.created_at,
            Task.due_at,
            Task.first_contact_at,
            Task.closed_at,
        )
        .outerjoin(Response, Response.id == Task.response_id)
        .where(*where)
    ).all()
    facts = [
        TaskFacts(i, t, o, c == "detractor", cr, d, fc, cl) for i, t, o, c, cr, d, fc, cl in rows
    ]
    answers: dict[int, list[str]] = defaultdict(list)
    for task_id, answer in session.execute(
        select(ResolutionCheck.task_id, ResolutionCheck.answer)
        .join(Task, Task.id == ResolutionCheck.task_id)
        .outerjoin(Response, Response.id == Task.response_id)
        .where(*where, ResolutionCheck.answer.is_not(None))
    ).all():
        answers[task_id].append(answer)

    def group(key: str) -> dict[int | None, list[TaskFacts]]:
        out: dict[int | None, list[TaskFacts]] = defaultdict(list)
        for f in facts:
            out[getattr(f, key)].append(f)
        return out

    def answers_of(subset: list[TaskFacts]) -> list[str]:
        return [a for f in subset for a in answers.get(f.task_id, [])]

    team_names = dict(session.execute(select(Team.id, Team.name)).all())
    by_owner = group("owner_id")
    users = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_([k for k in by_owner if k])))
    }
    teams = sorted(
        (
            Group(k, team_names.get(k, "No team") if k else "No team", None,
                  figures(v, answers_of(v), now))
            for k, v in group("team_id").items()
        ),
        key=lambda g: g.name,
    )  # fmt: skip
    csms = sorted(
        (
            Group(
                k,
                users[k].name if k in users else "Unassigned",
                team_names.get(users[k].team_id) if k in users else None,
                figures(v, answers_of(v), now),
            )
            for k, v in by_owner.items()
        ),
        key=lambda g: (g.team or "", g.name),
    )
    return CloseTheLoop(start, end, figures(facts, answers_of(facts), now), teams, csms)
