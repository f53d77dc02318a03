"""Planning follow-ups: the active playbook set and its rules, the facts a response offers the
pure modules (playbooks, routing), and the plan (which tasks, for whom, how urgent).

Read-only and shared: the task service (services.followup) writes the tasks a plan names,
and the playbook admin (services.playbook_admin) replays plans for a dry run; neither
imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feedback import playbooks, routing, sla
from feedback.models import (
    Account,
    PlaybookRule,
    PlaybookSet,
    Response,
    ResponseTheme,
    Task,
    Team,
    Theme,
    User,
)
from feedback.services.staff_mail import hours_of, zone_of

# ---------------------------------------------------------------- playbook sets


def current_set(session: Session) -> PlaybookSet | None:
    """The active playbook set, or None before the defaults are seeded (reads never seed)."""
    return session.scalar(
        select(PlaybookSet).where(PlaybookSet.status == "active").order_by(PlaybookSet.id.desc())
    )


def active_set(session: Session, now: datetime | None = None) -> PlaybookSet:
    """The active playbook set; the defaults are seeded (active) when there is none.

    Only write paths (routing a response, `flask seed-defaults`) call this; pages read
    `current_set` so that a GET never writes.
    """
    current = current_set(session)
    if current is not None:
        return current
    current = default_set(now or datetime.now(UTC))
    session.add(current)
    session.flush()
    return current


def default_set(now: datetime) -> PlaybookSet:
    """The default rules as an active set, not saved: the caller adds it, or only reads it."""
    current = PlaybookSet(
        name="Default playbooks", status="active", created_at=now, activated_at=now
    )
    for position, rule in enumerate(playbooks.DEFAULT_RULES, start=1):
        current.rules.append(
            PlaybookRule(
                position=position,
                name=rule.name,
                conditions=dict(rule.conditions),
                action=dict(rule.action),
                stop=rule.stop,
                active=True,
            )
        )
    return current


def rules_of(playbook_set: PlaybookSet) -> list[playbooks.Rule]:
    return [
        playbooks.Rule(r.name, r.conditions or {}, r.action or {}, r.stop, r.active, r.id)
        for r in sorted(playbook_set.rules, key=lambda r: (r.position, r.id or 0))
    ]


# ---------------------------------------------------------------- facts for the pure modules


@dataclass
class _Tag:
    theme_id: int
    key: str
    name: str
    label: str | None
    polarity: float | None
    owner_team_id: int | None


@dataclass
class Context:
    """What one run knows about the people tasks can go to; updated as tasks are assigned."""

    users: dict[int, User]
    teams: dict[int, Team]
    open_tasks: dict[int, int]
    last_assigned: dict[int, datetime]

    @classmethod
    def load(cls, session: Session) -> Context:
        users = {u.id: u for u in session.scalars(select(User))}
        teams = {t.id: t for t in session.scalars(select(Team))}
        open_tasks = dict(
            session.execute(
                select(Task.owner_id, func.count())
                .where(Task.status != "closed", Task.owner_id.is_not(None))
                .group_by(Task.owner_id)
            ).all()
        )
        last = dict(
            session.execute(
                select(Task.owner_id, func.max(Task.created_at))
                .where(Task.owner_id.is_not(None))
                .group_by(Task.owner_id)
            ).all()
        )
        return cls(users, teams, open_tasks, last)

    def member(self, user: User) -> routing.Member:
        return routing.Member(
            user.id,
            user.name,
            user.role,
            user.team_id,
            user.active,
            self.open_tasks.get(user.id, 0),
            self.last_assigned.get(user.id),
        )

    def team_facts(self) -> dict[int, routing.TeamFacts]:
        members: dict[int, list[routing.Member]] = {}
        for user in self.users.values():
            if user.team_id is not None:
                members.setdefault(user.team_id, []).append(self.member(user))
        return {
            t.id: routing.TeamFacts(t.id, t.name, tuple(members.get(t.id, ())))
            for t in self.teams.values()
        }

    def assigned(self, owner_id: int | None, now: datetime) -> None:
        if owner_id is not None:
            self.open_tasks[owner_id] = self.open_tasks.get(owner_id, 0) + 1
            self.last_assigned[owner_id] = now

    def timezone_of(self, team_id: int | None) -> str:
        return zone_of(self.teams.get(team_id) if team_id is not None else None)

    def hours_of(self, team_id: int | None) -> sla.BusinessHours:
        """The business hours the team's SLA clocks count (read with the teams, once a run)."""
        return hours_of(self.teams.get(team_id) if team_id is not None else None)

    def sla_hours(self, match: playbooks.Match, team_id: int | None) -> int:
        """The SLA a task of `match` owned by the team gets, in business hours: a rule's
        business days become that team's working days (sla.Term.hours)."""
        return match.sla_term.hours(self.hours_of(team_id))

    def due_at(self, now: datetime, hours: float, team_id: int | None) -> datetime:
        """When a new task of the team is due: its zone AND its business hours, so no
        creator of tasks times them on the standard 9–17 week by leaving one out."""
        return sla.due_at(now, hours, self.timezone_of(team_id), self.hours_of(team_id))


def _tags(session: Session, response: Response) -> list[_Tag]:
    rows = session.execute(
        select(ResponseTheme, Theme)
        .join(Theme, Theme.id == ResponseTheme.theme_id)
        .where(ResponseTheme.response_id == response.id)
        .order_by(ResponseTheme.id)
    ).all()
    return [_Tag(t.id, t.key, t.name, rt.label, rt.polarity, t.owner_team_id) for rt, t in rows]


def _main_theme(tags: list[_Tag]) -> _Tag | None:
    """The theme the comment is most unhappy about (the first one when none is negative)."""
    if not tags:
        return None
    return min(tags, key=lambda t: t.polarity if t.polarity is not None else 0.0)


def _previous(session: Session, response: Response) -> tuple[int | None, str | None]:
    row = session.execute(
        select(Response.score, Response.category)
        .where(
            Response.contact_id == response.contact_id,
            Response.scale == response.scale,
            Response.id != response.id,
            Response.score.is_not(None),
            Response.answered_at < response.answered_at,
        )
        .order_by(Response.answered_at.desc(), Response.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def facts_for(session: Session, response: Response) -> playbooks.Facts:
    account = session.get(Account, response.account_id) if response.account_id else None
    analysis = getattr(response, "analysis", None)
    previous_score, previous_category = _previous(session, response)
    return playbooks.Facts(
        category=response.category,
        score=response.score,
        scale=response.scale,
        sentiment_label=analysis.sentiment_label if analysis is not None else None,
        themes=tuple(t.key for t in _tags(session, response)),
        mismatch=bool(analysis is not None and analysis.mismatch),
        plan=account.plan if account else None,
        arr=account.arr if account else None,
        region=account.region if account else None,
        lifecycle_stage=account.lifecycle_stage if account else None,
        program_id=response.program_id,
        previous_score=previous_score,
        previous_category=previous_category,
    )


def _severity(
    session: Session,
    response: Response,
    account: Account | None,
    tags: list[_Tag],
    priority: int,
    now: datetime,
) -> playbooks.Severity:
    """The strongest repetition among the themes this response complains about."""
    if account is None:
        return playbooks.Severity(priority, None)
    complaints = [t for t in tags if t.label == "negative" or response.category == "detractor"]
    best = playbooks.Severity(priority, None)
    for tag in complaints:
        earlier = list(
            session.scalars(
                select(Response.answered_at)
                .join(ResponseTheme, ResponseTheme.response_id == Response.id)
                .where(
                    Response.account_id == account.id,
                    Response.id != response.id,
                    ResponseTheme.theme_id == tag.theme_id,
                    Response.answered_at < response.answered_at,
                    Response.answered_at >= response.answered_at - playbooks.REPEAT_WINDOW,
                    or_(ResponseTheme.label == "negative", Response.category == "detractor"),
                )
            )
        )
        found = playbooks.repetition(
            priority,
            earlier,
            theme_name=tag.name,
            account_name=account.name,
            now=response.answered_at,
        )
        if found.note and (best.note is None or found.priority > best.priority):
            best = found
    return best


@dataclass(frozen=True)
class Planned:
    """One task a set of rules would create for a response."""

    match: playbooks.Match
    owner_id: int | None
    team_id: int | None
    reason: str
    priority: int
    severity_note: str | None


def plan(
    session: Session,
    response: Response,
    rules: list[playbooks.Rule],
    context: Context,
    now: datetime,
) -> list[Planned]:
    """The tasks `rules` make of `response`, routed; `context` counts them as assigned."""
    matches = playbooks.evaluate(rules, facts_for(session, response))
    if not matches:
        return []
    account = session.get(Account, response.account_id) if response.account_id else None
    tags = _tags(session, response)
    main = _main_theme(tags)
    owner = context.users.get(account.owner_id) if account and account.owner_id else None
    planned = []
    for match in matches:
        teams = context.team_facts()
        decision = routing.route(
            routing.RouteRequest(
                rule_name=match.rule_name,
                route=match.route,
                account_name=account.name if account else None,
                owner=context.member(owner) if owner is not None else None,
                teams=teams,
                theme_name=main.name if main else None,
                theme_team_id=main.owner_team_id if main else None,
            )
        )
        severity = _severity(session, response, account, tags, match.priority, now)
        context.assigned(decision.owner_id, now)
        planned.append(
            Planned(
                match,
                decision.owner_id,
                decision.team_id,
                decision.reason,
                severity.priority,
                severity.note,
            )
        )
    return planned


# ---------------------------------------------------------------- account health


def health_facts(
    account: Account, previous: int | None, current: int | None, drop_points: float
) -> playbooks.Facts:
    """The facts of an account whose health the job just recomputed (trigger account_health)."""
    return playbooks.Facts(
        category=None,
        score=None,
        plan=account.plan,
        arr=account.arr,
        region=account.region,
        lifecycle_stage=account.lifecycle_stage,
        trigger="account_health",
        health_score=current,
        previous_health_score=previous,
        health_drop_points=drop_points,
    )


def plan_for_account(
    account: Account,
    facts: playbooks.Facts,
    rules: list[playbooks.Rule],
    context: Context,
    now: datetime,
) -> list[Planned]:
    """The tasks `rules` make of an account-level trigger, routed like a response's."""
    owner = context.users.get(account.owner_id) if account.owner_id else None
    planned = []
    for match in playbooks.evaluate(rules, facts):
        decision = routing.route(
            routing.RouteRequest(
                rule_name=match.rule_name,
                route=match.route,
                account_name=account.name,
                owner=context.member(owner) if owner is not None else None,
                teams=context.team_facts(),
                theme_name=None,
                theme_team_id=None,
            )
        )
        context.assigned(decision.owner_id, now)
        planned.append(
            Planned(match, decision.owner_id, decision.team_id, decision.reason, match.priority,
                    None)
        )  # fmt: skip
    return planned
