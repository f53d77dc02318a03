"""Password reset by emailed one-time link, and changing one's own password on /me."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask import g
from sqlalchemy import select

from feedback.db import utcnow
from feedback.models import AuditEvent, OutboxEmail, PasswordReset
from tests.conftest import PASSWORD

NEW = "a brand new password"


def _reset_emails(session, email):
    query = select(OutboxEmail).where(
        OutboxEmail.kind == "password_reset", OutboxEmail.to_email == email
    )
    return list(session.scalars(query))


def _ask(client, email):
    return client.post("/login/forgot", data={"email": email})


def _link(session, email) -> str:
    (mail,) = _reset_emails(session, email)
    link = re.search(r"http://\S+/login/reset/\S+", mail.content.text).group(0)
    return link.removeprefix("http://127.0.0.1:5000")


def _signs_in(client, email, password) -> bool:
    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password}).status_code == 302


def test_the_login_page_offers_a_reset(client):
    assert 'href="/login/forgot"' in client.get("/login").get_data(as_text=True)


def test_the_emailed_link_sets_a_new_password_once(client, session, make_user):
    user = make_user()
    response = _ask(client, user.email.upper())
    assert response.status_code == 303
    path = _link(session, user.email)
    token = path.rsplit("/", 1)[1]
    assert session.scalar(select(PasswordReset.token_hash)) != token  # stored hashed

    page = client.get(path)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    assert _signs_in(client, user.email, PASSWORD)  # a GET changed nothing

    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 303
    assert not _signs_in(client, user.email, PASSWORD)
    assert _signs_in(client, user.email, NEW)

    again = client.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    )
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 410
    event = session.scalars(select(AuditEvent).where(AuditEvent.target_id == user.id)).all()[-1]
    assert event.after["password"] == "changed" and event.actor_user_id == user.id


def test_the_reset_ends_every_session(app, client, session, make_user):
    user = make_user()
    other = app.test_client()
    assert _signs_in(other, user.email, PASSWORD)
    _ask(client, user.email)
    client.post(_link(session, user.email), data={"password": NEW, "confirm": NEW})
    g.pop("_login_user", None)
    assert other.get("/queue").status_code == 302


def test_a_link_expires_after_an_hour(client, session, make_user):
    user = make_user()
    _ask(client, user.email)
    path = _link(session, user.email)
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert _signs_in(client, user.email, PASSWORD)


def test_a_made_up_link_is_refused(client):
    assert client.get("/login/reset/not-a-token").status_code == 410
    assert client.get("/login/reset/" + "A" * 43).status_code == 410


def test_using_one_link_voids_the_others(client, session, make_user):
    user = make_user()
    _ask(client, user.email)
    first = _link(session, user.email)
    _ask(client, user.email)
    second = [m for m in _reset_emails(session, user.email)][-1]
    second_path = re.search(r"/login/reset/\S+", second.content.text).group(0)
    assert client.post(second_path, data={"password": NEW, "confirm": NEW}).status_code == 303
    assert client.post(first, data={"password": NEW, "confirm": NEW}).status_code == 410


def test_bad_new_passwords_are_explained(client, session, make_user):
    user = make_user()
    _ask(client, user.email)
    path = _link(session, user.email)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    differ = client.post(path, data={"password": NEW, "confirm": NEW + "!"})
    assert differ.status_code == 422 and "same password twice" in differ.get_data(as_text=True)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 303  # unused


def test_no_account_enumeration(client, session, make_user):
    user = make_user()
    inactive = make_user(active=False)
    answers = []
    for email in (user.email, "nobody@staff.example.com", inactive.email):
        response = _ask(client, email)
        answers.append(
            (
                response.status_code,
                response.headers["Location"],
                client.get("/login").get_data(as_text=True).count("If that address"),
            )
        )
    assert answers[0] == answers[1] == answers[2]
    assert len(_reset_emails(session, user.email)) == 1
    assert _reset_emails(session, "nobody@staff.example.com") == []
    assert _reset_emails(session, inactive.email) == []


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                          "PASSWORD_RESET_LIMIT": "3 per hour"}])  # fmt: skip
def test_asking_is_rate_limited_whether_or_not_the_address_exists(client, session, make_user,
                                                                   app_config):  # fmt: skip
    user = make_user()
    statuses = [_ask(client, user.email).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert len(_reset_emails(session, user.email)) == 3
    # Another address from the same client is limited too, with the same answer.
    assert _ask(client, "nobody@staff.example.com").status_code == 429


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                          "PASSWORD_RESET_LIMIT": "2 per hour"}])  # fmt: skip
def test_one_address_is_limited_from_any_client(client, session, make_user, app_config):
    user = make_user()
    codes = [client.post("/login/forgot", data={"email": user.email},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
             for i in range(3)]  # fmt: skip
    assert codes == [303, 303, 429]


def test_a_person_changes_their_own_password(app, client, session, make_user, login):
    user = make_user()
    other = app.test_client()
    assert _signs_in(other, user.email, PASSWORD)
    login(user)
    wrong = client.post("/me/password", data={"current_password": "nope", "new_password": NEW,
                                              "confirm": NEW})  # fmt: skip
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    short = client.post("/me/password", data={"current_password": PASSWORD,
                                              "new_password": "x", "confirm": "x"})  # fmt: skip
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    ok = client.post("/me/password", data={"current_password": PASSWORD, "new_password": NEW,
                                           "confirm": NEW})  # fmt: skip
    assert ok.status_code == 303
    g.pop("_login_user", None)
    assert client.get("/me/settings").status_code == 200  # this session goes on
    g.pop("_login_user", None)
    assert other.get("/queue").status_code == 302  # every other one ended
    assert _signs_in(client, user.email, NEW)


def test_a_person_sets_their_time_zone_on_me(client, session, make_user, login):
    user = make_user()
    login(user)
    assert client.post("/me/settings", data={"time_zone": "Asia/Tokyo"}).status_code == 303
    session.refresh(user)
    assert user.time_zone == "Asia/Tokyo"
