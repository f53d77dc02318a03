"""/api/v1/users through the test client: CRUD, validation, access, no password hashes out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import User
from feedback.services import org
from tests.http.api_helpers import error

URL = "/api/v1/users"
NEW = {"email": "Dana@Staff.Example.com", "name": "Dana", "role": "csm"}


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_list_is_paginated_and_never_shows_passwords(client, admin, make_user):
    for _ in range(4):
        make_user("csm")
    first = client.get(f"{URL}?per_page=3", headers=admin)
    assert first.status_code == 200
    body = first.get_json()
    assert (len(body["items"]), body["total"], body["page"]) == (3, 5, 1)
    second = client.get(f"{URL}?per_page=3&page=2", headers=admin).get_json()
    assert len(second["items"]) == 2
    emails = [u["email"] for u in body["items"] + second["items"]]
    assert emails == sorted(emails) and len(set(emails)) == 5
    one = client.get(f"{URL}/{body['items'][0]['id']}", headers=admin)
    assert one.status_code == 200
    for text in (first.get_data(as_text=True), one.get_data(as_text=True)):
        assert "password" not in text and "scrypt:" not in text and "pbkdf2:" not in text


def test_create_with_team_name_get_update_delete(client, admin, session, make_team):
    team = make_team(name="Enterprise CS")
    created = client.post(
        URL, json={**NEW, "team": "enterprise cs", "password": "long enough password"},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["email"] == "dana@staff.example.com"
    assert (user["team_id"], user["team"], user["active"]) == (team.id, "Enterprise CS", True)
    assert "password" not in user and "password_hash" not in user
    assert org.authenticate(session, "dana@staff.example.com", "long enough password")

    url = f"{URL}/{user['id']}"
    assert client.get(url, headers=admin).get_json()["name"] == "Dana"
    patched = client.patch(
        url, json={"role": "team_lead", "team_id": None, "active": False}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.get_json()["role"] == "team_lead"
    assert patched.get_json()["team_id"] is None and patched.get_json()["team"] is None
    assert patched.get_json()["active"] is False

    before = count(session)
    assert client.delete(url, headers=admin).status_code == 204
    assert count(session) == before - 1
    error(client.get(url, headers=admin), 404, "not_found")


def test_create_with_team_id_and_no_password(client, admin, session, make_team):
    team = make_team()
    created = client.post(URL, json={**NEW, "team_id": team.id}, headers=admin)
    assert created.status_code == 201
    assert created.get_json()["team"] == team.name
    assert org.authenticate(session, NEW["email"], "") is None


def test_password_can_be_changed(client, admin, session, make_user):
    user = make_user("csm")
    response = client.patch(f"{URL}/{user.id}", json={"password": "a new password!"}, headers=admin)
    assert response.status_code == 200
    assert org.authenticate(session, user.email, "a new password!") is not None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({**NEW, "email": "not-an-email"}, "email", "not a valid email address"),
        ({"email": "x@example.com", "role": "csm"}, "name", ""),
        ({**NEW, "role": "superuser"}, "role", "Must be one of"),
        ({**NEW, "team": "No Such Team"}, "team", "No Such Team"),
        ({**NEW, "team_id": 999}, "team_id", "999"),
        ({**NEW, "password": "short"}, "password", "at least"),
        ({**NEW, "is_admin": True}, "is_admin", "Unknown field"),
        ({**NEW, "team_id": "one"}, "team_id", ""),
    ],
)
def test_invalid_user_is_refused_and_nothing_saved(client, admin, session, body, field, words):
    before = count(session)
    found = error(client.post(URL, json=body, headers=admin), 422, "invalid_input")
    assert field in found["fields"], found
    assert words in " ".join(found["fields"][field])
    assert count(session) == before


def test_duplicate_email_is_a_conflict(client, admin, session, make_user):
    user = make_user("csm")
    before = count(session)
    found = error(client.post(URL, json={**NEW, "email": user.email.upper()}, headers=admin),
                  409, "conflict")  # fmt: skip
    assert "email" in found["fields"]
    other = make_user("csm")
    error(client.patch(f"{URL}/{other.id}", json={"email": user.email}, headers=admin),
          409, "conflict")  # fmt: skip
    assert count(session) == before + 1


def test_not_json_and_malformed_json(client, admin, session):
    before = count(session)
    error(client.post(URL, data="email=x", headers=admin), 415, "unsupported_media_type")
    error(client.post(URL, data='{"email": ', content_type="application/json", headers=admin),
          400, "invalid_json")  # fmt: skip
    assert count(session) == before


def test_unknown_ids_are_404(client, admin):
    error(client.get(f"{URL}/999", headers=admin), 404, "not_found")
    error(client.patch(f"{URL}/999", json={"name": "x"}, headers=admin), 404, "not_found")
    error(client.delete(f"{URL}/999", headers=admin), 404, "not_found")


def test_access(client, api_headers, session, make_user):
    target = make_user("csm")
    error(client.get(URL), 401, "unauthorized")
    error(client.get(URL, headers={"Authorization": "Bearer fbk_wrong"}), 401, "unauthorized")
    for role in ("csm", "team_lead", "department_head"):
        headers = api_headers(role)
        assert client.get(URL, headers=headers).status_code == 200
        assert client.get(f"{URL}/{target.id}", headers=headers).status_code == 200
    csm = api_headers("csm")
    before = count(session)
    error(client.post(URL, json=NEW, headers=csm), 403, "forbidden")
    error(client.patch(f"{URL}/{target.id}", json={"role": "admin"}, headers=csm), 403, "forbidden")
    error(client.delete(f"{URL}/{target.id}", headers=csm), 403, "forbidden")
    assert count(session) == before
    assert session.get(User, target.id).role == "csm"
