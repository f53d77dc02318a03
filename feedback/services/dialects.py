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
  the COPY text is made by `copy_text`, each distinct value once, before it is sent.
  SQLite: executemany. Column defaults written in Python are applied either way.
- `reserve_ids`: PostgreSQL hands out `n` ids of a table's sequence up front, so rows written
  by COPY need no read back; SQLite has no sequences (None: the caller reads them back).
- `text_matches`: full-text search. PostgreSQL matches `to_tsvector('simple', …)` against a
  `plainto_tsquery`, the very expression the GIN indexes of the migration are built on (the
  'simple' configuration: comments come in five languages, and an English stemmer would
  mangle the others); SQLite falls back to a case-insensitive LIKE on every word.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from psycopg.types.json import Json, Jsonb
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
    """A COPY with its rows already in COPY's text format (PostgreSQL): `run` needs only the
    driver connection and sends the text, so a thread can run it (services/bulk_rows.py).

    The text is made by the caller (prepare_copy), not by psycopg's write_row in the thread:
    there, dumping each value held the GIL against the planning thread and the server waited
    between the two (bench/dispatch.py: the outbox's COPY took twice the server's time)."""

    sql: str
    text: str

    def run(self, driver: Any) -> None:
        with driver.cursor() as cursor, cursor.copy(self.sql) as copy:
            copy.write(self.text)


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
        _fields([row[name] for row in rows], process)
        for name, process in zip(given, processors, strict=True)
    ]
    tail = "".join(
        "\t" + _fields([value], table.columns[name].type._cached_bind_processor(dialect))[0]
        for name, value in defaults.items()
    )
    names = given + list(defaults)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    sql = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    lines = ["\t".join(fields) + tail for fields in zip(*columns, strict=True)]
    return PreparedCopy(sql, "\n".join(lines) + "\n")


def _fields(values: list[Any], process: Any) -> list[str]:
    """The values as the column type binds them, as COPY text fields; a value shared by many
    rows (the run's timestamp, the substitutions an invitation and its reminder share) is
    bound and written once."""
    done: dict[int, str] = {}
    out: list[str] = []
    append = out.append
    for value in values:
        key = id(value)  # every value is alive in `values` meanwhile: ids are not reused
        text = done.get(key)
        if text is None:
            bound = value if value is None or process is None else process(value)
            text = done[key] = copy_text(bound)
        append(text)
    return out


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(value: Any) -> str:
    """`value` as a field of COPY's text format: NULL is \\N; a backslash, tab, carriage
    return or line feed inside a text is escaped with a backslash (PostgreSQL's COPY docs)."""
    if type(value) is str:  # most fields: checked first
        text = value
    elif value is None:
        return "\\N"
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, int | float | Decimal | UUID):
        return str(value)
    elif isinstance(value, datetime | date):
        return value.isoformat()
    elif isinstance(value, Json | Jsonb):
        text = (value.dumps or json.dumps)(value.obj)
    elif isinstance(value, str):
        text = value
    else:
        raise TypeError(f"no COPY text for a {type(value).__name__}")
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


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
