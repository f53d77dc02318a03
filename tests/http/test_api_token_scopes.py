"""Token scopes on every API route: walk the URL map, so a new route cannot slip through."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from feedback import token_scopes
from feedback.access import PUBLIC, access_rule
from feedback.services import api_tokens
from tests.http.api_helpers import error

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if access_rule(app, rule.endpoint, method) != PUBLIC:
                yield rule, method


@pytest.fixture
def token_for(session, make_user):
    def make(access: str, resources, role: str = "admin") -> dict[str, str]:
        user = make_user(role)
        _, token = api_tokens.create_token(session, user, "scoped", access, resources)
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def test_every_api_blueprint_is_a_resource_a_token_can_choose(app):
    resources = {token_scopes.resource_of(rule.endpoint) for rule, _ in _api_routes(app)}
    assert resources - {None} <= set(token_scopes.RESOURCES)


def test_a_read_only_token_gets_403_on_every_write_route(app, client, token_for):
    headers = token_for("read", ["*"])
    checked = 0
    for rule, method in _api_routes(app):
        if method not in WRITES:
            continue
        response = client.open(_url(rule), method=method, json={}, headers=headers)
        body = error(response, 403, "insufficient_scope")
        assert "read-only" in body["message"], (method, rule.rule)
        checked += 1
    assert checked > 10


def test_a_read_only_token_still_reads(client, token_for):
    headers = token_for("read", ["*"])
    for url in ("/api/v1/teams", "/api/v1/tasks", "/api/v1/responses", "/api/v1/openapi.json"):
        assert client.get(url, headers=headers).status_code == 200, url


def test_a_token_without_a_resource_gets_403_on_each_of_its_routes(app, client, token_for):
    checked = 0
    for resource in token_scopes.RESOURCES:
        others = [r for r in token_scopes.RESOURCES if r != resource]
        headers = token_for("write", others)
        for rule, method in _api_routes(app):
            if token_scopes.resource_of(rule.endpoint) != resource:
                continue
            response = client.open(_url(rule), method=method, json={}, headers=headers)
            body = error(response, 403, "insufficient_scope")
            assert f"'{resource}'" in body["message"]
            checked += 1
    assert checked > 20


def test_a_scoped_write_token_writes_its_resource(client, token_for):
    headers = token_for("write", ["teams"])
    response = client.post("/api/v1/teams", json={"name": "Scoped", "department": "CS"},
                           headers=headers)  # fmt: skip
    assert response.status_code == 201, response.get_data(as_text=True)
    assert client.get("/api/v1/users", headers=headers).status_code == 403


def test_the_role_still_decides_before_the_scope(client, token_for):
    headers = token_for("write", ["*"], role="csm")
    body = error(client.post("/api/v1/teams", json={"name": "X", "department": "Y"},
                             headers=headers), 403, "forbidden")  # fmt: skip
    assert "csm" in body["message"]
