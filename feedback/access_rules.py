"""Who may see and act on a task, a response, its thread and its replies: one rule.

Pages, the API and the services that change tasks all ask this module; nothing else decides.
It takes plain values (the viewer's role, id, team and department; the thing's owner, team and
department) so that it is proved by a table of cases and cannot drift from production.

The rule
--------
- **Admins** see and act on everything.
- **Department heads** see their department's teams: every task or response held by a team
  whose department is the department of the head's own team. A head with no team has no
  department and falls back to the rule below.
- **Team leads and CSMs** see their own team's tasks and responses.
- **Everyone** sees what they own themselves (a task handed to them from another team, an
  account they own).
- A **task** is held by its owner and its team.
- A **response** (and its thread and replies) is held by every task that follows it up and by
  the owner of the customer's account: whoever may see one of those may see the response.
  A response with neither a task nor an account owner is seen by admins only.
- **API tokens** act as the user they belong to, with the same rule.
- Acting follows seeing: who may see a task may change its status, comment and reply; a task
  may be handed only to a person whose work the actor may see (so a CSM cannot move a task to
  a team they cannot see).
- Lists are filtered, never refused: a bulk read shows only what the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feedback.roles import Role


@dataclass(frozen=True)
class Viewer:
    """The person asking: their role, id, team, and that team's department."""

    role: str
    user_id: int | None
    team_id: int | None = None
    department: str | None = None


@dataclass(frozen=True)
class Holder:
    """Who holds a thing: its owner, its team and the team's department (any may be None)."""

    owner_id: int | None = None
    team_id: int | None = None
    department: str | None = None


@dataclass(frozen=True)
class Scope:
    """What a viewer sees, as values a query can filter on.

    `everything`, or the union of: things owned by `user_id`, held by `team_id`, or held by a
    team of `department`.
    """

    everything: bool
    user_id: int | None
    team_id: int | None
    department: str | None

    def covers(self, holder: Holder) -> bool:
        if self.everything:
            return True
        if self.user_id is not None and holder.owner_id == self.user_id:
            return True
        if self.team_id is not None and holder.team_id == self.team_id:
            return True
        return self.department is not None and holder.department == self.department


def scope_of(viewer: Viewer) -> Scope:
    """The rule itself: what a viewer of this role sees."""
    if viewer.role == Role.ADMIN:
        return Scope(True, viewer.user_id, None, None)
    known = viewer.role in (Role.CSM, Role.TEAM_LEAD, Role.DEPARTMENT_HEAD)
    team_id = viewer.team_id if known else None
    department = viewer.department if viewer.role == Role.DEPARTMENT_HEAD else None
    return Scope(False, viewer.user_id, team_id, department)


def may_see(viewer: Viewer, holder: Holder) -> bool:
    """May this viewer see (and act on) a thing held by `holder`?"""
    return scope_of(viewer).covers(holder)


def may_see_any(viewer: Viewer, holders: Iterable[Holder]) -> bool:
    """A thing held by several (a response behind several tasks and an account owner)."""
    scope = scope_of(viewer)
    return scope.everything or any(scope.covers(h) for h in holders)


def may_see_team(viewer: Viewer, team_id: int, department: str | None) -> bool:
    """A team's own pages (huddle pack, metrics): the same rule for the team as a holder."""
    return may_see(viewer, Holder(owner_id=None, team_id=team_id, department=department))


def may_hand_to(viewer: Viewer, task: Holder, new_owner: Holder) -> bool:
    """A task may be handed over by someone who sees it, to someone whose work they see."""
    return may_see(viewer, task) and may_see(viewer, new_owner)
