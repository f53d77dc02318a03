"""The inner loop's write side: responses become routed tasks, tasks move through their
lifecycle, late ones escalate, and a recovery is checked with the customer afterwards.

Decisions live in pure modules (playbooks: which tasks; routing: who; sla: when due;
task_states: which move is allowed); this module gathers their facts, writes tasks, events,
outbox emails and webhooks in the caller's transaction, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from feedback import playbooks, routing, sla, task_states
from feedback.models import (
    Account,
    Contact,
    PlaybookRule,
    PlaybookSet,
    Response,
    ResponseTheme,
    Task,
    TaskEvent,
    Team,
    Theme,
    User,
)
from feedback.services import visibility, webhooks_out
from feedback.services.errors import Conflict, InvalidInput, NotFound

SETTLE_AFTER = timedelta(minutes=30)  # a provisional score this old is followed up anyway
LOOKBACK = timedelta(days=7)  # responses older than this are history, not work
MAX_COMMENT = 5000
TYPE_LABELS = {
    "recover": "Recover",
    "convert": "Convert",
    "advocate": "Advocate",
    "review": "Review",
}


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
class _Context:
    """What one run knows about the people tasks can go to; updated as tasks are assigned."""

    users: dict[int, User]
    teams: dict[int, Team]
    open_tasks: dict[int, int]
    last_assigned: dict[int, datetime]

    @classmethod
    def load(cls, session: Session) -> _Context:
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
        team = self.teams.get(team_id) if team_id is not None else None
        return team.timezone if team is not None and team.timezone else "UTC"


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
    context: _Context,
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
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Response)
    responses = list(session.scalars(query))
    stats = {"responses": len(responses), "tasks": 0}
    if not responses:
        return stats
    playbook_set = active_set(session, now)
    rules = rules_of(playbook_set)
    context = _Context.load(session)
    for response in responses:
        for item in plan(session, response, rules, context, now):
            _create_task(session, response, item, context, now)
            stats["tasks"] += 1
    session.flush()
    return stats


def _create_task(
    session: Session, response: Response, item: Planned, context: _Context, now: datetime
) -> Task:
    contact = session.get(Contact, response.contact_id)
    account = session.get(Account, response.account_id) if response.account_id else None
    hours = item.match.sla_business_hours
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
        due_at=sla.due_at(now, hours, context.timezone_of(item.team_id)),
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


# ---------------------------------------------------------------- changing a task


def _task_for_change(session: Session, task_id: int, actor: Any) -> Task:
    """The task, locked, if the actor may act on it (the access rule); `None` is the system
    itself (a job reopening a task the customer says is unresolved)."""
    query = select(Task).where(Task.id == task_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
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
        tz = _team_timezone(session, task.team_id)
        task.due_at = sla.due_at(now, task.sla_business_hours, tz)
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


def _team_timezone(session: Session, team_id: int | None) -> str:
    team = session.get(Team, team_id) if team_id is not None else None
    return team.timezone if team is not None and team.timezone else "UTC"


def _drop_pending_checks(session: Session, task_id: int) -> None:
    from feedback.models import ResolutionCheck

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
    session: Session, invitation_id: int, now: datetime | None = None
) -> list[Task]:
    """The customer answered in the thread: their waiting tasks are back in progress."""
    now = now or datetime.now(UTC)
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


# ---------------------------------------------------------------- reading (API)


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
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[Task], int]:
    now = now or datetime.now(UTC)
    query = select(Task).where(visibility.tasks_filter(session, viewer))
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
    from feedback.models import ResolutionCheck
    from feedback.tokens import hash_token, new_token

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


# ---------------------------------------------------------------- dry run


def dry_run(session: Session, playbook_set_id: int, now: datetime | None = None) -> Any:
    """Replay the last 30 days of responses through a set and through the active set: which
    tasks each would have created, for whom, and where they differ (see playbook_admin)."""
    from feedback.services import playbook_admin

    return playbook_admin.dry_run(session, playbook_set_id, now)


# The notices live in their own module; these are their public names here (escalation, in
# services.escalation, is called by its own name: re-exporting it here would close a cycle).
from feedback.services.followup_notices import (  # noqa: E402
    CheckPage,
    answer_resolution_check,
    open_resolution_check,
    send_digests,
    send_resolution_checks,
    task_url,
)

__all__ = [
    "CheckPage",
    "Planned",
    "active_set",
    "add_comment",
    "answer_resolution_check",
    "create_followups",
    "customer_replied",
    "dry_run",
    "get_task",
    "list_tasks",
    "open_resolution_check",
    "reassign",
    "rules_of",
    "schedule_check",
    "send_digests",
    "send_resolution_checks",
    "task_payload",
    "task_url",
    "transition",
]
