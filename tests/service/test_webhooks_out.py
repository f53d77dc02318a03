"""Outgoing webhooks: written with the change, signed, retried on 5xx, given up on 4xx.

A tiny HTTP receiver on 127.0.0.1 plays the other system.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from feedback import db, signing
from feedback.mail import replies
from feedback.models import Invitation, WebhookDelivery
from feedback.services import capture, conversation, programs, webhooks_out
from feedback.services.errors import InvalidInput
from feedback.tokens import hash_token, new_token
from jobs.registry import run_job
from jobs.worker import build_scheduler
from tests.builders import DOMAIN, start_conversation


class Receiver:
    """Answers with the scripted statuses in turn (then 200) and records every request."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.delay = 0.0
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"headers": dict(self.headers), "body": body,
                                          "path": self.path})  # fmt: skip
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"status": status, "why": "scripted"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(session, receiver):
    row = webhooks_out.create_endpoint(
        session, receiver.url, ["reply.received", "response.created"], "CRM"
    )
    session.commit()
    return row


def _deliver(now):
    return webhooks_out.deliver_due_webhooks(db.database().sessionmaker, now, rand=lambda: 0.5)


def _emit(session, now, event="response.created", payload=None):
    rows = webhooks_out.emit(session, event, payload or {"response_id": 7, "at": now}, now)
    session.commit()
    return rows


def test_emit_writes_one_row_per_subscribed_active_endpoint(session, endpoint, receiver):
    now = datetime.now(UTC)
    webhooks_out.create_endpoint(session, receiver.url + "/other", ["response.updated"])
    off = webhooks_out.create_endpoint(session, receiver.url + "/off", ["response.created"])
    webhooks_out.set_active(session, off.id, False)
    rows = _emit(session, now)
    assert [r.endpoint_id for r in rows] == [endpoint.id]
    assert rows[0].payload == {"response_id": 7, "at": now.isoformat()}
    with pytest.raises(ValueError):
        webhooks_out.emit(session, "response.deleted", {})


def test_emit_is_part_of_the_callers_transaction(session, endpoint):
    webhooks_out.emit(session, "response.created", {"response_id": 1})
    session.rollback()
    assert session.query(WebhookDelivery).count() == 0


def test_a_delivery_is_signed_and_recorded(session, endpoint, receiver):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    assert _deliver(now) == {"claimed": 1, "delivered": 1, "retried": 0, "failed": 0}
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    assert headers["X-Feedback-Event"] == "response.created"
    assert headers["X-Feedback-Delivery"] == str(row.id)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Feedback-Signature"].startswith("sha256=")
    assert signing.verify(endpoint.secret, headers["X-Feedback-Signature"],
                          headers["X-Feedback-Timestamp"], body, now=time.time())  # fmt: skip
    assert not signing.verify("wrong", headers["X-Feedback-Signature"],
                              headers["X-Feedback-Timestamp"], body, now=time.time())  # fmt: skip
    document = json.loads(body)
    assert document["id"] == row.id and document["type"] == "response.created"
    assert document["data"]["response_id"] == 7
    session.expire_all()
    assert (row.status, row.attempts, row.last_status) == ("delivered", 1, 200)
    assert row.delivered_at is not None
    assert _deliver(now + timedelta(hours=1))["claimed"] == 0  # never sent twice


def test_a_500_is_retried_with_backoff_then_delivered(session, endpoint, receiver):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    receiver.statuses = [500, 503]
    assert _deliver(now)["retried"] == 1
    session.expire_all()
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, 500)
    first_wait = row.next_attempt_at - now
    assert timedelta(seconds=1) <= first_wait <= timedelta(seconds=30)
    assert _deliver(now)["claimed"] == 0  # not due yet
    assert _deliver(row.next_attempt_at)["retried"] == 1
    session.expire_all()
    assert row.attempts == 2 and row.next_attempt_at - now > first_wait
    assert _deliver(row.next_attempt_at)["delivered"] == 1
    session.expire_all()
    assert (row.status, row.attempts) == ("delivered", 3)
    assert len({r["headers"]["X-Feedback-Delivery"] for r in receiver.requests}) == 1


def test_a_400_fails_for_good_with_the_answer_kept(session, endpoint, receiver):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    receiver.statuses = [400]
    assert _deliver(now)["failed"] == 1
    session.expire_all()
    assert (row.status, row.attempts, row.last_status) == ("failed", 1, 400)
    assert "scripted" in row.last_response and "400" in row.last_error
    assert _deliver(now + timedelta(days=1))["claimed"] == 0


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(session, endpoint, receiver, status):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    receiver.statuses = [status]
    assert _deliver(now)["retried"] == 1
    session.expire_all()
    assert row.status == "pending"


def test_no_answer_is_retried(session, endpoint, receiver, monkeypatch):
    monkeypatch.setattr(webhooks_out, "TIMEOUT_SECONDS", 0.3)
    receiver.delay = 1.0
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    assert _deliver(now)["retried"] == 1
    session.expire_all()
    assert row.status == "pending" and row.last_status is None
    assert "no answer" in row.last_error


def test_a_refused_connection_is_retried(session, receiver):
    dead = Receiver()
    url = dead.url
    dead.close()
    webhooks_out.create_endpoint(session, url, ["response.created"])
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    assert _deliver(now)["retried"] == 1
    session.expire_all()
    assert row.status == "pending" and "ConnectionError" in row.last_error


def test_it_gives_up_after_8_attempts(session, endpoint, receiver):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    receiver.statuses = [500] * 8
    for _ in range(8):
        session.expire_all()
        _deliver(row.next_attempt_at)
    session.expire_all()
    assert (row.status, row.attempts) == ("failed", 8)
    assert "gave up after 8 attempts" in row.last_error
    assert len(receiver.requests) == 8


def test_disabling_an_endpoint_stops_its_pending_deliveries(session, endpoint, receiver):
    now = datetime.now(UTC)
    (row,) = _emit(session, now)
    webhooks_out.set_active(session, endpoint.id, False)
    session.commit()
    assert _deliver(now)["claimed"] == 0
    session.expire_all()
    assert row.status == "failed" and receiver.requests == []


def test_endpoints_are_checked(session):
    with pytest.raises(InvalidInput) as err:
        webhooks_out.create_endpoint(session, "ftp://x", ["nope"])
    assert set(err.value.fields) == {"url", "event_types"}
    with pytest.raises(InvalidInput):
        webhooks_out.create_endpoint(session, "https://x.example", [])


def test_a_received_reply_emits_reply_received(session, app, make_contact, endpoint, receiver):
    invitation, response, token = start_conversation(session, make_contact)
    mail = replies.InboundMail(
        from_header=invitation.contact.email, to_header=f"reply+{token}@{DOMAIN}",
        envelope_to=(f"reply+{token}@{DOMAIN}",), envelope_from=invitation.contact.email,
        subject="Re: survey", text="Love it\n\n-- \nAna", headers="",
    )  # fmt: skip
    received = conversation.receive_inbound(session, mail)
    session.commit()
    (row,) = session.query(WebhookDelivery).all()
    assert row.event_type == "reply.received"
    assert row.payload["response_id"] == response.id
    assert row.payload["message_id"] == received.message.id
    assert row.payload["text"] == "Love it" and row.payload["sender_matches"] is True


def test_the_worker_delivers_a_customers_answer_signed_retrying_a_500(
    app, session, make_contact, endpoint, receiver
):
    """End to end: a customer clicks a score, the worker's scheduled deliver-webhooks job posts
    `response.created` signed; the receiver's 500 is retried and the event lands once."""
    token = new_token()
    program = programs.create_program(
        session, {"name": "Hooks NPS", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    now = datetime.now(UTC)
    invitation = Invitation(
        program_id=program.id, contact_id=make_contact().id, wave_key="hooks",
        token_hash=hash_token(token), reply_token_hash=hash_token(new_token()),
        created_at=now, sent_at=now, expires_at=now + timedelta(days=30),
    )  # fmt: skip
    session.add(invitation)
    session.commit()
    survey, _ = capture.record_click(session, token, 3, user_agent="pytest", headers={})
    session.commit()
    receiver.statuses = [500]

    scheduled = build_scheduler(app).get_job("deliver-webhooks")
    assert scheduled is not None and scheduled.args == (app, "deliver-webhooks")
    scheduled.func(*scheduled.args)  # what the worker calls at the job's slot
    (row,) = session.query(WebhookDelivery).all()
    session.refresh(row)
    assert (row.status, row.attempts, row.last_status) == ("pending", 1, 500)
    # The next scheduled slots after the backoff: the retry is delivered, then nothing is left.
    retried = run_job(app, "deliver-webhooks", now=row.next_attempt_at + timedelta(minutes=1))
    assert retried == {"claimed": 1, "delivered": 1, "retried": 0, "failed": 0}
    idle = run_job(app, "deliver-webhooks", now=row.next_attempt_at + timedelta(minutes=5))
    assert idle == {"claimed": 0, "delivered": 0, "retried": 0, "failed": 0}
    session.refresh(row)
    assert (row.status, row.attempts, row.last_status) == ("delivered", 2, 200)

    assert len(receiver.requests) == 2  # the 500, then the 200; nothing after delivery
    for request in receiver.requests:
        headers = request["headers"]
        assert headers["X-Feedback-Event"] == "response.created"
        assert headers["X-Feedback-Delivery"] == str(row.id)
        assert signing.verify(endpoint.secret, headers["X-Feedback-Signature"],
                              headers["X-Feedback-Timestamp"], request["body"],
                              now=time.time())  # fmt: skip
    document = json.loads(receiver.requests[-1]["body"])
    assert document["type"] == "response.created"
    assert document["data"]["response_id"] == survey.response.id
    assert document["data"]["score"] == 3


def test_the_admin_page_adds_lists_and_disables(client, session, make_user, login, receiver):
    login(make_user("admin"))
    answer = client.post(
        "/admin/webhooks",
        data={"url": receiver.url, "event_types": ["reply.received"], "description": "<b>CRM</b>"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "whsec_" in page and "&lt;b&gt;CRM" in page
    (endpoint,) = webhooks_out.list_endpoints(session)
    assert endpoint.secret in page
    assert endpoint.secret not in client.get("/admin/webhooks").get_data(as_text=True)
    bad = client.post("/admin/webhooks", data={"url": "nope", "event_types": []})
    assert bad.status_code == 422 and "http(s) URL" in bad.get_data(as_text=True)
    client.post(f"/admin/webhooks/{endpoint.id}/active", data={"active": "0"})
    session.expire_all()
    assert not endpoint.active and endpoint.disabled_at is not None


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head"])
def test_only_admins_manage_webhooks(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/admin/webhooks").status_code == 403
