"""The inner loop's write side (the task service): responses become routed tasks, tasks move
through their lifecycle, and a closed recovery gets its "Did we resolve it?" scheduled.

Decisions live in pure modules (playbooks: which tasks; routing: who; sla: when due;
task_states: which move is allowed); the plan of which tasks a response makes is read in
services.followup_planning (shared with the playbook admin's dry run). This module writes
tasks, events and webhooks in the caller's transaction, and never commits. Neighbours:
services.escalation (late tasks), services.followup_notices (digests),
services.resolution_checks (the customer's answer), services.task_list (reading).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from feedback import playbooks, sla, task_states
from feedback.models import Account, Contact, ResolutionCheck, Response, Task, TaskEvent, User
from feedback.services import analytics, dialects, followup_planning, visibility, webhooks_out
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.followup_planning import Context, Planned, active_set, plan, rules_of
from feedback.services.staff_mail import team_clock
from feedback.tokens import hash_token, new_token

SETTLE_AFTER = timedelta(minutes=30)  # a provisional score this old is followed up anyway
LOOKBACK = timedelta(days=7)  # responses older than this are history, not work
MAX_COMMENT = 5000
TYPE_LABELS = {
    "recover": "Recover",
    "convert": "Convert",
    "advocate": "Advocate",
    "review": "Review",
}


# ---------------------------------------------------------------- creating follow-ups


def _emit(session: Session, event: str, payload: Mapping[str, Any], now: datetime) -> None:
    if event in webhooks_out.EVENT_TYPES:  # subscribable once the webhook list names it
        webhooks_out.emit(session, event, payload, now)


def task_payload(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "type": task.type,
        "status": task.status,
        "priority": task.priority,
        "title": task.title,
        "response_id": task.response_id,
        "invitation_id": task.invitation_id,
        "contact_id": task.contact_id,
        "account_id": task.account_id,
        "owner_id": task.owner_id,
        "team_id": task.team_id,
        "routing_reason": task.routing_reason,
        "severity_note": task.severity_note,
        "due_at": task.due_at,
        "created_at": task.created_at,
        "resolution_code": task.resolution_code,
        "root_cause": task.root_cause,
        "closed_at": task.closed_at,
    }


def _title(
    task_type: str, response: Response, contact: Contact | None, account: Account | None
) -> str:
    who = (contact.name or contact.email) if contact else "a customer"
    at = f" ({account.name})" if account else ""
    return f"{TYPE_LABELS.get(task_type, task_type)}: {who}{at} scored {response.score}"[:300]


def _settled(now: datetime, since: datetime | None = None) -> Any:
    return and_(
        Response.score.is_not(None),
        Response.answered_at >= max(now - LOOKBACK, since or now - LOOKBACK),
        Response.answered_at <= now,  # a run at `now` never follows up a later answer
        or_(Response.status == "confirmed", Response.answered_at <= now - SETTLE_AFTER),
        ~exists().where(Task.response_id == Response.id),
    )


def create_followups(
    session: Session, now: datetime | None = None, *, since: datetime | None = None
) -> dict[str, int]:
    """Tasks for every settled response that has none: confirmed, or provisional for 30
    minutes (the customer closed the tab after clicking a score). `since` leaves out answers
    before it (the demo replays its last month; older answers are history, not work)."""
    now = now or datetime.now(UTC)
    query = select(Response).where(_settled(now, since)).order_by(Response.answered_at, Response.id)
    query = dialects.locked(session, query, skip_locked=True, of=Response)
    responses = list(session.scalars(query))
    stats = {"responses": len(responses), "tasks": 0}
    if not responses:
        return stats
    # The survey page leaves a comment's analysis to a job; the plan reads its sentiment and
    # themes, so a response still waiting for it is analysed here first.
    analytics.analyze_pending(session, responses=responses)
    playbook_set = active_set(session, now)
    rules = rules_of(playbook_set)
    context = Context.load(session)
    for response in responses:
        for item in plan(session, response, rules, context, now):
            _create_task(session, response, item, context, now)
            stats["tasks"] += 1
    session.flush()
    return stats


def _create_task(
    session: Session, response: Response, item: Planned, context: Context, now: datetime
) -> Task:
    contact = session.get(Contact, response.contact_id)
    account = session.get(Account, response.account_id) if response.account_id else None
    hours = context.sla_hours(item.match, item.team_id)
    task = Task(
        type=item.match.task_type,
        status="open",
        priority=item.priority,
        title=_title(item.match.task_type, response, contact, account),
        response_id=response.id,
        invitation_id=response.invitation_id,
        contact_id=response.contact_id,
        account_id=response.account_id,
        owner_id=item.owner_id,
        team_id=item.team_id,
        playbook_rule_id=item.match.rule.id,
        routing_reason=item.reason,
        severity_note=item.severity_note,
        sla_business_hours=hours,
        due_at=context.due_at(now, hours, item.team_id),
        created_at=now,
        updated_at=now,
    )
    task.events.append(TaskEvent(kind="created", to_value="open", body=item.reason, created_at=now))
    if item.severity_note:
        task.events.append(
            TaskEvent(
                kind="severity",
                to_value=str(item.priority),
                body=item.severity_note,
                created_at=now,
            )
        )
    session.add(task)
    session.flush()
    _emit(session, "task.created", task_payload(task), now)
    return task


def open_health_recovery(
    session: Session,
    account: Account,
    previous: int | None,
    current: int | None,
    drop_points: float,
    now: datetime,
) -> list[Task]:
    """Tasks for an account whose health fell, by the active playbooks' `health_drop` rules;
    none while an earlier health task of the account is still open."""
    facts = followup_planning.health_facts(account, previous, current, drop_points)
    rules = rules_of(active_set(session, now))
    if not [r for r in rules if r.active and "health_drop" in r.conditions]:
        return []
    already = session.scalar(
        select(Task.id).where(
            Task.account_id == account.id,
            Task.response_id.is_(None),
            Task.status != "closed",
            Task.playbook_rule_id.in_([r.id for r in rules if "health_drop" in r.conditions]),
        )
    )
    if already is not None:
        return []
    context = Context.load(session)
    tasks = []
    for item in followup_planning.plan_for_account(account, facts, rules, context, now):
        hours = context.sla_hours(item.match, item.team_id)
        reason = f"{item.reason}; health {previous} → {current}"
        task = Task(
            type=item.match.task_type,
            status="open",
            priority=item.priority,
            title=f"{TYPE_LABELS.get(item.match.task_type, item.match.task_type)}: "
            f"{account.name} health fell from {previous} to {current}"[:300],
            account_id=account.id,
            owner_id=item.owner_id,
            team_id=item.team_id,
            playbook_rule_id=item.match.rule.id,
            routing_reason=reason,
            sla_business_hours=hours,
            due_at=context.due_at(now, hours, item.team_id),
            created_at=now,
            updated_at=now,
        )
        task.events.append(TaskEvent(kind="created", to_value="open", body=reason, created_at=now))
        session.add(task)
        session.flush()
        _emit(session, "task.created", task_payload(task), now)
        tasks.append(task)
    return tasks


# ---------------------------------------------------------------- changing a task


def _task_for_change(session: Session, task_id: int, actor: Any) -> Task:
    """The task, locked, if the actor may act on it (the access rule); `None` is the system
    itself (a job reopening a task the customer says is unresolved)."""
    query = select(Task).where(Task.id == task_id)
    query = dialects.locked(session, query)
    task = session.scalar(query)
    if task is None:
        raise NotFound(f"There is no task with id {task_id}.")
    if actor is not None:
        visibility.require_task(session, actor, task)
    return task


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "id", None)


def transition(
    session: Session,
    task_id: int,
    actor: Any,
    to_status: str,
    *,
    resolution_code: str | None = None,
    root_cause: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Task:
    """Move a task (Conflict 409 when the move is not allowed from its status; InvalidInput
    422 when closing without a resolution code)."""
    now = now or datetime.now(UTC)
    task = _task_for_change(session, task_id, actor)
    try:
        change = task_states.check(
            task.status,
            to_status,
            resolution_code=resolution_code,
            root_cause=root_cause,
            note=note,
        )
    except task_states.TransitionError as exc:
        raise Conflict(str(exc), {"status": [str(exc)]}) from exc
    except task_states.CloseError as exc:
        raise InvalidInput(str(exc), {exc.field: [str(exc)]}) from exc
    task.status = change.to_status
    task.updated_at = now
    body = change.note
    if change.closes:
        task.resolution_code, task.root_cause = change.resolution_code, change.root_cause
        task.resolution_note, task.closed_at = change.note, now
        body = " · ".join(x for x in (change.resolution_code, change.root_cause, change.note) if x)
        if change.resolution_code in ("contacted", "resolved") and task.first_contact_at is None:
            task.first_contact_at = now
    elif change.reopens:
        task.closed_at = None
        task.resolution_code = task.root_cause = task.resolution_note = None
        task.overdue_at = task.escalated_at = None
        clock = team_clock(session, task.team_id)
        task.due_at = sla.due_at(now, task.sla_business_hours, clock.zone, clock.hours)
        _drop_pending_checks(session, task.id)
    if change.to_status == "waiting_on_customer" and task.first_contact_at is None:
        task.first_contact_at = now
    task.events.append(
        TaskEvent(
            kind="status",
            actor_user_id=_actor_id(actor),
            from_value=change.from_status,
            to_value=change.to_status,
            body=body,
            created_at=now,
        )
    )
    session.flush()
    if change.closes:
        schedule_check(session, task, now)
        _emit(session, "task.closed", task_payload(task), now)
    return task


def _drop_pending_checks(session: Session, task_id: int) -> None:

    for check in session.scalars(
        select(ResolutionCheck).where(
            ResolutionCheck.task_id == task_id, ResolutionCheck.sent_at.is_(None)
        )
    ):
        session.delete(check)


def reassign(
    session: Session,
    task_id: int,
    actor: Any,
    owner_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Task:
    now = now or datetime.now(UTC)
    task = _task_for_change(session, task_id, actor)
    owner = session.get(User, owner_id) if isinstance(owner_id, int) else None
    if owner is None:
        raise InvalidInput("The task was not reassigned.", {"owner_id": ["No user has this id."]})
    if not owner.active:
        raise InvalidInput(
            "The task was not reassigned.",
            {"owner_id": [f"{owner.name} is inactive; choose someone active."]},
        )
    if owner.id == task.owner_id:
        raise Conflict(f"The task is already {owner.name}'s.", {"owner_id": ["Same owner."]})
    if actor is not None:
        visibility.require_hand_to(session, actor, task, owner)
    previous = session.get(User, task.owner_id) if task.owner_id else None
    note = (note or "").strip() or None
    task.owner_id = owner.id
    if owner.team_id is not None:
        task.team_id = owner.team_id
    task.updated_at = now
    task.events.append(
        TaskEvent(
            kind="reassigned",
            actor_user_id=_actor_id(actor),
            from_value=previous.name if previous else None,
            to_value=owner.name,
            body=note,
            created_at=now,
        )
    )
    session.flush()
    return task


def add_comment(
    session: Session, task_id: int, actor: Any, body: str | None, now: datetime | None = None
) -> TaskEvent:
    now = now or datetime.now(UTC)
    task = _task_for_change(session, task_id, actor)
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("Write a comment before saving.", {"body": ["The comment is empty."]})
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            f"The comment is {len(text):,} characters; the limit is {MAX_COMMENT:,}.",
            {"body": ["Shorten the comment."]},
        )
    event = TaskEvent(
        task_id=task.id, kind="comment", actor_user_id=_actor_id(actor), body=text, created_at=now
    )
    task.events.append(event)
    task.updated_at = now
    session.flush()
    return event


def customer_replied(
    session: Session,
    invitation_id: int,
    now: datetime | None = None,
    *,
    reply_label: str | None = None,
) -> list[Task]:
    """The customer answered in the thread: their waiting tasks are back in progress, and a
    reply that reads negative raises the open tasks' priority (feedback.playbooks decides)."""
    now = now or datetime.now(UTC)
    for task in session.scalars(
        select(Task).where(Task.invitation_id == invitation_id, Task.status != task_states.CLOSED)
    ).all():
        severity = playbooks.reply_severity(task.priority, reply_label)
        if severity.note is None:
            continue
        task.events.append(
            TaskEvent(
                kind="severity",
                from_value=str(task.priority),
                to_value=str(severity.priority),
                body=severity.note,
                created_at=now,
            )
        )
        task.priority = severity.priority
        task.updated_at = now
    moved = []
    for task in session.scalars(
        select(Task).where(Task.invitation_id == invitation_id, Task.status == task_states.WAITING)
    ).all():
        task.status = task_states.IN_PROGRESS
        task.updated_at = now
        task.events.append(
            TaskEvent(
                kind="status",
                from_value=task_states.WAITING,
                to_value=task_states.IN_PROGRESS,
                body="The customer replied.",
                created_at=now,
            )
        )
        moved.append(task)
    session.flush()
    return moved


def staff_replied(session: Session, invitation_id: int, now: datetime | None = None) -> None:
    """A CSM wrote to the customer from the thread: that is the first contact of open tasks."""
    now = now or datetime.now(UTC)
    for task in session.scalars(
        select(Task).where(
            Task.invitation_id == invitation_id,
            Task.status != task_states.CLOSED,
            Task.first_contact_at.is_(None),
        )
    ).all():
        task.first_contact_at = now
        task.updated_at = now
        task.events.append(
            TaskEvent(kind="contacted", body="Replied to the customer by email.", created_at=now)
        )


# ---------------------------------------------------------------- reading (API)


def change_task(session: Session, task_id: int, actor: Any, changes: Mapping[str, Any]) -> Task:
    """Reassign, comment on and/or move a task in one unit of work (the API's PATCH).

    Returns the task as the database now has it, its events and comments included, so the
    caller shows what was saved without reloading anything itself.
    """
    if "owner_id" in changes:
        reassign(session, task_id, actor, changes["owner_id"], changes.get("note"))
    if "comment" in changes:
        add_comment(session, task_id, actor, changes["comment"])
    if "status" in changes:
        transition(
            session,
            task_id,
            actor,
            changes["status"],
            resolution_code=changes.get("resolution_code"),
            root_cause=changes.get("root_cause"),
            note=changes.get("note"),
        )
    task = get_task(session, task_id, actor)
    session.refresh(task)
    return task


def get_task(session: Session, task_id: int, viewer: Any) -> Task:
    """The task, if it exists (NotFound) and the access rule lets this person see it."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"There is no task with id {task_id}.")
    return visibility.require_task(session, viewer, task)


def list_tasks(
    session: Session,
    *,
    viewer: Any,
    status: Iterable[str] = (),
    owner_id: int | None = None,
    team_id: int | None = None,
    overdue: bool | None = None,
    response_id: int | None = None,
    contact_id: int | None = None,
    type: str | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[Task], int]:
    now = now or datetime.now(UTC)
    query = select(Task).where(visibility.tasks_filter(session, viewer))
    for column, value in ((Task.response_id, response_id), (Task.contact_id, contact_id),
                          (Task.type, type)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    statuses = [s for s in status if s]
    if statuses:
        query = query.where(Task.status.in_(statuses))
    if owner_id is not None:
        query = query.where(Task.owner_id == owner_id)
    if team_id is not None:
        query = query.where(Task.team_id == team_id)
    late = Task.overdue_where(now)
    if overdue is True:
        query = query.where(late)
    elif overdue is False:
        query = query.where(~late)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Task.due_at, Task.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(items), total


# ---------------------------------------------------------------- "Did we resolve it?"


CHECK_AFTER = timedelta(days=3)
CHECKED_RESOLUTIONS = ("resolved", "contacted")


def schedule_check(session: Session, task: Task, now: datetime) -> Any:
    """A recovery closed as resolved or contacted: ask the customer a few days later."""
    if task.type != "recover" or task.resolution_code not in CHECKED_RESOLUTIONS:
        return None
    if task.invitation_id is None or task.contact_id is None:
        return None
    # The stored hash is replaced when the email goes out; this one only fills the column.
    check = ResolutionCheck(
        task_id=task.id,
        token_hash=hash_token(new_token()),
        send_at=now + CHECK_AFTER,
        created_at=now,
    )
    session.add(check)
    session.flush()
    return check
