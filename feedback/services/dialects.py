"""What PostgreSQL and SQLite do differently with rows, said once for every service.

- `insert_for`: the dialect's INSERT, which knows ON CONFLICT (both databases have it, under
  their own construct).
- `analytics_memory`: more working memory for the rest of the transaction on PostgreSQL, so
  the dashboard's GROUP BY over a million rows hashes in memory instead of sorting on disk.
- `locked`: SELECT … FOR UPDATE (optionally SKIP LOCKED) on PostgreSQL, where several workers
  claim rows at once; SQLite takes a whole-database write lock at the first write, so there the
  plain query gives the same guarantee.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Q = TypeVar("Q", bound=Select[Any])


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session) -> Any:
    """`postgresql.insert` or `sqlite.insert`: both offer `.on_conflict_do_nothing()`."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


def locked(session: Session, query: Q, *, skip_locked: bool = False, of: Any = None) -> Q:
    """The query with row locks where the database has them (see the module docstring)."""
    if not is_postgresql(session):
        return query
    return query.with_for_update(skip_locked=skip_locked, of=of)


def analytics_memory(session: Session, megabytes: int = 64) -> None:
    """SET LOCAL work_mem for the transaction (PostgreSQL; nothing elsewhere). Not a write:
    it lasts until the transaction ends and touches no row."""
    if is_postgresql(session):
        session.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))
