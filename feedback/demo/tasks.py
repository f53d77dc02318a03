"""The demo's follow-up work: the tasks the last month's answers made, and how far each got.

Each recent answer is followed up as the create-followups job would have done it: a few
minutes after the customer confirmed, by the real playbooks and routing, so a task is never
older than the answer it follows and its due date comes from its own SLA. What happened next
is written as history, the way the rest of the demo describes the past: most tasks whose
deadline has passed were worked and closed in time, a few were not (the overdue ones the
queue shows, already flagged, so the first escalation run has nothing to shout about), and
the newest are open or in progress with their deadlines in the coming days.

Nothing here queues an email: the history is past. A recovery closed as resolved or contacted
was asked "Did we resolve it?" three days later, as services.followup schedules it: most
customers said yes, a few have not answered, a few said no: that reopened the task, which its
owner closed again since, unless the "no" came in the last day (then it waits in the queue
with a fresh deadline). Checks whose day
has not come yet are scheduled, for the worker to send when it comes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import sla, task_states
from feedback.models import Response, Task, TaskEvent
from feedback.services import analytics, followup, resolution_checks, taxonomy
from feedback.services.staff_mail import TeamClock, TeamClocks
from feedback.tokens import hash_token, new_token

FOLLOW_UP_DAYS = 30  # answers this recent have tasks: the metrics page's default range
JOB_DELAY_MINUTES = (1, 5)  # create-followups runs every five minutes
CLOSED_IN_TIME = 0.75  # of the tasks whose deadline has passed
CLOSED_LATE = 0.05  # the rest stay open (the few overdue tasks of the demo) ...
STAYS_OVERDUE = timedelta(days=5)  # ... when their deadline passed this recently
STARTED_SHARE = 0.35  # of the tasks still within their deadline
RESOLUTIONS = ("resolved", "resolved", "contacted", "contacted", "no_action", "product_gap")
SAYS_YES, SAYS_NO = 0.75, 0.12  # of the customers asked "Did we resolve it?"; the rest wait
ANSWER_HOURS = (1.0, 40.0)  # after the question went out
REOPENED_RECENTLY = timedelta(days=1)  # a "no" older than this was dealt with since


def follow_up(session: Session, rng: random.Random, now: datetime) -> int:
    """Tag the comments, create the last month's tasks at their answers' time, then walk them
    forward to `now`. Returns how many tasks exist."""
    taxonomy.seed_taxonomy(session)
    themes = taxonomy.load_taxonomy(session)
    for response in session.scalars(select(Response).where(Response.comment.is_not(None))):
        analytics.analyze_response(session, response, themes)
    since = now - timedelta(days=FOLLOW_UP_DAYS)
    recent = session.execute(
        select(Response.answered_at, Response.confirmed_at)
        .where(Response.answered_at >= since)
        .order_by(Response.answered_at, Response.id)
    ).all()
    for answered, confirmed in recent:
        at = (confirmed or answered) + timedelta(minutes=rng.randint(*JOB_DELAY_MINUTES))
        if at < now:
            followup.create_followups(session, at, since=since)
    clocks = TeamClocks.load(session)
    tasks = list(session.scalars(select(Task).order_by(Task.created_at, Task.id)))
    for task in tasks:
        _walk(task, rng, now, clocks.of(task.team_id))
    session.flush()
    for task in tasks:
        if task.status == task_states.CLOSED:
            _ask_if_resolved(session, task, rng, now)
    session.flush()
    return len(tasks)


def _ask_if_resolved(session: Session, task: Task, rng: random.Random, now: datetime) -> None:
    """The "Did we resolve it?" a closed recovery got: asked three days after it closed (in
    its thread, by email: here without the email, which is the past), and answered on its
    page through the real service, so a "no" reopens the task as it would."""
    check = followup.schedule_check(session, task, task.closed_at)
    if check is None or check.send_at > now:
        return  # not a recovery to check, or its day is still to come: the worker sends it
    resolution_checks.record_asked(session, check, task, check.send_at)
    answered = check.sent_at + timedelta(hours=rng.uniform(*ANSWER_HOURS))
    roll = rng.random()
    if answered > now or roll >= SAYS_YES + SAYS_NO:
        return  # not answered (yet)
    answer = "no" if roll >= SAYS_YES else "yes"
    token = new_token()  # the link the email carried
    check.token_hash = hash_token(token)
    session.flush()
    resolution_checks.answer_resolution_check(session, token, answer, now=answered)
    if answer == "no" and now - answered >= REOPENED_RECENTLY:
        # Reopened days ago: its owner has dealt with it since (a recent "no" still waits).
        first_contact = task.first_contact_at  # the first contact stays the first
        spent = now - answered
        _close(task, rng, answered + spent * rng.uniform(0.4, 0.8),
               started=answered + spent * rng.uniform(0.05, 0.3))  # fmt: skip
        task.first_contact_at = first_contact


def _walk(task: Task, rng: random.Random, now: datetime, clock: TeamClock) -> None:
    """What the owner did with the task between its creation and `now`."""
    created, due = task.created_at, task.due_at
    if due <= now:
        roll = rng.random()
        # Whatever went overdue days ago was dealt with since; only recent misses stay open.
        recent = now - due < STAYS_OVERDUE
        if roll < CLOSED_IN_TIME:
            _close(task, rng, created + (due - created) * rng.uniform(0.2, 0.95))
        elif not recent or roll < CLOSED_IN_TIME + CLOSED_LATE:
            _close(task, rng, due + (now - due) * rng.uniform(0.1, 0.6))
        else:
            _start(task, rng, created + (due - created) * rng.uniform(0.3, 0.9))
            # The escalation job flagged it when it happened, and told whom it tells then.
            task.overdue_at = due
            escalate = sla.escalate_at(created, task.sla_business_hours, clock.zone, clock.hours)
            if escalate <= now:
                task.escalated_at = escalate
    elif now - created > timedelta(hours=2) and rng.random() < STARTED_SHARE:
        _start(task, rng, created + (now - created) * rng.uniform(0.2, 0.9))


def _start(task: Task, rng: random.Random, at: datetime) -> None:
    task.first_contact_at = at
    task.status = task_states.IN_PROGRESS
    task.updated_at = at
    task.events.append(
        TaskEvent(
            kind="status",
            actor_user_id=task.owner_id,
            from_value=task_states.OPEN,
            to_value=task_states.IN_PROGRESS,
            created_at=at,
        )
    )


def _close(task: Task, rng: random.Random, at: datetime, started: datetime | None = None) -> None:
    if started is None:
        started = task.created_at + (at - task.created_at) * rng.uniform(0.1, 0.6)
    _start(task, rng, started)
    code = rng.choice(RESOLUTIONS) if task.type == "recover" else "contacted"
    task.status = task_states.CLOSED
    task.resolution_code = code
    if task.type == "recover":
        task.root_cause = rng.choice(task_states.ROOT_CAUSES)
    task.closed_at = at
    task.updated_at = at
    task.events.append(
        TaskEvent(
            kind="status",
            actor_user_id=task.owner_id,
            from_value=task_states.IN_PROGRESS,
            to_value=task_states.CLOSED,
            body=code,
            created_at=at,
        )
    )
