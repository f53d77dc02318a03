"""Alembic environment: the models' metadata, and the URL from the app's own settings."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

import feedback.models  # noqa: F401  (registers every table on Base.metadata)
from feedback.db import Base, make_engine

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from pathlib import Path

    from feedback import config as settings

    instance = str(Path(__file__).resolve().parents[1] / "instance")
    # Migrations sign nothing: a missing secret key must not stop them.
    overrides = {"SECRET_KEY": os.environ.get("FEEDBACK_SECRET_KEY") or "unused-by-migrations"}
    return settings.load(instance, overrides)["DATABASE_URL"]


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A batch rebuild drops and re-creates a table, and with foreign keys on, SQLite's
            # DROP deletes every row that references it (ON DELETE CASCADE). SQLite's own
            # procedure for schema changes: keys off around them. The pragma is ignored inside
            # a transaction, so it goes to the driver before SQLAlchemy begins one.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            conn.commit()
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
