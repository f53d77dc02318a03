"""Alembic driven from Python, for the CLI and the tests (same path on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None, connection: Any = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations differ (alembic check)."""
    command.check(alembic_config(url))


def drop_everything(engine: Any) -> None:
    """Empty a PostgreSQL database (SQLite test and bench files start empty): tests, benches."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def fresh(url: str) -> None:
    """An empty database migrated to head: what each test run and bench starts from."""
    from feedback.db import make_engine

    engine = make_engine(url)
    drop_everything(engine)
    engine.dispose()
    upgrade(url)
