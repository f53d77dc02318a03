"""/api/v1/accounts through the test client: CRUD, upsert by external id, bulk, validation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Account, AccountDomain
from tests.http.api_helpers import error

URL = "/api/v1/accounts"


def counts(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Account)),
        session.scalar(select(func.count()).select_from(AccountDomain)),
    )


def test_list_is_paginated_and_filtered(client, admin, make_account):
    for i in range(5):
        make_account(plan="pro" if i % 2 else "basic", region="EU" if i < 3 else "US")
    make_account(plan="pro", status="churned")
    page = client.get(f"{URL}?per_page=2&page=2", headers=admin).get_json()
    assert (len(page["items"]), page["total"], page["page"], page["per_page"]) == (2, 6, 2, 2)
    pro = client.get(f"{URL}?plan=pro", headers=admin).get_json()
    assert pro["total"] == 3 and {a["plan"] for a in pro["items"]} == {"pro"}
    eu_pro = client.get(f"{URL}?plan=pro&region=EU", headers=admin).get_json()
    assert eu_pro["total"] == 1
    churned = client.get(f"{URL}?status=churned", headers=admin).get_json()
    assert [a["status"] for a in churned["items"]] == ["churned"]


def test_create_get_update_delete(client, admin, session, make_user):
    owner = make_user("csm")
    body = {
        "name": "Megacorp", "external_id": "crm-1", "plan": "enterprise", "region": "EU",
        "arr": 120000.5, "customer_since": "2021-04-01", "renewal_date": "2025-04-01",
        "timezone": "Europe/Paris", "owner_email": owner.email.upper(),
        "domains": ["Megacorp.com", "@megacorp.fr", "www.mega.io"], "attributes": {"tier": 1},
    }  # fmt: skip
    created = client.post(URL, json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    account = created.get_json()
    assert account["domains"] == ["mega.io", "megacorp.com", "megacorp.fr"]
    assert (account["owner_id"], account["owner_email"]) == (owner.id, owner.email)
    assert account["arr"] == "120000.50" and account["customer_since"] == "2021-04-01"
    assert account["status"] == "active" and account["attributes"] == {"tier": 1}

    url = f"{URL}/{account['id']}"
    assert client.get(url, headers=admin).get_json()["external_id"] == "crm-1"
    patched = client.patch(
        url, json={"domains": ["megacorp.com"], "owner_email": None, "status": "churned"},
        headers=admin,
    )  # fmt: skip
    assert patched.status_code == 200, patched.get_json()
    changed = patched.get_json()
    assert changed["domains"] == ["megacorp.com"] and changed["status"] == "churned"
    assert changed["owner_id"] is None and changed["owner_email"] is None
    assert changed["name"] == "Megacorp" and changed["plan"] == "enterprise"
    assert counts(session) == (1, 1)

    assert client.delete(url, headers=admin).status_code == 204
    error(client.get(url, headers=admin), 404, "not_found")
    assert counts(session) == (0, 0)


def test_upsert_by_external_id_creates_then_updates(client, admin, session):
    url = f"{URL}/by-external-id/crm-42"
    created = client.put(url, json={"name": "Acme", "plan": "basic"}, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["external_id"] == "crm-42"
    updated = client.put(url, json={"plan": "pro", "domains": ["acme.com"]}, headers=admin)
    assert updated.status_code == 200
    assert updated.get_json()["id"] == created.get_json()["id"]
    assert (updated.get_json()["name"], updated.get_json()["plan"]) == ("Acme", "pro")
    assert counts(session) == (1, 1)


def test_upsert_without_a_name_cannot_create(client, admin, session):
    found = error(client.put(f"{URL}/by-external-id/new", json={"plan": "pro"}, headers=admin),
                  422, "invalid_input")  # fmt: skip
    assert "name" in found["fields"]
    assert counts(session) == (0, 0)


def test_bulk_creates_and_updates(client, admin, session, make_account):
    make_account(external_id="crm-1", name="Old name", domains=["one.com"])
    rows = [
        {"external_id": "crm-1", "name": "New name", "domains": ["one.com", "one.org"]},
        {"external_id": "crm-2", "name": "Two", "plan": "pro", "domains": ["two.com"]},
        {"external_id": "crm-3", "name": "Three"},
    ]
    response = client.post(f"{URL}/bulk", json={"accounts": rows}, headers=admin)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["updated"]) == (2, 1)
    assert body["results"] == [
        {"index": 0, "external_id": "crm-1", "status": "updated"},
        {"index": 1, "external_id": "crm-2", "status": "created"},
        {"index": 2, "external_id": "crm-3", "status": "created"},
    ]
    assert counts(session) == (3, 3)
    one = session.scalar(select(Account).where(Account.external_id == "crm-1"))
    session.refresh(one)
    assert one.name == "New name" and one.domain_names == ["one.com", "one.org"]


def test_bulk_of_ten_thousand_accounts(client, admin, session):
    rows = [{"external_id": f"crm-{i}", "name": f"Account {i}", "domains": [f"a{i}.example"]}
            for i in range(10_000)]  # fmt: skip
    response = client.post(f"{URL}/bulk", json={"accounts": rows}, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["created"] == 10_000
    assert counts(session) == (10_000, 10_000)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"external_id": "b", "name": "B", "owner_email": "nobody@example.com"}, "owner_email"),
        ({"external_id": "b", "name": "B", "domains": ["gmail.com"]}, "domains"),
        ({"external_id": "b", "name": "B", "domains": ["a.com"]}, "domains"),  # a.com is taken
        ({"external_id": "a", "name": "B"}, "external_id"),  # repeats row 0
        ({"name": "B"}, "external_id"),
        ({"external_id": "b"}, "name"),
        ({"external_id": "b", "name": "B", "renewal_date": "soon"}, "renewal_date"),
        ({"external_id": "b", "name": "B", "arr": -5}, "arr"),
        ({"external_id": "b", "name": "B", "colour": "red"}, "colour"),
        ({"external_id": "b", "name": 7}, "name"),
    ],
)
def test_bulk_with_one_bad_row_changes_nothing(client, admin, session, row, field):
    rows = [{"external_id": "a", "name": "A", "domains": ["a.com"]}, row]
    response = client.post(f"{URL}/bulk", json={"accounts": rows}, headers=admin)
    found = error(response, 422, "invalid_input")
    assert f"accounts.1.{field}" in found["fields"], found
    assert not any(name.startswith("accounts.0") for name in found["fields"])
    assert counts(session) == (0, 0)


def test_bulk_over_the_limit_is_refused(client, admin, session, app):
    app.config["API_MAX_BULK"] = 3
    rows = [{"external_id": f"x{i}", "name": "X"} for i in range(4)]
    found = error(client.post(f"{URL}/bulk", json={"accounts": rows}, headers=admin),
                  413, "too_large")  # fmt: skip
    assert "3" in found["message"]
    assert counts(session) == (0, 0)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"external_id": "x"}, "name", ""),
        ({"name": "A", "owner_email": "ghost@example.com"}, "owner_email", "ghost@example.com"),
        ({"name": "A", "customer_since": "2024-13-01"}, "customer_since", "YYYY-MM-DD"),
        ({"name": "A", "timezone": "Europe/Nowhere"}, "timezone", "IANA"),
        ({"name": "A", "status": "paused"}, "status", "active"),
        ({"name": "A", "domains": ["hotmail.com"]}, "domains", "free-mail"),
        ({"name": "A", "domains": "acme.com"}, "domains", ""),
        ({"name": "A", "arr": "lots"}, "arr", ""),
        ({"name": "A", "segment": "smb"}, "segment", "Unknown field"),
    ],
)
def test_invalid_account_is_refused_and_nothing_saved(client, admin, session, body, field, words):
    found = error(client.post(URL, json=body, headers=admin), 422, "invalid_input")
    assert field in found["fields"], found
    assert words in " ".join(found["fields"][field])
    assert counts(session) == (0, 0)


def test_conflicts(client, admin, session, make_account):
    first = make_account(external_id="crm-1", domains=["taken.com"])
    second = make_account(external_id="crm-2")
    found = error(client.post(URL, json={"name": "B", "external_id": "crm-1"}, headers=admin),
                  409, "conflict")  # fmt: skip
    assert "external_id" in found["fields"]
    found = error(client.post(URL, json={"name": "B", "domains": ["taken.com"]}, headers=admin),
                  409, "conflict")  # fmt: skip
    assert "domains" in found["fields"]
    error(client.patch(f"{URL}/{second.id}", json={"external_id": "crm-1"}, headers=admin),
          409, "conflict")  # fmt: skip
    assert counts(session) == (2, 1)
    assert session.get(Account, first.id).external_id == "crm-1"


def test_not_json_and_malformed_json(client, admin, session):
    error(client.post(URL, data="name=A", headers=admin), 415, "unsupported_media_type")
    error(client.post(f"{URL}/bulk", data="[", content_type="application/json", headers=admin),
          400, "invalid_json")  # fmt: skip
    error(client.put(f"{URL}/by-external-id/x", data="{", content_type="application/json",
                     headers=admin), 400, "invalid_json")  # fmt: skip
    assert counts(session) == (0, 0)


def test_unknown_ids_are_404(client, admin):
    error(client.get(f"{URL}/999999", headers=admin), 404, "not_found")
    error(client.patch(f"{URL}/999999", json={"name": "x"}, headers=admin), 404, "not_found")
    error(client.delete(f"{URL}/999999", headers=admin), 404, "not_found")


def test_access(client, api_headers, session, make_account):
    account = make_account(external_id="crm-1")
    error(client.get(URL), 401, "unauthorized")
    error(client.get(URL, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    error(client.post(URL, json={"name": "A"}), 401, "unauthorized")
    csm = api_headers("csm")
    assert client.get(URL, headers=csm).status_code == 200
    assert client.get(f"{URL}/{account.id}", headers=csm).status_code == 200
    for method, url, body in (
        ("post", URL, {"name": "A"}),
        ("patch", f"{URL}/{account.id}", {"name": "B"}),
        ("delete", f"{URL}/{account.id}", None),
        ("put", f"{URL}/by-external-id/crm-9", {"name": "C"}),
        ("post", f"{URL}/bulk", {"accounts": [{"external_id": "crm-8", "name": "D"}]}),
    ):
        error(getattr(client, method)(url, json=body, headers=csm), 403, "forbidden")
    assert counts(session) == (1, 0)
    assert session.get(Account, account.id).name == account.name
