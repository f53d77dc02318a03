"""Who owns a follow-up task, and why: the one place that decides.

To the account's owner CSM; or to a team (named by the rule, or the team owning the response's
main theme), inside which the active member with the fewest open tasks takes it, ties going
round-robin to whoever was assigned least recently. An absent or inactive owner falls back to
the lead of the owner's team. Every decision comes with its reason, stored on the task:
"rule 'Enterprise detractor' → owner of MegaCorp". Pure: plain values in, a plain value out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

TEAM_LEAD = "team_lead"
TAKES_TASKS = ("csm",)  # who shares a team's tasks; the lead takes them when nobody else can


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    role: str
    team_id: int | None
    active: bool = True
    open_tasks: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class TeamFacts:
    id: int
    name: str
    members: Sequence[Member] = ()

    @property
    def lead(self) -> Member | None:
        leads = [m for m in self.members if m.role == TEAM_LEAD and m.active]
        return min(leads, key=lambda m: m.id) if leads else None


@dataclass(frozen=True)
class RouteRequest:
    rule_name: str
    route: Mapping[str, object] = field(default_factory=lambda: {"to": "owner"})
    account_name: str | None = None
    owner: Member | None = None  # the account's owner, active or not
    teams: Mapping[int, TeamFacts] = field(default_factory=dict)
    theme_name: str | None = None
    theme_team_id: int | None = None


@dataclass(frozen=True)
class Routing:
    owner_id: int | None
    team_id: int | None
    reason: str


def least_loaded(team: TeamFacts) -> Member | None:
    """The active CSM with the fewest open tasks; ties to the one assigned least recently,
    then the lowest id (never assigned counts as longest ago), so it is deterministic."""
    candidates = [m for m in team.members if m.active and m.role in TAKES_TASKS]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda m: (
            m.open_tasks,
            m.last_assigned_at is not None,
            m.last_assigned_at or datetime.min,
            m.id,
        ),
    )


def _to_team(team: TeamFacts, prefix: str) -> Routing:
    member = least_loaded(team)
    if member is not None:
        return Routing(
            member.id,
            team.id,
            f"{prefix} → {team.name}: {member.name} has the fewest open tasks "
            f"({member.open_tasks})",
        )
    lead = team.lead
    if lead is not None:
        return Routing(
            lead.id, team.id, f"{prefix} → {team.name}: no active CSM, so the team lead {lead.name}"
        )
    return Routing(None, team.id, f"{prefix} → {team.name}: nobody active in the team; unassigned")


def _to_owner(request: RouteRequest, prefix: str) -> Routing | None:
    owner = request.owner
    account = request.account_name or "the account"
    if owner is not None and owner.active:
        return Routing(owner.id, owner.team_id, f"{prefix} → owner of {account}")
    if owner is not None:
        team = request.teams.get(owner.team_id) if owner.team_id is not None else None
        lead = team.lead if team is not None else None
        if team is not None and lead is not None and lead.id != owner.id:
            return Routing(
                lead.id,
                team.id,
                f"{prefix} → owner of {account} ({owner.name}) is inactive → team lead of "
                f"{team.name}",
            )
    return None


def route(request: RouteRequest) -> Routing:
    """Where a task goes, with the reason people read on the task."""
    prefix = f"rule '{request.rule_name}'"
    to = str(request.route.get("to") or "owner")
    account = request.account_name or "the account"

    if to == "team":
        team_id = request.route.get("team_id")
        team = request.teams.get(team_id) if isinstance(team_id, int) else None
        if team is not None:
            return _to_team(team, prefix)
        prefix = f"{prefix} (its team {team_id} does not exist)"

    if to == "theme_team":
        team = request.teams.get(request.theme_team_id) if request.theme_team_id else None
        if team is not None:
            return _to_team(team, f"{prefix} → theme '{request.theme_name}'")
        prefix = f"{prefix} (no team owns the response's main theme)"

    routed = _to_owner(request, prefix)
    if routed is not None:
        return routed
    why = (
        f"owner of {account} ({request.owner.name}) is inactive and has no team lead"
        if request.owner is not None
        else f"{account} has no owner"
    )
    if to != "theme_team" and request.theme_team_id in request.teams:
        team = request.teams[request.theme_team_id]  # type: ignore[index]
        return _to_team(team, f"{prefix}: {why} → theme '{request.theme_name}'")
    return Routing(None, None, f"{prefix}: {why}; unassigned")
