"""CSRF: every form post without the token is refused (Flask-WTF), the API is token-only."""

from __future__ import annotations

import re

import pytest

from feedback.models import Team
from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "form has no CSRF token"
    return match.group(1)


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("csm")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_login_with_csrf_token_works(client, make_user):
    user = make_user("csm")
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_logout_needs_csrf_token(client, make_user):
    user = make_user("csm")
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": _token(page)}).status_code == 302


def test_every_staff_form_carries_a_csrf_token(client, make_user, login, app):
    """Any page with a POST form includes the token field."""
    user = make_user("admin")
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.rule.startswith("/api"):
            continue
        html = client.get(rule.rule).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S | re.I):
            assert "csrf_token" in form, f"{rule.rule} has a form without a CSRF token"


def test_api_with_bearer_token_needs_no_csrf(client, session, api_headers):
    response = client.post(
        "/api/v1/teams", json={"name": "Support", "department": "Support"}, headers=api_headers()
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "Support"
    team = session.get(Team, response.get_json()["id"])
    assert (team.name, team.department) == ("Support", "Support")  # the team was created


ADMIN_FORM_POSTS = [
    "/admin/programs/new",
    "/admin/programs/1",
    "/admin/programs/1/send-now",
    "/admin/playbooks/new",
    "/admin/playbooks/1",
    "/admin/playbooks/1/activate",
    "/admin/playbooks/1/delete",
    "/admin/themes/new",
    "/admin/themes/1",
    "/admin/themes/proposals/1/accept",
    "/admin/themes/proposals/1/dismiss",
]


def test_admin_form_posts_without_the_token_are_refused_before_the_view_runs(
    client, make_user, session
):
    """The global CSRFProtect guards the admin forms; the pages hold no check of their own."""
    user = make_user("admin")
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    for url in ADMIN_FORM_POSTS:
        response = client.post(url, data={"name": "Sneaky", "emails": "a@example.com"})
        assert response.status_code == 400, url
        assert "expired" in response.get_data(as_text=True), url
    themes = client.get("/admin/themes").get_data(as_text=True)
    programs = client.get("/admin/programs").get_data(as_text=True)
    assert "Sneaky" not in themes and "Sneaky" not in programs
