"""A streamed CSV export must end its database read with its last row.

Under SQLite every transaction begins IMMEDIATE (feedback/db.py), so a stream whose read stayed
open after the request's teardown held the write lock: in the demo, the next page waited 30 s
and answered 500 "database is locked". The shared-transaction `app` fixture cannot show this
(every session joins one connection), so this test builds its own SQLite file and serves it
from a threaded server, as `python3 dev.py demo` does, on both test passes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from werkzeug.serving import make_server

from feedback import db, migrate
from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from tests.conftest import make_app

NOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    migrate.upgrade(url)
    app = make_app(url, PUBLIC_URL="http://127.0.0.1")
    with app.app_context():
        session = db.session()
        demo_seed.seed(session, seed=5, now=NOW)
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["feedback.db"].engine.dispose()


def signed_in(base: str) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(
        f"{base}/login",
        data={"email": demo_data.ADMIN_EMAIL, "password": demo_data.PASSWORD},
        timeout=30,
    )
    assert answer.ok and "/login" not in answer.url, answer.url
    return browser


@pytest.mark.parametrize("export", ["/responses/export.csv", "/tasks/export.csv"])
def test_after_an_export_the_next_page_and_the_next_write_do_not_wait(demo_server, export):
    browser = signed_in(demo_server)
    with browser.get(f"{demo_server}{export}", stream=True, timeout=30) as answer:
        assert answer.status_code == 200
        lines = sum(1 for _ in answer.iter_lines())
    assert lines > 1  # a header and rows: the export really read the database

    # A page that reads, then a sign-out and sign-in (both write): each answers at once.
    # Before the fix the first of them waited for SQLite's 30 s busy timeout and failed.
    assert browser.get(f"{demo_server}/accounts", timeout=10).status_code == 200
    browser.post(f"{demo_server}/logout", timeout=10)
    assert signed_in(demo_server).get(f"{demo_server}/accounts", timeout=10).ok
