"""Escalation: a task open past its deadline is flagged overdue (its team lead is told); at
twice its SLA it escalates (the department head is told).

Telling is batched. Marking a task writes one pending StaffNotice per person; then each
person with pending notices gets ONE email listing every task, and at most one such email
per NOTICE_WINDOW. A notice held by the window waits in the database and goes out with the
next batch, so a burst (48 tasks escalating on the first start of a worker) is one email,
and a worker restarted mid-window does not send a second one. A morning digest that lists a
task also delivers that task's pending notice (see followup_notices.send_digests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import playbooks, sla, task_states
from feedback.models import OutboxEmail, StaffNotice, Task, TaskEvent, Team, User
from feedback.services import dialects
from feedback.services.staff_mail import TeamClocks, staff_email

NOTICE_WINDOW = timedelta(hours=1)
OVERDUE, ESCALATED = "overdue", "escalated"


def _team_leads(session: Session, team_id: int | None) -> list[User]:
    if team_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.team_id == team_id, User.role == "team_lead", User.active.is_(True))
            .order_by(User.id)
        )
    )


def _department_heads(session: Session, team_id: int | None) -> list[User]:
    team = session.get(Team, team_id) if team_id is not None else None
    if team is None:
        return []
    return list(
        session.scalars(
            select(User)
            .join(Team, Team.id == User.team_id)
            .where(
                Team.department == team.department,
                User.role == "department_head",
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def _mark(
    session: Session,
    task: Task,
    now: datetime,
    people: list[User],
    *,
    kind: str,
    word: str,
    when: str,
    nobody: str,
) -> None:
    """Queue a notice of `task` for each of `people`, and say so in the task's trail."""
    for person in people:
        session.add(StaffNotice(user_id=person.id, task_id=task.id, kind=kind, created_at=now))
    told = ", ".join(u.name for u in people) or f"nobody ({nobody})"
    task.events.append(
        TaskEvent(
            kind=kind,
            to_value=told[:200],
            body=f"{word} at {when} its SLA; told {told}.",
            created_at=now,
        )
    )


def escalate_tasks(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any]
) -> dict[str, int]:
    """Flag newly overdue tasks (1×) and escalate those at 2× their SLA, each once per task
    (until it reopens); then send the pending notices, one email per person."""
    now = now or datetime.now(UTC)
    query = (
        select(Task)
        .where(Task.overdue_where(now), Task.escalated_at.is_(None))
        .order_by(Task.due_at, Task.id)
    )
    query = dialects.locked(session, query, skip_locked=True)
    stats = {"overdue": 0, "escalated": 0}
    clocks = TeamClocks.load(session)
    for task in session.scalars(query).all():
        if task.overdue_at is None:
            task.overdue_at = now
            stats["overdue"] += 1
            _mark(session, task, now, _team_leads(session, task.team_id), kind=OVERDUE,
                  word="Overdue", when="1×", nobody="the team has no lead")  # fmt: skip
        clock = clocks.of(task.team_id)
        escalate_at = sla.add_business_hours(
            task.due_at, task.sla_business_hours, clock.zone, clock.hours
        )
        if task_states.is_overdue(escalate_at, now):  # past 2×, by the same rule as 1×
            task.escalated_at = now
            stats["escalated"] += 1
            _mark(session, task, now, _department_heads(session, task.team_id), kind=ESCALATED,
                  word="Escalated", when="2×", nobody="no department head")  # fmt: skip
    session.flush()
    sent = send_notices(session, now, config=config)
    return {**stats, "emails": sent["emails"], "held": sent["held"]}


def last_notice_at(session: Session, user: User) -> datetime | None:
    """When this person was last sent a notice email or a digest (the window's start)."""
    notice = session.scalar(
        select(func.max(StaffNotice.sent_at)).where(StaffNotice.user_id == user.id)
    )
    digest = session.scalar(
        select(func.max(OutboxEmail.created_at)).where(
            OutboxEmail.kind == "digest", OutboxEmail.to_email == user.email
        )
    )
    return max((t for t in (notice, digest) if t is not None), default=None)


def send_notices(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any]
) -> dict[str, int]:
    """One email per person listing all their pending notices, unless the person had one
    within NOTICE_WINDOW (then the notices wait for a later run). Notices of tasks closed
    meanwhile are settled without an email: there is nothing left to act on."""
    now = now or datetime.now(UTC)
    pending: dict[int, list[StaffNotice]] = defaultdict(list)
    for notice in session.scalars(
        select(StaffNotice)
        .where(StaffNotice.sent_at.is_(None))
        .order_by(StaffNotice.user_id, StaffNotice.id)
    ):
        pending[notice.user_id].append(notice)
    stats = {"emails": 0, "held": 0}
    for user_id, notices in pending.items():
        user = session.get(User, user_id)
        last = last_notice_at(session, user) if user is not None else None
        if last is not None and now - last < NOTICE_WINDOW:
            stats["held"] += len(notices)
            continue
        lists: dict[str, list[Task]] = {OVERDUE: [], ESCALATED: []}
        for notice in notices:
            notice.sent_at = now
            task = session.get(Task, notice.task_id)
            if task is not None and task.status != "closed" and task not in lists[notice.kind]:
                lists[notice.kind].append(task)
        if user is None or not user.active or not (lists[OVERDUE] or lists[ESCALATED]):
            continue
        owner_ids = {t.owner_id for ts in lists.values() for t in ts if t.owner_id is not None}
        owners = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(owner_ids)))}
        staff_email(
            session,
            config,
            kind="task_notices",
            template="task_notices",
            to=user,
            subject=subject_for(lists[ESCALATED], lists[OVERDUE]),
            now=now,
            escalated=lists[ESCALATED],
            overdue=lists[OVERDUE],
            owners=owners,
            priority_word=playbooks.priority_word,
            window_hours=round(NOTICE_WINDOW.total_seconds() / 3600),
        )
        stats["emails"] += 1
    session.flush()
    return stats


def subject_for(escalated: list[Task], overdue: list[Task]) -> str:
    """ "Escalated: <title>" for one task; counts when the email lists several."""
    if len(escalated) + len(overdue) == 1:
        task, word = (escalated[0], "Escalated") if escalated else (overdue[0], "Overdue")
        return f"{word}: {task.title}"
    parts = [f"{len(escalated)} escalated"] if escalated else []
    parts += [f"{len(overdue)} overdue"] if overdue else []
    return "Follow-ups: " + ", ".join(parts)
