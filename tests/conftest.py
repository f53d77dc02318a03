"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

SQLite by default; PostgreSQL when FEEDBACK_TEST_DATABASE_URL is set. The schema is built by
the Alembic migrations (never create_all), so every run also proves the migrations work.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from feedback import create_app, db, migrate
from feedback.models import Account, Contact, Team, User
from feedback.services import defaults, org

# Shared builders and fixtures live in plugins, not in test modules that import each other.
pytest_plugins = [
    "tests.followup_world", "tests.shared_fixtures", "tests.privacy_world", "tests.committed",
]  # fmt: skip

PASSWORD = "correct horse battery"


def _test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_schema(engine: Engine) -> None:
    """Drop everything, so each run starts from an empty database."""
    migrate.drop_everything(engine)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    reset_schema(engine)
    migrate.upgrade(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def password_hashes_once() -> Iterator[None]:
    """scrypt is slow on purpose (~0.2 s a hash or a check); the suite signs the same few
    passwords in thousands of times, so each (password) is hashed once and each (hash,
    password) checked once per run. The real functions still do the work the first time."""
    patch = pytest.MonkeyPatch()
    for name in ("generate_password_hash", "check_password_hash"):
        patch.setattr(org, name, functools.lru_cache(maxsize=None)(getattr(org, name)))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a host other than this machine (e.g. real SendGrid)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or host.startswith("/")
        ):
            raise AssertionError(f"test tried to reach {address!r}; only 127.0.0.1 is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def make_app(database_url: str, **overrides: Any) -> Flask:
    config = {
        "DATABASE_URL": database_url,
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_URL": "http://127.0.0.1:5000",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test overrides of the app's settings (a test may change it before using `app`)."""
    return {}


@pytest.fixture
def app(engine: Engine, database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app whose sessions all join one outer transaction, rolled back after the test."""
    application = make_app(database_url, **app_config)
    database = application.extensions["feedback.db"]
    connection = engine.connect()
    outer = connection.begin()
    database.engine.dispose()
    database.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with application.app_context():
        yield application
    outer.rollback()
    connection.close()


@pytest.fixture
def session(app: Flask) -> Session:
    return db.session()


@pytest.fixture
def seed_defaults(session: Session) -> Callable[[], defaults.Seeded]:
    """Seed the default taxonomy and playbook set as `flask seed-defaults` does after a deploy
    (pages never seed them); call it after making the teams the default themes are owned by."""

    def seed() -> defaults.Seeded:
        seeded = defaults.seed_defaults(session)
        session.commit()
        return seeded

    return seed


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_team(session: Session) -> Callable[..., Team]:
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Team:
        n = next(counter)
        data = {"name": f"Team {n}", "department": "Customer Success", **fields}
        team = org.create_team(session, data)
        session.commit()
        return team

    return make


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str = "csm", **fields: Any) -> User:
        n = next(counter)
        data = {"email": f"{role}{n}@staff.example.com", "name": f"{role.title()} {n}",
                "role": role, "password": PASSWORD, **fields}  # fmt: skip
        user = org.create_user(session, data)
        session.commit()
        return user

    return make


@pytest.fixture
def make_account(session: Session) -> Callable[..., Account]:
    from feedback.services import accounts

    counter = iter(range(1, 100_000))

    def make(**fields: Any) -> Account:
        n = next(counter)
        account = accounts.create_account(session, {"name": f"Account {n}", **fields})
        session.commit()
        return account

    return make


@pytest.fixture
def make_contact(session: Session) -> Callable[..., Contact]:
    from feedback.services import contacts

    counter = iter(range(1, 100_000))

    def make(**fields: Any) -> Contact:
        n = next(counter)
        contact = contacts.create_contact(
            session, {"email": f"person{n}@customer.example.org", **fields}
        )
        session.commit()
        return contact

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign a user in through the real login form."""

    def do(user: User) -> FlaskClient:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def api_headers(session: Session, make_user: Callable[..., User]) -> Callable[..., dict[str, str]]:
    """Bearer-token headers for a new user of the given role."""

    def make(role: str = "admin") -> dict[str, str]:
        user = make_user(role)
        _, token = org.create_api_token(session, user.email, "tests")
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
