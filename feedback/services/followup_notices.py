"""The inner loop's notices: the staff email helper, daily digests, and the "Did we resolve
it?" question a few days after a recovery closed (overdue and escalation notices: see
services.escalation).

Split from services.followup (which re-exports these names) to keep each module readable;
every email goes through the outbox in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import eligibility, playbooks, sla, task_states
from feedback.mail import catalogue
from feedback.mail.addresses import bare_address
from feedback.models import Contact, StaffNotice, Task, TaskEvent, Team, User
from feedback.services.errors import InvalidInput, NotFound
from feedback.wording import N_, Text

CHECK_QUESTION = N_("Did we resolve it?")
CHOOSE_YES_NO = Text(N_("Choose yes or no."))
MAX_COMMENT = 5000


def _team_timezone(session: Session, team_id: int | None) -> str:
    team = session.get(Team, team_id) if team_id is not None else None
    return team.timezone if team is not None and team.timezone else "UTC"


# ---------------------------------------------------------------- staff emails


TASK_PATH = "/tasks/{id}"
DIGEST_FROM_HOUR, DIGEST_UNTIL_HOUR = 8, 12  # "morning" in the user's team's zone


def _config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if config is not None:
        return config
    from flask import current_app

    return current_app.config


def task_url(config: Mapping[str, Any], task_id: int) -> str:
    return str(config["PUBLIC_URL"]).rstrip("/") + TASK_PATH.format(id=task_id)


def _staff_email(
    session: Session,
    config: Mapping[str, Any],
    *,
    kind: str,
    template: str,
    to: User,
    subject: str,
    now: datetime,
    **context: Any,
) -> Any:
    from feedback.mail.render import render
    from feedback.services import outbox

    email = render(
        template,
        subject=subject,
        from_email=bare_address(str(config["MAIL_FROM"])),
        from_name="Feedback follow-ups",
        reply_to=None,
        recipient=to,
        task_url=lambda task_id: task_url(config, task_id),
        **context,
    )
    row = outbox.enqueue(
        session,
        kind=kind,
        content=outbox.content_for(session, email),
        to_email=to.email,
        to_name=to.name,
    )
    row.created_at = row.next_attempt_at = now
    return row


# ---------------------------------------------------------------- digests


def send_digests(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Each weekday morning (team time): a CSM gets their open tasks in three lists, overdue,
    due later today, and the rest; a team lead also gets the team's overdue tasks. At most
    one digest per person per day."""
    from feedback.models import OutboxEmail

    now = now or datetime.now(UTC)
    config = _config(config)
    stats = {"sent": 0, "not_morning": 0, "already_sent": 0, "nothing": 0}
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_(("csm", "team_lead")))
        .order_by(User.id)
    ).all()
    for user in users:
        tz = _team_timezone(session, user.team_id)
        local = now.astimezone(sla.zone(tz))
        if local.weekday() >= 5 or not DIGEST_FROM_HOUR <= local.hour < DIGEST_UNTIL_HOUR:
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
        _staff_email(
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


def send_resolution_checks(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Send each due "Did we resolve it?" in the customer's thread, through the outbox."""
    from feedback.mail.render import REPLY_TOKEN, TOKEN
    from feedback.models import Invitation, Message, ReplyToken, ResolutionCheck
    from feedback.tokens import hash_token, new_token

    now = now or datetime.now(UTC)
    config = _config(config)
    stats = {"sent": 0, "skipped": 0}
    query = (
        select(ResolutionCheck)
        .where(ResolutionCheck.sent_at.is_(None), ResolutionCheck.send_at <= now)
        .order_by(ResolutionCheck.send_at, ResolutionCheck.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for check in session.scalars(query).all():
        task = session.get(Task, check.task_id)
        contact = session.get(Contact, task.contact_id) if task and task.contact_id else None
        invitation = (
            session.get(Invitation, task.invitation_id) if task and task.invitation_id else None
        )
        why = None
        if task is None or task.status != "closed":
            why = "the task is open again"
        elif contact is None or invitation is None:
            why = "the customer is no longer known"
        elif eligibility.is_suppressed(
            contact.unsubscribed, contact.bounced, contact.spam_reported
        ):
            why = "the customer cannot be emailed"
        if why is not None:
            if task is not None:
                task.events.append(
                    TaskEvent(
                        kind="resolution_check",
                        body=f"Not asked “{CHECK_QUESTION}”: {why}.",
                        created_at=now,
                    )
                )
            session.delete(check)
            stats["skipped"] += 1
            continue
        assert task is not None and contact is not None and invitation is not None
        token, reply = new_token(), new_token()
        check.token_hash = hash_token(token)
        session.add(
            ReplyToken(
                token_hash=hash_token(reply),
                invitation_id=invitation.id,
                created_by_user_id=task.owner_id,
                created_at=now,
            )
        )
        owner = session.get(User, task.owner_id) if task.owner_id else None
        program = invitation.program
        from feedback.mail.render import render
        from feedback.services import outbox

        link = f"{str(config['PUBLIC_URL']).rstrip('/')}/resolved/{TOKEN}"
        with catalogue.writing_in(invitation.locale):
            subject = f"{catalogue.say(CHECK_QUESTION)} ({program.product_name})"
        email = render(
            "resolution_check",
            subject=subject,
            from_email=bare_address(str(config["MAIL_FROM"])),
            from_name=f"{owner.name} ({program.sender_name})" if owner else program.sender_name,
            reply_to=f"reply+{REPLY_TOKEN}@{config['INBOUND_DOMAIN']}",
            locale=invitation.locale,
            question=CHECK_QUESTION,
            link=link,
            customer_name=(contact.name or "").split(" ")[0],
            staff_name=owner.name if owner else None,
            sender_name=program.sender_name,
            product=program.product_name,
        )
        row = outbox.enqueue(
            session,
            kind="resolution_check",
            content=outbox.content_for(session, email),
            to_email=contact.email,
            to_name=contact.name,
            substitutions={TOKEN: token, REPLY_TOKEN: reply},
            invitation_id=invitation.id,
            contact_id=contact.id,
        )
        row.created_at = row.next_attempt_at = now
        session.flush()
        session.add(
            Message(
                invitation_id=invitation.id,
                direction="outbound",
                kind="resolution_check",
                channel="email",
                author_user_id=task.owner_id,
                body=CHECK_QUESTION,
                outbox_email_id=row.id,
                created_at=now,
            )
        )
        task.events.append(
            TaskEvent(
                kind="resolution_check",
                body=f"Asked the customer “{CHECK_QUESTION}”.",
                created_at=now,
            )
        )
        check.sent_at = now
        stats["sent"] += 1
    session.flush()
    return stats


@dataclass(frozen=True)
class CheckPage:
    """What the public "Did we resolve it?" page shows."""

    check: Any
    task: Task
    contact: Contact
    sender_name: str
    product: str
    locale: str = "en"


def open_resolution_check(session: Session, token: str) -> CheckPage:
    from feedback.models import Invitation, ResolutionCheck
    from feedback.tokens import hash_token, looks_like_token

    check = None
    if looks_like_token(token):
        check = session.scalar(
            select(ResolutionCheck).where(
                ResolutionCheck.token_hash == hash_token(token),
                ResolutionCheck.sent_at.is_not(None),
            )
        )
    if check is None:
        raise NotFound(
            Text(N_("We could not find this question. Please use the link in your email."))
        )
    task = session.get(Task, check.task_id)
    contact = session.get(Contact, task.contact_id) if task and task.contact_id else None
    invitation = (
        session.get(Invitation, task.invitation_id) if task and task.invitation_id else None
    )
    if task is None or contact is None or invitation is None:
        raise NotFound(Text(N_("This question is no longer open. Thank you all the same.")))
    program = invitation.program
    return CheckPage(
        check, task, contact, program.sender_name, program.product_name, invitation.locale
    )


def answer_resolution_check(
    session: Session,
    token: str,
    answer: str | None,
    comment: str | None = None,
    now: datetime | None = None,
) -> CheckPage:
    """The customer's yes / no (and words) in their thread; a "no" reopens the task."""
    from feedback.models import Message

    now = now or datetime.now(UTC)
    page = open_resolution_check(session, token)
    check, task = page.check, page.task
    answer = (answer or "").strip().lower() or None
    comment = (comment or "").replace("\r\n", "\n").strip() or None
    if answer not in (None, "yes", "no"):
        raise InvalidInput(CHOOSE_YES_NO, {"answer": [CHOOSE_YES_NO]})
    if answer is None and check.answer is None:
        raise InvalidInput(CHOOSE_YES_NO, {"answer": [CHOOSE_YES_NO]})
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput(
            Text(N_("Your answer was not sent yet.")),
            {
                "comment": [
                    Text(
                        N_(
                            "Please keep it under %(limit)s characters; your text is still in "
                            "the box."
                        ),
                        limit=MAX_COMMENT,
                    )
                ]
            },
        )
    changed = answer is not None and answer != check.answer
    if changed:
        check.answer = answer
        check.answered_at = now
        words = "Yes, it is resolved." if answer == "yes" else "No, it is not resolved."
        session.add(
            Message(
                invitation_id=task.invitation_id,
                direction="inbound",
                kind="resolution_answer",
                channel="page",
                body=words,
                created_at=now,
            )
        )
    if comment is not None and comment != check.comment:
        check.comment = comment
        session.add(
            Message(
                invitation_id=task.invitation_id,
                direction="inbound",
                kind="comment",
                channel="page",
                body=comment,
                created_at=now,
            )
        )
    task.events.append(
        TaskEvent(
            kind="resolution_answer",
            to_value=check.answer,
            body=comment,
            created_at=now,
        )
    )
    session.flush()
    if changed and answer == "no" and task.status == "closed":
        note = "The customer says it is not resolved" + (f": {comment}" if comment else ".")
        from feedback.services.followup import transition

        transition(session, task.id, None, task_states.OPEN, note=note, now=now)
    return page
