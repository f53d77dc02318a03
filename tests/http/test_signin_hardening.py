"""Sign-in hardening: limits per account and per address in shared storage, a lock-out with an
emailed unlock, no effect on other users, and logout or a new password ending every session."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import g
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import org
from tests.conftest import PASSWORD, make_app


def _post(client, email, password, address):
    return client.post(
        "/login", data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )  # fmt: skip


def _home(client) -> int:
    """GET / as a new request would: the tests' shared app context keeps Flask-Login's user in
    `g` between requests, which would hide what the cookie alone is worth."""
    g.pop("_login_user", None)
    return client.get("/").status_code


def _unlock_emails(session, email):
    return session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.kind == "account_unlock", OutboxEmail.to_email == email
        )  # fmt: skip
    ).all()


def test_wrong_passwords_for_one_account_from_three_addresses_lock_it(client, session, make_user):
    user = make_user()
    statuses = [
        _post(client, user.email, "wrong password", f"10.0.0.{i % 3 + 1}").status_code
        for i in range(30)
    ]
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    locked = _post(client, user.email, PASSWORD, "10.9.9.9")  # the right password, elsewhere
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    assert _home(client) == 302
    assert len(_unlock_emails(session, user.email)) == 1  # one email per lock, not per try


def test_another_user_on_the_same_address_is_not_affected(client, make_user):
    victim, colleague = make_user(), make_user()
    for _ in range(10):
        _post(client, victim.email, "wrong password", "192.0.2.7")
    assert _post(client, colleague.email, PASSWORD, "192.0.2.7").status_code == 302
    assert _home(client) == 200


def test_the_emailed_link_unlocks_the_account(client, session, make_user):
    user = make_user()
    for _ in range(5):
        _post(client, user.email, "wrong password", "10.0.0.1")
    (email,) = _unlock_emails(session, user.email)
    link = re.search(r"http://\S+/login/unlock/\S+", email.content.text).group(0)
    path = link.removeprefix("http://127.0.0.1:5000")
    page = client.get(path)
    assert page.status_code == 200 and "Unlock my account" in page.get_data(as_text=True)
    assert _post(client, user.email, PASSWORD, "10.0.0.1").status_code == 429  # GET changed nothing
    assert client.post(path).status_code == 302
    assert _post(client, user.email, PASSWORD, "10.0.0.1").status_code == 302


def test_a_forged_unlock_link_is_refused(client):
    response = client.post("/login/unlock/not-a-real-token")
    assert response.status_code == 410 and "invalid" in response.get_data(as_text=True)


def test_an_unknown_email_gets_the_same_lock_page_and_no_email(client, session):
    for _ in range(5):
        response = _post(client, "nobody@staff.example.com", "wrong password", "10.0.0.2")
    assert response.status_code == 429 and "locked" in response.get_data(as_text=True)
    assert _unlock_emails(session, "nobody@staff.example.com") == []


def test_one_address_trying_many_accounts_is_limited(app, client, make_user):
    app.config["LOGIN_ADDRESS_LIMIT"] = "6 per 15 minutes"
    from feedback.web import signin_guard

    signin_guard.init_app(app)
    user = make_user()
    for i in range(6):
        assert _post(client, f"guess{i}@staff.example.com", "x", "203.0.113.5").status_code == 401
    refused = _post(client, user.email, PASSWORD, "203.0.113.5")
    assert refused.status_code == 429 and "network address" in refused.get_data(as_text=True)
    assert _post(client, user.email, PASSWORD, "203.0.113.6").status_code == 302


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis("127.0.0.1", 6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.fail("the shared-storage test needs the machine's Redis at 127.0.0.1:6379")
    return "redis://127.0.0.1:6379"


def test_two_workers_share_the_counts_in_redis(app, database_url, redis_url, make_user):
    """Two app instances (two gunicorn workers) count failures together in Redis."""
    user = make_user()
    prefix = f"test-{uuid.uuid4().hex}"
    workers = []
    for _ in range(2):
        worker = make_app(database_url, RATELIMIT_STORAGE_URI=redis_url,
                          LOGIN_GUARD_KEY_PREFIX=prefix)  # fmt: skip
        worker.extensions["feedback.db"].sessionmaker = app.extensions["feedback.db"].sessionmaker
        workers.append(worker.test_client())
    statuses = [_post(workers[i % 2], user.email, "wrong password", "10.0.0.1").status_code
                for i in range(8)]  # fmt: skip
    assert statuses == [401] * 4 + [429] * 4
    assert _post(workers[1], user.email, PASSWORD, "10.0.0.3").status_code == 429


def test_a_session_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user()
    assert _post(client, user.email, PASSWORD, "10.0.0.1").status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert _home(copy) == 200
    assert client.post("/logout").status_code == 302
    assert _home(copy) == 302  # the copied cookie ended with the logout


def test_a_password_change_ends_every_session(app, client, session, make_user):
    user = make_user()
    assert _post(client, user.email, PASSWORD, "10.0.0.1").status_code == 302
    assert _home(client) == 200
    org.update_user(session, user.id, {"password": "a brand new password"})
    session.commit()
    assert _home(client) == 302
    assert _post(client, user.email, "a brand new password", "10.0.0.1").status_code == 302
    assert _home(client) == 200
