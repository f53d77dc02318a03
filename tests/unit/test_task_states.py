"""The task lifecycle: allowed moves, refused moves with their reason, what closing needs;
and is_overdue, the one definition of "overdue", for plain values and for SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import column, create_engine, select, table, text

from feedback import task_states as ts
from feedback.models.followup import RESOLUTION_CODES, ROOT_CAUSES, TASK_STATUSES

ALLOWED = [
    ("open", "in_progress"),
    ("open", "waiting_on_customer"),
    ("in_progress", "waiting_on_customer"),
    ("waiting_on_customer", "in_progress"),
    ("closed", "open"),
    ("closed", "in_progress"),
]


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_allowed_moves(start, to):
    change = ts.check(start, to)
    assert (change.from_status, change.to_status) == (start, to)
    assert change.reopens == (start == "closed")


@pytest.mark.parametrize("start", ["open", "in_progress", "waiting_on_customer"])
def test_every_open_status_may_close_with_a_code(start):
    change = ts.check(start, "closed", resolution_code="resolved", root_cause="trust", note=" ok ")
    assert change.closes and change.resolution_code == "resolved"
    assert (change.root_cause, change.note) == ("trust", "ok")


@pytest.mark.parametrize(
    ("start", "to", "words"),
    [
        ("in_progress", "open", "cannot be moved to open"),
        ("waiting_on_customer", "open", "cannot be moved to open"),
        ("closed", "waiting_on_customer", "cannot be moved to waiting on customer"),
        ("open", "open", "already open"),
        ("closed", "closed", "already closed"),
    ],
)
def test_refused_moves_say_why(start, to, words):
    with pytest.raises(ts.TransitionError, match=words):
        ts.check(start, to, resolution_code="resolved")


def test_closing_needs_a_resolution_code():
    with pytest.raises(ts.CloseError) as caught:
        ts.check("in_progress", "closed")
    assert caught.value.field == "resolution_code"
    assert "contacted, resolved" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"resolution_code": "fixed"}, "resolution_code"),
        ({"resolution_code": "resolved", "root_cause": "bad luck"}, "root_cause"),
        ({"resolution_code": "resolved", "note": "x" * 5001}, "note"),
    ],
)
def test_unknown_codes_and_long_notes_are_refused(kwargs, field):
    with pytest.raises(ts.CloseError) as caught:
        ts.check("open", "closed", **kwargs)
    assert caught.value.field == field


def test_unknown_status():
    with pytest.raises(ts.CloseError, match="Unknown status"):
        ts.check("open", "done")


def test_the_lists_agree_with_the_model():
    assert ts.STATUSES == TASK_STATUSES
    assert ts.RESOLUTION_CODES == RESOLUTION_CODES
    assert ts.ROOT_CAUSES == ROOT_CAUSES


# ---------------------------------------------------------------- overdue

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
    assert ts.is_overdue(due_at, NOW, status) is overdue
    assert ts.is_due_today(due_at, NOW, DAY_END, status) is today


def test_the_status_defaults_to_open():
    assert ts.is_overdue(NOW - MINUTE, NOW) is True
    assert ts.is_overdue(NOW, NOW) is False


def test_the_same_function_builds_the_sql_condition():
    """Given columns, is_overdue is a WHERE clause that selects exactly the plain-value answers."""
    engine = create_engine("sqlite://")
    tasks = table("tasks", column("id"), column("due_at"), column("status"))
    with engine.begin() as db:
        db.execute(text("CREATE TABLE tasks (id INTEGER, due_at TEXT, status TEXT)"))
        for n, (due_at, status, _, _) in enumerate(CASES):
            db.execute(tasks.insert().values(id=n, due_at=due_at.isoformat(), status=status))
        where = ts.is_overdue(tasks.c.due_at, NOW.isoformat(), tasks.c.status)
        found = set(db.scalars(select(tasks.c.id).where(where)))
    assert found == {n for n, case in enumerate(CASES) if case[2]}
