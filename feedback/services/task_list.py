"""The task read model: which follow-up tasks a person sees (the CSM queue), and everything
the task page shows (Customer 360).

Reading only; changing a task (status, reassignment, comments) is the follow-up service's job.
A list is one query (task, account, contact, response, analysis and owner joined) plus its
count, so a page of fifty tasks costs two round trips whatever the page size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from feedback import exports, playbooks, task_states
from feedback.models import (
    Account,
    Contact,
    EmailEvent,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    Task,
    TaskEvent,
    Team,
    User,
)
from feedback.models.followup import RESOLUTION_CODES, ROOT_CAUSES, TASK_STATUSES, TASK_TYPES
from feedback.services import conversation, visibility
from feedback.services.errors import InvalidInput, NotFound

VIEWS = ("mine", "team", "overdue")
SORTS = ("due", "priority", "arr")
OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
PRIORITY_NAMES = playbooks.PRIORITIES
MAX_PER_PAGE = 200


# ---------------------------------------------------------------- the list


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


def _scope(session: Session, user: Any, view: str, filters: Filters) -> list[Any]:
    """The WHERE clauses that say whose tasks a view shows this person (the access rule,
    narrowed to one team when they picked one)."""
    if view == "mine":
        return [Task.owner_id == user.id]
    where = [visibility.tasks_filter(session, user)]
    if filters.team_id:
        where.append(Task.team_id == filters.team_id)
    return where


def _queue_query(
    session: Session, user: Any, view: str, filters: Filters, sort: str, now: datetime
) -> Select[Any]:
    owner = aliased(User)
    query = (
        select(
            Task.id,
            Task.type,
            Task.status,
            Task.priority,
            Task.title,
            Task.due_at,
            Task.severity_note,
            Task.response_id,
            owner.name.label("owner_name"),
            Team.name.label("team_name"),
            Task.account_id,
            Account.name.label("account_name"),
            Account.arr,
            Account.plan,
            Contact.name.label("contact_name"),
            Contact.email.label("contact_email"),
            Response.score,
            Response.category,
            ResponseAnalysis.mismatch,
        )
        .select_from(Task)
        .outerjoin(owner, owner.id == Task.owner_id)
        .outerjoin(Team, Team.id == Task.team_id)
        .outerjoin(Account, Account.id == Task.account_id)
        .outerjoin(Contact, Contact.id == Task.contact_id)
        .outerjoin(Response, Response.id == Task.response_id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Task.response_id)
    )
    where = _scope(session, user, view, filters)
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
    query = query.where(*where)
    order: list[Any]
    if sort == "priority":
        order = [Task.priority.desc(), Task.due_at, Task.id]
    elif sort == "arr":
        order = [Account.arr.desc().nulls_last(), Task.due_at, Task.id]
    else:
        order = [Task.due_at, Task.id]
    return query.order_by(*order)


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
    query = _queue_query(session, user, view, filters, sort, now)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [_row(r, now) for r in rows], total


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


# ---------------------------------------------------------------- one task


@dataclass(frozen=True)
class ScorePoint:
    answered_at: datetime
    score: int
    response_id: int


@dataclass(frozen=True)
class Trend:
    """Earlier scores, oldest first (the page draws them: web.sparkline)."""

    points: list[ScorePoint]

    @property
    def last(self) -> int | None:
        return self.points[-1].score if self.points else None

    @property
    def summary(self) -> str:
        if not self.points:
            return "no scores yet"
        scores = ", ".join(str(p.score) for p in self.points)
        plural = "s" if len(self.points) != 1 else ""
        return f"{len(self.points)} score{plural}, oldest first: {scores}"


@dataclass(frozen=True)
class EventRow:
    event: TaskEvent
    actor_name: str | None


@dataclass(frozen=True)
class Customer360:
    account: Account | None
    account_owner: User | None
    contact: Contact | None
    contact_trend: Trend
    account_trend: Trend
    open_tasks: list[Task]
    email_events: list[EmailEvent]


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    owner: User | None
    team: Team | None
    overdue: bool
    response: Response | None
    analysis: ResponseAnalysis | None
    themes: list[ResponseTheme]
    thread: conversation.Thread | None
    events: list[EventRow]
    customer: Customer360
    assignees: list[User]
    resolution_codes: tuple[str, ...] = RESOLUTION_CODES
    root_causes: tuple[str, ...] = ROOT_CAUSES

    @property
    def priority_name(self) -> str:
        return PRIORITY_NAMES.get(self.task.priority, str(self.task.priority))


TREND_POINTS = 12
EMAIL_EVENTS = 10


def get_task(session: Session, task_id: int, user: Any) -> Task:
    """The task, if it exists and this person may see it."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("There is no such task.")
    return visibility.require_task(session, user, task)


def task_detail(
    session: Session, task_id: int, user: Any, now: datetime | None = None
) -> TaskDetail:
    now = now or datetime.now(UTC)
    task = get_task(session, task_id, user)
    response = session.get(Response, task.response_id) if task.response_id else None
    analysis = session.get(ResponseAnalysis, response.id) if response is not None else None
    themes = (
        list(
            session.scalars(
                select(ResponseTheme)
                .where(ResponseTheme.response_id == response.id)
                .order_by(ResponseTheme.id)
            )
        )
        if response is not None
        else []
    )
    thread = conversation.get_thread(session, response.id) if response is not None else None
    actor = aliased(User)
    events = [
        EventRow(event, name)
        for event, name in session.execute(
            select(TaskEvent, actor.name)
            .outerjoin(actor, actor.id == TaskEvent.actor_user_id)
            .where(TaskEvent.task_id == task.id)
            .order_by(TaskEvent.created_at, TaskEvent.id)
        ).all()
    ]
    return TaskDetail(
        task=task,
        owner=session.get(User, task.owner_id) if task.owner_id else None,
        team=session.get(Team, task.team_id) if task.team_id else None,
        overdue=task_states.is_overdue(task.due_at, now, task.status),
        response=response,
        analysis=analysis,
        themes=themes,
        thread=thread,
        events=events,
        customer=_customer_360(session, task, response),
        assignees=assignees(session, task),
    )


def score_trend(session: Session, condition: Any, points: int = TREND_POINTS) -> Trend:
    """The latest `points` NPS answers matching `condition` (a contact's, an account's)."""
    rows = session.execute(
        select(Response.answered_at, Response.score, Response.id)
        .where(condition, Response.score.is_not(None), Response.scale == "nps")
        .order_by(Response.answered_at.desc(), Response.id.desc())
        .limit(points)
    ).all()
    return Trend([ScorePoint(a, s, i) for a, s, i in reversed(rows)])


def _customer_360(session: Session, task: Task, response: Response | None) -> Customer360:
    contact_id = task.contact_id or (response.contact_id if response is not None else None)
    account_id = task.account_id or (response.account_id if response is not None else None)
    contact = session.get(Contact, contact_id) if contact_id else None
    if account_id is None and contact is not None:
        account_id = contact.account_id
    account = session.get(Account, account_id) if account_id else None
    open_tasks: list[Task] = []
    if account is not None:
        open_tasks = list(
            session.scalars(
                select(Task)
                .where(
                    Task.account_id == account.id,
                    Task.status.in_(OPEN_STATUSES),
                    Task.id != task.id,
                )
                .order_by(Task.due_at, Task.id)
                .limit(20)
            )
        )
    events: list[EmailEvent] = []
    if contact is not None:
        events = list(
            session.scalars(
                select(EmailEvent)
                .where(EmailEvent.contact_id == contact.id)
                .order_by(EmailEvent.occurred_at.desc(), EmailEvent.id.desc())
                .limit(EMAIL_EVENTS)
            )
        )
    return Customer360(
        account=account,
        account_owner=session.get(User, account.owner_id)
        if account is not None and account.owner_id
        else None,
        contact=contact,
        contact_trend=score_trend(session, Response.contact_id == contact.id)
        if contact is not None
        else Trend([]),
        account_trend=score_trend(session, Response.account_id == account.id)
        if account is not None
        else Trend([]),
        open_tasks=open_tasks,
        email_events=events,
    )


def assignees(session: Session, task: Task) -> list[User]:
    """Whom a task may be handed to: active staff of its team, else every active CSM and lead."""
    query = select(User).where(User.active.is_(True)).order_by(User.name, User.id)
    if task.team_id is not None:
        query = query.where(or_(User.team_id == task.team_id, User.id == task.owner_id))
    else:
        query = query.where(
            or_(User.role.in_(("csm", "team_lead")), and_(User.id == task.owner_id))
        )
    return list(session.scalars(query))
