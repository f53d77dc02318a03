"""The conversation after a response: the customer's email replies and the CSM's answers.

Replies come in through SendGrid's Inbound Parse at reply+TOKEN@INBOUND_DOMAIN. The token is
the invitation's own reply token or one minted for a CSM's reply (reply_tokens), so the
customer's answer to either threads into the same conversation. Nothing that arrives is
dropped: a reply we cannot place is kept as an unmatched reply for an admin.

Sender check: a reply whose From address is not the invitation's contact (a colleague, a
forward) is still threaded, because the token proves it answers our email, but its
inbound_emails row has sender_matches=False and the thread page names the real sender.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import eligibility
from feedback.mail import replies
from feedback.mail.addresses import bare_address
from feedback.mail.render import REPLY_TOKEN, render
from feedback.mail.words import words_for
from feedback.models import (
    Contact,
    InboundEmail,
    Invitation,
    Message,
    ReplyToken,
    Response,
    UnmatchedReply,
    User,
)
from feedback.services import (
    analytics_replies,
    followup,
    outbox,
    thread_turns,
    visibility,
    webhooks_out,
)
from feedback.services.errors import InvalidInput, NotFound
from feedback.tokens import hash_token, new_token

MAX_REPLY = 10_000


# ---------------------------------------------------------------- reading a thread


@dataclass(frozen=True)
class Turn:
    """One message of a thread as a page shows it."""

    message: Message
    sender: str
    email: InboundEmail | None
    sender_matches: bool = True


@dataclass(frozen=True)
class Thread:
    response: Response
    invitation: Invitation
    contact: Contact
    turns: list[Turn]


def get_thread(session: Session, response_id: int) -> Thread:
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    invitation = response.invitation
    contact = response.contact
    rows = session.execute(
        select(Message, User, InboundEmail)
        .outerjoin(User, User.id == Message.author_user_id)
        .outerjoin(InboundEmail, InboundEmail.message_id == Message.id)
        .where(Message.invitation_id == invitation.id)
        .order_by(Message.created_at, Message.id)
    ).all()
    turns = []
    for message, author, email in rows:
        if message.direction == "inbound":
            who = contact.name or contact.email
            matches = email.sender_matches if email is not None else True
            if not matches and email is not None:
                who = email.from_email
            turns.append(Turn(message, who, email, matches))
        else:
            who = author.name if author is not None else invitation.program.sender_name
            turns.append(Turn(message, who, None))
    return Thread(response, invitation, contact, turns)


# ---------------------------------------------------------------- inbound replies


@dataclass(frozen=True)
class Received:
    """What became of an inbound email: a message in a thread, or an unmatched reply."""

    message: Message | None = None
    unmatched: UnmatchedReply | None = None
    duplicate: bool = False


def _invitation_for_token(session: Session, token: str) -> Invitation | None:
    token_hash = hash_token(token)
    invitation = session.scalar(select(Invitation).where(Invitation.reply_token_hash == token_hash))
    if invitation is None:
        invitation = session.scalar(
            select(Invitation)
            .join(ReplyToken, ReplyToken.invitation_id == Invitation.id)
            .where(ReplyToken.token_hash == token_hash)
        )
    return invitation


def _already_stored(session: Session, message_id: str | None) -> Received | None:
    if not message_id:
        return None
    email = session.scalar(
        select(InboundEmail).where(InboundEmail.email_message_id == message_id).limit(1)
    )
    if email is not None:
        return Received(message=session.get(Message, email.message_id), duplicate=True)
    unmatched = session.scalar(
        select(UnmatchedReply).where(UnmatchedReply.email_message_id == message_id).limit(1)
    )
    if unmatched is not None:
        return Received(unmatched=unmatched, duplicate=True)
    return None


def _thread_reply(
    session: Session,
    invitation: Invitation,
    *,
    from_email: str,
    to_email: str,
    subject: str,
    text: str,
    headers: str,
    message_id: str | None,
    now: datetime,
    html: str = "",
    attachments: list[dict[str, Any]] | None = None,
) -> Message:
    contact = session.get(Contact, invitation.contact_id)
    matches = contact is not None and from_email.lower() == (contact.email or "").lower()
    message = thread_turns.add_turn(
        session, invitation.id, "inbound", "reply", "email", replies.new_words(text, html), now
    )
    email = InboundEmail(
        message_id=message.id,
        invitation_id=invitation.id,
        from_email=from_email[:254],
        to_email=to_email,
        subject=subject,
        text=text,
        html=html,
        headers=headers,
        sender_matches=matches,
        email_message_id=message_id,
        received_at=now,
        attachments=attachments or [],
    )
    session.add(email)
    analytics_replies.analyze_reply(session, email, message.body)
    response_id = session.scalar(select(Response.id).where(Response.invitation_id == invitation.id))
    # A waiting task is back in progress; an unhappy reply raises the task's priority.
    followup.customer_replied(session, invitation.id, now, reply_label=email.sentiment_label)
    webhooks_out.emit(
        session,
        "reply.received",
        {
            "message_id": message.id,
            "invitation_id": invitation.id,
            "response_id": response_id,
            "contact_id": invitation.contact_id,
            "from": from_email,
            "sender_matches": matches,
            "subject": subject,
            "text": message.body,
            "received_at": now,
        },
        now,
    )
    session.flush()
    return message


def receive_inbound(
    session: Session,
    mail: replies.InboundMail,
    now: datetime | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Received:
    """Store one inbound email: threaded when its reply token is known, else unmatched.

    A post SendGrid repeats (same Message-ID) is recognised and stored once. `attachments`
    lists what was attached (name, type, size; see feedback.mail.attachments).
    """
    now = now or datetime.now(UTC)
    seen = _already_stored(session, mail.message_id)
    if seen is not None:
        return seen
    tokens = replies.reply_tokens(mail)
    to_email = ", ".join(mail.recipients)
    for token in tokens:
        invitation = _invitation_for_token(session, token)
        if invitation is not None:
            message = _thread_reply(
                session,
                invitation,
                from_email=mail.sender,
                to_email=to_email,
                subject=mail.subject,
                text=mail.text,
                headers=mail.headers,
                message_id=mail.message_id,
                now=now,
                html=mail.html,
                attachments=attachments or [],
            )
            return Received(message=message)
    unmatched = UnmatchedReply(
        from_email=mail.sender[:254],
        to_email=to_email,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        headers=mail.headers,
        reason="unknown_token" if tokens else "no_token",
        email_message_id=mail.message_id,
        received_at=now,
        attachments=attachments or [],
    )
    session.add(unmatched)
    session.flush()
    return Received(unmatched=unmatched)


def list_unmatched(
    session: Session, *, include_resolved: bool = False, limit: int = 200
) -> list[UnmatchedReply]:
    query = select(UnmatchedReply).order_by(UnmatchedReply.received_at.desc()).limit(limit)
    if not include_resolved:
        query = query.where(UnmatchedReply.resolved_at.is_(None))
    return list(session.scalars(query))


def resolve_unmatched(
    session: Session,
    unmatched_id: int,
    *,
    action: str,
    user_id: int | None,
    invitation_id: int | None = None,
    contact_email: str | None = None,
    now: datetime | None = None,
) -> UnmatchedReply:
    """Attach an unmatched reply to a conversation (by invitation, or a contact's latest
    invitation), or dismiss it. Either way it stays stored, with who decided and when."""
    now = now or datetime.now(UTC)
    row = session.get(UnmatchedReply, unmatched_id)
    if row is None:
        raise NotFound("There is no such unmatched reply.")
    if row.resolved_at is not None:
        raise InvalidInput(f"This reply was already {row.resolution}.")
    if action == "dismiss":
        row.resolution = "dismissed"
    elif action == "attach":
        invitation = _invitation_to_attach(session, invitation_id, contact_email)
        _thread_reply(
            session,
            invitation,
            from_email=row.from_email,
            to_email=row.to_email,
            subject=row.subject,
            text=row.text,
            headers=row.headers,
            message_id=None,
            now=row.received_at,
            html=row.html,
        )
        row.resolution = "attached"
        row.resolved_invitation_id = invitation.id
    else:
        raise InvalidInput(f"Unknown action {action!r}; use attach or dismiss.")
    row.resolved_at = now
    row.resolved_by_user_id = user_id
    session.flush()
    return row


def _invitation_to_attach(
    session: Session, invitation_id: int | None, contact_email: str | None
) -> Invitation:
    if invitation_id:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None:
            raise InvalidInput(
                "The reply was not attached.", {"invitation_id": ["No invitation has this id."]}
            )
        return invitation
    email = (contact_email or "").strip().lower()
    if not email:
        raise InvalidInput(
            "The reply was not attached.",
            {"invitation_id": ["Give an invitation id or a contact's email."]},
        )
    invitation = session.scalar(
        select(Invitation)
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(Contact.email == email)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    if invitation is None:
        raise InvalidInput(
            "The reply was not attached.",
            {"contact_email": [f"No invitation was sent to {email}."]},
        )
    return invitation


# ---------------------------------------------------------------- staff replies


def _check_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("Write a reply before sending.", {"body": ["The reply is empty."]})
    if len(text) > MAX_REPLY:
        raise InvalidInput(
            f"The reply is {len(text):,} characters; the limit is {MAX_REPLY:,}.",
            {"body": [f"Shorten the reply to at most {MAX_REPLY:,} characters."]},
        )
    return text


def _subject(session: Session, invitation_id: int) -> str:
    last = session.scalar(
        select(InboundEmail.subject)
        .where(InboundEmail.invitation_id == invitation_id, InboundEmail.subject != "")
        .order_by(InboundEmail.received_at.desc(), InboundEmail.id.desc())
        .limit(1)
    )
    if not last:
        last = session.scalar(
            select(Message.body)
            .where(Message.invitation_id == invitation_id, Message.kind == "invitation")
            .order_by(Message.id)
            .limit(1)
        )
    last = " ".join((last or "Your feedback").split())[:280]
    return last if last.lower().startswith("re:") else f"Re: {last}"


def reply_draft(session: Session, response_id: int, user: User) -> str:
    """What the reply box starts with: the greeting and the signature, with room between.

    The email carries exactly what the CSM sends, nothing added, so the composer shows the
    greeting (in the customer's language) and the signature as editable text rather than
    the email adding them out of sight (which made "Hi Nathan, Hi Nathan,").
    """
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    invitation, contact = response.invitation, response.contact
    first = (contact.name or "").split(" ")[0]
    greeting = words_for(invitation.locale or "en")["greeting"]
    hello = f"{greeting} {first}," if first else f"{greeting},"
    return f"{hello}\n\n\n\n{user.name}\n{invitation.program.sender_name}"


def _normalised(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


def reply_as_staff(
    session: Session,
    config: Mapping[str, Any],
    response_id: int,
    user: User,
    body: str | None,
    now: datetime | None = None,
) -> Message:
    """A CSM answers a customer: the thread message and its email, in one transaction.

    The email's body is exactly `body` (line endings and surrounding blank space aside):
    no greeting or signature is added, so what the composer showed is what the customer
    reads. The reply box is prefilled with reply_draft(); sending it untouched is refused.
    The email's Reply-To carries a new reply token (stored hashed); the raw token lives only
    in the outbox row's substitutions, as for invitations.
    """
    now = now or datetime.now(UTC)
    response = visibility.require_response(session, user, response_id)
    text = _check_body(body)
    if _normalised(text) == _normalised(reply_draft(session, response_id, user)):
        raise InvalidInput(
            "Write your message between the greeting and the signature before sending.",
            {"body": ["The reply holds only the greeting and the signature."]},
        )
    invitation = response.invitation
    contact = response.contact
    suppressed = eligibility.suppression(
        contact.unsubscribed, contact.bounced, contact.spam_reported, personal=True
    )
    if suppressed is not None:  # a reply is personal: an unsubscribe from surveys allows it
        why = "bounced" if suppressed == eligibility.Reason.BOUNCED else "was reported as spam"
        raise InvalidInput(
            f"Email to {contact.email} {why}; contact them another way.",
            {"body": ["This customer cannot be emailed."]},
        )
    token = new_token()
    session.add(
        ReplyToken(
            token_hash=hash_token(token),
            invitation_id=invitation.id,
            created_by_user_id=user.id,
            created_at=now,
        )
    )
    locale = invitation.locale or "en"
    email = render(
        "reply",
        subject=_subject(session, invitation.id),
        from_email=bare_address(str(config["MAIL_FROM"])),
        from_name=f"{user.name} ({invitation.program.sender_name})",
        reply_to=f"reply+{REPLY_TOKEN}@{config['INBOUND_DOMAIN']}",
        locale=locale,
        paragraphs=[p.strip("\n") for p in text.split("\n\n") if p.strip()],
        body=text,
    )
    in_reply_to = session.scalar(
        select(InboundEmail.email_message_id)
        .where(
            InboundEmail.invitation_id == invitation.id,
            InboundEmail.email_message_id.is_not(None),
        )
        .order_by(InboundEmail.received_at.desc(), InboundEmail.id.desc())
        .limit(1)
    )
    headers = {"In-Reply-To": in_reply_to, "References": in_reply_to} if in_reply_to else {}
    row = outbox.enqueue(
        session,
        kind="reply",
        content=outbox.content_for(session, email),
        to_email=contact.email,
        to_name=contact.name,
        substitutions={REPLY_TOKEN: token},
        headers=headers,
        invitation_id=invitation.id,
        contact_id=contact.id,
    )
    session.flush()
    message = thread_turns.add_turn(
        session, invitation.id, "outbound", "reply", "email", text, now,
        author_user_id=user.id, outbox_email_id=row.id,
    )  # fmt: skip
    followup.staff_replied(session, invitation.id, now)  # the first contact, for SLA metrics
    session.flush()
    return message
