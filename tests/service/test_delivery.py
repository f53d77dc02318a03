"""Delivery from the outbox through the real sendgrid client to a fake SendGrid on 127.0.0.1.

Nothing here mocks the client: FEEDBACK_SENDGRID_HOST points at tests.fakes.sendgrid_server,
which checks each request as SendGrid does and records what it accepted. Its record is the
judge of "sent once".
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from feedback import backoff
from feedback.mail.backends import ConsoleBackend, SendGridBackend, get_backend, sendgrid_payload
from feedback.models import EmailContent, Invitation, OutboxEmail
from feedback.models.programs import SurveyProgram
from feedback.services.delivery import deliver_due
from feedback.tokens import hash_token, new_token
from tests.fakes.sendgrid_server import BadRequest, FakeSendGrid, check_mail_send

API_KEY = "SG.test-key"
# Generous for every request (a 1,000-recipient request on a loaded CI machine can take
# seconds), short only where a test is about the client giving up.
TIMEOUT = 10.0
SHORT_TIMEOUT = 0.5
_serial = count(1)


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def app_config(fake: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # The deployment's way in: FEEDBACK_* variables, read by create_app.
    monkeypatch.setenv("FEEDBACK_MAIL_BACKEND", "sendgrid")
    monkeypatch.setenv("FEEDBACK_SENDGRID_API_KEY", API_KEY)
    monkeypatch.setenv("FEEDBACK_SENDGRID_HOST", fake.url)
    monkeypatch.setenv("FEEDBACK_SENDGRID_TIMEOUT", str(TIMEOUT))
    return {}


@pytest.fixture
def backend(app: Flask) -> SendGridBackend:
    chosen = get_backend(app.config)
    assert isinstance(chosen, SendGridBackend)
    return chosen


@pytest.fixture
def factory(app: Flask) -> Any:
    return app.extensions["feedback.db"].sessionmaker


def make_content(session: Session, **fields: Any) -> EmailContent:
    n = next(_serial)
    content = EmailContent(**{
        "fingerprint": f"delivery-{n}-{new_token()}"[:64], "from_email": "cs@example.com",
        "from_name": "Customer Success", "reply_to": "reply+%%reply_token%%@inbound.example.com",
        "subject": f"How are we doing, %%name%%? ({n})",
        "html": "<p>Hi %%name%%, <a href='https://fb.example.com/s/%%token%%'>answer</a></p>",
        "text": "Hi %%name%%, answer at https://fb.example.com/s/%%token%%", **fields,
    })  # fmt: skip
    session.add(content)
    session.commit()
    return content


def queue(
    session: Session, n: int, content: EmailContent | None = None, **fields: Any
) -> list[int]:
    """`n` queued emails of one content, inserted in bulk; their ids in order."""
    content = content or make_content(session)
    start = next(_serial) * 100_000
    rows = [
        {"kind": "survey", "content_id": content.id,
         "to_email": f"r{start + i}@customer.example.org", "to_name": f"Reader {i}",
         "substitutions": {"%%token%%": f"tok-{start + i}", "%%name%%": f"Reader {i}",
                           "%%reply_token%%": f"rt-{start + i}"},
         "headers": {"List-Unsubscribe": f"<https://fb.example.com/u/{start + i}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
         **fields}
        for i in range(n)
    ]  # fmt: skip
    ids = list(session.scalars(insert(OutboxEmail).returning(OutboxEmail.id), rows))
    session.commit()
    return sorted(ids)


def rows(session: Session, ids: list[int]) -> list[OutboxEmail]:
    session.expire_all()
    found: list[OutboxEmail] = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found += session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(chunk)))
    return sorted(found, key=lambda r: r.id)


def statuses(session: Session, ids: list[int]) -> Counter[str]:
    return Counter(r.status for r in rows(session, ids))


def sent_once(fake: FakeSendGrid, ids: list[int]) -> bool:
    return Counter(fake.outbox_ids()) == Counter(str(i) for i in ids)


# -- bulk ------------------------------------------------------------------------------------


def test_2500_emails_of_one_content_go_in_three_requests(session, factory, backend, fake):
    ids = queue(session, 2500)
    now = datetime.now(UTC)
    stats = deliver_due(factory, backend, worker_id="w1", now=now)
    assert (stats.claimed, stats.sent, stats.http_requests) == (2500, 2500, 3)
    assert [r["personalizations"] for r in fake.requests] == [1000, 1000, 500]
    assert sent_once(fake, ids)
    sent = rows(session, ids)
    assert {r.status for r in sent} == {"sent"}
    assert all(r.sent_at == now and r.provider_message_id and r.claimed_by is None for r in sent)
    # One X-Message-Id per request, recorded on each of its rows.
    assert len({r.provider_message_id for r in sent}) == 3
    # Nothing left: a second run finds nothing and makes no request.
    assert deliver_due(factory, backend, worker_id="w1").http_requests == 0


def test_two_contents_never_share_a_request(session, factory, backend, fake):
    first, second = make_content(session), make_content(session)
    ids = queue(session, 3, first) + queue(session, 2, second) + queue(session, 1, first)
    stats = deliver_due(factory, backend, worker_id="w1")
    assert stats.http_requests == 2
    assert sorted(r["personalizations"] for r in fake.requests) == [2, 4]
    by_message = {}
    for record in fake.accepted:
        by_message.setdefault(record["message_id"], set()).add(record["subject"])
    assert sorted(by_message.values(), key=sorted) == [{first.subject}, {second.subject}]
    assert sent_once(fake, ids)


def test_payload_carries_each_recipients_parts_and_the_content_once(session, factory, backend,
                                                                    fake):  # fmt: skip
    content = make_content(session)
    [one] = queue(session, 1, content)
    row = rows(session, [one])[0]
    substitutions, headers = dict(row.substitutions), dict(row.headers)
    deliver_due(factory, backend, worker_id="w1")
    [record] = fake.accepted
    assert record["email"] == row.to_email and record["name"] == row.to_name
    assert record["outbox_id"] == str(one)
    assert record["substitutions"] == substitutions
    assert record["headers"] == headers

    payload = sendgrid_payload(content, [row])
    assert [c["type"] for c in payload["content"]] == ["text/plain", "text/html"]
    assert payload["from"] == {"email": "cs@example.com", "name": "Customer Success"}
    assert payload["reply_to"] == {"email": content.reply_to}
    assert payload["subject"] == content.subject


def test_sendgrid_scrubs_raw_tokens_and_marks_the_invitation_sent(session, factory, backend,
                                                                 fake, make_contact):  # fmt: skip
    contact = make_contact()
    program = SurveyProgram(name=f"Delivery program {next(_serial)}", kind="nps")
    session.add(program)
    session.flush()
    invitation = Invitation(
        program_id=program.id, contact_id=contact.id, wave_key="w", token_hash=hash_token("t"),
        reply_token_hash=hash_token("r"), expires_at=datetime.now(UTC) + timedelta(days=30),
    )  # fmt: skip
    session.add(invitation)
    session.commit()
    [one] = queue(session, 1, kind="invitation", invitation_id=invitation.id)
    now = datetime.now(UTC)
    deliver_due(factory, backend, worker_id="w1", now=now)
    [row] = rows(session, [one])
    assert row.status == "sent"
    assert row.substitutions == {"%%token%%": "", "%%name%%": "", "%%reply_token%%": ""}
    # The unsubscribe link carries the same token: blanked too, the other header kept.
    assert row.headers == {"List-Unsubscribe": "",
                           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}  # fmt: skip
    assert fake.accepted[0]["substitutions"]["%%token%%"].startswith("tok-")
    assert fake.accepted[0]["headers"]["List-Unsubscribe"].startswith("<https://fb.example.com/u/")
    session.refresh(invitation)
    assert invitation.sent_at == now


# -- failures --------------------------------------------------------------------------------


def test_429_backs_off_by_the_rate_limit_reset_then_delivers(session, factory, backend, fake):
    ids = queue(session, 30)
    fake.fail_next(1, status=429, reset_in=40)
    now = datetime.now(UTC)
    stats = deliver_due(factory, backend, worker_id="w1", now=now)
    assert (stats.sent, stats.retried, stats.http_requests) == (0, 30, 1)
    queued = rows(session, ids)
    assert {(r.status, r.attempts, r.claimed_by) for r in queued} == {("queued", 1, None)}
    assert all(r.next_attempt_at >= now + timedelta(seconds=38) for r in queued)
    assert "429" in queued[0].last_error
    # Not due yet: a run now sends nothing.
    assert deliver_due(factory, backend, worker_id="w1", now=now).http_requests == 0
    later = deliver_due(factory, backend, worker_id="w1", now=now + timedelta(minutes=5))
    assert later.sent == 30
    assert sent_once(fake, ids)


def test_429_retry_after_is_respected(session, factory, backend, fake):
    ids = queue(session, 2)
    fake.fail_next(1, status=429, retry_after=300, reset_in=0)
    now = datetime.now(UTC)
    deliver_due(factory, backend, worker_id="w1", now=now)
    assert all(r.next_attempt_at >= now + timedelta(seconds=300) for r in rows(session, ids))


def test_429_hands_the_rest_of_the_batch_back_uncounted(session, factory, backend, fake):
    first = queue(session, 5)
    second = queue(session, 5)
    fake.fail_next(1, status=429, reset_in=10)
    now = datetime.now(UTC)
    stats = deliver_due(factory, backend, worker_id="w1", now=now)
    assert (stats.retried, stats.deferred, stats.http_requests) == (5, 5, 1)
    assert {r.attempts for r in rows(session, first)} == {1}
    deferred = rows(session, second)
    assert {(r.attempts, r.claimed_by) for r in deferred} == {(0, None)}
    assert all(r.next_attempt_at > now for r in deferred)
    deliver_due(factory, backend, worker_id="w1", now=now + timedelta(minutes=5))
    assert sent_once(fake, first + second)


def test_500_is_retried_later(session, factory, backend, fake):
    ids = queue(session, 10)
    fake.fail_next(1, status=500)
    now = datetime.now(UTC)
    stats = deliver_due(factory, backend, worker_id="w1", now=now)
    assert (stats.retried, stats.sent) == (10, 0)
    queued = rows(session, ids)
    assert all(r.status == "queued" and r.next_attempt_at > now for r in queued)
    assert "500" in queued[0].last_error
    deliver_due(factory, backend, worker_id="w1", now=now + timedelta(hours=2))
    assert statuses(session, ids) == {"sent": 10}
    assert sent_once(fake, ids)


def test_retries_stop_after_the_policys_last_attempt(session, factory, backend, fake):
    ids = queue(session, 3)
    policy = backoff.RetryPolicy(max_attempts=2)
    fake.fail_next(2, status=503)
    now = datetime.now(UTC)
    deliver_due(factory, backend, worker_id="w1", now=now, policy=policy)
    assert statuses(session, ids) == {"queued": 3}
    stats = deliver_due(factory, backend, worker_id="w1", now=now + timedelta(days=1),
                        policy=policy)  # fmt: skip
    assert stats.failed == 3
    assert {(r.status, r.attempts) for r in rows(session, ids)} == {("failed", 2)}
    assert fake.outbox_ids() == []


def test_400_fails_the_batch_with_sendgrids_message(session, factory, backend, fake):
    good = queue(session, 2)
    content = rows(session, good)[0].content
    bad = queue(session, 1, content, to_email="not-an-address")
    stats = deliver_due(factory, backend, worker_id="w1")
    assert stats.failed == 3 and stats.sent == 0
    failed = rows(session, good + bad)
    assert {r.status for r in failed} == {"failed"}
    assert "Does not contain a valid address." in failed[0].last_error
    assert "personalizations.2.to.0.email" in failed[0].last_error
    assert fake.outbox_ids() == []


def test_wrong_api_key_is_a_permanent_failure(session, factory, fake):
    ids = queue(session, 1)
    wrong = SendGridBackend(api_key="SG.wrong", host=fake.url, timeout=TIMEOUT)
    deliver_due(factory, wrong, worker_id="w1")
    [row] = rows(session, ids)
    assert row.status == "failed" and "401" in row.last_error
    assert "authorization grant is invalid" in row.last_error


def test_a_timeout_is_retried_and_may_duplicate(session, factory, fake):
    """A request that times out may still have been accepted: retried, at least once."""
    backend = SendGridBackend(api_key=API_KEY, host=fake.url, timeout=SHORT_TIMEOUT)
    ids = queue(session, 4)
    fake.delay_next(1, SHORT_TIMEOUT * 3)
    now = datetime.now(UTC)
    started = time.monotonic()
    stats = deliver_due(factory, backend, worker_id="w1", now=now)
    assert time.monotonic() - started < SHORT_TIMEOUT * 3  # the client gave up at its timeout
    assert (stats.retried, stats.sent) == (4, 0)
    queued = rows(session, ids)
    assert all(r.status == "queued" and r.next_attempt_at > now for r in queued)
    assert "no answer from SendGrid" in queued[0].last_error
    deliver_due(factory, backend, worker_id="w1", now=now + timedelta(hours=1))
    assert statuses(session, ids) == {"sent": 4}
    deadline = time.monotonic() + 5
    while fake.accepted_requests() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # The slow request was accepted after the client had gone: the documented window.
    assert Counter(fake.outbox_ids()) == Counter({str(i): 2 for i in ids})


def test_a_dead_workers_claim_expires_and_is_claimed_again(session, factory, backend, fake):
    ids = queue(session, 20)
    now = datetime.now(UTC)

    class Killed(BaseException):
        pass

    class DiesBeforeSending(ConsoleBackend):
        def send_batch(self, content: EmailContent, emails: Any) -> Any:
            raise Killed  # the process is gone: nothing after this line runs

    with pytest.raises(Killed):
        deliver_due(factory, DiesBeforeSending(), worker_id="dead", batch_size=10,
                    lease_seconds=60, now=now)  # fmt: skip
    claimed = [r for r in rows(session, ids) if r.claimed_by == "dead"]
    assert len(claimed) == 10 and all(r.status == "queued" for r in claimed)

    # Within the lease another worker takes only the unclaimed rows.
    stats = deliver_due(factory, backend, worker_id="alive", now=now + timedelta(seconds=30))
    assert stats.sent == 10
    assert statuses(session, ids) == {"sent": 10, "queued": 10}
    # After it, the abandoned batch is claimed and sent.
    stats = deliver_due(factory, backend, worker_id="alive", now=now + timedelta(seconds=61))
    assert stats.sent == 10
    assert statuses(session, ids) == {"sent": 20}
    assert sent_once(fake, ids)


# -- console ---------------------------------------------------------------------------------


def test_console_backend_logs_marks_sent_and_keeps_the_message(session, factory, fake, caplog):
    ids = queue(session, 3)
    console = get_backend({"MAIL_BACKEND": "console"})
    assert isinstance(console, ConsoleBackend)
    with caplog.at_level(logging.INFO, logger="feedback.mail"):
        stats = deliver_due(factory, console, worker_id="dev")
    assert (stats.sent, stats.http_requests) == (3, 0)
    sent = rows(session, ids)
    assert {r.status for r in sent} == {"sent"}
    assert all(r.substitutions["%%token%%"].startswith("tok-") for r in sent)
    lines = [r.getMessage() for r in caplog.records if r.name == "feedback.mail"]
    assert len(lines) == 3 and sent[0].to_email in lines[0] and "Reader 0" in lines[0]
    assert fake.requests == []


# -- the fake checks what SendGrid checks -----------------------------------------------------


def _valid() -> dict[str, Any]:
    return {
        "personalizations": [{"to": [{"email": "a@example.com"}]}],
        "from": {"email": "cs@example.com"}, "subject": "Hi",
        "content": [{"type": "text/plain", "value": "x"}, {"type": "text/html", "value": "<p>x"}],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(personalizations=[]), "personalizations"),
        (
            lambda p: p.update(
                personalizations=[{"to": [{"email": f"a{i}@example.com"}]} for i in range(1001)]
            ),
            "personalizations",
        ),  # fmt: skip
        (
            lambda p: p["personalizations"][0]["to"].extend(
                {"email": f"b{i}@example.com"} for i in range(1000)
            ),
            "personalizations",
        ),
        (
            lambda p: p["personalizations"][0]["to"][0].update(email="nope"),
            "personalizations.0.to.0.email",
        ),  # fmt: skip
        (lambda p: p.pop("from"), "from"),
        (lambda p: p.pop("subject"), "subject"),
        (lambda p: p.update(content=[]), "content"),
        (lambda p: p["content"].reverse(), "content"),
        (
            lambda p: p["personalizations"][0].update(substitutions={"%%n%%": 1}),
            "personalizations.0.substitutions",
        ),  # fmt: skip
        (
            lambda p: p["personalizations"][0].update(substitutions={"%%n%%": "x" * 10_001}),
            "personalizations.0.substitutions",
        ),  # fmt: skip
        (
            lambda p: p["personalizations"][0].update(headers={"Subject": "x"}),
            "personalizations.0.headers",
        ),  # fmt: skip
    ],
)
def test_fake_refuses_what_sendgrid_refuses(change, field):
    payload = _valid()
    check_mail_send(payload)
    change(payload)
    with pytest.raises(BadRequest) as refused:
        check_mail_send(payload)
    assert refused.value.field == field


def test_per_personalization_subjects_replace_the_top_level_one():
    payload = _valid()
    payload.pop("subject")
    payload["personalizations"][0]["subject"] = "Own subject"
    assert check_mail_send(payload)[0]["subject"] == "Own subject"


# -- volume ----------------------------------------------------------------------------------


def test_10000_emails_go_in_ten_requests(session, factory, backend, fake):
    """How fast is bench/dispatch.py's business (no timed assertions on a shared machine)."""
    ids = queue(session, 10_000)
    stats = deliver_due(factory, backend, worker_id="w1")
    assert (stats.sent, stats.http_requests) == (10_000, 10)
    assert statuses(session, ids) == {"sent": 10_000}
    assert sent_once(fake, ids)
