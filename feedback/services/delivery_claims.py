"""Claiming outbox rows for delivery: which rows are due, and taking a batch of them.

deliver_due (services/delivery.py) looks the due rows up once per LOOKAHEAD batches and claims
each batch by primary key, checking each row again: still due, not locked by another worker.
The claim gives the rows this worker's lease and, for the batch's first request, the
"sending" mark in the same UPDATE (see delivery's docstring for what the mark guarantees).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from feedback.models import EmailContent, OutboxEmail
from feedback.services import dialects

SessionFactory = Callable[[], Session]


def is_due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The row may be sent at `now`: queued, its time come, and nobody holding a live lease."""
    return (
        OutboxEmail.status == "queued",
        OutboxEmail.next_attempt_at <= now,
        (OutboxEmail.claimed_until.is_(None)) | (OutboxEmail.claimed_until < now),
    )


def due_ids(session_factory: SessionFactory, now: datetime, limit: int) -> list[int]:
    """The ids of the oldest due rows, up to `limit`; no lock: claim() checks each again."""
    with session_factory() as session:
        query = select(OutboxEmail.id).where(*is_due(now)).order_by(OutboxEmail.id).limit(limit)
        return list(session.scalars(query))


@dataclass(slots=True)
class Claim:
    """The columns of a claimed outbox row that sending and recording need; a plain copy (an
    ORM object per row cost more than the rest of the claim)."""

    id: int
    kind: str
    content_id: int
    invitation_id: int | None
    to_email: str
    to_name: str | None
    substitutions: dict[str, Any]
    headers: dict[str, Any]
    attempts: int
    sending_at: datetime | None


CLAIM_COLUMNS = [OutboxEmail.__table__.c[name] for name in Claim.__slots__]  # type: ignore[attr-defined]


@dataclass
class Claimed:
    """A claimed batch: detached rows (as they were before the claim) and the ids of its first
    request, whose "sending" mark the claim itself wrote (one row version instead of two)."""

    emails: list[Claim]
    marked: frozenset[int]


def claim(
    session_factory: SessionFactory,
    worker_id: str,
    ids: list[int],
    max_batch: int,
    lease_seconds: float,
    now: datetime,
    contents: dict[int, EmailContent],
) -> Claimed:
    """Take those of `ids` still due for this worker; detached rows, contents cached.

    PostgreSQL locks the rows it reads (SKIP LOCKED: concurrent workers take disjoint rows);
    SQLite's transactions begin IMMEDIATE, so nobody writes between the read and the claim.
    The first request's rows get their "sending" mark in the same UPDATE as their lease: the
    commit is the last step before that request, as delivery._mark_sending's would be.

    Whether a listed row is still due is read as a column, not filtered in WHERE: there the
    planner may add the due index to the primary key lookup, and that index keeps an entry for
    every row version ever queued until VACUUM (so each claim would read them all again).
    """
    lease = {"claimed_by": worker_id, "claimed_until": now + timedelta(seconds=lease_seconds)}
    with session_factory() as session, session.begin():
        listed = (
            select(*CLAIM_COLUMNS, and_(*is_due(now)).label("due"))
            .where(dialects.one_of(session, OutboxEmail.id, ids))
            .order_by(OutboxEmail.id)
        )
        rows = session.execute(dialects.locked(session, listed, skip_locked=True)).all()
        emails = [Claim(*row[:-1]) for row in rows if row[-1]]
        if not emails:
            return Claimed([], frozenset())
        first = request_groups([e for e in emails if e.sending_at is None], max_batch)[:1]
        marked = frozenset(e.id for group in first for e in group)
        rest = [e.id for e in emails if e.id not in marked]
        for chosen, values in ((marked, {**lease, "sending_at": now}), (rest, lease)):
            if chosen:
                session.execute(
                    update(OutboxEmail).where(dialects.one_of(session, OutboxEmail.id, chosen))
                    .values(**values),
                    execution_options={"synchronize_session": False},
                )  # fmt: skip
        missing = {e.content_id for e in emails} - contents.keys()
        if missing:
            for content in session.scalars(
                select(EmailContent).where(dialects.one_of(session, EmailContent.id, missing))
            ):
                contents[content.id] = content
        # Detached: the send happens with no session open.
        session.expunge_all()
    return Claimed(emails, marked)


def request_groups(emails: list[Claim], size: int) -> list[list[Claim]]:
    """Requests of at most `size` rows, each of one content."""
    emails = sorted(emails, key=lambda e: (e.content_id, e.id))
    groups: list[list[Claim]] = []
    for _, same_content in groupby(emails, key=lambda e: e.content_id):
        batch = list(same_content)
        groups.extend(batch[start : start + size] for start in range(0, len(batch), size))
    return groups
