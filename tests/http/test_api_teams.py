"""/api/v1/teams through the test client: CRUD, validation, access."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Team
from tests.http.api_helpers import error

URL = "/api/v1/teams"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Team))


def test_list_is_paginated_by_name(client, admin, make_team):
    for name in ("Charlie", "Alpha", "Bravo"):
        make_team(name=name)
    first = client.get(f"{URL}?per_page=2", headers=admin).get_json()
    assert [t["name"] for t in first["items"]] == ["Alpha", "Bravo"]
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 3)
    second = client.get(f"{URL}?per_page=2&page=2", headers=admin).get_json()
    assert [t["name"] for t in second["items"]] == ["Charlie"]


def test_bad_page_arguments_are_refused(client, admin):
    body = error(client.get(f"{URL}?per_page=501", headers=admin), 422, "invalid_input")
    assert "query.per_page" in body["fields"]


def test_create_get_update_delete(client, admin, session):
    created = client.post(
        URL, json={"name": "Onboarding", "department": "CS", "timezone": "Europe/Berlin"},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201
    team = created.get_json()
    assert team["timezone"] == "Europe/Berlin" and team["id"]
    url = f"{URL}/{team['id']}"
    assert client.get(url, headers=admin).get_json()["name"] == "Onboarding"
    patched = client.patch(url, json={"department": "Success"}, headers=admin)
    assert patched.status_code == 200
    assert patched.get_json()["department"] == "Success"
    assert patched.get_json()["name"] == "Onboarding"
    assert client.delete(url, headers=admin).status_code == 204
    error(client.get(url, headers=admin), 404, "not_found")
    assert count(session) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"department": "CS"}, "name"),
        ({"name": "T", "department": "CS", "colour": "red"}, "colour"),
        ({"name": "T", "department": "CS", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": " ", "department": "CS"}, "name"),
    ],
)
def test_invalid_team_is_refused_and_nothing_saved(client, admin, session, body, field):
    body = error(client.post(URL, json=body, headers=admin), 422, "invalid_input")
    assert field in body["fields"]
    assert count(session) == 0


def test_duplicate_name_is_a_conflict(client, admin, session, make_team):
    make_team(name="Support")
    body = error(client.post(URL, json={"name": "support", "department": "CS"}, headers=admin),
                 409, "conflict")  # fmt: skip
    assert "name" in body["fields"]
    assert count(session) == 1


def test_not_json_and_malformed_json(client, admin, session):
    error(client.post(URL, data="name=x", headers=admin), 415, "unsupported_media_type")
    error(client.post(URL, data="{bad", content_type="application/json", headers=admin),
          400, "invalid_json")  # fmt: skip
    assert count(session) == 0


def test_unknown_ids_are_404(client, admin):
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        error(getattr(client, method)(f"{URL}/999", headers=admin, **kwargs), 404, "not_found")


def test_access(client, api_headers, session, make_team):
    team = make_team()
    error(client.get(URL), 401, "unauthorized")
    error(client.get(URL, headers={"Authorization": "Bearer fbk_wrong"}), 401, "unauthorized")
    csm = api_headers("csm")
    assert client.get(URL, headers=csm).status_code == 200
    error(client.post(URL, json={"name": "X", "department": "Y"}, headers=csm), 403, "forbidden")
    error(client.patch(f"{URL}/{team.id}", json={"name": "X"}, headers=csm), 403, "forbidden")
    error(client.delete(f"{URL}/{team.id}", headers=csm), 403, "forbidden")
    assert count(session) == 1
