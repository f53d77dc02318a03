"""Departments: the groups of teams the outer loop's backlog belongs to, with their head.

Teams name their department (`Team.department`, which routing, the backlog and the metrics
read), so renaming a department renames it on its teams in the same transaction; the
departments table adds what a name cannot hold: the head and whether it is archived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from feedback.db import utcnow
from feedback.models import Department, Team, User
from feedback.services import audit
from feedback.services.errors import Conflict, InvalidInput, NotFound

FIELDS = ("name", "head_user_id", "archived")
MAX_NAME = 120


def list_departments(session: Session) -> list[Department]:
    """Current departments first, by name."""
    query = (
        select(Department)
        .options(selectinload(Department.head))
        .order_by(Department.archived_at.is_not(None), Department.name)
    )
    return list(session.scalars(query))


def team_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Team.department, func.count(Team.id)).group_by(Team.department))
    return {name: count for name, count in rows}


def get_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"There is no department with id {department_id}.")
    return department


def by_name(session: Session, name: str) -> Department | None:
    return session.scalar(
        select(Department).where(func.lower(Department.name) == name.strip().lower())
    )


def ensure(session: Session, name: str) -> Department:
    """The department with this name, made when a team first names it."""
    department = by_name(session, name)
    if department is None:
        department = Department(name=name.strip())
        session.add(department)
        session.flush()
    return department


def snapshot(department: Department) -> dict[str, Any]:
    return {"name": department.name, "head_user_id": department.head_user_id,
            "archived": department.archived_at is not None}  # fmt: skip


def _clean(session: Session, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in FIELDS:
            fields[key] = ["Unknown field."]
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            fields["name"] = ["A name is required."]
        elif len(name.strip()) > MAX_NAME:
            fields["name"] = [f"At most {MAX_NAME} characters."]
        else:
            clean["name"] = name.strip()
    if data.get("head_user_id") is not None:
        head = session.get(User, data["head_user_id"])
        if head is None or not head.active:
            fields["head_user_id"] = [f"There is no active user with id {data['head_user_id']}."]
        else:
            clean["head_user_id"] = head.id
    elif "head_user_id" in data:
        clean["head_user_id"] = None
    if "archived" in data:
        if not isinstance(data["archived"], bool):
            fields["archived"] = ["Must be true or false."]
        else:
            clean["archived"] = data["archived"]
    if fields:
        raise InvalidInput("The department was not saved: some fields are invalid.", fields)
    return clean


def _check_name(session: Session, name: str | None, department: Department | None) -> None:
    if name is None:
        return
    other = by_name(session, name)
    if other is not None and other is not department:
        raise Conflict(f"A department named {name!r} already exists.",
                       {"name": ["Already exists."]})  # fmt: skip


def create_department(
    session: Session, data: Mapping[str, Any], *, actor: User | None = None
) -> Department:
    clean = _clean(session, data, partial=False)
    _check_name(session, clean["name"], None)
    archived = clean.pop("archived", False)
    department = Department(**clean, archived_at=utcnow() if archived else None)
    session.add(department)
    session.flush()
    audit.record(session, actor, "department.created", "department", department.id,
                 after=snapshot(department))  # fmt: skip
    return department


def update_department(
    session: Session, department_id: int, data: Mapping[str, Any], *, actor: User | None = None
) -> Department:
    """Rename (its teams follow), change the head, archive or restore a department."""
    department = get_department(session, department_id)
    clean = _clean(session, data, partial=True)
    _check_name(session, clean.get("name"), department)
    before = snapshot(department)
    if "name" in clean and clean["name"] != department.name:
        session.execute(
            update(Team).where(Team.department == department.name).values(department=clean["name"])
        )
        department.name = clean["name"]
    if "head_user_id" in clean:
        department.head_user_id = clean["head_user_id"]
    archived = clean.get("archived")
    if archived is not None and archived != (department.archived_at is not None):
        department.archived_at = utcnow() if archived else None
    session.flush()
    session.expire_all()  # teams renamed by the bulk update read their new department
    audit.record(session, actor, "department.updated", "department", department.id,
                 before, snapshot(department))  # fmt: skip
    return department
