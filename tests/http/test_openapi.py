"""The OpenAPI document: served to staff, and describing every /api/v1 route the app has."""

from __future__ import annotations

import re

import pytest

from feedback.roles import Role

DOC = "/api/v1/openapi.json"


@pytest.fixture
def spec(client, api_headers) -> dict:
    response = client.get(DOC, headers=api_headers("csm"))
    assert response.status_code == 200
    return response.get_json()


def _openapi_path(rule: str) -> str:
    """Flask's /teams/<int:team_id> is OpenAPI's /teams/{team_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_document_is_served_to_staff_only(client, api_headers):
    response = client.get(DOC)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get(DOC, headers={"Authorization": "Bearer fbk_wrong"}).status_code == 401
    for role in Role:
        assert client.get(DOC, headers=api_headers(role.value)).status_code == 200, role


def test_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"


def test_every_api_route_and_method_is_documented(app, spec):
    expected: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            expected.add((_openapi_path(rule.rule), method.lower()))
    documented = {
        (path, method)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert len(expected) > 10
    assert expected - documented == set(), "routes missing from the OpenAPI document"
    assert documented - expected == set(), "documented operations the app does not serve"


def test_resources_are_documented(spec):
    for path in ("/api/v1/teams", "/api/v1/users", "/api/v1/accounts", "/api/v1/contacts",
                 "/api/v1/accounts/bulk", "/api/v1/contacts/bulk",
                 "/api/v1/accounts/by-external-id/{external_id}",
                 "/api/v1/contacts/by-email/{email}"):  # fmt: skip
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert "password" not in schemas["User"]["properties"]
    assert "password_hash" not in str(spec)
    assert "password" in schemas["UserCreate"]["properties"]
    assert {"domains", "owner_email", "owner_id"} <= set(schemas["Account"]["properties"])
    assert {"account_id", "account_external_id"} <= set(schemas["Contact"]["properties"])
    upsert = spec["paths"]["/api/v1/contacts/by-email/{email}"]["put"]["responses"]
    assert {"200", "201"} <= set(upsert)


def test_bearer_security_scheme_is_declared(spec):
    schemes = spec["components"]["securitySchemes"]
    name, scheme = next((n, s) for n, s in schemes.items() if s.get("scheme") == "bearer")
    assert scheme["type"] == "http"
    assert {name: []} in spec["security"]
