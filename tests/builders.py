"""Builders shared by test modules: tasks with their response, invitation and thread; an
invitation with its queued emails and SendGrid events (suppression); a conversation and
SendGrid Inbound Parse posts (replies).

Imported by tests (`from tests.builders import add_task`) rather than from another test
module, so that no test module depends on another one's internals.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from sqlalchemy.orm import Session

from feedback.models import (
    Contact,
    EmailContent,
    Invitation,
    Message,
    OutboxEmail,
    Response,
    ResponseAnalysis,
    Task,
)
from feedback.models.programs import SurveyProgram
from feedback.services import programs
from feedback.tokens import hash_token, new_token

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
_seq = count(1)


def add_response(session, contact, *, score, comment=None, answered_at=NOW, label=None,
                 polarity=None, mismatch=False, mismatch_reason=None, drivers=None):  # fmt: skip
    """A sent invitation and its confirmed response, with its comment analysis if given."""
    n = next(_seq)
    program = programs.create_program(
        session, {"name": f"Queue test {n} {new_token()[:6]}", "kind": "nps", "active": True}
    )
    invitation = Invitation(
        program_id=program.id,
        contact_id=contact.id,
        wave_key=f"q{n}",
        token_hash=hash_token(new_token()),
        reply_token_hash=hash_token(new_token()),
        created_at=answered_at - timedelta(hours=2),
        sent_at=answered_at - timedelta(hours=2),
        expires_at=answered_at + timedelta(days=30),
    )
    session.add(invitation)
    session.flush()
    session.add(
        Message(invitation_id=invitation.id, direction="outbound", kind="invitation",
                channel="email", body="How are we doing?", created_at=invitation.sent_at)
    )  # fmt: skip
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    response = Response(
        invitation_id=invitation.id, program_id=program.id, contact_id=contact.id,
        account_id=contact.account_id, score=score, category=category, comment=comment,
        status="confirmed", answered_at=answered_at,
    )  # fmt: skip
    session.add(response)
    session.flush()
    if label or polarity is not None or mismatch:
        session.add(
            ResponseAnalysis(
                response_id=response.id, language="en", sentiment_polarity=polarity,
                sentiment_label=label, sentiment_drivers=drivers, mismatch=mismatch,
                mismatch_reason=mismatch_reason, analyzed_at=answered_at,
            )
        )  # fmt: skip
    session.commit()
    return response


def add_task(session, *, owner=None, team=None, response=None, contact=None, account=None,
             type="recover", status="open", priority=2, due_at=NOW + timedelta(days=1),
             created_at=NOW - timedelta(days=1), title=None, **fields):  # fmt: skip
    if response is not None:
        contact_id = response.contact_id
        account_id = response.account_id
    else:
        contact_id = contact.id if contact is not None else None
        account_id = account.id if account is not None else None
    if account_id is None and contact is not None:
        account_id = contact.account_id
    task = Task(
        type=type, status=status, priority=priority,
        title=title or f"Task {next(_seq)}",
        response_id=response.id if response is not None else None,
        invitation_id=response.invitation_id if response is not None else None,
        contact_id=contact_id, account_id=account_id,
        owner_id=owner.id if owner is not None else None,
        team_id=team.id if team is not None else (owner.team_id if owner is not None else None),
        routing_reason="test", sla_business_hours=16, due_at=due_at, created_at=created_at,
        **fields,
    )  # fmt: skip
    session.add(task)
    session.commit()
    return task


def contact_of(session, make_contact, account, **fields):
    contact = make_contact(**fields)
    contact.account_id = account.id
    session.commit()
    return contact


# ---------------------------------------------------------------- suppression: invitations, events


_serial = count(1)


def invite(
    session: Session, contact: Contact, *, expired: bool = False
) -> tuple[Invitation, str, OutboxEmail, OutboxEmail]:
    """An invitation with its link token, a queued invitation email and a held reminder."""
    n = next(_serial)
    now = datetime.now(UTC)
    program = SurveyProgram(name=f"Suppression program {n}", kind="nps")
    content = EmailContent(
        fingerprint=f"suppression-{n}-{new_token()}"[:64], from_email="cs@example.com",
        from_name="CS", subject="How are we doing?", html="<p>Hi</p>", text="Hi",
    )  # fmt: skip
    session.add_all([program, content])
    session.flush()
    token = new_token()
    invitation = Invitation(
        program_id=program.id, contact_id=contact.id, wave_key=f"wave-{n}",
        token_hash=hash_token(token), reply_token_hash=hash_token(new_token()),
        expires_at=now - timedelta(days=1) if expired else now + timedelta(days=30),
    )  # fmt: skip
    session.add(invitation)
    session.flush()
    emails = [
        OutboxEmail(kind=kind, content_id=content.id, invitation_id=invitation.id,
                    contact_id=contact.id, to_email=contact.email, status=status)
        for kind, status in (("invitation", "queued"), ("reminder", "held"))
    ]  # fmt: skip
    session.add_all(emails)
    session.commit()
    return invitation, token, emails[0], emails[1]


def sg_event(event: str, email: str, **fields: Any) -> dict[str, Any]:
    return {
        "email": email, "event": event, "timestamp": 1_700_000_000,
        "sg_event_id": f"sg-{next(_serial)}", "sg_message_id": "msg.filter0001", **fields,
    }  # fmt: skip


# ---------------------------------------------------------------- replies: Inbound Parse

SECRET = "inbound-secret-123"
DOMAIN = "inbound.example.com"
CONVERSATION_AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def start_conversation(session, make_contact, *, score=9, comment=None, **contact):
    """A sent invitation and its response; returns (invitation, response, reply token)."""
    n = session.query(Invitation).count()
    program = programs.create_program(
        session, {"name": f"Conv {n} {new_token()[:6]}", "kind": "nps", "active": True}
    )
    person = make_contact(**contact)
    reply_token = new_token()
    invitation = Invitation(
        program_id=program.id,
        contact_id=person.id,
        wave_key=f"w{n}",
        token_hash=hash_token(new_token()),
        reply_token_hash=hash_token(reply_token),
        created_at=CONVERSATION_AT,
        sent_at=CONVERSATION_AT,
        expires_at=CONVERSATION_AT + timedelta(days=30),
    )
    session.add(invitation)
    session.flush()
    session.add(
        Message(invitation_id=invitation.id, direction="outbound", kind="invitation",
                channel="email", body="How are we doing?", created_at=CONVERSATION_AT)
    )  # fmt: skip
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    response = Response(
        invitation_id=invitation.id, program_id=program.id, contact_id=person.id,
        score=score, category=category, comment=comment,
        answered_at=CONVERSATION_AT + timedelta(hours=1),
    )  # fmt: skip
    session.add(response)
    session.commit()
    return invitation, response, reply_token


def inbound_form(*, to, sender, text, subject="Re: How are we doing?", message_id=None,
                 envelope_to=None, **extra):  # fmt: skip
    headers = f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
    if message_id:
        headers += f"Message-ID: {message_id}\n"
    data = {
        "from": sender,
        "to": to,
        "subject": subject,
        "text": text,
        "html": "",
        "headers": headers,
        "envelope": json.dumps({"to": envelope_to or [to], "from": sender}),
        "charsets": json.dumps(
            {"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "utf-8"}
        ),  # fmt: skip
        "SPF": "pass",
        "attachments": "0",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, url=f"/webhooks/sendgrid/inbound/{SECRET}", **kwargs):
    return client.post(url, data=data, content_type="multipart/form-data", **kwargs)


# ---------------------------------------------------------------- customer languages

TRANSLATIONS = Path(__file__).resolve().parents[1] / "feedback" / "translations"


def english_pieces(lang: str) -> list[str]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    pieces = []
    for message in catalog:
        if message.id and message.string != message.id:
            parts = (p.strip() for p in re.split(r"%\(\w+\)s", message.id))
            pieces += [p for p in parts if len(p) >= 12]
    return pieces


def assert_no_english(text: str, lang: str, where: str) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\s+", " ", text)
    left = [p for p in english_pieces(lang) if p in text]
    assert not left, f"{where} in {lang} still says {left}"
