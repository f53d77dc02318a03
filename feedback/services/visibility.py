"""The access rule of `feedback.access_rules` applied to rows: checks and query filters.

The rule is decided in the pure module; this module only gathers its plain inputs (a user's
department, a task's or a response's holders) and translates its `Scope` into WHERE clauses,
so that one-item checks and bulk lists cannot disagree. Pages, the API and the task and
conversation services call it; none of them re-decides.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from feedback.access_rules import Holder, Scope, Viewer, may_hand_to, may_see, may_see_any
from feedback.access_rules import scope_of as _scope_of
from feedback.models import Account, Contact, Response, Task, Team, User
from feedback.services.errors import Forbidden, NotFound


def _department(session: Session, team_id: int | None) -> str | None:
    if team_id is None:
        return None
    return session.scalar(select(Team.department).where(Team.id == team_id))


def viewer_of(session: Session, user: Any) -> Viewer:
    """The plain values the rule needs about a signed-in user (or a token's owner)."""
    team_id = getattr(user, "team_id", None)
    return Viewer(user.role, user.id, team_id, _department(session, team_id))


def scope_of(session: Session, user: Any) -> Scope:
    return _scope_of(viewer_of(session, user))


def _user_holder(session: Session, user_id: int | None) -> Holder:
    """A person as the holder of their work: themselves, their team, its department."""
    user = session.get(User, user_id) if user_id is not None else None
    team_id = user.team_id if user is not None else None
    return Holder(user_id, team_id, _department(session, team_id))


def task_holder(session: Session, task: Task) -> Holder:
    return Holder(task.owner_id, task.team_id, _department(session, task.team_id))


def response_holders(session: Session, response: Response) -> list[Holder]:
    """Every task following the response up, and the owner of the customer's account."""
    holders = [
        task_holder(session, task)
        for task in session.scalars(select(Task).where(Task.response_id == response.id))
    ]
    account = session.get(Account, response.account_id) if response.account_id else None
    if account is not None and account.owner_id is not None:
        holders.append(_user_holder(session, account.owner_id))
    return holders


# ---------------------------------------------------------------- one item


def require_task(session: Session, user: Any, task: Task) -> Task:
    """The task, or Forbidden when the rule keeps it from this person."""
    if not may_see(viewer_of(session, user), task_holder(session, task)):
        raise Forbidden("This task belongs to a team you do not work with.")
    return task


def require_response(session: Session, user: Any, response_id: int) -> Response:
    """The response (its thread, its replies), or NotFound / Forbidden."""
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    if not may_see_any(viewer_of(session, user), response_holders(session, response)):
        raise Forbidden("This customer's conversation belongs to a team you do not work with.")
    return response


def require_account(session: Session, user: Any, account_id: int) -> Account:
    """An account's page: held by its owner and by every task on it (as a response is)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("There is no such account.")
    if not session.scalar(
        select(exists().where(Account.id == account_id, accounts_filter(session, user)))
    ):
        raise Forbidden("This account belongs to a team you do not work with.")
    return account


def require_contact(session: Session, user: Any, contact_id: int) -> Contact:
    """A contact's page: seen by whoever sees their account or a task about them."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("There is no such contact.")
    if not session.scalar(
        select(exists().where(Contact.id == contact_id, contacts_filter(session, user)))
    ):
        raise Forbidden("This contact's account belongs to a team you do not work with.")
    return contact


def require_team(session: Session, user: Any, team_id: int) -> Team:
    """A team's own pages (huddle, metrics): NotFound / Forbidden unless the rule allows."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("There is no such team.")
    if not may_see(viewer_of(session, user), Holder(None, team.id, team.department)):
        raise Forbidden("This team's figures are not yours to see.")
    return team


def require_hand_to(session: Session, user: Any, task: Task, new_owner: User) -> None:
    """Hand a task only to a person whose work the actor may see."""
    if not may_hand_to(
        viewer_of(session, user), task_holder(session, task), _user_holder(session, new_owner.id)
    ):
        raise Forbidden(
            f"{new_owner.name} works in a team you do not work with; the task was not handed over.",
            {"owner_id": ["Choose someone from a team you work with."]},
        )


# ---------------------------------------------------------------- lists


def _clause(scope: Scope, owner: Any, team: Any) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    if scope.user_id is not None:
        parts.append(owner == scope.user_id)
    if scope.team_id is not None:
        parts.append(team == scope.team_id)
    if scope.department is not None:
        parts.append(team.in_(select(Team.id).where(Team.department == scope.department)))
    return or_(*parts) if parts else false()


def task_branches(session: Session, user: Any) -> list[ColumnElement[bool]] | None:
    """The tasks this person may see as disjoint WHERE clauses on Task, or None for every task:
    their own tasks outside the teams they see, then each team's tasks (a department's teams
    looked up now). Each branch is one range of an index in due order, so a long list pages
    through them without reading every task the OR of them would (services.task_list)."""
    scope = scope_of(session, user)
    if scope.everything:
        return None
    team_ids = {scope.team_id} if scope.team_id is not None else set()
    if scope.department is not None:
        team_ids.update(session.scalars(select(Team.id).where(Team.department == scope.department)))
    branches: list[ColumnElement[bool]] = [Task.team_id == t for t in sorted(team_ids)]
    if scope.user_id is not None:
        own = Task.owner_id == scope.user_id
        if team_ids:  # their tasks in those teams are in the teams' branches
            own = own & or_(Task.team_id.is_(None), Task.team_id.not_in(sorted(team_ids)))
        branches.insert(0, own)
    return branches


def tasks_filter(session: Session, user: Any) -> ColumnElement[bool]:
    """WHERE clause on Task: the tasks this person may see (the union of task_branches)."""
    branches = task_branches(session, user)
    if branches is None:
        return true()
    return or_(*branches) if branches else false()


def responses_filter(session: Session, user: Any) -> ColumnElement[bool]:
    """WHERE clause on Response: followed up by a task they see, or of an account they see."""
    scope = scope_of(session, user)
    if scope.everything:
        return true()
    owner = aliased(User)
    by_task = select(Task.response_id).where(
        Task.response_id.is_not(None), _clause(scope, Task.owner_id, Task.team_id)
    )
    by_account = (
        select(Account.id)
        .join(owner, owner.id == Account.owner_id)
        .where(_clause(scope, Account.owner_id, owner.team_id))
    )
    return or_(Response.id.in_(by_task), Response.account_id.in_(by_account))


def accounts_filter(session: Session, user: Any) -> ColumnElement[bool]:
    """WHERE clause on Account: owned by someone whose work they see, or with a task they see."""
    scope = scope_of(session, user)
    if scope.everything:
        return true()
    owner = aliased(User)
    by_owner = (
        select(Account.id)
        .join(owner, owner.id == Account.owner_id)
        .where(_clause(scope, Account.owner_id, owner.team_id))
    )
    by_task = select(Task.account_id).where(
        Task.account_id.is_not(None), _clause(scope, Task.owner_id, Task.team_id)
    )
    return or_(Account.id.in_(by_owner), Account.id.in_(by_task))


def contacts_filter(session: Session, user: Any) -> ColumnElement[bool]:
    """WHERE clause on Contact: of an account they see, or with a task they see."""
    scope = scope_of(session, user)
    if scope.everything:
        return true()
    by_task = select(Task.contact_id).where(
        Task.contact_id.is_not(None), _clause(scope, Task.owner_id, Task.team_id)
    )
    return or_(
        Contact.account_id.in_(select(Account.id).where(accounts_filter(session, user))),
        Contact.id.in_(by_task),
    )


def teams_filter(session: Session, user: Any) -> ColumnElement[bool]:
    """WHERE clause on Team: the teams whose pages (huddle, metrics) this person may open."""
    scope = scope_of(session, user)
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    if scope.team_id is not None:
        parts.append(Team.id == scope.team_id)
    if scope.department is not None:
        parts.append(Team.department == scope.department)
    return or_(*parts) if parts else false()


def visible_team_ids(session: Session, user: Any) -> list[int] | None:
    """The ids of the teams this person sees, or None for every team."""
    if scope_of(session, user).everything:
        return None
    return list(session.scalars(select(Team.id).where(teams_filter(session, user))))


def teams_picked(session: Session, user: Any, picked: int | None) -> list[int] | None:
    """Which teams a team page (metrics) shows: the one picked, if the rule allows it (else
    Forbidden), or every team the person sees (None: all of them, for admins)."""
    if picked is not None:
        return [require_team(session, user, picked).id]
    return visible_team_ids(session, user)
