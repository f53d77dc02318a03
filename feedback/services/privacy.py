"""A person's privacy requests: export everything we hold about them, or erase it.

Erasure keeps the statistics honest and the person gone. The contact row stays, renamed to an
undeliverable placeholder, so its responses keep their score, category, program, account and
dates for NPS figures; everything that says who they are or what they wrote goes: name, email,
attributes, comments, thread messages, reply mail (raw headers and bodies), unmatched replies
from the address, the addresses and personal bodies of outbox emails, provider events' raw
payloads, theme proposals' example quotes, customer answers to resolution checks, and the name
in task titles and notes. Backlog links stay (they count an anonymous response); their quote
text was the comment, which is gone.

A hash of the address is kept in erased_emails, so a CRM sync or a CSV import that brings the
address back can never survey the person again (services.contacts asks `is_erased`).

Both requests leave a PrivacyRequest row: who asked, when, through which door, and what was
touched. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from feedback.db import utcnow
from feedback.models import (
    BacklogItem,
    BacklogResponse,
    Contact,
    CsvImport,
    EmailContent,
    EmailEvent,
    InboundEmail,
    Invitation,
    LifecycleEvent,
    Message,
    OutboxEmail,
    OuterLoopCandidate,
    ResolutionCheck,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    ScoreChange,
    SurveyProgram,
    Task,
    TaskEvent,
    ThemeProposal,
    UnmatchedReply,
    WebhookDelivery,
)
from feedback.models.privacy import ErasedEmail, PrivacyRequest
from feedback.privacy import email_hash, erased_address, is_erased_address, redact
from feedback.services import dialects
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.suppression import WAITING

EXPORT_FORMAT = 1
# Fields of outgoing webhook payloads (services.capture, conversation, followup) that name the
# person or carry their words or staff's words about them.
PERSONAL_PAYLOAD_KEYS = frozenset(
    {"contact_email", "comment", "from", "subject", "text", "title", "routing_reason",
     "severity_note"}
)  # fmt: skip


def contact_by_email(session: Session, email: str) -> Contact:
    """The contact with this address (case-insensitive), or NotFound with a plain message."""
    address = (email or "").strip().lower()
    if not address:
        raise InvalidInput("Give the contact's email address.", {"email": ["Required."]})
    contact = session.scalar(select(Contact).where(func.lower(Contact.email) == address))
    if contact is None:
        raise NotFound(f"There is no contact with the email {address}.")
    return contact


def contact_by_id(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"There is no contact with id {contact_id}.")
    return contact


def is_erased(session: Session, email: str) -> bool:
    """True when this address belonged to a person who was erased."""
    return bool(erased_hashes(session, [email]))


def erased_hashes(session: Session, emails: Iterable[str]) -> set[str]:
    """The hashes among these addresses' that belong to erased people (one query per batch)."""
    wanted = sorted({email_hash(e) for e in emails if e})
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found.update(
            session.scalars(select(ErasedEmail.email_hash).where(ErasedEmail.email_hash.in_(chunk)))
        )
    return found


def export_contact(
    session: Session,
    contact: Contact,
    *,
    actor: str,
    channel: str,
    actor_user_id: int | None = None,
) -> dict[str, Any]:
    """Everything we hold about this person, as JSON-ready data, and an audit row saying so."""
    invitation_ids = _invitation_ids(session, contact)
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(utcnow()),
        "contact": _contact_data(contact),
        "surveys": _surveys(session, contact, invitation_ids),
        "emails_sent": _emails_sent(session, contact),
        "email_events": [
            {"event": e.event, "at": _iso(e.occurred_at), "source": e.source}
            for e in session.scalars(
                select(EmailEvent)
                .where(_events_of(contact))
                .order_by(EmailEvent.occurred_at, EmailEvent.id)
            )
        ],
        "lifecycle_events": [
            {"name": e.name, "at": _iso(e.occurred_at), "properties": e.properties}
            for e in session.scalars(
                select(LifecycleEvent)
                .where(LifecycleEvent.contact_id == contact.id)
                .order_by(LifecycleEvent.id)
            )
        ],
        "follow_ups": _follow_ups(session, contact),
    }
    _audit(session, "export", contact, actor, channel, actor_user_id,
           {"surveys": len(data["surveys"]), "emails_sent": len(data["emails_sent"]),
            "follow_ups": len(data["follow_ups"])})  # fmt: skip
    return data


def _contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "email": contact.email,
        "name": contact.name,
        "account": contact.account.name if contact.account is not None else None,
        "timezone": contact.timezone,
        "locale": contact.locale,
        "signed_up_on": contact.signed_up_on.isoformat() if contact.signed_up_on else None,
        "attributes": contact.attributes or {},
        "unsubscribed": contact.unsubscribed,
        "bounced": contact.bounced,
        "spam_reported": contact.spam_reported,
        "created_at": _iso(contact.created_at),
    }


def _surveys(session: Session, contact: Contact, invitation_ids: list[int]) -> list[Any]:
    responses = {
        r.invitation_id: r
        for r in session.scalars(select(Response).where(Response.contact_id == contact.id))
    }
    messages: dict[int, list[Message]] = {}
    for message in session.scalars(
        select(Message)
        .where(Message.invitation_id.in_(invitation_ids))
        .order_by(Message.created_at, Message.id)
    ):
        messages.setdefault(message.invitation_id, []).append(message)
    inbound: dict[int, list[InboundEmail]] = {}
    for mail in session.scalars(
        select(InboundEmail).where(InboundEmail.invitation_id.in_(invitation_ids))
    ):
        inbound.setdefault(mail.invitation_id, []).append(mail)
    surveys = []
    rows = session.execute(
        select(Invitation, SurveyProgram.name)
        .join(SurveyProgram, SurveyProgram.id == Invitation.program_id)
        .where(Invitation.id.in_(invitation_ids))
        .order_by(Invitation.id)
    )
    for invitation, program_name in rows:
        response = responses.get(invitation.id)
        surveys.append({
            "program": program_name,
            "invited_at": _iso(invitation.sent_at or invitation.created_at),
            "response": None if response is None else {
                "score": response.score, "category": response.category,
                "comment": response.comment, "success_definition": response.success_definition,
                "answered_at": _iso(response.answered_at), "status": response.status,
            },
            "thread": [
                {"direction": m.direction, "kind": m.kind, "channel": m.channel,
                 "body": m.body, "at": _iso(m.created_at)}
                for m in messages.get(invitation.id, [])
            ],
            "reply_emails": [
                {"from": m.from_email, "subject": m.subject, "text": m.text,
                 "received_at": _iso(m.received_at),
                 "attachments": [{"filename": a.get("filename"), "size": a.get("size")}
                                 for a in (m.attachments or []) if isinstance(a, dict)]}
                for m in inbound.get(invitation.id, [])
            ],
        })  # fmt: skip
    return surveys


def _emails_sent(session: Session, contact: Contact) -> list[dict[str, Any]]:
    rows = session.execute(
        select(OutboxEmail, EmailContent.subject)
        .join(EmailContent, EmailContent.id == OutboxEmail.content_id)
        .where(_outbox_of(contact))
        .order_by(OutboxEmail.id)
    )
    return [
        {"kind": o.kind, "to": o.to_email, "subject": subject, "status": o.status,
         "created_at": _iso(o.created_at), "sent_at": _iso(o.sent_at)}
        for o, subject in rows
    ]  # fmt: skip


def _follow_ups(session: Session, contact: Contact) -> list[dict[str, Any]]:
    tasks = session.scalars(select(Task).where(_tasks_of(contact)).order_by(Task.id)).all()
    backlog = session.execute(
        select(BacklogResponse.response_id, BacklogItem.title, BacklogItem.status)
        .join(BacklogItem, BacklogItem.id == BacklogResponse.item_id)
        .join(Response, Response.id == BacklogResponse.response_id)
        .where(Response.contact_id == contact.id)
    ).all()
    result: list[dict[str, Any]] = [
        {"kind": "task", "title": t.title, "status": t.status, "created_at": _iso(t.created_at),
         "resolution_note": t.resolution_note}
        for t in tasks
    ]  # fmt: skip
    result += [
        {"kind": "backlog_item", "title": title, "status": status} for _, title, status in backlog
    ]
    return result


def erase_contact(
    session: Session,
    contact: Contact,
    *,
    actor: str,
    channel: str,
    actor_user_id: int | None = None,
) -> dict[str, int]:
    """Remove everything that identifies this person or carries their words; keep their
    scores anonymous. Idempotent: erasing an erased contact changes nothing but the audit."""
    old_email, old_name = contact.email, contact.name
    invitation_ids = _invitation_ids(session, contact, lock=True)
    response_ids = list(
        session.scalars(select(Response.id).where(Response.contact_id == contact.id))
    )
    comments = {
        c for c in session.scalars(
            select(Response.comment).where(Response.id.in_(response_ids),
                                           Response.comment.is_not(None))
        ) if c
    }  # fmt: skip
    summary: dict[str, int] = {"responses_kept": len(response_ids)}
    # Outbox first: its rows are found by the address the contact still has.
    summary["outbox_emails"] = _erase_outbox(session, contact)
    summary["email_events"] = _rowcount(session.execute(
        update(EmailEvent).where(_events_of(contact))
        .values(email=None, raw={}, reason=None)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    summary["unmatched_replies"] = _rowcount(session.execute(
        delete(UnmatchedReply)
        .where(or_(func.lower(UnmatchedReply.from_email) == old_email.lower(),
                   UnmatchedReply.resolved_invitation_id.in_(invitation_ids)))
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    summary["comments"] = _rowcount(session.execute(
        update(Response).where(Response.id.in_(response_ids))
        .values(comment=None, success_definition=None)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    session.execute(
        update(ResponseAnalysis).where(ResponseAnalysis.response_id.in_(response_ids))
        .values(sentiment_drivers=None, mismatch_reason=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(ResponseTheme).where(ResponseTheme.response_id.in_(response_ids))
        .values(spans=[])
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(ScoreChange).where(ScoreChange.invitation_id.in_(invitation_ids))
        .values(user_agent=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    summary["messages"] = _rowcount(session.execute(
        update(Message).where(Message.invitation_id.in_(invitation_ids))
        .values(body="")
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    summary["reply_emails"] = _rowcount(session.execute(
        update(InboundEmail).where(InboundEmail.invitation_id.in_(invitation_ids))
        .values(from_email="", to_email="", subject="", text="", html="", headers="",
                attachments=[], email_message_id=None)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    session.execute(
        update(LifecycleEvent).where(LifecycleEvent.contact_id == contact.id)
        .values(properties={})
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    summary["tasks"] = _erase_follow_ups(session, contact, response_ids, old_name, old_email)
    summary["theme_examples"] = _erase_examples(session, comments)
    summary["webhook_deliveries"] = _erase_webhook_payloads(
        session, contact, invitation_ids, response_ids
    )
    summary["csv_imports"] = _erase_import_lines(session, old_email)
    contact.email = erased_address(contact.id)
    contact.name = None
    contact.attributes = {}
    contact.timezone = None
    contact.signed_up_on = None
    contact.unsubscribed = True  # belt and braces: the placeholder address is undeliverable
    if not is_erased_address(old_email):
        _remember(session, old_email)
    _audit(session, "erase", contact, actor, channel, actor_user_id, summary,
           hashed=email_hash(old_email))  # fmt: skip
    session.flush()
    session.expire_all()  # bulk updates above bypassed the identity map
    return summary


def _erase_outbox(session: Session, contact: Contact) -> int:
    """Cancel what still waits, forget the address and the personal parts of what went out.

    A body (email_contents) is shared between recipients when it is the same text; one used
    only by this person's emails is theirs (a CSM's reply, say) and is blanked.
    """
    outbox_of = _outbox_of(contact)
    session.execute(
        update(OutboxEmail).where(outbox_of, OutboxEmail.status.in_(WAITING))
        .values(status="cancelled", last_error="not sent: contact erased")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    content_ids = set(session.scalars(select(OutboxEmail.content_id).where(outbox_of)))
    shared = set(
        session.scalars(
            select(OutboxEmail.content_id)
            .where(OutboxEmail.content_id.in_(content_ids), ~outbox_of)
            .distinct()
        )
    )
    own = sorted(content_ids - shared)
    if own:
        session.execute(
            update(EmailContent).where(EmailContent.id.in_(own))
            .values(subject="", html="", text="", reply_to=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    return _rowcount(session.execute(
        update(OutboxEmail).where(outbox_of)
        .values(to_email=erased_address(contact.id), to_name=None, substitutions={},
                headers={}, last_error=None)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip


def _erase_follow_ups(
    session: Session, contact: Contact, response_ids: list[int], name: str | None, email: str
) -> int:
    tasks = session.scalars(select(Task).where(_tasks_of(contact, response_ids))).all()
    for task in tasks:
        task.title = redact(task.title, name, email) or ""
        # Notes staff wrote about the person may hold anything (a phone number, a story):
        # they go whole. The resolution code stays for the close-the-loop figures.
        task.severity_note = None
        task.resolution_note = None
        task.routing_reason = redact(task.routing_reason, name, email) or ""
    task_ids = [t.id for t in tasks]
    if task_ids:
        # Notes staff wrote on the task are about this person; the history of states stays.
        session.execute(
            update(TaskEvent).where(TaskEvent.task_id.in_(task_ids)).values(body=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        session.execute(
            update(ResolutionCheck).where(ResolutionCheck.task_id.in_(task_ids))
            .values(comment=None)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    for candidate in session.scalars(
        select(OuterLoopCandidate).where(OuterLoopCandidate.response_id.in_(response_ids))
    ):
        candidate.note = redact(candidate.note, name, email)
    return len(tasks)


def _erase_examples(session: Session, comments: set[str]) -> int:
    """Drop the person's comments from theme proposals' example quotes."""
    if not comments:
        return 0
    removed = 0
    for proposal in session.scalars(select(ThemeProposal)):
        kept = [e for e in proposal.examples or [] if e not in comments]
        if len(kept) != len(proposal.examples or []):
            removed += len(proposal.examples) - len(kept)
            proposal.examples = kept
    return removed


def _erase_webhook_payloads(
    session: Session, contact: Contact, invitation_ids: list[int], response_ids: list[int]
) -> int:
    """Blank the personal fields of outgoing webhook payloads about this person.

    Sent ones are history; waiting ones go out with ids and scores only (the receiving system
    keeps what it was sent before: erasing there is its owner's part of the request).
    """
    payload = WebhookDelivery.payload
    task_ids = list(session.scalars(select(Task.id).where(_tasks_of(contact, response_ids))))
    about = or_(
        payload["contact_id"].as_integer() == contact.id,
        payload["invitation_id"].as_integer().in_(invitation_ids),
        payload["response_id"].as_integer().in_(response_ids),
        and_(WebhookDelivery.event_type.like("task.%"), payload["id"].as_integer().in_(task_ids)),
    )
    count = 0
    for delivery in session.scalars(select(WebhookDelivery).where(about)):
        delivery.payload = {
            key: (None if key in PERSONAL_PAYLOAD_KEYS else value)
            for key, value in (delivery.payload or {}).items()
        }
        delivery.last_response = None
        count += 1
    return count


def _erase_import_lines(session: Session, email: str) -> int:
    """An uploaded CSV is kept with its lines (the import page shows them): drop the lines
    that carry this address. An import still running may then skip one of its later rows."""
    needle = email.lower()
    changed = 0
    for upload in session.scalars(
        select(CsvImport).where(func.lower(CsvImport.content).contains(needle))
    ):
        kept = [line for line in upload.content.splitlines() if needle not in line.lower()]
        upload.content = "\n".join(kept) + "\n"
        changed += 1
    return changed


def _remember(session: Session, email: str) -> None:
    key = email_hash(email)
    if session.get(ErasedEmail, key) is None:
        session.add(ErasedEmail(email_hash=key))


def _audit(
    session: Session,
    kind: str,
    contact: Contact,
    actor: str,
    channel: str,
    actor_user_id: int | None,
    summary: dict[str, Any],
    *,
    hashed: str | None = None,
) -> None:
    session.add(
        PrivacyRequest(
            kind=kind, contact_id=contact.id, email_hash=hashed or email_hash(contact.email),
            actor=actor[:254], actor_user_id=actor_user_id, channel=channel, summary=summary,
        )
    )  # fmt: skip
    session.flush()


def _invitation_ids(session: Session, contact: Contact, *, lock: bool = False) -> list[int]:
    """The contact's invitations; locked for an erasure, which then changes their responses.

    Capture locks an invitation before its response, and the trigger on responses writes the
    invitation (its answered/commented stamps): taking the invitations first keeps one order,
    so an answer arriving during the erasure waits instead of deadlocking."""
    query = select(Invitation.id).where(Invitation.contact_id == contact.id)
    if lock:
        query = dialects.locked(session, query.order_by(Invitation.id))
    return list(session.scalars(query))


def _outbox_of(contact: Contact) -> Any:
    return or_(
        OutboxEmail.contact_id == contact.id,
        func.lower(OutboxEmail.to_email) == contact.email.lower(),
    )


def _events_of(contact: Contact) -> Any:
    return or_(EmailEvent.contact_id == contact.id, EmailEvent.email == contact.email.lower())


def _tasks_of(contact: Contact, response_ids: list[int] | None = None) -> Any:
    by_response = (
        Task.response_id.in_(response_ids)
        if response_ids is not None
        else Task.response_id.in_(select(Response.id).where(Response.contact_id == contact.id))
    )
    return or_(Task.contact_id == contact.id, by_response)


def _rowcount(result: Any) -> int:
    return result.rowcount or 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
