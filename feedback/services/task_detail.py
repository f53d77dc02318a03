"""What one task's page shows: the task, its response and thread, its trail, and the customer
around it (Customer 360: account, contact, score trends, other open tasks, email events).

Reading only; the access rule guards the page (services.visibility). The list of tasks is
services.task_list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from feedback import task_states
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
from feedback.models.followup import RESOLUTION_CODES, ROOT_CAUSES
from feedback.services import conversation, visibility
from feedback.services.errors import NotFound
from feedback.services.task_list import OPEN_STATUSES, PRIORITY_NAMES


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
