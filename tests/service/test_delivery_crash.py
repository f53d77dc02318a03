"""A worker SIGKILLed right after SendGrid accepted a batch, before it read the 202.

The fake accepts and records the second request's body, then holds its answer; the test kills
the worker in that moment. Afterwards: the batch whose 202 was recorded is never re-sent, the
rows never put in a request are sent once, and the rows of the unanswered request (the
"sending" mark, no 202) are the only ones retried: not at all where the event webhook already
reported them, otherwise in requests of at most `retry_batch_size`. That is the unavoidable
duplicate of feedback.services.delivery's docstring, bounded and counted here.

PostgreSQL pass only, like test_delivery_concurrency (whose worker script this reuses): the
rows are committed for real so that another process sees them, and removed afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import sessionmaker

from feedback.mail.backends import SendGridBackend
from feedback.models import EmailContent, EmailEvent, OutboxEmail
from feedback.services.delivery import deliver_due
from tests.fakes.sendgrid_server import FakeSendGrid

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "service" / "test_delivery_concurrency.py"
API_KEY = "SG.crash-key"
BATCH = 100  # the worker script's claim size: one request per claim
LEASE = 15.0  # the worker script's lease (test_delivery_concurrency.LEASE)
RETRY_BATCH = 10

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL): a worker in another process; "
    "runs in the PostgreSQL pass of `python3 dev.py test`",
)


@pytest.fixture
def committed_rows(engine: Any) -> Iterator[list[int]]:
    with engine.begin() as conn:
        content_id = conn.execute(
            insert(EmailContent).returning(EmailContent.id),
            {"fingerprint": f"crash-{time.time_ns()}", "from_email": "cs@example.com",
             "from_name": "CS", "subject": "Hi", "html": "<p>%%token%%</p>",
             "text": "%%token%%"},
        ).scalar_one()  # fmt: skip
        ids = list(conn.execute(
            insert(OutboxEmail).returning(OutboxEmail.id),
            [{"kind": "survey", "content_id": content_id, "to_email": f"k{i}@customer.example.org",
              "substitutions": {"%%token%%": f"tok-{i}"}} for i in range(3 * BATCH)],
        ).scalars())  # fmt: skip
    try:
        yield sorted(ids)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(EmailEvent).where(EmailEvent.outbox_email_id.in_(ids)))
            conn.execute(delete(OutboxEmail).where(OutboxEmail.content_id == content_id))
            conn.execute(delete(EmailContent).where(EmailContent.id == content_id))


def test_a_worker_killed_after_the_202_duplicates_only_the_unanswered_batch(
    engine, database_url, committed_rows
):
    ids = committed_rows
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with FakeSendGrid(api_key=API_KEY) as fake:
        fake.hold_next(1, 60, after=1)  # request 1 answered; request 2 accepted, answer held
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), "--database-url", database_url, "--host", fake.url,
             "--api-key", API_KEY, "--worker-id", "victim"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while len(fake.outbox_ids()) < 2 * BATCH:
            assert worker.poll() is None, worker.communicate()[1]
            assert time.monotonic() < deadline, "the worker never sent its second batch"
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

        first = [int(i) for i in fake.outbox_ids()[:BATCH]]
        unanswered = [int(i) for i in fake.outbox_ids()[BATCH:]]
        with engine.connect() as conn:
            rows = {
                r.id: r for r in conn.execute(select(OutboxEmail).where(OutboxEmail.id.in_(ids)))
            }
        # The 202 of request 1 is recorded with SendGrid's message id; request 2 has the mark.
        assert {rows[i].status for i in first} == {"sent"}
        assert {rows[i].provider_message_id for i in first} == {fake.accepted[0]["message_id"]}
        assert all(rows[i].status == "queued" and rows[i].sending_at for i in unanswered)
        untried = sorted(set(ids) - set(first) - set(unanswered))
        assert len(untried) == BATCH and all(rows[i].sending_at is None for i in untried)

        # The event webhook has already reported half of the unanswered batch.
        reported = unanswered[: BATCH // 2]
        with engine.begin() as conn:
            conn.execute(insert(EmailEvent), [
                {"sg_event_id": f"crash-{i}-{time.time_ns()}", "source": "webhook",
                 "event": "processed", "outbox_email_id": i, "occurred_at": datetime.now(UTC),
                 "raw": {}} for i in reported
            ])  # fmt: skip

        backend = SendGridBackend(API_KEY, fake.url, timeout=5)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        after_lease = datetime.now(UTC) + timedelta(seconds=LEASE + 1)
        requests_before = len(fake.requests)
        stats = deliver_due(factory, backend, worker_id="recovery", now=after_lease,
                            retry_batch_size=RETRY_BATCH)  # fmt: skip
        new_requests = fake.requests[requests_before:]

    assert stats.sent == 2 * BATCH
    # One normal request for the untried rows, small ones for the unknown, none for reported.
    sizes = sorted(r["personalizations"] for r in new_requests)
    assert sizes == [RETRY_BATCH] * (BATCH // 2 // RETRY_BATCH) + [BATCH]
    with engine.connect() as conn:
        statuses = Counter(conn.execute(
            select(OutboxEmail.status).where(OutboxEmail.id.in_(ids))).scalars())  # fmt: skip
        marked = (OutboxEmail.id.in_(ids), OutboxEmail.sending_at.isnot(None))
        marks = conn.execute(select(OutboxEmail.id).where(*marked)).all()
    assert statuses == {"sent": 3 * BATCH} and marks == []

    sent = Counter(int(i) for i in fake.outbox_ids())
    assert all(sent[i] == 1 for i in first + untried + reported)
    # The unavoidable: rows whose acceptance we never learned and nobody reported, sent twice.
    duplicates = sorted(i for i, n in sent.items() if n > 1)
    assert duplicates == sorted(set(unanswered) - set(reported))
    assert set(sent) == set(ids)
