"""Backlog items: raise, read, change status, link evidence, rank by hand, and their impact.

Every check a page or the API needs is here (who may, which move, which input), so both
answer alike. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import backlog_impact as rules
from feedback.models import (
    BacklogEvent,
    BacklogItem,
    BacklogResponse,
    BacklogTask,
    Response,
    ResponseTheme,
    Task,
    Team,
    Theme,
    User,
)
from feedback.services import webhooks_out
from feedback.services.backlog_evidence import recompute_impact
from feedback.services.errors import Conflict, InvalidInput, NotFound, ServiceError

UNASSIGNED = "Unassigned"


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403


def department_of(user: Any) -> str | None:
    team = getattr(user, "team", None)
    return team.department if team is not None else None


def may_change(user: Any, item: BacklogItem) -> bool:
    return rules.may_change(user.role, department_of(user), item.department)


def _require_read(user: Any, item: BacklogItem) -> None:
    if not rules.may_read(user.role, department_of(user), item.department):
        raise Forbidden("This item belongs to another department's backlog.")


def _require_change(user: Any, item: BacklogItem) -> None:
    if not may_change(user, item):
        raise Forbidden(f"Only the head of {item.department} or an admin may change this item.")


def _event(
    item: BacklogItem,
    kind: str,
    actor: Any,
    *,
    from_value: str | None = None,
    to_value: str | None = None,
    body: str | None = None,
    now: datetime | None = None,
) -> None:
    item.events.append(
        BacklogEvent(
            kind=kind,
            actor_user_id=getattr(actor, "id", None),
            from_value=from_value,
            to_value=to_value,
            body=body,
            created_at=now or datetime.now(UTC),
        )
    )


# Reading


def get_item(session: Session, item_id: int, user: Any | None = None) -> BacklogItem:
    item = session.get(BacklogItem, item_id)
    if item is None:
        raise NotFound("There is no such backlog item.")
    if user is not None:
        _require_read(user, item)
    return item


def visible_department(user: Any, requested: str | None) -> str | None:
    """The department a list shows: a department head always sees their own."""
    if user.role == "department_head":
        return department_of(user) or ""
    return requested or None


def list_items(
    session: Session,
    user: Any,
    *,
    department: str | None = None,
    status: Sequence[str] = (),
    theme_id: int | None = None,
) -> list[BacklogItem]:
    """The items a user may see, filtered, in ranked order (hand order first, then impact)."""
    query = select(BacklogItem)
    department = visible_department(user, department)
    if department is not None:
        query = query.where(BacklogItem.department == department)
    if status:
        query = query.where(BacklogItem.status.in_(tuple(status)))
    if theme_id is not None:
        query = query.where(BacklogItem.theme_id == theme_id)
    items = list(session.scalars(query))
    by_id = {i.id: i for i in items}
    return [by_id[i] for i in rules.ranked(_rankable(items))]


def _rankable(items: Iterable[BacklogItem]) -> list[rules.Rankable]:
    return [
        rules.Rankable(i.id, i.arr_at_risk or Decimal("0"), i.nps_points or 0.0, i.rank_position)
        for i in items
    ]


def is_hand_ordered(items: Iterable[BacklogItem]) -> bool:
    return rules.is_hand_ordered(_rankable(items))


def departments(session: Session) -> list[str]:
    names = set(session.scalars(select(Team.department)))
    names |= set(session.scalars(select(BacklogItem.department)))
    return sorted(n for n in names if n)


# Raising and editing


def _clean(data: dict[str, Any], session: Session, *, partial: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "title" in data or not partial:
        title = " ".join(str(data.get("title") or "").split())
        if not title:
            errors["title"] = ["Give the item a title, e.g. “Invoices show the wrong VAT”."]
        elif len(title) > 300:
            errors["title"] = ["Keep the title under 300 characters."]
        out["title"] = title
    if "description" in data:
        description = str(data.get("description") or "").strip()
        if len(description) > 20_000:
            errors["description"] = ["Keep the description under 20,000 characters."]
        out["description"] = description
    for key, model, label in (
        ("team_id", Team, "team"),
        ("theme_id", Theme, "theme"),
        ("owner_id", User, "user"),
    ):
        if key in data:
            value = data.get(key)
            if value in (None, ""):
                out[key] = None
                continue
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[key] = [f"Choose a {label} from the list."]
                continue
            if session.get(model, value) is None:
                errors[key] = [f"There is no such {label}."]
            out[key] = value
    if "target_date" in data:
        value = data.get("target_date")
        if value in (None, ""):
            out["target_date"] = None
        elif isinstance(value, date):
            out["target_date"] = value
        else:
            try:
                out["target_date"] = date.fromisoformat(str(value))
            except ValueError:
                errors["target_date"] = ["Enter the target date as YYYY-MM-DD."]
    if "department" in data:
        department = " ".join(str(data.get("department") or "").split())
        if len(department) > 120:
            errors["department"] = ["Keep the department under 120 characters."]
        out["department"] = department
    if errors:
        raise InvalidInput("The backlog item was not saved.", errors)
    return out


def _department_for(session: Session, values: dict[str, Any], actor: Any) -> str:
    """Who owns a new item: the named department, else the theme owner's, else the team's,
    else the raiser's own."""
    if values.get("department"):
        return str(values["department"])
    theme = session.get(Theme, values["theme_id"]) if values.get("theme_id") else None
    if theme is not None and theme.owner_team is not None:
        return theme.owner_team.department
    team = session.get(Team, values["team_id"]) if values.get("team_id") else None
    if team is not None:
        return team.department
    return department_of(actor) or UNASSIGNED


def create_item(
    session: Session,
    data: dict[str, Any],
    actor: Any,
    *,
    source: str = "manual",
    now: datetime | None = None,
) -> BacklogItem:
    """A new proposed item; a department head's item is always their own department's."""
    if actor is not None and not rules.may_raise(actor.role):
        raise Forbidden("Your role may not raise backlog items.")
    now = now or datetime.now(UTC)
    values = _clean(data, session, partial=False)
    if actor is not None and actor.role == "department_head":
        values["department"] = department_of(actor) or UNASSIGNED
    department = _department_for(session, values, actor)
    values.pop("department", None)
    item = BacklogItem(
        status="proposed",
        source=source,
        department=department,
        raised_by_id=getattr(actor, "id", None),
        created_at=now,
        status_changed_at=now,
        trend=[],
        **values,
    )
    session.add(item)
    _event(
        item,
        "created",
        actor,
        to_value="proposed",
        now=now,
        body=str(data.get("note") or "").strip() or None,
    )
    session.flush()
    return item


def update_item(session: Session, item_id: int, actor: Any, data: dict[str, Any]) -> BacklogItem:
    item = get_item(session, item_id)
    _require_change(actor, item)
    values = _clean(data, session, partial=True)
    if "department" in values and actor.role != "admin":
        values.pop("department")  # a department head cannot give an item away by editing
    for key, value in values.items():
        if key == "department" and not value:
            continue
        if getattr(item, key) != value:
            _event(item, "edited", actor, from_value=key, to_value=str(value)[:200])
            setattr(item, key, value)
    session.flush()
    return item


def transition(
    session: Session,
    item_id: int,
    actor: Any,
    target: str,
    note: str | None,
    now: datetime | None = None,
) -> BacklogItem:
    """Move an item along the workflow with a required note; a refused move is a 409."""
    now = now or datetime.now(UTC)
    item = get_item(session, item_id)
    _require_change(actor, item)
    try:
        note = rules.check_transition(item.status, target, note)
    except rules.TransitionRefused as exc:
        if exc.field == "note":
            raise InvalidInput(str(exc), {"note": [str(exc)]}) from exc
        raise Conflict(str(exc), {"status": [str(exc)]}) from exc
    before = item.status
    item.status = target
    item.status_changed_at = now
    item.decline_reason = note if target == "declined" else None
    if target in ("shipped", "declined"):
        item.rank_position = None  # a closed item leaves the hand order
    _event(item, "status", actor, from_value=before, to_value=target, body=note, now=now)
    session.flush()
    webhooks_out.emit(
        session,
        "backlog_item.status_changed",
        {
            "item_id": item.id,
            "title": item.title,
            "department": item.department,
            "from": before,
            "to": target,
            "note": note,
            "changed_at": now,
        },
        now=now,
    )
    return item


# Evidence


def link_response(
    session: Session,
    item_id: int,
    response_id: int,
    actor: Any,
    *,
    source: str = "manual",
    now: datetime | None = None,
) -> tuple[BacklogItem, bool]:
    """Link a response as evidence; linking it again changes nothing. Returns (item, new)."""
    item = get_item(session, item_id, actor)
    if not rules.may_raise(actor.role):
        raise Forbidden("Your role may not link evidence.")
    if session.get(Response, response_id) is None:
        raise NotFound("There is no such response.")
    exists = session.scalar(
        select(BacklogResponse.id).where(
            BacklogResponse.item_id == item.id, BacklogResponse.response_id == response_id
        )
    )
    if exists is not None:
        return item, False
    session.add(
        BacklogResponse(
            item_id=item.id,
            response_id=response_id,
            source=source,
            linked_by_id=actor.id,
            created_at=now or datetime.now(UTC),
        )
    )
    _event(item, "linked", actor, to_value=f"response {response_id}", now=now)
    session.flush()
    recompute_impact(session, [item], now=now)
    return item, True


def unlink_response(session: Session, item_id: int, response_id: int, actor: Any) -> BacklogItem:
    item = get_item(session, item_id, actor)
    link = session.scalar(
        select(BacklogResponse).where(
            BacklogResponse.item_id == item.id, BacklogResponse.response_id == response_id
        )
    )
    if link is None:
        raise NotFound("That response is not linked to this item.")
    if not (may_change(actor, item) or link.linked_by_id == actor.id):
        raise Forbidden("Only whoever linked it, the department head or an admin may unlink it.")
    session.delete(link)
    _event(item, "unlinked", actor, from_value=f"response {response_id}")
    session.flush()
    recompute_impact(session, [item])
    return item


def link_task(session: Session, item_id: int, task_id: int, actor: Any) -> tuple[BacklogItem, bool]:
    """Link an inner-loop task (and its response, as evidence)."""
    item = get_item(session, item_id, actor)
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("There is no such task.")
    exists = session.scalar(
        select(BacklogTask.id).where(BacklogTask.item_id == item.id, BacklogTask.task_id == task_id)
    )
    if exists is not None:
        return item, False
    session.add(BacklogTask(item_id=item.id, task_id=task_id, linked_by_id=actor.id))
    _event(item, "linked", actor, to_value=f"task {task_id}")
    session.flush()
    if task.response_id is not None:
        link_response(session, item.id, task.response_id, actor, source="task")
    return item, True


def raise_from_response(
    session: Session,
    response_id: int,
    actor: Any,
    data: dict[str, Any] | None = None,
    *,
    source: str = "response",
    now: datetime | None = None,
) -> tuple[BacklogItem, bool]:
    """A proposal from one customer's words. If an open item already holds this response, or
    covers a theme the response mentions, the response joins it instead of a duplicate."""
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    data = dict(data or {})
    open_item = session.scalar(
        select(BacklogItem)
        .join(BacklogResponse, BacklogResponse.item_id == BacklogItem.id)
        .where(
            BacklogResponse.response_id == response_id, BacklogItem.status.in_(rules.OPEN_STATUSES)
        )
        .order_by(BacklogItem.id)
    )
    if open_item is None and not data.get("title"):
        open_item = session.scalar(
            select(BacklogItem)
            .join(ResponseTheme, ResponseTheme.theme_id == BacklogItem.theme_id)
            .where(
                ResponseTheme.response_id == response_id,
                BacklogItem.status.in_(rules.OPEN_STATUSES),
            )
            .order_by(BacklogItem.id)
        )
    if open_item is not None:
        _, new = link_response(session, open_item.id, response_id, actor, source=source, now=now)
        return open_item, False
    data.setdefault(
        "title", rules.excerpt(response.comment, 120) or f"Raised from response {response_id}"
    )
    item = create_item(session, data, actor, source=source, now=now)
    link_response(session, item.id, response_id, actor, source=source, now=now)
    return item, True


def raise_from_task(
    session: Session, task_id: int, actor: Any, data: dict[str, Any] | None = None
) -> tuple[BacklogItem, bool]:
    """A proposal from an inner-loop task (e.g. one closed as product_gap)."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("There is no such task.")
    data = dict(data or {})
    data.setdefault("title", task.title)
    item = create_item(session, data, actor, source="task")
    link_task(session, item.id, task_id, actor)
    return item, True


# Ranking by hand


def move(session: Session, item_id: int, actor: Any, action: str) -> list[BacklogItem]:
    """Pin an item to the top of its department's open list or move it one place."""
    item = get_item(session, item_id)
    _require_change(actor, item)
    if item.status not in rules.OPEN_STATUSES:
        raise Conflict("Only open items (proposed, accepted, in progress) are ranked.")
    items = list_items(session, actor, department=item.department, status=rules.OPEN_STATUSES)
    try:
        order = rules.move([i.id for i in items], item.id, action)
    except ValueError as exc:
        raise InvalidInput("Choose pin, up or down.", {"action": [str(exc)]}) from exc
    by_id = {i.id: i for i in items}
    for position, ident in enumerate(order, start=1):
        by_id[ident].rank_position = position
    _event(item, "ranked", actor, to_value=action)
    session.flush()
    return [by_id[i] for i in order]


def reset_order(session: Session, actor: Any, department: str) -> int:
    """Back to the impact order for a department; returns how many items had a hand place."""
    if not rules.may_change(actor.role, department_of(actor), department):
        raise Forbidden(f"Only the head of {department} or an admin may re-rank its backlog.")
    items = session.scalars(
        select(BacklogItem).where(
            BacklogItem.department == department, BacklogItem.rank_position.is_not(None)
        )
    )
    count = 0
    for item in items:
        item.rank_position = None
        count += 1
    session.flush()
    return count


def themes(session: Session) -> list[Theme]:
    """Themes to filter and raise by; reading only (a GET never seeds the taxonomy)."""
    return list(session.scalars(select(Theme).order_by(Theme.active.desc(), Theme.name)))
