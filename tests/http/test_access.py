"""Every route is protected by role: walk the URL map so a new route cannot slip through."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from feedback.access import PUBLIC, access_rule
from feedback.roles import Role

# Endpoints anyone may reach. Adding one here is a deliberate, reviewed decision.
PUBLIC_ENDPOINTS = {
    "static",
    "home.healthz",
    "home.readyz",  # a load balancer asks it, signed in as nobody
    "auth.login",
    "auth.unlock",  # the emailed unlock link of a locked account: signed, valid for a day
    "auth.forgot",  # "Forgot password?": rate-limited, same answer for any address
    "auth.reset",  # the emailed one-time reset link: hashed, an hour, single use
    "sso.start",  # single sign-on: off to the provider (404 while SSO is not configured)
    "sso.callback",  # back from it: state, nonce and the signed id_token are the check
    "survey.click",
    "survey.answer",
    "survey.thanks",
    "survey.callback",
    "survey.referral",
    "survey.brand_stylesheet",  # a program's accent colour: nothing else, for its public pages
    "unsubscribe.show",
    "unsubscribe.unsubscribe",
    "unsubscribe.resubscribe",
    "webhooks.sendgrid_events",
    "inbound.sendgrid_inbound",
    "resolution.show",
    "resolution.answer",
}
ALL_ROLES = [r.value for r in Role]


def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_endpoint_declares_who_may_call_it(app):
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _routes(app)
        if access_rule(app, rule.endpoint, method) is None
    ]
    assert missing == [], "add @roles(...) or @public to: " + ", ".join(missing)


def test_only_the_reviewed_endpoints_are_public(app):
    public = {
        rule.endpoint
        for rule, method in _routes(app)
        if access_rule(app, rule.endpoint, method) == PUBLIC
    }
    assert public == PUBLIC_ENDPOINTS


def test_anonymous_callers_are_refused_everywhere_else(app, client):
    checked = 0
    for rule, method in _routes(app):
        if access_rule(app, rule.endpoint, method) == PUBLIC:
            continue
        url = _url(rule)
        response = client.open(url, method=method, json={})
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/login" in response.headers["Location"]
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("role", ALL_ROLES)
def test_wrong_roles_are_refused(app, client, make_user, login, api_headers, role):
    user = make_user(role)
    login(user)
    headers = api_headers(role)
    checked = 0
    for rule, method in _routes(app):
        allowed = access_rule(app, rule.endpoint, method)
        if allowed == PUBLIC or role in allowed:
            continue
        url = _url(rule)
        if rule.rule.startswith("/api/"):
            response = client.open(url, method=method, json={}, headers=headers)
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert role in response.get_json()["error"]["message"]
        else:
            response = client.open(url, method=method, data={})
            assert response.status_code == 403, (role, method, url, response.status_code)
        checked += 1
    if role != "admin":
        assert checked > 0, f"no endpoint is closed to {role}: is the role check wired?"


def test_a_wrong_or_revoked_token_is_refused(client, session, make_user):
    from feedback.db import utcnow
    from feedback.services import org

    user = make_user("admin")
    row, token = org.create_api_token(session, user.email)
    session.commit()

    def status(value: str) -> int:
        return client.get("/api/v1/teams", headers={"Authorization": value}).status_code

    assert status(f"Bearer {token}") == 200
    assert status("Bearer fbk_nope") == 401
    row.revoked_at = utcnow()
    session.commit()
    assert status(f"Bearer {token}") == 401


def test_token_is_stored_only_as_a_hash(session, make_user):
    from feedback.models import ApiToken
    from feedback.services import org

    user = make_user("admin")
    _, token = org.create_api_token(session, user.email)
    stored = session.query(ApiToken).one()
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == org.hash_token(token)


def test_a_signed_in_session_does_not_open_the_api_without_a_token(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/api/v1/teams").status_code == 401
