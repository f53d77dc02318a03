"""task_states.is_overdue: the one definition of "overdue", for plain values and for SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import column, create_engine, select, table, text

from feedback import task_states

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAY_END = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)

CASES = [
    # due_at, status, overdue, due today
    (NOW - 21 * timedelta(days=1), "open", True, False),  # weeks late: overdue, not "today"
    (NOW - MINUTE, "in_progress", True, False),
    (NOW, "open", False, True),  # due this very instant: due, not yet late
    (NOW + MINUTE, "waiting_on_customer", False, True),
    (DAY_END - MINUTE, "open", False, True),
    (DAY_END, "open", False, False),  # tomorrow
    (NOW - MINUTE, "closed", False, False),  # a closed task is never late
]


@pytest.mark.parametrize(("due_at", "status", "overdue", "today"), CASES)
def test_plain_values(due_at, status, overdue, today):
    assert task_states.is_overdue(due_at, NOW, status) is overdue
    assert task_states.is_due_today(due_at, NOW, DAY_END, status) is today


def test_the_status_defaults_to_open():
    assert task_states.is_overdue(NOW - MINUTE, NOW) is True
    assert task_states.is_overdue(NOW, NOW) is False


def test_the_same_function_builds_the_sql_condition():
    """Given columns, is_overdue is a WHERE clause that selects exactly the plain-value answers."""
    engine = create_engine("sqlite://")
    tasks = table("tasks", column("id"), column("due_at"), column("status"))
    with engine.begin() as db:
        db.execute(text("CREATE TABLE tasks (id INTEGER, due_at TEXT, status TEXT)"))
        for n, (due_at, status, _, _) in enumerate(CASES):
            db.execute(tasks.insert().values(id=n, due_at=due_at.isoformat(), status=status))
        where = task_states.is_overdue(tasks.c.due_at, NOW.isoformat(), tasks.c.status)
        found = set(db.scalars(select(tasks.c.id).where(where)))
    assert found == {n for n, case in enumerate(CASES) if case[2]}
