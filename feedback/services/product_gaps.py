"""Closing an inner-loop task as a product gap: the gap goes to the outer loop, not nowhere.

A task closed as `product_gap` says "the product, not this customer, needs fixing"; unless it
names the backlog item that fixes it (an open one, or a new proposal), the outer loop never
hears of it. The task page and the API's task PATCH both close through here, so both ask the
same question and refuse alike. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import backlog_impact
from feedback.models import BacklogItem, BacklogTask, Task
from feedback.services import backlog, followup
from feedback.services.errors import InvalidInput

PRODUCT_GAP = "product_gap"
CHOOSE = "Choose the backlog item that fixes this gap, or propose a new one."


def open_items(session: Session, actor: Any) -> list[BacklogItem]:
    """The open items a closer may pick from, by department then title."""
    items = backlog.list_items(session, actor, status=backlog_impact.OPEN_STATUSES)
    return sorted(items, key=lambda i: (i.department, i.title.lower()))


def linked_items(session: Session, task_id: int) -> list[BacklogItem]:
    """The backlog items a task is linked to (shown on the closed task)."""
    return list(
        session.scalars(
            select(BacklogItem)
            .join(BacklogTask, BacklogTask.item_id == BacklogItem.id)
            .where(BacklogTask.task_id == task_id)
            .order_by(BacklogItem.id)
        )
    )


def _choice(data: Mapping[str, Any]) -> tuple[int | None, str]:
    """The picked item id and the proposed title, cleaned; a bad id is the closer's mistake."""
    raw = data.get("backlog_item_id")
    title = " ".join(str(data.get("backlog_title") or "").split())
    if raw in (None, ""):
        return None, title
    try:
        return int(raw), title
    except (TypeError, ValueError):
        raise InvalidInput(CHOOSE, {"backlog_item_id": [CHOOSE]}) from None


def _check_choice(session: Session, actor: Any, item_id: int | None, title: str) -> None:
    if item_id is not None and title:
        message = "Pick an existing item or propose a new one, not both."
        raise InvalidInput(message, {"backlog_item_id": [message]})
    if item_id is None and not title:
        raise InvalidInput(CHOOSE, {"backlog_item_id": [CHOOSE]})
    if len(title) > 300:
        message = "Keep the proposed title under 300 characters."
        raise InvalidInput(message, {"backlog_title": [message]})
    if item_id is not None:
        item = session.get(BacklogItem, item_id)
        if item is None or not backlog_impact.may_read(
            actor.role, backlog.department_of(actor), item.department
        ):
            message = "There is no such backlog item; pick one from the list."
            raise InvalidInput(message, {"backlog_item_id": [message]})
        if item.status not in backlog_impact.OPEN_STATUSES:
            message = f"“{item.title}” is {item.status.replace('_', ' ')}; pick an open item."
            raise InvalidInput(message, {"backlog_item_id": [message]})


def close_task(
    session: Session, task_id: int, actor: Any, data: Mapping[str, Any]
) -> tuple[Task, BacklogItem | None]:
    """Close a task; a product gap also links the task to the chosen or proposed item.

    `data` holds resolution_code, root_cause, note, and for a product gap either
    backlog_item_id (an open item) or backlog_title (a new proposal).
    """
    gap = data.get("resolution_code") == PRODUCT_GAP
    item_id, title = _choice(data)
    if gap:
        _check_choice(session, actor, item_id, title)
    task = followup.transition(
        session,
        task_id,
        actor,
        "closed",
        resolution_code=data.get("resolution_code") or None,
        root_cause=data.get("root_cause") or None,
        note=data.get("note") or None,
    )
    if not gap:
        return task, None
    if item_id is not None:
        item, _ = backlog.link_task(session, item_id, task.id, actor)
    else:
        item, _ = backlog.raise_from_task(session, task.id, actor, {"title": title})
    return task, item


def change_task(session: Session, task_id: int, actor: Any, changes: Mapping[str, Any]) -> Task:
    """The API's task PATCH: closing goes through close_task, the rest through followup."""
    if changes.get("status") != "closed":
        return followup.change_task(session, task_id, actor, changes)
    rest = {k: v for k, v in changes.items() if k not in ("status", "resolution_code")}
    rest = {k: v for k, v in rest.items() if k in ("owner_id", "comment")}
    if rest:
        followup.change_task(session, task_id, actor, {**rest, "note": changes.get("note")})
    close_task(session, task_id, actor, changes)
    task = followup.get_task(session, task_id, actor)
    session.refresh(task)
    return task
