"""The responses explorer's CSV export: every response the filters select, not one page.

It is the explorer's own query (services.response_explorer), so a CSV always holds what the
page showed, with each row's themes and tasks joined in. Rows stream through a server-side
cursor in partitions, as plain Core rows picked by position into the header's order: memory
stays flat however many rows there are, and a million rows cost no per-row object.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Select, String, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from feedback import exports
from feedback.models import Response, ResponseAnalysis, ResponseTheme, Task, Theme
from feedback.services import dialects, response_explorer
from feedback.services.response_explorer import Filters

PARTITION = 2_000

# Each CSV column and the query's column behind it, in the file's order: one table, so a
# header can never drift from the value under it.
EXPORT_FIELDS = (
    ("response_id", "id"), ("answered_at", "answered_at"), ("program", "program_name"),
    ("scale", "scale"), ("score", "score"), ("category", "category"), ("status", "status"),
    ("comment", "comment"), ("contact_email", "contact_email"),
    ("contact_name", "contact_name"), ("account_id", "account_id"), ("account", "account_name"),
    ("plan", "plan"), ("region", "region"), ("industry", "industry"),
    ("lifecycle_stage", "lifecycle_stage"), ("arr", "arr"), ("renewal_date", "renewal_date"),
    ("account_status", "account_status"), ("language", "language"),
    ("sentiment", "sentiment_label"), ("polarity", "sentiment_polarity"), ("mismatch", "flag"),
    ("themes", "names"), ("task_ids", "ids"), ("task_statuses", "statuses"),
)  # fmt: skip
EXPORT_HEADER = tuple(header for header, _ in EXPORT_FIELDS)
EXPORT_COLUMNS = tuple(column for _, column in EXPORT_FIELDS)


def _export_query(session: Session, viewer: Any, filters: Filters) -> Select[Any]:
    """The explorer's query with each row's themes and tasks joined from two grouped
    subqueries (a hash join each, not a lookup per row), so the database streams finished
    rows and no second query runs per batch."""
    themes = (
        select(
            ResponseTheme.response_id.label("response_id"),
            func.aggregate_strings(Theme.name, "; ").label("names"),
        )
        .join(Theme, Theme.id == ResponseTheme.theme_id)
        .group_by(ResponseTheme.response_id)
        .subquery()
    )
    tasks = (
        select(
            Task.response_id.label("response_id"),
            func.aggregate_strings(cast(Task.id, String), " ").label("ids"),
            func.aggregate_strings(Task.status, " ").label("statuses"),
        )
        .where(Task.response_id.is_not(None))
        .group_by(Task.response_id)
        .subquery()
    )
    # Never None: a response without analysis is "no" mismatch, as on the page.
    flag = case((ResponseAnalysis.mismatch.is_(True), True), else_=False)
    return (
        response_explorer.visible_query(session, viewer, filters)
        .add_columns(
            themes.c.names, tasks.c.ids, tasks.c.statuses, type_coerce(flag, Boolean).label("flag")
        )
        .outerjoin(themes, themes.c.response_id == Response.id)
        .outerjoin(tasks, tasks.c.response_id == Response.id)
        .order_by(Response.answered_at.desc(), Response.id.desc())
    )


def export_rows(session: Session, viewer: Any, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """Every matching response as export values, newest first, through a server-side cursor
    read in partitions (memory stays flat however many rows there are)."""
    query = _export_query(session, viewer, filters)
    # Core, not ORM, execution: the rows are plain values and the ORM's per-row loading
    # layer would be most of the cost. The planner is told the whole result will be read.
    connection = session.connection()
    if dialects.is_postgresql(session):
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    result = connection.execute(query.execution_options(yield_per=PARTITION))
    # The header's columns by position: one C-level pick per row, not 26 lookups by name.
    keys = list(result.keys())
    pick = itemgetter(*(keys.index(name) for name in EXPORT_COLUMNS))
    try:
        for partition in result.partitions():
            yield from map(pick, partition)
    finally:
        # The stream outlives its request's teardown: end the read here, or its transaction
        # (a write lock under SQLite's BEGIN IMMEDIATE) stays open and blocks everyone else.
        result.close()
        session.rollback()


def export_csv(session: Session, viewer: Any, filters: Filters) -> Iterator[str]:
    """The export as CSV text in chunks, spreadsheet-safe (feedback.exports)."""
    return exports.csv_chunks(EXPORT_HEADER, export_rows(session, viewer, filters))
