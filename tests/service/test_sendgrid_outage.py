"""SendGrid answering 429 and 500 in turn for a whole minute, while the deliver-email job keeps
running every 15 seconds from two workers: afterwards every email is delivered exactly once,
none given up on.

The minute is lived through on a simulated clock: the job's `now` and the fake's outage
window both read it, so the test takes seconds, not a minute. Nothing mocks the sendgrid
client; the fake's record of accepted recipients is the judge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from feedback.mail.backends import SendGridBackend, get_backend
from feedback.models import EmailContent, OutboxEmail
from feedback.services.delivery import deliver_due
from feedback.tokens import new_token
from tests.fakes.sendgrid_server import FakeSendGrid

API_KEY = "SG.outage-key"
EMAILS = 300
CONTENTS = 3  # a request carries one content: at least three requests per round
JOB_EVERY = timedelta(seconds=15)  # the deliver-email job's interval
OUTAGE = timedelta(minutes=1)


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def app_config(fake: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("FEEDBACK_MAIL_BACKEND", "sendgrid")
    monkeypatch.setenv("FEEDBACK_SENDGRID_API_KEY", API_KEY)
    monkeypatch.setenv("FEEDBACK_SENDGRID_HOST", fake.url)
    monkeypatch.setenv("FEEDBACK_SENDGRID_TIMEOUT", "5")
    return {}


def queue(session) -> list[int]:
    ids: list[int] = []
    for c in range(CONTENTS):
        content = EmailContent(fingerprint=f"outage-{c}-{new_token()}"[:64],
                               from_email="cs@example.com", from_name="CS",
                               subject=f"How are we doing? ({c})", html="<p>%%token%%</p>",
                               text="%%token%%")  # fmt: skip
        session.add(content)
        session.flush()
        rows = [{"kind": "survey", "content_id": content.id,
                 "to_email": f"o{c}-{i}@customer.example.org",
                 "substitutions": {"%%token%%": f"tok-{c}-{i}"}}
                for i in range(EMAILS // CONTENTS)]  # fmt: skip
        ids += session.scalars(insert(OutboxEmail).returning(OutboxEmail.id), rows)
    session.commit()
    return sorted(ids)


def test_a_minute_of_429_and_500_then_every_email_is_delivered_once(app: Flask, session, fake):
    backend = get_backend(app.config)
    assert isinstance(backend, SendGridBackend)
    factory = app.extensions["feedback.db"].sessionmaker
    ids = queue(session)
    start = datetime.now(UTC)
    clock = {"now": start}
    fake.fail_for(OUTAGE.total_seconds(), (429, 500), clock=lambda: clock["now"].timestamp())

    runs = 0
    while clock["now"] < start + timedelta(minutes=30):
        worker = f"worker-{runs % 2}"  # two workers take turns, as two schedulers would
        deliver_due(factory, backend, worker_id=worker, now=clock["now"])
        runs += 1
        clock["now"] += JOB_EVERY

    refused = Counter(r["status"] for r in fake.requests if r["status"] != 202)
    assert refused[429] >= 1 and refused[500] >= 1  # the outage really happened
    assert set(refused) == {429, 500}
    session.expire_all()
    emails = session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids))).all()
    assert Counter(e.status for e in emails) == {"sent": EMAILS}
    assert Counter(fake.outbox_ids()) == Counter(str(i) for i in ids)  # each once
    assert max(e.attempts for e in emails) < 8  # far from giving up
