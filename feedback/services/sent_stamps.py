"""Stamping invitations as sent once SendGrid accepted their email: `invitations.sent_at`, the
funnel's and the dashboards' time axis.

Delivery records a request's outcome on the outbox rows first: that record is what keeps an
email from going out twice. The invitations' stamp is not part of that guarantee, and it is
the dearest write of a batch (1,000 rows, each in six indexes, as `sent_at` leads the funnel's
covering indexes; bench/dispatch.py: 3.6 s of 16 s for 100,000 emails). So where sessions
have connections of their own (PostgreSQL, a worker), the stamp runs in a thread while the
next batch is claimed and sent, one batch at a time, in order. On SQLite (one writer at a
time) and where sessions share one connection (the tests), it is written with the outbox
record, in its transaction, as before.

A worker killed between the outbox record and the stamp leaves invitations whose email was
sent without `sent_at`: the next run restores them from their outbox rows before it sends
(`restore_missing`), reading only invitations without a stamp (the funnel index's NULL end:
those not sent yet, a handful once a dispatch has gone out).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from feedback.models import Invitation, OutboxEmail
from feedback.services import dialects

log = logging.getLogger("feedback.delivery")

SessionFactory = Callable[[], Session]


def stamp(session: Session, invitation_ids: Sequence[int], at: datetime) -> None:
    """`sent_at` for those of the invitations that have none yet."""
    if not invitation_ids:
        return
    session.execute(
        update(Invitation)
        .where(
            dialects.one_of(session, Invitation.id, invitation_ids), Invitation.sent_at.is_(None)
        )
        .values(sent_at=at),
        execution_options={"synchronize_session": False},
    )


def restore_missing(session_factory: SessionFactory) -> int:
    """Stamp invitations whose email the outbox says was sent (a stamp lost in a crash)."""
    with session_factory() as session, session.begin():
        result = session.execute(
            update(Invitation)
            .where(
                Invitation.sent_at.is_(None),
                OutboxEmail.invitation_id == Invitation.id,
                OutboxEmail.kind == "invitation",
                OutboxEmail.status == "sent",
            )
            .values(sent_at=OutboxEmail.sent_at),
            execution_options={"synchronize_session": False},
        )
    restored = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if restored:
        log.info("%d invitations sent by an interrupted run got their sent stamp", restored)
    return restored


def in_background(session_factory: SessionFactory) -> bool:
    """Whether stamps can go in a thread: PostgreSQL, each session on its own connection."""
    with session_factory() as session:
        return isinstance(session.get_bind(), Engine) and dialects.is_postgresql(session)


class SentStamps:
    """The stamps of one delivery run: `with_record` says whether the outbox record writes
    them (`stamp` in its transaction); otherwise `add` hands them to a thread, and `close`
    waits for the last one."""

    def __init__(self, session_factory: SessionFactory, *, background: bool | None = None):
        self.session_factory = session_factory
        if background is None:
            background = in_background(session_factory)
        self.with_record = not background
        self._pool: ThreadPoolExecutor | None = None
        if not self.with_record:
            restore_missing(session_factory)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sent-stamps")

    def add(self, invitation_ids: Sequence[int], at: datetime) -> None:
        if not invitation_ids or self._pool is None:
            return
        self._pool.submit(self._write, list(invitation_ids), at)

    def _write(self, invitation_ids: list[int], at: datetime) -> None:
        try:
            with self.session_factory() as session, session.begin():
                stamp(session, invitation_ids, at)
        except Exception:  # the next run restores them (restore_missing)
            log.exception("stamping %d invitations as sent failed", len(invitation_ids))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> SentStamps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
