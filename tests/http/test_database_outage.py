"""The database connections dropped under load: gunicorn (2 workers) on PostgreSQL serves API
reads from 6 client threads while every backend of the app is terminated with
pg_terminate_backend (the server keeps running, as in a failover or an operator's kill).

The requests that were inside the database at that moment answer 503 with a message a person
can act on and a Retry-After header, never 500 and never a hang; the requests after it
succeed without restarting anything (pool_pre_ping replaces the dead pooled connections).

To have requests inside the database when the backends die, the test holds a lock on the
contacts table for a moment, so the list query waits in PostgreSQL; the kill comes while it
waits. PostgreSQL pass only.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import text

from feedback.errors import MESSAGES
from feedback.models import Contact
from feedback.services import org
from tests.conftest import PASSWORD
from tests.servers import gunicorn

APP_NAME = "feedback-outage-web"
CLIENTS = 6

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL): pg_terminate_backend on a real "
    "server's connections; runs in the PostgreSQL pass of `python3 dev.py test`",
)


@pytest.fixture
def token(committed) -> str:
    tag = time.time_ns()
    user = org.create_user(committed, {"email": f"outage-{tag}@staff.example.com",
                                       "name": "Outage", "role": "admin",
                                       "password": PASSWORD})  # fmt: skip
    committed.add_all(Contact(email=f"o{i}-{tag}@customer.example.org", attributes={})
                      for i in range(5))  # fmt: skip
    _, raw = org.create_api_token(committed, user.email, "outage")
    committed.commit()
    return raw


def backends(conn, state: str | None = None) -> list[int]:
    sql = "SELECT pid FROM pg_stat_activity WHERE application_name = :name"
    if state == "waiting":
        sql += " AND wait_event_type = 'Lock'"
    return list(conn.execute(text(sql), {"name": APP_NAME}).scalars())


def test_requests_answer_503_while_connections_drop_and_the_service_recovers(
    engine, database_url, committed, token, tmp_path
):
    url = f"{database_url}?application_name={APP_NAME}"
    answers: list[tuple[float, int, str, str | None]] = []
    stop = threading.Event()

    with gunicorn(tmp_path, url) as server:

        def client() -> None:
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            while not stop.is_set():
                got = http.get(f"{server.url}/api/v1/contacts?per_page=5", timeout=60)
                body = got.json()
                message = body.get("error", {}).get("message", "")
                answers.append((time.monotonic(), got.status_code, message,
                                got.headers.get("Retry-After")))  # fmt: skip

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        while len(answers) < 20:  # warm: every worker has a pooled connection
            time.sleep(0.05)

        with engine.connect() as lock:
            lock.execute(text("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"))
            deadline = time.monotonic() + 30  # bounded wait, not a timing assertion
            with engine.connect() as admin:
                while len(backends(admin, "waiting")) < 2:  # both workers stuck in a query
                    assert time.monotonic() < deadline, "no request reached the lock"
                    time.sleep(0.05)
                killed = admin.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE application_name = :name"), {"name": APP_NAME},
                ).scalars().all()  # fmt: skip
            lock.rollback()
        assert len(killed) >= 2 and all(killed)

        after = len(answers)
        while len(answers) < after + 40:  # requests after the outage
            assert server.process.poll() is None
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        log = server.log_text()

    statuses = Counter(status for _, status, _, _ in answers)
    assert set(statuses) <= {200, 503}, statuses  # never a 500
    unavailable = [a for a in answers if a[1] == 503]
    assert len(unavailable) >= 2  # the requests that were waiting inside the database
    assert all(m == MESSAGES[503] and retry == "5" for _, _, m, retry in unavailable)
    # Recovered: the last 30 answers are all ordinary ones, from the same two workers.
    assert [status for _, status, _, _ in answers[-30:]] == [200] * 30
    assert log.count("Booting worker") == 2  # nothing was restarted
    assert "database unavailable" in log
