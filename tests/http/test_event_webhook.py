"""SendGrid's event webhook: signed posts only, each event stored once, suppression at once."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from feedback.mail.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from feedback.models import EmailEvent
from tests.builders import invite, sg_event

URL = "/webhooks/sendgrid/events"
# A key pair like SendGrid's (P-256); the public half as SendGrid shows it: base64 DER.
PRIVATE_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_KEY = base64.b64encode(
    PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()


@pytest.fixture
def app_config():
    return {"SENDGRID_WEBHOOK_PUBLIC_KEY": PUBLIC_KEY, "WTF_CSRF_ENABLED": True}


def signed(body: bytes, *, timestamp: int | None = None, key: Any = PRIVATE_KEY) -> dict[str, str]:
    """Headers as SendGrid sends them: an ECDSA signature over timestamp + raw body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: stamp}


def post(client, events: Any, **sign: Any):
    body = json.dumps(events).encode()
    headers = {"Content-Type": "application/json", **signed(body, **sign)}
    return client.post(URL, data=body, headers=headers)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(EmailEvent))


def test_a_signed_post_records_events_and_suppresses(client, session, make_contact):
    bouncing, complaining, leaving = make_contact(), make_contact(), make_contact()
    _, _, queued, held = invite(session, leaving)
    events = [
        sg_event("delivered", leaving.email, outbox_id=str(queued.id)),
        sg_event("bounce", bouncing.email, type="bounce", reason="550 unknown user"),
        sg_event("spamreport", complaining.email),
        sg_event("unsubscribe", leaving.email),
    ]
    response = post(client, events)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"status": "ok", "recorded": 4, "duplicates": 0,
                                   "suppressed": 3}  # fmt: skip
    for contact in (bouncing, complaining, leaving):
        session.refresh(contact)
    assert bouncing.bounced and complaining.spam_reported and leaving.unsubscribed
    session.refresh(queued)
    session.refresh(held)
    assert (queued.status, held.status) == ("cancelled", "cancelled")
    assert _count(session) == 4


def test_a_replayed_post_changes_nothing(client, session, make_contact):
    contact = make_contact()
    events = [sg_event("unsubscribe", contact.email), sg_event("open", contact.email)]
    assert post(client, events).status_code == 200
    contact.unsubscribed = False  # resubscribed in between
    session.commit()
    response = post(client, events)
    assert response.status_code == 200
    assert response.get_json()["duplicates"] == 2
    session.refresh(contact)
    assert contact.unsubscribed is False
    assert _count(session) == 2


def test_missing_signature_is_refused(client, session, make_contact):
    contact = make_contact()
    body = json.dumps([sg_event("unsubscribe", contact.email)])
    response = client.post(URL, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    assert "signature" in response.get_json()["error"]["message"].lower()
    session.refresh(contact)
    assert contact.unsubscribed is False and _count(session) == 0


def test_a_signature_from_another_key_is_refused(client, session, make_contact):
    response = post(client, [sg_event("unsubscribe", make_contact().email)], key=OTHER_KEY)
    assert response.status_code == 403
    assert _count(session) == 0


@pytest.mark.parametrize("age", [3600, 301, -3600])
def test_stale_or_future_timestamps_are_refused(client, session, make_contact, age):
    events = [sg_event("unsubscribe", make_contact().email)]
    response = post(client, events, timestamp=int(time.time()) - age)
    assert response.status_code == 403
    assert "stale" in response.get_json()["error"]["message"]
    assert _count(session) == 0


def test_a_slightly_old_signature_is_accepted(client, session, make_contact):
    events = [sg_event("open", make_contact().email)]
    response = post(client, events, timestamp=int(time.time()) - 120)
    assert response.status_code == 200
    assert response.get_json()["recorded"] == 1
    assert _count(session) == 1  # the event is kept, not only answered


def test_a_tampered_body_is_refused(client, session, make_contact):
    victim = make_contact()
    body = json.dumps([sg_event("open", victim.email)]).encode()
    headers = {"Content-Type": "application/json", **signed(body)}
    tampered = body.replace(b'"open"', b'"unsubscribe"')
    response = client.post(URL, data=tampered, headers=headers)
    assert response.status_code == 403
    session.refresh(victim)
    assert victim.unsubscribed is False


@pytest.mark.parametrize(
    "headers",
    [{SIGNATURE_HEADER: "not base64!!", TIMESTAMP_HEADER: "1700000000"},
     {SIGNATURE_HEADER: base64.b64encode(b"junk").decode(), TIMESTAMP_HEADER: "soon"},
     {SIGNATURE_HEADER: base64.b64encode(b"junk").decode()}],
)  # fmt: skip
def test_garbage_signature_headers_are_refused(client, headers):
    response = client.post(URL, data=b"[]", headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"[{", b"not json", b'{"event": "open"}', b"[1]"])
def test_a_malformed_body_with_a_valid_signature_is_400(client, session, body):
    headers = {"Content-Type": "application/json", **signed(body)}
    response = client.post(URL, data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert _count(session) == 0


@pytest.mark.parametrize("key", [None, ""])
def test_without_a_configured_key_every_post_is_refused(app, client, caplog, key):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = key
    with caplog.at_level(logging.ERROR):
        response = post(client, [])
    assert response.status_code == 403
    assert "FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY" in caplog.text


def test_an_unreadable_key_is_logged_and_refused(app, client, caplog):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = "bm90IGEga2V5"
    with caplog.at_level(logging.ERROR):
        response = post(client, [])
    assert response.status_code == 403
    assert "FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY" in caplog.text


def test_the_webhook_needs_no_csrf_token_or_session(client):
    response = post(client, [])
    assert response.status_code == 200
    assert response.get_json()["recorded"] == 0
