"""The one writer of a thread's turns: every message a customer or we add to the conversation
of an invitation (the survey email, a click, a comment, a reply, "Did we resolve it?", a
backlog note) is written here, so a turn always carries the same fields whoever adds it.

`turn` gives the row as plain values (bulk writers insert many at once); `add_turn` adds one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from feedback.models import Message
from feedback.services import dialects
from feedback.services.bulk_rows import RowWriter

Direction = Literal["inbound", "outbound"]


def turn(
    invitation_id: int,
    direction: Direction,
    kind: str,
    channel: str,
    body: str,
    at: datetime,
    *,
    author_user_id: int | None = None,
    outbox_email_id: int | None = None,
) -> dict[str, Any]:
    """One turn's columns."""
    return {
        "invitation_id": invitation_id,
        "direction": direction,
        "kind": kind,
        "channel": channel,
        "body": body,
        "created_at": at,
        "author_user_id": author_user_id,
        "outbox_email_id": outbox_email_id,
    }


def add_turn(session: Session, *args: Any, **kwargs: Any) -> Message:
    """Add one turn (the arguments of `turn`) and return it, flushed so it has its id."""
    message = Message(**turn(*args, **kwargs))
    session.add(message)
    session.flush()
    return message


def stage_turn(session: Session, *args: Any, **kwargs: Any) -> Message:
    """Add one turn without flushing: it is inserted with the caller's other changes."""
    message = Message(**turn(*args, **kwargs))
    session.add(message)
    return message


def add_turns(
    session: Session, rows: list[dict[str, Any]], writer: RowWriter | None = None
) -> None:
    """Insert many turns built by `turn` at once (dispatch writes thousands); with a
    `writer`, they go with its page (bulk_rows), written when the caller starts it."""
    if writer is not None:
        writer.add(Message.__table__, rows)
    elif rows:
        dialects.insert_rows(session, Message.__table__, rows)
