"""Editing playbooks: drafts copied from the active set, rules validated as an admin types
them, a dry run against the last 30 days, and activation (the old set is retired, kept).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import playbooks, sla
from feedback.models import Account, Contact, PlaybookRule, PlaybookSet, Response, Team, User
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.followup_planning import (
    Context,
    Planned,
    active_set,
    current_set,
    default_set,
    plan,
    rules_of,
)

DRY_RUN_DAYS = 30


def list_sets(session: Session) -> list[PlaybookSet]:
    """Every set, newest first; the defaults come from `flask seed-defaults`, not from here."""
    return list(session.scalars(select(PlaybookSet).order_by(PlaybookSet.id.desc())))


def get_set(session: Session, set_id: int) -> PlaybookSet:
    playbook_set = session.get(PlaybookSet, set_id)
    if playbook_set is None:
        raise NotFound(f"There is no playbook set with id {set_id}.")
    return playbook_set


def create_draft(
    session: Session, actor: Any = None, *, name: str | None = None, from_set_id: int | None = None
) -> PlaybookSet:
    """A draft holding a copy of the given (or the active) set's rules."""
    source = get_set(session, from_set_id) if from_set_id else active_set(session)
    draft = PlaybookSet(
        name=(name or f"{source.name} (draft)").strip()[:200],
        status="draft",
        created_by_id=getattr(actor, "id", None),
    )
    for rule in sorted(source.rules, key=lambda r: r.position):
        draft.rules.append(
            PlaybookRule(
                position=rule.position,
                name=rule.name,
                conditions=dict(rule.conditions),
                action=dict(rule.action),
                stop=rule.stop,
                active=rule.active,
            )
        )
    session.add(draft)
    session.flush()
    return draft


def _draft(session: Session, set_id: int) -> PlaybookSet:
    playbook_set = get_set(session, set_id)
    if playbook_set.status != "draft":
        raise Conflict(
            f"“{playbook_set.name}” is {playbook_set.status}; only drafts are edited. "
            "Make a draft from it instead."
        )
    return playbook_set


def parse_json(text: str, what: str) -> tuple[Any, str | None]:
    """A JSON value typed in a textarea, or the reason it is not one."""
    text = (text or "").strip()
    if not text:
        return {}, None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return (
            None,
            f"The {what} are not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.",
        )


def update_rules(
    session: Session, set_id: int, name: str, rules: Sequence[Mapping[str, Any]]
) -> PlaybookSet:
    """Replace a draft's name and rules. Each rule: name, conditions and action (dicts, or JSON
    text), stop, active. Errors come back per field as "rules.<n>.<field>"."""
    playbook_set = _draft(session, set_id)
    team_ids = set(session.scalars(select(Team.id)))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = ["Give the set a name of at most 200 characters."]
    cleaned = []
    for n, raw in enumerate(rules):
        data = dict(raw)
        for part, what in (("conditions", "conditions"), ("action", "action's fields")):
            if isinstance(data.get(part), str):
                value, problem = parse_json(data[part], what)
                if problem:
                    errors[f"rules.{n}.{part}"] = [problem]
                data[part] = value
        for key, problems in playbooks.validate_rule(data, team_ids).items():
            errors.setdefault(f"rules.{n}.{key}", problems)
        cleaned.append(data)
    if not cleaned:
        errors["rules"] = ["A playbook set needs at least one rule."]
    if errors:
        raise InvalidInput("The playbook set was not saved.", errors)
    playbook_set.name = name
    playbook_set.rules.clear()
    session.flush()
    for position, data in enumerate(cleaned, start=1):
        playbook_set.rules.append(
            PlaybookRule(
                position=position,
                name=str(data["name"]).strip(),
                conditions=dict(data["conditions"]),
                action=dict(data["action"]),
                stop=bool(data.get("stop", True)),
                active=bool(data.get("active", True)),
            )
        )
    session.flush()
    return playbook_set


def activate(
    session: Session, set_id: int, actor: Any = None, now: datetime | None = None
) -> PlaybookSet:
    """The draft becomes the active set; the previous active set is retired (kept)."""
    now = now or datetime.now(UTC)
    playbook_set = _draft(session, set_id)
    if not playbook_set.rules:
        raise InvalidInput("A playbook set needs at least one rule before it is activated.")
    for current in session.scalars(select(PlaybookSet).where(PlaybookSet.status == "active")):
        current.status = "retired"
    playbook_set.status = "active"
    playbook_set.activated_at = now
    session.flush()
    return playbook_set


def delete_draft(session: Session, set_id: int) -> None:
    session.delete(_draft(session, set_id))
    session.flush()


# ---------------------------------------------------------------- dry run


@dataclass(frozen=True)
class WouldCreate:
    """One task of a dry run. `sla_term` is the SLA as the rule gave it ("2 business days");
    `sla_business_hours` is what the task would get, counted in the hours of the team it is
    routed to (a 10-hour team's 2 days are 20 hours), as the task service counts it."""

    rule_name: str
    task_type: str
    priority: int
    sla_term: sla.Term
    sla_business_hours: int
    owner_id: int | None
    owner_name: str
    team_name: str | None
    reason: str
    severity_note: str | None
    team_hours: str  # the business hours of the team it is routed to, described

    @property
    def sla_text(self) -> str:
        """'2 business days (20 business hours of Mon–Fri 08:00–18:00)'; a rule given in
        whole hours is shown as given ('4 business hours of Mon–Fri 08:00–18:00')."""
        counted = f"{self.sla_business_hours} business hours of {self.team_hours}"
        if self.sla_term.unit == sla.HOURS and self.sla_term.amount == self.sla_business_hours:
            return counted
        return f"{self.sla_term.describe()} ({counted})"

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.task_type, self.owner_id, self.priority, self.sla_business_hours)


@dataclass(frozen=True)
class DryRunRow:
    response_id: int
    answered_at: datetime
    who: str
    account: str | None
    score: int | None
    category: str | None
    draft: list[WouldCreate]
    active: list[WouldCreate]

    @property
    def changed(self) -> bool:
        return [t.key for t in self.draft] != [t.key for t in self.active]


@dataclass
class DryRun:
    playbook_set: PlaybookSet
    active_set: PlaybookSet
    since: datetime
    rows: list[DryRunRow] = field(default_factory=list)

    @property
    def changed(self) -> list[DryRunRow]:
        return [r for r in self.rows if r.changed]

    def totals(self, which: str) -> Counter[str]:
        return Counter(t.task_type for r in self.rows for t in getattr(r, which))

    def by_owner(self, which: str) -> Counter[str]:
        return Counter(t.owner_name for r in self.rows for t in getattr(r, which))

    def summary(self) -> list[tuple[str, int, int]]:
        """(task type, tasks the draft makes, tasks the active set makes)."""
        draft, active = self.totals("draft"), self.totals("active")
        return [(t, draft.get(t, 0), active.get(t, 0)) for t in playbooks.TASK_TYPES]

    def owners(self) -> list[tuple[str, int, int]]:
        draft, active = self.by_owner("draft"), self.by_owner("active")
        names = sorted(set(draft) | set(active))
        return [(n, draft.get(n, 0), active.get(n, 0)) for n in names]


def dry_run(session: Session, playbook_set_id: int, now: datetime | None = None) -> DryRun:
    """Replay the last 30 days of responses through a set and through the active set.

    Nothing is written: routing counts each set's tasks as assigned in memory, starting from
    today's open tasks, so the owners shown are the ones each set would have chosen.
    """
    now = now or datetime.now(UTC)
    candidate = get_set(session, playbook_set_id)
    # Before the defaults are seeded, the active set is the default rules, read, not saved.
    active = current_set(session) or default_set(now)
    since = now - timedelta(days=DRY_RUN_DAYS)
    result = DryRun(candidate, active, since)
    responses = session.scalars(
        select(Response)
        .where(
            Response.answered_at >= since, Response.answered_at <= now, Response.score.is_not(None)
        )
        .order_by(Response.answered_at, Response.id)
    ).all()
    draft_rules, active_rules = rules_of(candidate), rules_of(active)
    draft_ctx, active_ctx = Context.load(session), Context.load(session)
    names = {u.id: u.name for u in session.scalars(select(User))}
    teams = {t.id: t.name for t in session.scalars(select(Team))}

    def shown(items: list[Planned], context: Context) -> list[WouldCreate]:
        return [
            WouldCreate(
                p.match.rule_name,
                p.match.task_type,
                p.priority,
                p.match.sla_term,
                context.sla_hours(p.match, p.team_id),
                p.owner_id,
                names.get(p.owner_id, "unassigned") if p.owner_id else "unassigned",
                teams.get(p.team_id) if p.team_id else None,
                p.reason,
                p.severity_note,
                context.hours_of(p.team_id).describe(),
            )
            for p in items
        ]

    for response in responses:
        contact = session.get(Contact, response.contact_id)
        account = session.get(Account, response.account_id) if response.account_id else None
        at = response.answered_at
        result.rows.append(
            DryRunRow(
                response.id,
                at,
                (contact.name or contact.email) if contact else "?",
                account.name if account else None,
                response.score,
                response.category,
                shown(plan(session, response, draft_rules, draft_ctx, at), draft_ctx),
                shown(plan(session, response, active_rules, active_ctx, at), active_ctx),
            )
        )
    return result
