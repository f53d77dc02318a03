"""The inner loop's staff digests: each weekday morning a CSM's open tasks, and a team lead's
team's overdue ones, in one email (overdue and escalation notices: services.escalation; the
shared staff email helpers: services.staff_mail).

Every email goes through the outbox in the caller's transaction; callers pass the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import playbooks, sla, task_states
from feedback.models import OutboxEmail, StaffNotice, Task, User
from feedback.services.staff_mail import TeamClocks, staff_email

DIGEST_FROM_HOUR, DIGEST_UNTIL_HOUR = 8, 12  # "morning" in the user's team's zone


# ---------------------------------------------------------------- digests


def send_digests(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any]
) -> dict[str, int]:
    """Each working-day morning (the team's days, in its zone): a CSM gets their open tasks in
    three lists, overdue, due later today, and the rest; a team lead also gets the team's
    overdue tasks. At most one digest per person per day."""
    now = now or datetime.now(UTC)
    stats = {"sent": 0, "not_morning": 0, "already_sent": 0, "nothing": 0}
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_(("csm", "team_lead")))
        .order_by(User.id)
    ).all()
    clocks = TeamClocks.load(session)
    for user in users:
        clock = clocks.of(user.team_id)
        tz = clock.zone
        local = now.astimezone(sla.zone(tz))
        # A team working Sunday to Thursday gets its digest on Sunday, not on Friday.
        if not clock.hours.works_on(local.date()) or not (
            DIGEST_FROM_HOUR <= local.hour < DIGEST_UNTIL_HOUR
        ):
            stats["not_morning"] += 1
            continue
        day_start, day_end = sla.local_day_bounds(now, tz)
        if session.scalar(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.kind == "digest",
                OutboxEmail.to_email == user.email,
                OutboxEmail.created_at >= day_start,
            )
            .limit(1)
        ):
            stats["already_sent"] += 1
            continue
        mine = session.scalars(
            select(Task)
            .where(Task.owner_id == user.id, Task.status != "closed")
            .order_by(Task.due_at, Task.id)
        ).all()
        overdue: list[Task] = []
        if user.role == "team_lead" and user.team_id is not None:
            overdue = list(
                session.scalars(
                    select(Task)
                    .where(Task.team_id == user.team_id, Task.overdue_where(now))
                    .order_by(Task.due_at, Task.id)
                )
            )
        if not mine and not overdue:
            stats["nothing"] += 1
            continue
        in_team = {t.id for t in overdue}
        my_overdue = [
            t
            for t in mine
            if task_states.is_overdue(t.due_at, now, t.status) and t.id not in in_team
        ]
        due_today = [t for t in mine if task_states.is_due_today(t.due_at, now, day_end, t.status)]
        later = [t for t in mine if t.due_at >= day_end]
        owners = {u.id: u.name for u in session.scalars(select(User))} if overdue else {}
        staff_email(
            session,
            config,
            kind="digest",
            template="digest",
            to=user,
            subject=f"Your follow-ups for {local.strftime('%A %d %B')}",
            now=now,
            my_overdue=my_overdue,
            due_today=due_today,
            later=later,
            overdue=overdue,
            owners=owners,
            zone=sla.zone(tz),
            priority_word=playbooks.priority_word,
        )
        # The digest lists these tasks: their pending overdue notices need no second email.
        listed = {t.id for t in (*overdue, *my_overdue, *due_today, *later)}
        for notice in session.scalars(
            select(StaffNotice).where(StaffNotice.user_id == user.id, StaffNotice.sent_at.is_(None))
        ):
            if notice.task_id in listed:
                notice.sent_at = now
        stats["sent"] += 1
    session.flush()
    return stats
