"""What PostgreSQL and SQLite do differently with rows, said once for every service.

- `insert_for`: the dialect's INSERT, which knows ON CONFLICT (both databases have it, under
  their own construct).
- `analytics_memory`: more working memory for the rest of the transaction on PostgreSQL, so
  the dashboard's GROUP BY over a million rows hashes in memory instead of sorting on disk.
- `write_together`: several writes in one round trip on PostgreSQL (data-modifying CTEs of the
  last one), one statement each on SQLite.
- `locked`: SELECT … FOR UPDATE (optionally SKIP LOCKED) on PostgreSQL, where several workers
  claim rows at once; SQLite takes a whole-database write lock at the first write, so there the
  plain query gives the same guarantee.
- `text_matches`: full-text search. PostgreSQL matches `to_tsvector('simple', …)` against a
  `plainto_tsquery`, the very expression the GIN indexes of the migration are built on (the
  'simple' configuration: comments come in five languages, and an English stemmer would
  mangle the others); SQLite falls back to a case-insensitive LIKE on every word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Q = TypeVar("Q", bound=Select[Any])


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session) -> Any:
    """`postgresql.insert` or `sqlite.insert`: both offer `.on_conflict_do_nothing()`."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


def write_together(session: Session, statements: Sequence[Any]) -> Any:
    """Run INSERT/UPDATE statements in order; the result of the last one.

    On PostgreSQL the earlier ones ride as data-modifying CTEs of the last: one round trip
    instead of one each. They share one snapshot there and none sees another's change, so
    callers pass only writes to different rows whose results nobody reads but the last's.
    """
    if not statements:
        return None
    *earlier, last = statements
    if earlier and is_postgresql(session):
        return session.execute(last.add_cte(*(s.cte(f"w{i}") for i, s in enumerate(earlier))))
    for statement in earlier:
        session.execute(statement)
    return session.execute(last)


def locked(session: Session, query: Q, *, skip_locked: bool = False, of: Any = None) -> Q:
    """The query with row locks where the database has them (see the module docstring)."""
    if not is_postgresql(session):
        return query
    return query.with_for_update(skip_locked=skip_locked, of=of)


# The regconfig and empty string are written as literals, not bound parameters, so that the
# expression is word for word the one the GIN indexes were built on and the planner uses them.
_SIMPLE = literal_column("'simple'::regconfig")
_EMPTY = literal_column("''")


def ts_vector(column: Any) -> Any:
    """PostgreSQL's indexed document of a text column (see the migration's GIN indexes)."""
    return func.to_tsvector(_SIMPLE, func.coalesce(column, _EMPTY))


def text_matches(session: Session, column: Any, words: str) -> ColumnElement[bool]:
    """`column` contains `words`: full-text on PostgreSQL, every word as a substring on SQLite."""
    if is_postgresql(session):
        return ts_vector(column).op("@@")(func.plainto_tsquery(_SIMPLE, words))
    parts = [
        func.lower(column).like(f"%{_escape_like(word.lower())}%", escape="\\")
        for word in words.split()
    ]
    return and_(*parts)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def analytics_memory(session: Session, megabytes: int = 64) -> None:
    """SET LOCAL work_mem for the transaction (PostgreSQL; nothing elsewhere). Not a write:
    it lasts until the transaction ends and touches no row."""
    if is_postgresql(session):
        session.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))
