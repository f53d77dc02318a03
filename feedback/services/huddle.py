"""The weekly huddle pack of a team: what customers said that week, where we were late, whom
we won back, and the verbatims a team raises to the outer loop.

A team's responses are those routed to it (a task of the team) or from an account one of its
members owns. The pack is read fresh each time; only raising a verbatim writes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from feedback import task_states
from feedback.mail.addresses import bare_address
from feedback.mail.render import render
from feedback.models import (
    Account,
    Contact,
    OuterLoopCandidate,
    Response,
    ResponseAnalysis,
    Task,
    Team,
    User,
)
from feedback.services import backlog, outbox, visibility
from feedback.services.errors import InvalidInput, NotFound

WEEK = timedelta(days=7)
PER_KIND = 3  # verbatims of each kind a huddle has time for
MAX_NOTE = 2_000


@dataclass(frozen=True)
class Verbatim:
    response_id: int
    comment: str
    score: int | None
    category: str | None
    polarity: float | None
    label: str | None
    mismatch: bool
    mismatch_reason: str | None
    contact: str
    account: str | None
    answered_at: datetime
    raised: bool
    why: str = ""


@dataclass(frozen=True)
class TaskLine:
    id: int
    title: str
    type: str
    status: str
    owner: str | None
    account: str | None
    due_at: datetime
    closed_at: datetime | None
    resolution_code: str | None


@dataclass(frozen=True)
class HuddlePack:
    team: Team
    start: datetime
    end: datetime
    negatives: list[Verbatim]
    positives: list[Verbatim]
    mismatches: list[Verbatim]
    breached: list[TaskLine]
    recoveries: list[TaskLine]

    @property
    def empty(self) -> bool:
        return not (
            self.negatives or self.positives or self.mismatches or self.breached or self.recoveries
        )


def _team_responses(team_id: int) -> Any:
    """Whether a response belongs to the team: routed to it, or from an account it owns."""
    owner = aliased(User)
    routed = select(Task.response_id).where(Task.team_id == team_id, Task.response_id.is_not(None))
    owned = (
        select(Account.id).join(owner, owner.id == Account.owner_id).where(owner.team_id == team_id)
    )
    return or_(Response.id.in_(routed), Response.account_id.in_(owned))


def _verbatims(session: Session, team_id: int, start: datetime, end: datetime) -> list[Verbatim]:
    raised = set(
        session.scalars(
            select(OuterLoopCandidate.response_id).where(OuterLoopCandidate.team_id == team_id)
        )
    )
    rows = session.execute(
        select(Response, ResponseAnalysis, Contact.name, Contact.email, Account.name)
        .join(Contact, Contact.id == Response.contact_id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
        .outerjoin(Account, Account.id == Response.account_id)
        .where(
            Response.answered_at >= start,
            Response.answered_at < end,
            Response.comment.is_not(None),
            Response.comment != "",
            _team_responses(team_id),
        )
        .order_by(Response.answered_at, Response.id)
    ).all()
    return [
        Verbatim(
            response_id=r.id,
            comment=r.comment or "",
            score=r.score,
            category=r.category,
            polarity=a.sentiment_polarity if a is not None else None,
            label=a.sentiment_label if a is not None else None,
            mismatch=bool(a is not None and a.mismatch),
            mismatch_reason=a.mismatch_reason if a is not None else None,
            contact=name or email,
            account=account,
            answered_at=r.answered_at,
            raised=r.id in raised,
        )
        for r, a, name, email, account in rows
    ]


def _with(v: Verbatim, why: str) -> Verbatim:
    return Verbatim(**{**v.__dict__, "why": why})


def pick_verbatims(
    verbatims: list[Verbatim], per_kind: int = PER_KIND
) -> tuple[list[Verbatim], list[Verbatim], list[Verbatim]]:
    """The most telling comments: mismatches, then the strongest negative and positive ones.

    Strength is the sentiment polarity; a comment without one (not English, not analysed)
    falls back to its score, so a detractor's comment still counts as negative.
    """

    def tone(v: Verbatim) -> float:
        if v.polarity is not None:
            return v.polarity
        return ((v.score if v.score is not None else 5) - 5) / 5

    def negative(v: Verbatim) -> bool:
        return v.label == "negative" if v.label else v.category == "detractor"

    def positive(v: Verbatim) -> bool:
        return v.label == "positive" if v.label else v.category == "promoter"

    mismatches = [_with(v, "says one thing, scores another") for v in verbatims if v.mismatch]
    mismatches = mismatches[:per_kind]
    shown = {v.response_id for v in mismatches}
    negatives = sorted(
        (v for v in verbatims if negative(v) and v.response_id not in shown),
        key=lambda v: (tone(v), v.score if v.score is not None else 10),
    )[:per_kind]
    shown |= {v.response_id for v in negatives}
    positives = sorted(
        (v for v in verbatims if positive(v) and v.response_id not in shown),
        key=lambda v: (-tone(v), -(v.score or 0)),
    )[:per_kind]
    return (
        [_with(v, "strongest negative") for v in negatives],
        [_with(v, "strongest positive") for v in positives],
        mismatches,
    )


def _task_lines(session: Session, *where: Any) -> list[TaskLine]:
    owner = aliased(User)
    rows = session.execute(
        select(Task, owner.name, Account.name)
        .outerjoin(owner, owner.id == Task.owner_id)
        .outerjoin(Account, Account.id == Task.account_id)
        .where(*where)
        .order_by(Task.due_at, Task.id)
    ).all()
    return [
        TaskLine(t.id, t.title, t.type, t.status, o, a, t.due_at, t.closed_at, t.resolution_code)
        for t, o, a in rows
    ]


def breached_in(start: datetime, end: datetime) -> Any:
    """Tasks that became overdue (task_states.is_overdue) during [start, end): the deadline
    fell in the week and the task was still open after it, whether closed late since or not.

    Decided from the deadline and the closing time alone, never from the escalation job's
    marks, so the page and the emailed pack agree whenever the job last ran.
    """
    return and_(
        Task.due_at >= start,
        or_(
            Task.overdue_where(end),
            and_(
                Task.status == task_states.CLOSED,
                task_states.is_overdue(Task.due_at, Task.closed_at),
            ),
        ),
    )


def huddle_pack(
    session: Session, team_id: int, *, now: datetime | None = None, days: int = 7
) -> HuddlePack:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("There is no such team.")
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    negatives, positives, mismatches = pick_verbatims(_verbatims(session, team_id, start, end))
    breached = _task_lines(session, Task.team_id == team_id, breached_in(start, end))
    recoveries = _task_lines(
        session,
        Task.team_id == team_id,
        Task.status == "closed",
        Task.resolution_code == "resolved",
        Task.closed_at >= start,
        Task.closed_at < end,
    )
    return HuddlePack(team, start, end, negatives, positives, mismatches, breached, recoveries)


def raise_to_outer_loop(
    session: Session,
    *,
    response_id: int,
    team_id: int,
    user: Any,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[OuterLoopCandidate, bool]:
    """Keep a verbatim for the backlog; raising the same one again for a team changes nothing.

    Returns the candidate and whether it was new.
    """
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(
            "The note is too long.", {"note": [f"Keep it under {MAX_NOTE:,} characters."]}
        )
    team = visibility.require_team(session, user, team_id)
    visibility.require_response(session, user, response_id)
    existing = session.scalar(
        select(OuterLoopCandidate).where(
            OuterLoopCandidate.response_id == response_id, OuterLoopCandidate.team_id == team_id
        )
    )
    if existing is not None:
        return existing, False
    candidate = OuterLoopCandidate(
        response_id=response_id,
        team_id=team_id,
        raised_by_id=user.id,
        note=note,
        created_at=now or datetime.now(UTC),
    )
    session.add(candidate)
    session.flush()
    # The backlog is where a raised verbatim is seen and acted on (it may join an open item).
    backlog.raise_from_response(session, response_id, user, {"department": team.department,
                                "note": note}, source="huddle", now=now)  # fmt: skip
    return candidate, True


def send_huddle_packs(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> dict[str, int]:
    """Email each team's pack to its active members through the outbox; quiet weeks send none."""
    now = now or datetime.now(UTC)
    stats = {"teams": 0, "emails": 0, "quiet_teams": 0}
    base = str(config.get("PUBLIC_URL", "")).rstrip("/")
    from_email = bare_address(str(config["MAIL_FROM"]))
    for team in session.scalars(select(Team).order_by(Team.id)):
        members = list(
            session.scalars(
                select(User).where(User.team_id == team.id, User.active.is_(True)).order_by(User.id)
            )
        )
        if not members:
            continue
        pack = huddle_pack(session, team.id, now=now)
        if pack.empty:
            stats["quiet_teams"] += 1
            continue
        subject = f"Huddle pack: {team.name}, week to {pack.end:%d %b %Y}"
        email = render(
            "huddle",
            subject=subject,
            from_email=from_email,
            from_name="Feedback huddle",
            reply_to=None,
            pack=pack,
            url=f"{base}/huddle/{team.id}",
        )
        content = outbox.content_for(session, email)
        for member in members:
            outbox.enqueue(
                session, kind="huddle", content=content, to_email=member.email,
                to_name=member.name,
            )  # fmt: skip
            stats["emails"] += 1
        stats["teams"] += 1
    session.flush()
    return stats
