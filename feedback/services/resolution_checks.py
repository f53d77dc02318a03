"""The customer-facing "Did we resolve it?": a few days after a recovery closed as resolved
or contacted (services.followup schedules it), the question goes out in the customer's
thread; the public page opens it, and the answer lands in the thread (a "no" reopens the
task).

Apart from the staff notices (services.followup_notices, services.escalation): this one
speaks to customers, in their language, from the message catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import eligibility, task_states
from feedback.mail import catalogue
from feedback.mail.addresses import bare_address
from feedback.mail.render import REPLY_TOKEN, TOKEN, render
from feedback.models import (
    Contact,
    Invitation,
    ReplyToken,
    ResolutionCheck,
    Task,
    TaskEvent,
    User,
)
from feedback.services import dialects, outbox, thread_turns
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.followup import transition
from feedback.tokens import hash_token, looks_like_token, new_token
from feedback.wording import N_, Text

CHECK_QUESTION = N_("Did we resolve it?")
CHOOSE_YES_NO = Text(N_("Choose yes or no."))
MAX_COMMENT = 5000


def send_resolution_checks(
    session: Session, now: datetime | None = None, *, config: Mapping[str, Any]
) -> dict[str, int]:
    """Send each due "Did we resolve it?" in the customer's thread, through the outbox."""
    now = now or datetime.now(UTC)
    stats = {"sent": 0, "skipped": 0}
    query = (
        select(ResolutionCheck)
        .where(ResolutionCheck.sent_at.is_(None), ResolutionCheck.send_at <= now)
        .order_by(ResolutionCheck.send_at, ResolutionCheck.id)
    )
    query = dialects.locked(session, query, skip_locked=True)
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
        record_asked(session, check, task, now, outbox_email_id=row.id)
        stats["sent"] += 1
    session.flush()
    return stats


def record_asked(
    session: Session,
    check: ResolutionCheck,
    task: Task,
    now: datetime,
    *,
    outbox_email_id: int | None = None,
) -> None:
    """The question went out: its turn in the customer's thread, the task's event, the check
    marked sent (the demo's history records a past question this way, without its email)."""
    thread_turns.add_turn(
        session, task.invitation_id, "outbound", "resolution_check", "email", CHECK_QUESTION,
        now, author_user_id=task.owner_id, outbox_email_id=outbox_email_id,
    )  # fmt: skip
    task.events.append(
        TaskEvent(
            kind="resolution_check",
            body=f"Asked the customer “{CHECK_QUESTION}”.",
            created_at=now,
        )
    )
    check.sent_at = now


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
        thread_turns.add_turn(
            session, task.invitation_id, "inbound", "resolution_answer", "page", words, now
        )
    if comment is not None and comment != check.comment:
        check.comment = comment
        thread_turns.add_turn(
            session, task.invitation_id, "inbound", "comment", "page", comment, now
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
        transition(session, task.id, None, task_states.OPEN, note=note, now=now)
    return page
