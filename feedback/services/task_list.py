"""The task list read model: which follow-up tasks a person sees (the CSM queue, its CSV).
What one task's page shows (Customer 360) is services.task_detail.

Reading only; changing a task (status, reassignment, comments) is the follow-up service's job.
A page is one query (the page's keys read from the indexes of open tasks, then task, account,
contact, response, analysis and owner joined for those only) plus its count, so a page of
fifty tasks costs two round trips whatever the page size or the number of tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, false, func, or_, select, true, union_all
from sqlalchemy.orm import Session

from feedback import exports, playbooks, task_states
from feedback.models import (
    Account,
    Contact,
    Response,
    ResponseAnalysis,
    Task,
    Team,
    User,
)
from feedback.models.followup import TASK_STATUSES, TASK_TYPES
from feedback.services import visibility
from feedback.services.errors import InvalidInput

VIEWS = ("mine", "team", "overdue")
SORTS = ("due", "priority", "arr")
OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
PRIORITY_NAMES = playbooks.PRIORITIES
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Filters:
    """What a person narrowed the list to; empty means no narrowing (open tasks only)."""

    status: str | None = None  # one of TASK_STATUSES, or "all"; default: every open status
    type: str | None = None
    priority: int | None = None
    plan: str | None = None
    overdue: bool = False
    team_id: int | None = None  # the team view of someone who sees every team

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read GET parameters, refusing values that name nothing (a typo must not hide work)."""
        errors: dict[str, list[str]] = {}
        status = (args.get("status") or "").strip() or None
        if status is not None and status not in (*TASK_STATUSES, "all"):
            errors["status"] = [f"Choose one of: {', '.join((*TASK_STATUSES, 'all'))}."]
        type_ = (args.get("type") or "").strip() or None
        if type_ is not None and type_ not in TASK_TYPES:
            errors["type"] = [f"Choose one of: {', '.join(TASK_TYPES)}."]
        priority = _int_or_none(args.get("priority"))
        if args.get("priority") and (priority is None or priority not in PRIORITY_NAMES):
            errors["priority"] = ["Priority is 1 (low) to 4 (urgent)."]
        team_id = _int_or_none(args.get("team"))
        if args.get("team") and team_id is None:
            errors["team"] = ["Choose a team from the list."]
        if errors:
            raise InvalidInput("Some filters are not valid; they were not applied.", errors)
        return cls(
            status=status,
            type=type_,
            priority=priority,
            plan=(args.get("plan") or "").strip() or None,
            overdue=args.get("overdue") in ("1", "on", "true", "yes"),
            team_id=team_id,
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class QueueRow:
    id: int
    type: str
    status: str
    priority: int
    title: str
    due_at: datetime
    overdue: bool
    severity_note: str | None
    response_id: int | None
    owner_name: str | None
    team_name: str | None
    account_id: int | None
    account_name: str | None
    arr: Decimal | None
    plan: str | None
    contact_name: str | None
    contact_email: str | None
    score: int | None
    category: str | None
    mismatch: bool

    @property
    def priority_name(self) -> str:
        return PRIORITY_NAMES.get(self.priority, str(self.priority))


def _branches(session: Session, user: Any, view: str, filters: Filters) -> list[Any]:
    """Whose tasks a view shows this person, as disjoint WHERE clauses (the access rule's
    branches, visibility.task_branches), narrowed to one team when they picked one."""
    if view == "mine":
        return [Task.owner_id == user.id]
    branches = visibility.task_branches(session, user)
    if branches is None:
        branches = [true()]
    if filters.team_id:
        branches = [and_(b, Task.team_id == filters.team_id) for b in branches]
    return branches


def _narrowing(view: str, filters: Filters, now: datetime) -> list[Any]:
    """The WHERE clauses of the filters (and of the overdue view), on Task and Account."""
    where: list[Any] = []
    if filters.status == "all":
        pass
    elif filters.status:
        where.append(Task.status == filters.status)
    else:
        # The statuses as literals, not parameters: only then can PostgreSQL use the partial
        # indexes on open tasks (a prepared plan cannot prove parameters match them).
        statuses = bindparam("open", OPEN_STATUSES, expanding=True, literal_execute=True)
        where.append(Task.status.in_(statuses))
    if view == "overdue" or filters.overdue:
        where.append(Task.overdue_where(now))
    if filters.type:
        where.append(Task.type == filters.type)
    if filters.priority:
        where.append(Task.priority == filters.priority)
    if filters.plan:
        where.append(Account.plan == filters.plan)
    return where


def _order(sort: str, due_at: Any, task_id: Any, priority: Any, arr: Any) -> list[Any]:
    """The order of a sort, on whichever columns carry the keys (the table's or a page's)."""
    if sort == "priority":
        return [priority.desc(), due_at, task_id]
    if sort == "arr":
        return [arr.desc().nulls_last(), due_at, task_id]
    return [due_at, task_id]


def _keys(branch: Any, narrowing: list[Any], sort: str, with_account: bool) -> Select[Any]:
    """One branch's tasks as their sort keys only: what an index can answer on its own."""
    columns = [Task.id, Task.due_at]
    if sort == "priority":
        columns.append(Task.priority)
    if sort == "arr":
        columns.append(Account.arr)
    query = select(*columns).where(branch, *narrowing)
    if with_account:
        query = query.outerjoin(Account, Account.id == Task.account_id)
    return query


def _page_of_ids(
    branches: list[Any], view: str, filters: Filters, sort: str, now: datetime, limit: int,
    offset: int,
) -> Any:  # fmt: skip
    """The keys of one page, taken from each branch in its index order: a branch gives at most
    offset + limit tasks, and the page is the first of those merged. Reading the OR of the
    branches instead made PostgreSQL fetch and sort every open task of a team (60,000 at
    1,000,000 tasks) to show 50; SQLite has no parenthesised LIMIT in a UNION, hence the
    subqueries."""
    narrowing = _narrowing(view, filters, now)
    with_account = sort == "arr" or bool(filters.plan)
    parts = []
    for branch in branches:
        keys = _keys(branch, narrowing, sort, with_account)
        c = keys.selected_columns
        order = _order(sort, Task.due_at, Task.id, c.get("priority"), c.get("arr"))
        part = keys.order_by(*order).limit(limit + offset).subquery()
        parts.append(select(*part.c))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("page")


def _count_query(branches: list[Any], view: str, filters: Filters, now: datetime) -> Select[Any]:
    """How many tasks a view shows: over its disjoint branches, each read from its index (no
    joins unless a filter is on the account)."""
    narrowing = _narrowing(view, filters, now)
    parts = [
        _keys(branch, narrowing, "due", bool(filters.plan)).with_only_columns(Task.id)
        for branch in branches
    ]
    both = parts[0] if len(parts) == 1 else union_all(*parts)
    return select(func.count()).select_from(both.subquery())


def _detail_columns() -> list[Any]:
    """What a row shows. The one-row lookups are correlated subqueries, not joins: PostgreSQL
    spent 20 ms choosing an order for eight joined tables, against 2 ms to run the page."""
    owner_name = select(User.name).where(User.id == Task.owner_id).scalar_subquery()
    team_name = select(Team.name).where(Team.id == Task.team_id).scalar_subquery()
    mismatch = (
        select(ResponseAnalysis.mismatch)
        .where(ResponseAnalysis.response_id == Task.response_id)
        .scalar_subquery()
    )
    return [
        Task.id, Task.type, Task.status, Task.priority, Task.title, Task.due_at,
        Task.severity_note, Task.response_id, owner_name.label("owner_name"),
        team_name.label("team_name"), Task.account_id, Account.name.label("account_name"),
        Account.arr, Account.plan, Contact.name.label("contact_name"),
        Contact.email.label("contact_email"), Response.score, Response.category,
        mismatch.label("mismatch"),
    ]  # fmt: skip


def _with_details(query: Select[Any]) -> Select[Any]:
    return (
        query.outerjoin(Account, Account.id == Task.account_id)
        .outerjoin(Contact, Contact.id == Task.contact_id)
        .outerjoin(Response, Response.id == Task.response_id)
    )


def _page_query(
    branches: list[Any], view: str, filters: Filters, sort: str, now: datetime, page: int,
    per_page: int,
) -> Select[Any]:  # fmt: skip
    """One page of a view: its keys (_page_of_ids), then the fifty tasks' details joined."""
    offset = (page - 1) * per_page
    keys = _page_of_ids(branches, view, filters, sort, now, per_page, offset)
    query = _with_details(
        select(*_detail_columns()).select_from(keys).join(Task, Task.id == keys.c.id)
    )
    c = keys.c
    order = _order(sort, c.due_at, c.id, c.get("priority"), c.get("arr"))
    return query.order_by(*order).limit(per_page).offset(offset)


def _queue_query(
    session: Session, user: Any, view: str, filters: Filters, sort: str, now: datetime
) -> Select[Any]:
    """Every task of a view, in order, with its details: the CSV export's stream."""
    branches = _branches(session, user, view, filters)
    visible = or_(*branches) if branches else false()
    query = _with_details(select(*_detail_columns()).select_from(Task))
    query = query.where(visible, *_narrowing(view, filters, now))
    return query.order_by(*_order(sort, Task.due_at, Task.id, Task.priority, Account.arr))


def queue(
    session: Session,
    *,
    user: Any,
    view: str = "mine",
    filters: Filters | None = None,
    sort: str = "due",
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[QueueRow], int]:
    """One page of the tasks this person sees in a view, and how many there are in all."""
    if view not in VIEWS:
        raise InvalidInput(f"Unknown view {view!r}.", {"view": [f"One of: {', '.join(VIEWS)}."]})
    if sort not in SORTS:
        raise InvalidInput(
            f"Unknown sort {sort!r}.", {"sort": [f"Sort by one of: {', '.join(SORTS)}."]}
        )
    now = now or datetime.now(UTC)
    filters = filters or Filters()
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    branches = _branches(session, user, view, filters)
    if not branches:  # the rule shows this person no task at all
        return [], 0
    total = session.scalar(_count_query(branches, view, filters, now)) or 0
    if total == 0 or (page - 1) * per_page >= total:
        return [], total
    query = _page_query(branches, view, filters, sort, now, page, per_page)
    return [_row(r, now) for r in session.execute(query).all()], total


EXPORT_HEADER = (
    "task_id", "type", "status", "priority", "title", "due_at", "overdue", "owner", "team",
    "account_id", "account", "arr", "plan", "contact_name", "contact_email", "response_id",
    "score", "category", "mismatch", "severity_note",
)  # fmt: skip


def export_csv(
    session: Session,
    *,
    user: Any,
    view: str = "team",
    filters: Filters | None = None,
    sort: str = "due",
    now: datetime | None = None,
) -> Iterator[str]:
    """The tasks of a queue view with its filters, as streamed CSV (server-side cursor)."""
    if view not in VIEWS or sort not in SORTS:
        raise InvalidInput("Unknown view or sort.", {"view": [f"One of: {', '.join(VIEWS)}."]})
    now = now or datetime.now(UTC)
    query = _queue_query(session, user, view, filters or Filters(), sort, now)
    result = session.execute(query.execution_options(yield_per=2_000))

    def values() -> Iterator[tuple[Any, ...]]:
        try:
            for raw in result:
                r = _row(raw, now)
                yield (
                    r.id, r.type, r.status, r.priority_name, r.title, r.due_at, r.overdue,
                    r.owner_name, r.team_name, r.account_id, r.account_name, r.arr, r.plan,
                    r.contact_name, r.contact_email, r.response_id, r.score, r.category,
                    r.mismatch, r.severity_note,
                )  # fmt: skip
        finally:  # the stream outlives the request: end its read (see response_explorer)
            result.close()
            session.rollback()

    return exports.csv_chunks(EXPORT_HEADER, values())


def _row(r: Any, now: datetime) -> QueueRow:
    data = r._asdict()
    data["mismatch"] = bool(data["mismatch"])
    data["overdue"] = task_states.is_overdue(data["due_at"], now, data["status"])
    return QueueRow(**data)


def plans(session: Session) -> list[str]:
    """The account plans there are, for the filter's choices."""
    return list(
        session.scalars(
            select(Account.plan).where(Account.plan.is_not(None)).distinct().order_by(Account.plan)
        )
    )


def teams_for(session: Session, user: Any) -> list[Team]:
    """The teams a person may pick in the team view, the huddle and the metrics."""
    return list(
        session.scalars(
            select(Team).where(visibility.teams_filter(session, user)).order_by(Team.name)
        )
    )
