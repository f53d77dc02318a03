"""What PostgreSQL and SQLite do differently with rows, said once for every service.

- `insert_for`: the dialect's INSERT, which knows ON CONFLICT (both databases have it, under
  their own construct).
- `analytics_settings`: for the rest of a dashboard's transaction on PostgreSQL, more working
  memory (GROUP BY over a million rows hashes in memory instead of sorting on disk), no JIT
  (its compile time, ~80 ms a statement, is never won back by queries of a second or less),
  and random_page_cost 1.1 (the indexes are cached: at the default 4 the planner read the
  whole responses table for a year's counts, 2.5x slower than the covering index).
- `writes_together`: several writes in one round trip on PostgreSQL (data-modifying CTEs of
  the last one), one statement each on SQLite.
- `locked`: SELECT … FOR UPDATE (optionally SKIP LOCKED) on PostgreSQL, where several workers
  claim rows at once; SQLite takes a whole-database write lock at the first write, so there the
  plain query gives the same guarantee.
- `one_of`: `column = ANY(:ids)` on PostgreSQL, one array parameter however many ids (an
  IN list of 1,000 parameters is a 1,000-placeholder statement psycopg splits in Python on
  every call); `column IN (...)` on SQLite, which has no arrays.
- `insert_rows`: many rows at once. PostgreSQL: COPY, one stream instead of a statement per
  row (psycopg's executemany pipelines 100,000 prepared statements, each dumped in Python);
  SQLite: executemany. Column defaults written in Python are applied either way.
- `reserve_ids`: PostgreSQL hands out `n` ids of a table's sequence up front, so rows written
  by COPY need no read back; SQLite has no sequences (None: the caller reads them back).
- `text_matches`: full-text search. PostgreSQL matches `to_tsvector('simple', …)` against a
  `plainto_tsquery`, the very expression the GIN indexes of the migration are built on (the
  'simple' configuration: comments come in five languages, and an English stemmer would
  mangle the others); SQLite falls back to a case-insensitive LIKE on every word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Q = TypeVar("Q", bound=Select[Any])


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session) -> Any:
    """`postgresql.insert` or `sqlite.insert`: both offer `.on_conflict_do_nothing()`."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


def writes_together(dialect: str, statements: Sequence[Any]) -> tuple[Any, ...]:
    """What runs INSERT/UPDATE statements in order, the last one's result being the result.

    On PostgreSQL one statement: the earlier ones ride as data-modifying CTEs of the last, one
    round trip instead of one each. They share one snapshot there and none sees another's
    change, so callers pass only writes to different rows whose results nobody reads but the
    last's. On SQLite, the statements themselves, one by one.
    """
    if dialect != "postgresql" or len(statements) < 2:
        return tuple(statements)
    *earlier, last = statements
    return (last.add_cte(*(s.cte(f"w{i}") for i, s in enumerate(earlier))),)


def locked(session: Session, query: Q, *, skip_locked: bool = False, of: Any = None) -> Q:
    """The query with row locks where the database has them (see the module docstring)."""
    if not is_postgresql(session):
        return query
    return query.with_for_update(skip_locked=skip_locked, of=of)


def one_of(session: Session, column: Any, ids: Iterable[Any]) -> ColumnElement[bool]:
    """`column` is one of `ids` (see the module docstring)."""
    values = list(ids)
    if is_postgresql(session):
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (the same keys in each) into `table` (see the module docstring)."""
    if not rows:
        return
    if not is_postgresql(session):
        session.execute(insert(table), rows)
        return
    prepare_copy(session, table, rows).run(session.connection().connection.driver_connection)


@dataclass(frozen=True)
class PreparedCopy:
    """A COPY with its rows already bound (PostgreSQL): `run` needs only the driver connection,
    so a thread can run it (services/bulk_rows.py)."""

    sql: str
    rows: list[tuple[Any, ...]]

    def run(self, driver: Any) -> None:
        with driver.cursor() as cursor, cursor.copy(self.sql) as copy:
            for row in self.rows:
                copy.write_row(row)


def prepare_copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> PreparedCopy:
    """The COPY of `rows` into `table`, each value bound as its column type binds it and the
    columns a row leaves out given their Python-side defaults."""
    dialect = session.get_bind().dialect
    given = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None or column.primary_key:
            continue
        default = column.default
        if default.is_scalar:
            defaults[column.name] = default.arg
        elif default.is_callable:
            defaults[column.name] = default.arg(None)  # type: ignore[operator]
    processors = [table.columns[name].type._cached_bind_processor(dialect) for name in given]
    columns = [
        _processed([row[name] for row in rows], process)
        for name, process in zip(given, processors, strict=True)
    ]
    tail = tuple(
        value if value is None or process is None else process(value)
        for name, value in defaults.items()
        for process in [table.columns[name].type._cached_bind_processor(dialect)]
    )
    names = given + list(defaults)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    return PreparedCopy(sql, [values + tail for values in zip(*columns, strict=True)])


def _processed(values: list[Any], process: Any) -> list[Any]:
    """The values as the column type binds them; a value shared by many rows (the run's
    timestamp, the substitutions an invitation and its reminder share) is processed once."""
    if process is None:
        return values
    done: dict[int, Any] = {}
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        key = id(value)  # every value is alive in `values` meanwhile: ids are not reused
        if key not in done:
            done[key] = process(value)
        out.append(done[key])
    return out


def reserve_ids(session: Session, table: Table, n: int) -> list[int] | None:
    """`n` fresh ids of `table`'s id sequence on PostgreSQL; None on SQLite."""
    if not is_postgresql(session):
        return None
    sequence = func.pg_get_serial_sequence(table.name, "id")
    query = select(func.nextval(sequence)).select_from(func.generate_series(1, n))
    return list(session.scalars(query))


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
