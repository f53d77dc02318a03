"""Rows committed for real, for tests whose other processes (workers, gunicorn) must see them:
the `committed` fixture gives a session on the test database that commits, and afterwards
deletes every row made since the fixture started, so the next test finds the database as the
migrations left it. PostgreSQL pass only (process-level tests); a pytest plugin listed in
tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from feedback.db import Base


def _snapshot(engine: Engine) -> dict[str, Any]:
    """Per table: the highest id (tables keyed by id) or the set of primary keys (the rest)."""
    marks: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                marks[table.name] = conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))
            else:
                keys = list(table.primary_key.columns)
                marks[table.name] = {tuple(r) for r in conn.execute(select(*keys))}
    return marks


def delete_since(engine: Engine, marks: dict[str, Any]) -> None:
    """Delete the rows made after `marks` was taken, children before parents."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            mark = marks[table.name]
            if isinstance(mark, int):
                conn.execute(table.delete().where(table.c.id > mark))
                continue
            keys = list(table.primary_key.columns)
            new = {tuple(r) for r in conn.execute(select(*keys))} - mark
            for key in new:
                conn.execute(table.delete().where(tuple_(*keys) == tuple_(*key)))


@pytest.fixture
def live_app(engine: Engine, database_url: str) -> Iterator[Flask]:
    """An app on the test database whose requests and jobs commit, as in production."""
    from tests.conftest import make_app

    app = make_app(database_url)
    yield app
    app.extensions["feedback.db"].engine.dispose()


@pytest.fixture
def committed(engine: Engine) -> Iterator[Session]:
    """A session that really commits; everything made during the test is deleted after."""
    marks = _snapshot(engine)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    try:
        yield session
    finally:
        session.close()
        delete_since(engine, marks)
