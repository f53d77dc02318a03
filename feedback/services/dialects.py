"""What PostgreSQL and SQLite do differently with rows, said once for every service.

- `insert_for`: the dialect's INSERT, which knows ON CONFLICT (both databases have it, under
  their own construct).
- `analytics_settings`: for the rest of a dashboard's transaction on PostgreSQL, more working
  memory (GROUP BY over a million rows hashes in memory instead of sorting on disk), no JIT
  (its compile time, ~80 ms a statement, is never won back by queries of a second or less),
  and random_page_cost 1.1 (the indexes are cached: at the default 4 the planner read the
  whole responses table for a year's counts, 2.5x slower than the covering index).
- `locked`: SELECT … FOR UPDATE (optionally SKIP LOCKED) on PostgreSQL, where several workers
  claim rows at once; SQLite takes a whole-database write lock at the first write, so there the
  plain query gives the same guarantee.
- `text_matches`: full-text search. PostgreSQL matches `to_tsvector('simple', …)` against a
  `plainto_tsquery`, the very expression the GIN indexes of the migration are built on (the
  'simple' configuration: comments come in five languages, and an English stemmer would
  mangle the others); SQLite falls back to a case-insensitive LIKE on every word.
"""

from __future__ import annotations

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


def analytics_settings(session: Session, megabytes: int = 64) -> None:
    """SET LOCAL work_mem, jit and random_page_cost for the transaction (PostgreSQL; nothing
    elsewhere; see the module docstring). Not a write: it lasts until the transaction ends
    and touches no row."""
    if is_postgresql(session):
        # set_config(…, true) is SET LOCAL; one statement, one round trip.
        session.execute(
            text(
                "SELECT set_config('work_mem', :work_mem, true), set_config('jit', 'off', true),"
                " set_config('random_page_cost', '1.1', true)"
            ),
            {"work_mem": f"{int(megabytes)}MB"},
        )
