"""/api/v1/contacts through the test client: CRUD, upsert by email, bulk, account matching."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.models import Contact
from tests.http.api_helpers import error

URL = "/api/v1/contacts"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Contact))


@pytest.fixture
def megacorp(make_account):
    return make_account(name="Megacorp", external_id="crm-mega", domains=["megacorp.com"])


def test_list_is_paginated_and_filtered_by_account(client, admin, megacorp, make_contact):
    for i in range(3):
        make_contact(email=f"p{i}@megacorp.com")
    for i in range(2):
        make_contact(email=f"p{i}@elsewhere.example")
    page = client.get(f"{URL}?per_page=2&page=3", headers=admin).get_json()
    assert (len(page["items"]), page["total"], page["page"]) == (1, 5, 3)
    mine = client.get(f"{URL}?account_id={megacorp.id}", headers=admin).get_json()
    assert mine["total"] == 3
    assert {c["account_external_id"] for c in mine["items"]} == {"crm-mega"}
    assert {c["account_id"] for c in mine["items"]} == {megacorp.id}


def test_create_get_update_delete(client, admin, session, megacorp, make_account):
    other = make_account(external_id="crm-other")
    body = {"email": "Bob@Example.org", "name": "Bob", "account_external_id": "crm-other",
            "timezone": "America/New_York", "locale": "pt-BR", "signed_up_on": "2024-02-29",
            "attributes": {"seats": 3}}  # fmt: skip
    created = client.post(URL, json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    contact = created.get_json()
    assert contact["email"] == "bob@example.org"
    assert (contact["account_id"], contact["account_external_id"]) == (other.id, "crm-other")
    assert contact["signed_up_on"] == "2024-02-29" and contact["locale"] == "pt-BR"
    assert contact["unsubscribed"] is False and contact["bounced"] is False

    url = f"{URL}/{contact['id']}"
    assert client.get(url, headers=admin).get_json()["name"] == "Bob"
    patched = client.patch(
        url, json={"account_external_id": "crm-mega", "unsubscribed": True}, headers=admin
    )
    assert patched.status_code == 200, patched.get_json()
    changed = patched.get_json()
    assert (changed["account_id"], changed["account_external_id"]) == (megacorp.id, "crm-mega")
    assert changed["unsubscribed"] is True and changed["name"] == "Bob"

    assert client.delete(url, headers=admin).status_code == 204
    error(client.get(url, headers=admin), 404, "not_found")
    assert count(session) == 0


@pytest.mark.parametrize(
    ("email", "matched"),
    [
        ("alice@eu.megacorp.com", True),  # a sub-domain matches its parent
        ("carol@megacorp.com", True),
        ("dave@notmegacorp.com", False),
        ("erin@gmail.com", False),  # free mail never matches
    ],
)
def test_contact_is_matched_to_its_account_by_email_domain(client, admin, megacorp, email, matched):
    created = client.post(URL, json={"email": email}, headers=admin)
    assert created.status_code == 201
    expected = (megacorp.id, "crm-mega") if matched else (None, None)
    assert (created.get_json()["account_id"], created.get_json()["account_external_id"]) == expected


def test_free_mail_contact_is_matched_only_by_external_id(client, admin, megacorp):
    created = client.post(
        URL, json={"email": "frank@gmail.com", "account_external_id": "crm-mega"}, headers=admin
    )
    assert created.get_json()["account_id"] == megacorp.id


def test_create_with_an_existing_email_is_a_conflict(client, admin, session, make_contact):
    make_contact(email="taken@example.org", name="First")
    found = error(client.post(URL, json={"email": "TAKEN@example.org", "name": "Second"},
                              headers=admin), 409, "conflict")  # fmt: skip
    assert "email" in found["fields"]
    assert count(session) == 1
    assert session.scalar(select(Contact.name)) == "First"


def test_update_to_an_existing_email_is_a_conflict(client, admin, session, make_contact):
    make_contact(email="one@example.org")
    two = make_contact(email="two@example.org")
    error(client.patch(f"{URL}/{two.id}", json={"email": "one@example.org"}, headers=admin),
          409, "conflict")  # fmt: skip
    assert session.get(Contact, two.id).email == "two@example.org"


def test_upsert_by_email_creates_then_updates(client, admin, session, megacorp):
    url = f"{URL}/by-email/Grace@Megacorp.com"
    created = client.put(url, json={"name": "Grace"}, headers=admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["email"] == "grace@megacorp.com"
    assert created.get_json()["account_external_id"] == "crm-mega"
    updated = client.put(f"{URL}/by-email/grace@megacorp.com", json={"locale": "de"},
                         headers=admin)  # fmt: skip
    assert updated.status_code == 200
    assert updated.get_json()["id"] == created.get_json()["id"]
    assert (updated.get_json()["name"], updated.get_json()["locale"]) == ("Grace", "de")
    assert count(session) == 1


def test_upsert_by_email_names_the_bad_field(client, admin, session):
    found = error(client.put(f"{URL}/by-email/not-an-email", json={}, headers=admin),
                  422, "invalid_input")  # fmt: skip
    assert "not a valid email address" in found["fields"]["email"][0]
    found = error(client.put(f"{URL}/by-email/a@example.org", json={"locale": "en us!"},
                             headers=admin), 422, "invalid_input")  # fmt: skip
    assert "locale" in found["fields"]
    assert count(session) == 0


def test_bulk_creates_and_updates(client, admin, session, megacorp, make_account, make_contact):
    make_account(external_id="crm-2")
    make_contact(email="old@megacorp.com", name="Old")
    rows = [
        {"email": "old@megacorp.com", "name": "Renamed"},
        {"email": "new@eu.megacorp.com", "attributes": {"seats": 12}},
        {"email": "free@gmail.com", "account_external_id": "crm-2"},
        {"email": "loner@gmail.com"},
    ]
    response = client.post(f"{URL}/bulk", json={"contacts": rows}, headers=admin)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["updated"]) == (3, 1)
    assert body["results"] == [
        {"index": 0, "email": "old@megacorp.com", "status": "updated"},
        {"index": 1, "email": "new@eu.megacorp.com", "status": "created"},
        {"index": 2, "email": "free@gmail.com", "status": "created"},
        {"index": 3, "email": "loner@gmail.com", "status": "created"},
    ]
    accounts = dict(session.execute(select(Contact.email, Contact.account_id)).all())
    assert accounts["new@eu.megacorp.com"] == megacorp.id
    assert accounts["loner@gmail.com"] is None and accounts["free@gmail.com"] is not None
    assert session.scalar(select(Contact.name).where(Contact.email == "old@megacorp.com")) == (
        "Renamed"
    )


def test_bulk_of_ten_thousand_contacts(client, admin, session, megacorp):
    rows = [{"email": f"person{i}@megacorp.com", "name": f"Person {i}"} for i in range(10_000)]
    response = client.post(f"{URL}/bulk", json={"contacts": rows}, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert (body["created"], body["updated"], len(body["results"])) == (10_000, 0, 10_000)
    assert count(session) == 10_000
    matched = select(func.count()).where(Contact.account_id == megacorp.id)
    assert session.scalar(matched) == 10_000


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"email": "not-an-email"}, "email", "not a valid email address"),
        ({"email": "b@x.org", "account_external_id": "crm-nope"}, "account_external_id",
         "crm-nope"),
        ({"name": "No email"}, "email", ""),
        ({"email": "a@x.org"}, "email", "Repeats row 1"),
        ({"email": "b@x.org", "timezone": "Moon/Base"}, "timezone", "IANA"),
        ({"email": "b@x.org", "signed_up_on": "yesterday"}, "signed_up_on", "YYYY-MM-DD"),
        ({"email": "b@x.org", "phone": "123"}, "phone", "Unknown field"),
        ({"email": "b@x.org", "name": ["B"]}, "name", ""),
    ],
)  # fmt: skip
def test_bulk_with_one_bad_row_changes_nothing(client, admin, session, make_contact, row, field,
                                               words):  # fmt: skip
    make_contact(email="kept@x.org", name="Kept")
    rows = [{"email": "a@x.org"}, row, {"email": "kept@x.org", "name": "Changed"}]
    response = client.post(f"{URL}/bulk", json={"contacts": rows}, headers=admin)
    found = error(response, 422, "invalid_input")
    assert f"contacts.1.{field}" in found["fields"], found
    assert words in " ".join(found["fields"][f"contacts.1.{field}"])
    assert [name for name in found["fields"] if not name.startswith("contacts.1.")] == []
    assert count(session) == 1
    assert session.scalar(select(Contact.name)) == "Kept"


def test_bulk_over_the_limit_is_refused(client, admin, session, app):
    app.config["API_MAX_BULK"] = 2
    rows = [{"email": f"p{i}@x.org"} for i in range(3)]
    found = error(client.post(f"{URL}/bulk", json={"contacts": rows}, headers=admin),
                  413, "too_large")  # fmt: skip
    assert "at most 2" in found["message"]
    assert count(session) == 0


def test_bulk_needs_its_list(client, admin, session):
    found = error(client.post(f"{URL}/bulk", json={"rows": []}, headers=admin),
                  422, "invalid_input")  # fmt: skip
    assert {"contacts", "rows"} <= set(found["fields"])
    found = error(client.post(f"{URL}/bulk", json={"contacts": "x@y.org"}, headers=admin),
                  422, "invalid_input")  # fmt: skip
    assert "contacts" in found["fields"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"email": "bad@@example.org"}, "email", "not a valid email address"),
        ({"email": "x@example.org", "account_external_id": "crm-nope"}, "account_external_id",
         "crm-nope"),
        ({"name": "Nobody"}, "email", ""),
        ({"email": "x@example.org", "vip": True}, "vip", "Unknown field"),
        ({"email": "x@example.org", "unsubscribed": "perhaps"}, "unsubscribed", ""),
    ],
)  # fmt: skip
def test_invalid_contact_is_refused_and_nothing_saved(client, admin, session, body, field, words):
    found = error(client.post(URL, json=body, headers=admin), 422, "invalid_input")
    assert field in found["fields"], found
    assert words in " ".join(found["fields"][field])
    assert count(session) == 0


def test_not_json_and_malformed_json(client, admin, session):
    error(client.post(URL, data="email=a@b.org", headers=admin), 415, "unsupported_media_type")
    error(client.post(f"{URL}/bulk", data="contacts", content_type="text/csv", headers=admin),
          415, "unsupported_media_type")  # fmt: skip
    error(client.post(URL, data='{"email": "a@b.org",}', content_type="application/json",
                      headers=admin), 400, "invalid_json")  # fmt: skip
    error(client.put(f"{URL}/by-email/a@b.org", data="{", content_type="application/json",
                     headers=admin), 400, "invalid_json")  # fmt: skip
    assert count(session) == 0


def test_unknown_ids_are_404(client, admin):
    error(client.get(f"{URL}/999999", headers=admin), 404, "not_found")
    error(client.patch(f"{URL}/999999", json={"name": "x"}, headers=admin), 404, "not_found")
    error(client.delete(f"{URL}/999999", headers=admin), 404, "not_found")


def test_access(client, api_headers, session, make_contact):
    contact = make_contact(name="Original")
    error(client.get(URL), 401, "unauthorized")
    error(client.get(URL, headers={"Authorization": "Bearer fbk_wrong"}), 401, "unauthorized")
    error(client.put(f"{URL}/by-email/a@b.org", json={}), 401, "unauthorized")
    csm = api_headers("csm")
    assert client.get(URL, headers=csm).status_code == 200
    assert client.get(f"{URL}/{contact.id}", headers=csm).status_code == 200
    for method, url, body in (
        ("post", URL, {"email": "new@example.org"}),
        ("patch", f"{URL}/{contact.id}", {"name": "Changed"}),
        ("delete", f"{URL}/{contact.id}", None),
        ("put", f"{URL}/by-email/new@example.org", {}),
        ("post", f"{URL}/bulk", {"contacts": [{"email": "new@example.org"}]}),
    ):
        error(getattr(client, method)(url, json=body, headers=csm), 403, "forbidden")
    assert count(session) == 1
    assert session.get(Contact, contact.id).name == "Original"
