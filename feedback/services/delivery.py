"""Sending the outbox: claim due emails with a lease, send them in bulk, record what happened.

One round of `deliver_due` is three steps, and only the first and last touch the database:

1. claim (short transaction): up to `batch_size` due rows, oldest first, get this worker's name
   and a lease (`claimed_until`); the first request's rows also get their "sending" mark.
   PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` then UPDATE, so concurrent workers take
   disjoint rows without waiting. SQLite (one writer at a time): the transaction begins
   IMMEDIATE, so the SELECT and the UPDATE see and write the same rows.
2. send (no transaction open): group by content, at most `backend.max_batch` per request.
3. record (short transaction): sent, retry later (with backoff), or failed for good.
   The invitations sent get their `sent_at` with it, or on PostgreSQL just after it in a
   thread while the next batch goes out (services.sent_stamps: not part of the guarantee
   below, restored from the outbox if a crash falls between the two).

Delivery guarantee, honestly stated. SendGrid's mail/send has no idempotency key, so a request
whose answer we never read may or may not have been accepted; no ordering of our writes can
close that. What the code does is keep the window to one request and know which rows are in it:

- Just before each request, its rows get a "sending" mark (`sending_at`), committed (for a
  batch's first request, by the claim's own commit, its last step before the request). The 202,
  with SendGrid's `X-Message-Id`, is recorded in the same transaction that marks them sent and
  clears the mark. So after a crash a row is in one of three states: sent (202 recorded: never
  sent again), queued without a mark (never in a request: sent once, normally), or queued with
  the mark (its request's outcome is unknown, or the worker died just before making it).
- A marked row is not simply re-sent. If the event webhook has recorded an event for it
  (`custom_args.outbox_id` on every message), SendGrid had it: it is marked sent, no request.
  Otherwise it is retried, in requests of at most `retry_batch_size` (10) rows.
- A request that times out or loses its connection is the same unknown case: the rows keep
  their mark and are retried with backoff, in small requests.

Worst case, stated as a bound: a worker killed between SendGrid's 202 and our commit duplicates
the rows of that one request (at most `backend.max_batch`, 1,000) unless their events arrive
first; a request that times out duplicates at most its rows once; any later retry of those rows
risks at most `retry_batch_size`. A worker killed before or during its request loses nothing.
A worker alive but slower than its lease (120 s, twelve times the client's 10 s timeout) could
send a batch twice; that needs a stall of minutes. Everything else is exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from feedback import backoff
from feedback.db import utcnow
from feedback.mail.backends import Backend, SendResult
from feedback.models import EmailContent, EmailEvent, OutboxEmail
from feedback.services import dialects, sent_stamps
from feedback.services.delivery_claims import (
    Claim,
    Claimed,
    SessionFactory,
    claim,
    due_ids,
    request_groups,
)
from feedback.services.sent_stamps import SentStamps

__all__ = ["DeliveryStats", "deliver_due"]

log = logging.getLogger("feedback.delivery")


#: Batches of due ids looked up at once (see deliver_due).
LOOKAHEAD = 20


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # temporary failures, queued again with a backoff
    failed: int = 0  # permanent failures and retries exhausted
    deferred: int = 0  # claimed but not tried: the account was rate-limited this run
    http_requests: int = 0


def deliver_due(
    session_factory: SessionFactory,
    backend: Backend,
    *,
    worker_id: str,
    batch_size: int = 1000,
    lease_seconds: float = 120,
    now: datetime | None = None,
    policy: backoff.RetryPolicy = backoff.DEFAULT_POLICY,
    retry_batch_size: int = 10,
) -> DeliveryStats:
    """Send every due outbox email, `batch_size` at a time, until none is due; return counts.

    `now` fixes the clock (tests); otherwise each round reads the clock. Memory holds one batch
    and the ids of the due rows ahead of it (at most `LOOKAHEAD` batches).
    A rate limit (HTTP 429) ends the run: the rest of the claimed batch goes back to the queue
    for when the provider said to return, without counting as an attempt.

    Why a list of due ids ahead: each row sent leaves a dead "queued" entry in the due index
    until VACUUM, and a claim that searched the due index each round would read all of them
    again, every round (100,000 emails: most of delivery's time). The due rows are looked up
    once per LOOKAHEAD batches; each claim takes the next ids of that list by primary key,
    checking again that they are due and unlocked (another worker may have taken them).
    """
    stats = DeliveryStats()
    requests_before = backend.requests
    with SentStamps(session_factory) as stamps:
        contents: dict[int, EmailContent] = {}
        ahead: list[int] = []
        progressed = True
        while True:
            round_now = now or utcnow()
            if not ahead:
                if not progressed:
                    break  # a whole list of due rows turned out taken: none is left for us now
                ahead = due_ids(session_factory, round_now, batch_size * LOOKAHEAD)
                progressed = False
                if not ahead:
                    break
            chunk, ahead = ahead[:batch_size], ahead[batch_size:]
            claimed = claim(session_factory, worker_id, chunk, backend.max_batch,
                             lease_seconds, round_now, contents)  # fmt: skip
            if not claimed.emails:
                continue
            progressed = True
            stats.claimed += len(claimed.emails)
            rate_limited = _send_and_record(
                session_factory, backend, worker_id, claimed, contents, round_now, policy, stats,
                retry_batch_size, stamps,
            )  # fmt: skip
            if rate_limited:
                break
    stats.http_requests = backend.requests - requests_before
    return stats


def _send_and_record(
    session_factory: SessionFactory,
    backend: Backend,
    worker_id: str,
    claimed: Claimed,
    contents: dict[int, EmailContent],
    now: datetime,
    policy: backoff.RetryPolicy,
    stats: DeliveryStats,
    retry_batch_size: int,
    stamps: SentStamps,
) -> bool:
    """Send the claimed rows content by content, recording each request's results at once.

    Recording per request (not per claimed batch) keeps the window between "SendGrid accepted"
    and "the row says sent" to one round trip. Rows whose earlier request has an unknown
    outcome go in small requests, after asking the event log whether SendGrid had them.
    Returns True when the account was rate-limited.
    """
    emails = claimed.emails
    unknown = [e for e in emails if e.sending_at is not None]
    if unknown:
        seen = _seen_by_provider(session_factory, [e.id for e in unknown])
        if seen:
            log.info("%d emails of an unanswered request were seen by SendGrid: not re-sent",
                     len(seen))  # fmt: skip
            results = [SendResult.sent(e.id, None) for e in unknown if e.id in seen]
            _record(session_factory, backend, worker_id, [e for e in unknown if e.id in seen],
                    results, now, policy, stats, stamps)  # fmt: skip
        unknown = [e for e in unknown if e.id not in seen]
    fresh = [e for e in emails if e.sending_at is None]
    groups = request_groups(fresh, backend.max_batch) + request_groups(
        unknown, max(1, retry_batch_size)
    )

    for index, group in enumerate(groups):
        content = contents[group[0].content_id]
        if {e.id for e in group} <= claimed.marked:
            for email in group:  # marked by the claim's own commit
                email.sending_at = now
        else:
            _mark_sending(session_factory, group, now)
        try:
            results = backend.send_batch(content, group)
        except Exception as exc:  # a bug or an unexpected library error: retry, keep the message
            log.exception("mail backend %s failed on %d emails", backend.name, len(group))
            error = f"{type(exc).__name__}: {exc}"
            results = [SendResult.failed(e.id, backoff.ErrorKind.TEMPORARY, error, unknown=True)
                       for e in group]  # fmt: skip
        _record(session_factory, backend, worker_id, group, results, now, policy, stats, stamps)
        if any(r.rate_limited for r in results):
            rest = [e for later in groups[index + 1 :] for e in later]
            retry_after = max((r.retry_after or 0.0) for r in results)
            _defer(session_factory, worker_id, rest, now, retry_after, policy)
            stats.deferred += len(rest)
            return True
    return False


def _mark_sending(session_factory: SessionFactory, group: Sequence[Claim], now: datetime) -> None:
    """Commit the "sending" mark before the request: after a crash, these rows are the ones
    whose outcome is unknown (and only these)."""
    ids = [e.id for e in group]

    def write(session: Session) -> None:
        session.execute(
            update(OutboxEmail)
            .where(dialects.one_of(session, OutboxEmail.id, ids))
            .values(sending_at=now),
            execution_options={"synchronize_session": False},
        )

    _in_transaction(session_factory, write)
    for email in group:
        email.sending_at = now


def _seen_by_provider(session_factory: SessionFactory, ids: list[int]) -> set[int]:
    """Rows the event webhook has reported on (processed, delivered, ...): SendGrid has them."""
    with session_factory() as session:
        return set(
            session.scalars(
                select(EmailEvent.outbox_email_id)
                .where(
                    dialects.one_of(session, EmailEvent.outbox_email_id, ids),
                    EmailEvent.source == "webhook",
                )
                .distinct()
            )
        )


def _record(
    session_factory: SessionFactory,
    backend: Backend,
    worker_id: str,
    group: Sequence[Claim],
    results: Sequence[SendResult],
    now: datetime,
    policy: backoff.RetryPolicy,
    stats: DeliveryStats,
    stamps: SentStamps,
) -> None:
    """Write what each request's answer says; the invitations sent get their stamp with it or
    just after it (services.sent_stamps)."""
    by_id = {e.id: e for e in group}
    sent = [r for r in results if r.status == "sent"]
    invitation_ids = [
        by_id[r.outbox_id].invitation_id
        for r in sent
        if by_id[r.outbox_id].kind == "invitation" and by_id[r.outbox_id].invitation_id
    ]
    temporary = [r for r in results if r.status == "temporary"]
    permanent = [r for r in results if r.status == "permanent"]

    def write(session: Session) -> None:
        _mark_sent(session, backend, by_id, sent, now)
        if stamps.with_record:
            sent_stamps.stamp(session, invitation_ids, now)
        _mark_temporary(session, worker_id, by_id, temporary, now, policy, stats)
        for error, same in _by_error(permanent):
            ids = [r.outbox_id for r in same]
            session.execute(
                update(OutboxEmail)
                .where(
                    dialects.one_of(session, OutboxEmail.id, ids), OutboxEmail.status == "queued"
                )
                .values(
                    status="failed",
                    sending_at=None,
                    attempts=OutboxEmail.attempts + 1,
                    last_error=error,
                    claimed_by=None,
                    claimed_until=None,
                ),  # fmt: skip
                execution_options={"synchronize_session": False},
            )

    _in_transaction(session_factory, write)
    if not stamps.with_record:
        stamps.add(invitation_ids, now)
    stats.sent += len(sent)
    stats.failed += len(permanent)
    if permanent:
        log.warning("%d emails failed for good: %s", len(permanent), permanent[0].error)


def _mark_sent(
    session: Session,
    backend: Backend,
    by_id: dict[int, Claim],
    sent: Sequence[SendResult],
    now: datetime,
) -> None:
    # Marked sent whoever holds the claim now: the provider has the message either way.
    # With the sendgrid backend the raw link and reply tokens live on at the provider only
    # (invitations keep hashes): the same UPDATE blanks them (the substitutions, and the
    # unsubscribe link that carries the token), so each row is written once.
    def key(r: SendResult) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
        if not backend.scrub_after_send:
            return r.provider_message_id or "", (), ()
        email = by_id[r.outbox_id]
        return (
            r.provider_message_id or "",
            tuple(sorted(email.substitutions or {})),
            _scrubbed_headers(email.headers),
        )

    keyed = sorted(((key(r), r) for r in sent), key=lambda pair: pair[0])  # one key() a row
    for (message_id, keys, headers), pairs in groupby(keyed, key=lambda pair: pair[0]):
        same = [r for _, r in pairs]
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": now,
            "sending_at": None,
            "provider_message_id": message_id or None,
            "attempts": OutboxEmail.attempts + 1,
            "last_error": None,
            "claimed_by": None,
            "claimed_until": None,
        }
        if keys:
            values["substitutions"] = dict.fromkeys(keys, "")
        if headers:
            values["headers"] = dict(headers)
        session.execute(
            update(OutboxEmail)
            .where(dialects.one_of(session, OutboxEmail.id, [r.outbox_id for r in same]))
            .values(**values),
            execution_options={"synchronize_session": False},
        )


#: Headers whose value holds a raw token (the one-click unsubscribe link): blanked once sent.
SECRET_HEADERS = frozenset({"List-Unsubscribe"})


def _scrubbed_headers(headers: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The headers to store once sent, or () when none holds a token (the row keeps its own:
    a reply's In-Reply-To is a record, not a secret)."""
    if not headers or SECRET_HEADERS.isdisjoint(headers):
        return ()
    return tuple(sorted((k, "" if k in SECRET_HEADERS else str(v)) for k, v in headers.items()))


def _mark_temporary(
    session: Session,
    worker_id: str,
    by_id: dict[int, Claim],
    temporary: Sequence[SendResult],
    now: datetime,
    policy: backoff.RetryPolicy,
    stats: DeliveryStats,
) -> None:
    # One delay per request, not per row: the emails failed together and, retried together,
    # they still fit in one request.
    # A refusal (5xx) is a known outcome: the mark goes. No answer at all keeps it.
    known = [r.outbox_id for r in temporary if not r.unknown]
    if known:
        session.execute(
            update(OutboxEmail)
            .where(dialects.one_of(session, OutboxEmail.id, known))
            .values(sending_at=None),
            execution_options={"synchronize_session": False},
        )
    for error, same in _by_error(temporary):
        attempt = max(by_id[r.outbox_id].attempts for r in same) + 1
        retry_after = max((r.retry_after for r in same if r.retry_after is not None), default=None)
        wait = backoff.delay(attempt, policy=policy, retry_after=retry_after)
        ids = [r.outbox_id for r in same]
        mine = (dialects.one_of(session, OutboxEmail.id, ids), OutboxEmail.status == "queued",
                OutboxEmail.claimed_by == worker_id)  # fmt: skip
        session.execute(
            update(OutboxEmail)
            .where(*mine)
            .values(
                attempts=OutboxEmail.attempts + 1,
                last_error=error,
                next_attempt_at=now + timedelta(seconds=wait),
                claimed_by=None,
                claimed_until=None,
            ),  # fmt: skip
            execution_options={"synchronize_session": False},
        )
        gave_up = session.execute(
            update(OutboxEmail)
            .where(
                dialects.one_of(session, OutboxEmail.id, ids),
                OutboxEmail.status == "queued",
                OutboxEmail.attempts >= policy.max_attempts,
            )  # fmt: skip
            .values(status="failed")
            .returning(OutboxEmail.id),
            execution_options={"synchronize_session": False},
        ).all()
        stats.failed += len(gave_up)
        stats.retried += len(ids) - len(gave_up)
        log.info("%d emails to retry in %.0f s: %s", len(ids) - len(gave_up), wait, error)


def _defer(
    session_factory: SessionFactory,
    worker_id: str,
    emails: Sequence[Claim],
    now: datetime,
    retry_after: float,
    policy: backoff.RetryPolicy,
) -> None:
    """Give claimed, untried rows back for later; not an attempt, so not counted as one."""
    if not emails:
        return
    wait = backoff.delay(1, policy=policy, retry_after=retry_after)

    def write(session: Session) -> None:
        session.execute(
            update(OutboxEmail)
            .where(
                dialects.one_of(session, OutboxEmail.id, [e.id for e in emails]),
                OutboxEmail.status == "queued",
                OutboxEmail.claimed_by == worker_id,
            )  # fmt: skip
            .values(
                next_attempt_at=now + timedelta(seconds=wait), claimed_by=None, claimed_until=None
            ),  # fmt: skip
            execution_options={"synchronize_session": False},
        )

    _in_transaction(session_factory, write)


def _by_error(results: Iterable[SendResult]) -> Iterable[tuple[str, list[SendResult]]]:
    ordered = sorted(results, key=lambda r: r.error or "")
    for error, same in groupby(ordered, key=lambda r: r.error or ""):
        yield error, list(same)


def _in_transaction(session_factory: SessionFactory, write: Callable[[Session], None]) -> None:
    """Run `write` in its own transaction, retried briefly: losing a "sent" record re-sends."""
    for attempt in range(3):
        try:
            with session_factory() as session, session.begin():
                write(session)
            return
        except OperationalError:
            if attempt == 2:
                raise
            log.warning("recording delivery results failed; trying again", exc_info=True)
            time.sleep(0.2 * (attempt + 1))
