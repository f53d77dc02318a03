"""Outgoing webhooks: tell other systems about responses and replies, signed, at least once.

emit() writes one delivery row per subscribed endpoint in the caller's transaction (the outbox
pattern: the event exists exactly when the change does). deliver_due_webhooks() claims due rows
with a lease (SKIP LOCKED on PostgreSQL), posts them with no transaction open, and records
each answer: 2xx delivered; 408, 429, 5xx and no answer retried with backoff; any other 4xx
failed for good with the receiver's answer kept. A killed worker's rows are claimed again
after the lease, so a receiver may see a delivery twice: X-Feedback-Delivery is the key to
de-duplicate on.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from feedback import backoff, signing
from feedback.models import WebhookDelivery, WebhookEndpoint
from feedback.services import dialects
from feedback.services.errors import InvalidInput, NotFound

log = logging.getLogger("feedback.webhooks")

EVENT_TYPES = (
    "response.created",
    "response.updated",
    "reply.received",
    "task.created",
    "task.closed",
    "backlog_item.status_changed",
)
TIMEOUT_SECONDS = 10.0
POLICY = backoff.RetryPolicy(base=30.0, cap=6 * 3600.0, floor=1.0, max_attempts=8)
BATCH_SIZE = 50
KEEP_RESPONSE_CHARS = 2000
USER_AGENT = "feedback-webhooks/1"

SessionFactory = Callable[[], Session]


# ---------------------------------------------------------------- endpoints (admin)


def create_endpoint(
    session: Session, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    """A new endpoint with a new secret (shown to the admin once, to configure the receiver)."""
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["url"] = ["Enter an http(s) URL such as https://hooks.example.com/feedback."]
    elif len(url) > 2000:
        errors["url"] = ["The URL is longer than 2,000 characters."]
    chosen = [e for e in EVENT_TYPES if e in set(event_types or [])]
    unknown = sorted(set(event_types or []) - set(EVENT_TYPES))
    if unknown:
        errors["event_types"] = [f"Unknown event types: {', '.join(unknown)}."]
    elif not chosen:
        errors["event_types"] = ["Choose at least one event."]
    if len(description or "") > 200:
        errors["description"] = ["Keep the description under 200 characters."]
    if errors:
        raise InvalidInput("The webhook was not added.", errors)
    endpoint = WebhookEndpoint(
        url=url,
        secret=signing.new_secret(),
        event_types=chosen,
        description=(description or "").strip(),
        active=True,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def set_active(
    session: Session, endpoint_id: int, active: bool, now: datetime | None = None
) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("There is no such webhook endpoint.")
    endpoint.active = active
    endpoint.disabled_at = None if active else (now or datetime.now(UTC))
    if not active:
        # Pending deliveries to a disabled endpoint would only fail; stop them now.
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
            .values(status="failed", last_error="endpoint disabled")
        )
    session.flush()
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    """The systems subscribed to events (departments' chat webhooks are set elsewhere)."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.kind == "signed")
            .order_by(WebhookEndpoint.id)
        )
    )


# ---------------------------------------------------------------- emitting


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def enqueue_chat(
    session: Session,
    endpoint: WebhookEndpoint,
    event_type: str,
    message: Mapping[str, Any],
    now: datetime,
) -> WebhookDelivery:
    """Queue one chat message for a department's Slack/Teams webhook (sent with retries by
    deliver-webhooks, like every delivery)."""
    row = WebhookDelivery(
        endpoint_id=endpoint.id, event_type=event_type, payload=dict(message), status="pending",
        next_attempt_at=now, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


_SIGNED = (WebhookEndpoint.active.is_(True), WebhookEndpoint.kind == "signed")
_SIGNED_ENDPOINTS = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(*_SIGNED)


def any_endpoint() -> ColumnElement[bool]:
    """Whether any endpoint could be subscribed, as a column: a writer's first read carries
    it and passes it to `emit(anyone=...)`, which then need not ask when none is."""
    return exists().where(*_SIGNED).label("any_webhook_endpoint")


def emit(
    session: Session,
    event_type: str,
    payload: Mapping[str, Any],
    now: datetime | None = None,
    *,
    anyone: bool | None = None,
) -> list[WebhookDelivery]:
    """Queue `event_type` with `payload` for every active endpoint subscribed to it.

    Call it inside the transaction that made the change. `payload` is plain data (str, int,
    float, bool, None, lists, dicts; datetimes and dates become ISO 8601 strings). `anyone`:
    the caller already read `any_endpoint()` in this transaction (False: nothing to ask).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}; known: {EVENT_TYPES}")
    now = now or datetime.now(UTC)
    data = json.loads(json.dumps(dict(payload), default=_plain))
    if anyone is False:
        return []
    # Two columns, not the endpoints as objects: every captured answer asks, few subscribe.
    subscribed = [
        endpoint_id
        for endpoint_id, event_types in session.execute(_SIGNED_ENDPOINTS)
        if event_type in (event_types or [])
    ]
    if not subscribed:
        return []
    rows = []
    for endpoint_id in subscribed:
        row = WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event_type,
            payload=data,
            status="pending",
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    if rows:
        session.flush()
    return rows


# ---------------------------------------------------------------- delivering


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_type: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    url: str
    secret: str
    kind: str = "signed"


@dataclass(frozen=True)
class _Outcome:
    status: int | None
    body: str
    error: str | None
    retry_after: float | None = None


def body_of(delivery_id: int, event_type: str, created_at: datetime, payload: Any) -> bytes:
    """The exact bytes posted (and signed)."""
    document = {
        "id": delivery_id,
        "type": event_type,
        "created_at": created_at.astimezone(UTC).isoformat(),
        "data": payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _due(now: datetime) -> Any:
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            (WebhookDelivery.claimed_until.is_(None)) | (WebhookDelivery.claimed_until < now),
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )


def _claim(
    session_factory: SessionFactory, worker: str, limit: int, now: datetime
) -> list[_Claimed]:
    lease = now + timedelta(seconds=limit * (TIMEOUT_SECONDS + 1) + 60)
    with session_factory() as session, session.begin():
        due = _due(now).limit(limit)
        due = dialects.locked(session, due, skip_locked=True, of=WebhookDelivery)
        ids = list(session.scalars(due))
        if not ids:
            return []
        # On SQLite the write lock taken by this UPDATE serialises claimers; the re-check of
        # the lease in WHERE keeps a row from being taken twice.
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(ids),
                (WebhookDelivery.claimed_until.is_(None)) | (WebhookDelivery.claimed_until < now),
            )
            .values(claimed_by=worker, claimed_until=lease),
            execution_options={"synchronize_session": False},
        )
        claimed = session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.claimed_by == worker)
            .order_by(WebhookDelivery.id)
        ).all()
        return [
            _Claimed(
                d.id, d.event_type, d.payload, d.attempts, d.created_at, e.url, e.secret, e.kind
            )
            for d, e in claimed
        ]


def _post(http: requests.Session, item: _Claimed, timestamp: int) -> _Outcome:
    if item.kind == "signed":
        body = body_of(item.id, item.event_type, item.created_at, item.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Feedback-Event": item.event_type,
            "X-Feedback-Delivery": str(item.id),
            "X-Feedback-Timestamp": str(timestamp),
            "X-Feedback-Signature": signing.sign(item.secret, timestamp, body),
        }
    else:  # a chat incoming webhook: the payload is the message, as Slack or Teams expects it
        body = json.dumps(item.payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    try:
        answer = http.post(
            item.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.Timeout:
        return _Outcome(None, "", f"no answer within {TIMEOUT_SECONDS:g} s")
    except requests.RequestException as exc:
        return _Outcome(None, "", f"{type(exc).__name__}: {exc}"[:500])
    text = answer.text[:KEEP_RESPONSE_CHARS]
    retry_after = backoff.retry_after_seconds(dict(answer.headers), float(timestamp))
    return _Outcome(answer.status_code, text, None, retry_after)


def _record(
    session_factory: SessionFactory,
    worker: str,
    item: _Claimed,
    outcome: _Outcome,
    now: datetime,
    rand: Callable[[], float],
) -> str:
    attempts = item.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "claimed_by": None,
        "claimed_until": None,
        "last_status": outcome.status,
        "last_response": outcome.body or None,
    }
    if outcome.status is not None and 200 <= outcome.status < 300:
        verdict = "delivered"
        values.update(status="delivered", delivered_at=now, last_error=None)
    elif outcome.status is not None and 300 <= outcome.status < 400:
        verdict = "failed"
        values.update(status="failed", last_error=f"HTTP {outcome.status}: redirects are not "
                      "followed; configure the final URL")  # fmt: skip
    elif backoff.classify_status(outcome.status) is backoff.ErrorKind.PERMANENT:
        verdict = "failed"
        values.update(status="failed", last_error=f"HTTP {outcome.status}: refused by receiver")
    elif backoff.gives_up(attempts, POLICY):
        verdict = "failed"
        error = outcome.error or f"HTTP {outcome.status}"
        values.update(status="failed", last_error=f"gave up after {attempts} attempts: {error}")
    else:
        verdict = "retried"
        wait = backoff.delay(attempts, policy=POLICY, retry_after=outcome.retry_after, rand=rand)
        values.update(
            next_attempt_at=now + timedelta(seconds=wait),
            last_error=outcome.error or f"HTTP {outcome.status}",
        )
    with session_factory() as session, session.begin():
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == item.id, WebhookDelivery.claimed_by == worker)
            .values(**values),
            execution_options={"synchronize_session": False},
        )
    if verdict == "failed":
        log.warning("webhook delivery %s to %s failed: %s", item.id, item.url,
                    values.get("last_error"))  # fmt: skip
    return verdict


def deliver_due_webhooks(
    session_factory: SessionFactory,
    now: datetime | None = None,
    *,
    http: requests.Session | None = None,
    worker: str | None = None,
    limit: int = BATCH_SIZE,
    clock: Callable[[], datetime] | None = None,
    rand: Callable[[], float] | None = None,
) -> dict[str, int]:
    """Post every due delivery once; returns counts: claimed, delivered, retried, failed."""
    import random

    now = now or datetime.now(UTC)
    clock = clock or (lambda: datetime.now(UTC))
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    own_http = http is None
    http = http or requests.Session()
    counts: Counter[str] = Counter()
    try:
        claimed = _claim(session_factory, worker, limit, now)
        counts["claimed"] = len(claimed)
        for item in claimed:
            sent_at = clock()
            outcome = _post(http, item, int(sent_at.timestamp()))
            counts[_record(session_factory, worker, item, outcome, now, rand or random.random)] += 1
    finally:
        if own_http:
            http.close()
    return {k: counts.get(k, 0) for k in ("claimed", "delivered", "retried", "failed")}
