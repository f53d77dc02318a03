"""The audit log of people administration: who changed which user, team, department or API
token, when, and what the thing looked like before and after.

Every service that changes one of those records its event here in the same transaction, so
the pages, the API and the CLI leave the same trail and a rolled-back change leaves none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import AuditEvent, User
from feedback.services.paging import paginate

SYSTEM = "system"
TARGET_TYPES: tuple[str, ...] = ("user", "team", "department", "api_token")


def record(
    session: Session,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Store one change; a change that changed nothing (same before and after) is not stored."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    event = AuditEvent(
        actor_user_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else SYSTEM,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session,
    page: int,
    per_page: int,
    *,
    actor_user_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
) -> tuple[list[AuditEvent], int]:
    """Newest first, optionally only one actor's changes or one target's history."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    return paginate(session, query, page, per_page)
