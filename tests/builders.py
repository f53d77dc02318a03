"""Builders shared by test modules: tasks with their response, invitation and thread.

Imported by tests (`from tests.builders import add_task`) rather than from another test
module, so that no test module depends on another one's internals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from feedback.models import Invitation, Message, Response, ResponseAnalysis, Task
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
