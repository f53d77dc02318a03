"""The unsubscribe page, its one-click twin (RFC 8058) and the way back."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback.models import EmailEvent
from tests.builders import invite


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def invited(session, make_contact):
    contact = make_contact(email="jane.doe@customer.example.org")
    invitation, token, queued, held = invite(session, contact)
    return contact, token, queued, held


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def _sources(session, contact) -> list[str]:
    stmt = select(EmailEvent.source).where(EmailEvent.contact_id == contact.id)
    return list(session.scalars(stmt.order_by(EmailEvent.id)))


def test_the_page_shows_a_masked_address_and_a_button(client, session, invited):
    contact, token, _, _ = invited
    response = client.get(f"/u/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "j•••@customer.example.org" in html and contact.email not in html
    assert "Unsubscribe me" in html
    assert f'action="/u/{token}"' in html and 'name="csrf_token"' in html
    assert 'name="viewport"' in html and "<h1>" in html
    assert not re.search(r'(src|href)="https?://', html), "no external assets"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    session.refresh(contact)
    assert contact.unsubscribed is False  # looking is not unsubscribing (link scanners)


def test_the_form_unsubscribes_and_cancels_waiting_emails(client, session, invited):
    contact, token, queued, held = invited
    csrf = _csrf(client.get(f"/u/{token}").get_data(as_text=True))
    response = client.post(f"/u/{token}", data={"csrf_token": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are unsubscribed" in html
    assert "I clicked by mistake — resubscribe" in html
    assert f'action="/u/{token}/resubscribe"' in html and 'name="csrf_token"' in html
    session.refresh(contact)
    session.refresh(queued)
    session.refresh(held)
    assert contact.unsubscribed is True
    assert (queued.status, held.status) == ("cancelled", "cancelled")
    assert _sources(session, contact) == ["link"]
    # Coming back later shows the unsubscribed state and the way back.
    assert "resubscribe" in client.get(f"/u/{token}").get_data(as_text=True)


def test_the_form_without_a_csrf_token_is_refused(client, session, invited):
    contact, token, queued, _ = invited
    for data in ({}, {"csrf_token": "forged"}, {"List-Unsubscribe": "One-Click", "x": "1"}):
        response = client.post(f"/u/{token}", data=data)
        assert response.status_code == 400, data
        assert "expired" in response.get_data(as_text=True)
    session.refresh(contact)
    session.refresh(queued)
    assert contact.unsubscribed is False and queued.status == "queued"


@pytest.mark.parametrize("multipart", [False, True])
def test_one_click_unsubscribes_without_a_token(client, session, invited, multipart):
    contact, token, queued, held = invited
    if multipart:
        response = client.post(
            f"/u/{token}",
            data={"List-Unsubscribe": "One-Click"},
            content_type="multipart/form-data",
        )
    else:
        response = client.post(
            f"/u/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 200
    session.refresh(contact)
    session.refresh(queued)
    session.refresh(held)
    assert contact.unsubscribed is True
    assert (queued.status, held.status) == ("cancelled", "cancelled")
    assert _sources(session, contact) == ["one-click"]


def test_one_click_is_idempotent(client, session, invited):
    contact, token, _, _ = invited
    for _ in range(2):
        assert client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _sources(session, contact) == ["one-click"]


def test_resubscribe_needs_csrf_and_undoes_the_unsubscribe(client, session, invited):
    contact, token, _, _ = invited
    csrf = _csrf(client.get(f"/u/{token}").get_data(as_text=True))
    done = client.post(f"/u/{token}", data={"csrf_token": csrf}).get_data(as_text=True)
    assert client.post(f"/u/{token}/resubscribe").status_code == 400
    session.refresh(contact)
    assert contact.unsubscribed is True
    response = client.post(f"/u/{token}/resubscribe", data={"csrf_token": _csrf(done)})
    assert response.status_code == 200
    assert "subscribed again" in response.get_data(as_text=True)
    session.refresh(contact)
    assert contact.unsubscribed is False
    assert _sources(session, contact) == ["link", "link"]


@pytest.mark.parametrize(
    "token",
    ["x" * 43, "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg", "short", "bad%20token!", "a" * 200],
)
@pytest.mark.parametrize("method", ["GET", "POST", "ONE-CLICK", "RESUBSCRIBE"])
def test_unknown_or_malformed_tokens_get_a_friendly_404(app, client, token, method):
    app.config["WTF_CSRF_ENABLED"] = False  # the token, not the form, is under test here
    if method == "GET":
        response = client.get(f"/u/{token}")
    elif method == "POST":
        response = client.post(f"/u/{token}")
    elif method == "ONE-CLICK":
        response = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    else:
        response = client.post(f"/u/{token}/resubscribe")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "could not find this unsubscribe link" in html
    assert "Traceback" not in html


def test_a_token_with_a_slash_is_a_plain_404(client):
    assert client.get("/u/abc/def").status_code == 404
