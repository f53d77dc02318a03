"""The backlog digest: news of a department's backlog for its head, once a day, batched.

News is a "created" event (a new proposal) or a "threshold" event (refresh-backlog saw the
item's ARR at risk cross FEEDBACK_BACKLOG_NOTIFY_ARR_AT_RISK). The send-backlog-digests job
claims the un-notified events, sends each department's heads one email through the outbox
and, when the department has a Slack/Teams incoming webhook, one chat message through the
webhook outbox (retried like every delivery); then stamps the events, so none is told twice.
A department already told today waits for tomorrow: one digest a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import backlog_digest as digest
from feedback import signing
from feedback.models import BacklogEvent, BacklogItem, Team, User, WebhookEndpoint
from feedback.services import dialects, webhooks_out
from feedback.services.errors import InvalidInput
from feedback.services.staff_mail import staff_email

DEFAULT_ARR_THRESHOLD = Decimal("50000")
CHAT_EVENT = "backlog.digest"
ITEM_PATH = "/backlog/{id}"


def arr_threshold(config: Mapping[str, Any]) -> Decimal:
    """FEEDBACK_BACKLOG_NOTIFY_ARR_AT_RISK: ARR at risk from which an item is news (default
    50,000); a value that is not a non-negative amount is an error naming the variable."""
    raw = config.get("BACKLOG_NOTIFY_ARR_AT_RISK", DEFAULT_ARR_THRESHOLD)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if isinstance(raw, bool) or not value.is_finite() or value < 0:
        raise ValueError(
            f"FEEDBACK_BACKLOG_NOTIFY_ARR_AT_RISK: expected an amount ≥ 0, not {raw!r}"
        )
    return value


# Crossings (called by refresh-backlog around its impact recompute)


def impact_before(items: Iterable[BacklogItem]) -> dict[int, Decimal]:
    return {i.id: i.arr_at_risk or Decimal("0") for i in items}


def record_crossings(
    session: Session,
    items: Iterable[BacklogItem],
    before: Mapping[int, Decimal],
    threshold: Decimal,
    now: datetime,
) -> int:
    """A "threshold" event on each item whose ARR at risk crossed the threshold."""
    count = 0
    for item in items:
        if digest.crossed(before.get(item.id, Decimal("0")), item.arr_at_risk, threshold):
            # Added by id, not through item.events: loading every item's history is the cost.
            session.add(
                BacklogEvent(
                    item_id=item.id,
                    kind="threshold",
                    to_value=f"{item.arr_at_risk:.2f}",
                    created_at=now,
                    body=f"ARR at risk reached {item.arr_at_risk:,.0f} "
                    f"(threshold {threshold:,.0f}).",
                )  # fmt: skip
            )
            count += 1
    return count


# A department's chat webhook (admins)


def chat_endpoint(session: Session, department: str) -> WebhookEndpoint | None:
    return session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.department == department))


def chat_endpoints(session: Session) -> dict[str, WebhookEndpoint]:
    rows = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.department.is_not(None)))
    return {e.department: e for e in rows if e.department}


def set_chat(session: Session, department: str, kind: str, url: str) -> WebhookEndpoint | None:
    """Set (or, with an empty URL, remove) the department's Slack/Teams incoming webhook."""
    department = " ".join((department or "").split())
    url = (url or "").strip()
    if not department:
        raise InvalidInput("Choose a department.", {"department": ["Choose a department."]})
    existing = chat_endpoint(session, department)
    if not url:
        if existing is not None:
            session.delete(existing)  # its pending messages go with it (ON DELETE CASCADE)
            session.flush()
        return None
    errors = digest.check_chat(kind, url)
    if errors:
        raise InvalidInput(f"The chat webhook for {department} was not saved.", errors)
    endpoint = existing or WebhookEndpoint(department=department, secret=signing.new_secret())
    endpoint.kind, endpoint.url, endpoint.event_types = kind, url, []
    endpoint.description = f"{digest.CHAT_LABELS[kind]} channel of {department}"[:200]
    endpoint.active, endpoint.disabled_at = True, None
    session.add(endpoint)
    session.flush()
    return endpoint


# The digest


def heads_of(session: Session, department: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Team, Team.id == User.team_id)
            .where(
                User.role == "department_head",
                User.active.is_(True),
                Team.department == department,
            )
            .order_by(User.id)
        )
    )


def _told_today(session: Session, department: str, day_start: datetime) -> bool:
    return (
        session.scalar(
            select(BacklogEvent.id)
            .join(BacklogItem, BacklogItem.id == BacklogEvent.item_id)
            .where(BacklogItem.department == department, BacklogEvent.notified_at >= day_start)
            .limit(1)
        )
        is not None
    )


def _entry(config: Mapping[str, Any], event: BacklogEvent, item: BacklogItem) -> digest.Entry:
    return digest.Entry(
        kind=event.kind,
        item_id=item.id,
        title=item.title,
        url=str(config["PUBLIC_URL"]).rstrip("/") + ITEM_PATH.format(id=item.id),
        arr_at_risk=item.arr_at_risk or Decimal("0"),
        nps_points=item.nps_points or 0.0,
        responses=item.responses_linked or 0,
    )


def send_backlog_digests(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> dict[str, int]:
    """The job: one digest per department with news, to its heads and its chat channel."""
    now = now or datetime.now(UTC)
    day_start = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    query = (
        select(BacklogEvent, BacklogItem)
        .join(BacklogItem, BacklogItem.id == BacklogEvent.item_id)
        .where(BacklogEvent.kind.in_(digest.NEWS_KINDS), BacklogEvent.notified_at.is_(None))
        .order_by(BacklogEvent.id)
    )
    rows = session.execute(dialects.locked(session, query, skip_locked=True, of=BacklogEvent))
    by_department: dict[str, list[tuple[BacklogEvent, BacklogItem]]] = {}
    for event, item in rows:
        by_department.setdefault(item.department, []).append((event, item))
    stats = {"departments": 0, "emails": 0, "chat_messages": 0, "events": 0, "waiting": 0}
    for department in sorted(by_department):
        news = by_department[department]
        if _told_today(session, department, day_start):
            stats["waiting"] += len(news)  # batched into tomorrow's digest
            continue
        entries = _entries(config, news)
        for head in heads_of(session, department):
            staff_email(
                session,
                config,
                kind="backlog_digest",
                template="backlog_digest",
                to=head,
                subject=digest.headline(department, entries),
                now=now,
                department=department,
                entries=entries,
                headline=digest.headline(department, entries),
                backlog_url=str(config["PUBLIC_URL"]).rstrip("/") + "/backlog",
            )
            stats["emails"] += 1
        endpoint = chat_endpoint(session, department)
        if endpoint is not None and endpoint.active:
            message = digest.chat_payload(endpoint.kind, department, entries)
            webhooks_out.enqueue_chat(session, endpoint, CHAT_EVENT, message, now)
            stats["chat_messages"] += 1
        for event, _ in news:
            event.notified_at = now
        stats["departments"] += 1
        stats["events"] += len(news)
    session.flush()
    return stats


def _entries(
    config: Mapping[str, Any], news: list[tuple[BacklogEvent, BacklogItem]]
) -> list[digest.Entry]:
    """One line per item and kind: an item proposed twice over (merged) is one line."""
    seen: dict[tuple[int, str], digest.Entry] = {}
    for event, item in news:
        seen.setdefault((item.id, event.kind), _entry(config, event, item))
    return list(seen.values())
