"""/api/v1/programs, /api/v1/programs/<id>/invitations and /api/v1/events through the client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import Invitation, LifecycleEvent, OutboxEmail
from feedback.services import invitations
from tests.http.api_helpers import error

URL = "/api/v1/programs"
NPS = {"name": "Quarterly NPS", "kind": "nps", "product_name": "Acme", "active": True}


@pytest.fixture
def csm(api_headers):
    return api_headers("csm")


@pytest.fixture
def program(client, admin) -> dict:
    response = client.post(URL, json=NPS, headers=admin)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


# ---------------------------------------------------------------- programs


def test_create_with_defaults_then_get_and_list(client, admin, program):
    assert program["id"] and program["name"] == "Quarterly NPS"
    assert (
        program["cadence_days"],
        program["fatigue_days"],
        program["reminder_after_days"],
        program["sample_percent"],
        program["daily_cap"],
    ) == (90, 30, 3, 100, None)
    assert program["content"]["en"]["subject"] == "How likely are you to recommend {product}?"
    assert client.get(f"{URL}/{program['id']}", headers=admin).get_json() == program
    onboarding = client.post(
        URL,
        json={"name": "Onboarding", "kind": "onboarding", "product_name": "Acme", "priority": 10},
        headers=admin,
    ).get_json()
    assert [t["milestone"] for t in onboarding["triggers"]] == [
        "week1",
        "day30",
        "day90",
        "renewal",
    ]
    items = client.get(URL, headers=admin).get_json()["items"]
    assert [p["name"] for p in items] == ["Onboarding", "Quarterly NPS"]  # by priority


def test_no_reminders_means_none(client, admin):
    body = {**NPS, "name": "No reminders", "reminder_after_days": None}
    created = client.post(URL, json=body, headers=admin).get_json()
    assert created["reminder_after_days"] is None
    assert (
        client.get(f"{URL}/{created['id']}", headers=admin).get_json()["reminder_after_days"]
        is None
    )


def test_patch_changes_only_what_is_sent(client, admin, program):
    response = client.patch(
        f"{URL}/{program['id']}",
        headers=admin,
        json={"cadence_days": 180, "audience": {"plan": ["enterprise"]}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    changed = response.get_json()
    assert changed["cadence_days"] == 180 and changed["audience"] == {"plan": ["enterprise"]}
    assert changed["name"] == program["name"] and changed["fatigue_days"] == 30


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "nps"}, {"name"}),  # schema: required
        ({"name": "X", "kind": "weekly"}, {"kind"}),
        (
            {**NPS, "cadence_days": 0, "sample_percent": 101, "fatigue_days": -1},
            {"cadence_days", "sample_percent", "fatigue_days"},
        ),
        ({**NPS, "audience": {"tier": ["gold"]}}, {"audience"}),
        ({**NPS, "triggers": [{"milestone": "week1", "days_after_signup": 7}]}, {"triggers"}),
        ({**NPS, "kind": "onboarding", "triggers": [{"milestone": "x"}]}, {"triggers"}),
        ({**NPS, "content": {"klingon": {"subject": "Hallo"}}}, {"content"}),
        ({**NPS, "content": {"de": {"subject": "x" * 201}}}, {"content"}),
        ({**NPS, "review_url": "javascript:alert(1)"}, {"review_url"}),
        ({**NPS, "cadence_days": "often"}, {"cadence_days"}),  # schema: not an integer
    ],
)
def test_invalid_programs_are_422_with_fields(client, admin, body, fields):
    found = error(client.post(URL, json=body, headers=admin), 422)
    assert set(found["fields"]) >= fields, found
    assert client.get(URL, headers=admin).get_json()["items"] == []


def test_invalid_patch_is_422_and_changes_nothing(client, admin, program):
    found = error(
        client.patch(f"{URL}/{program['id']}", json={"daily_cap": 0}, headers=admin),
        422,
        "invalid_input",
    )
    assert set(found["fields"]) == {"daily_cap"}
    assert client.get(f"{URL}/{program['id']}", headers=admin).get_json() == program


def test_duplicate_names_conflict(client, admin, program):
    found = error(client.post(URL, json={**NPS, "name": "quarterly nps"}, headers=admin), 409)
    assert found["fields"] == {"name": ["Already exists."]}


def test_unknown_program_is_404(client, admin):
    error(client.get(f"{URL}/999999", headers=admin), 404)
    error(client.patch(f"{URL}/999999", json={"active": False}, headers=admin), 404)
    error(
        client.post(f"{URL}/999999/invitations", json={"emails": ["a@b.example"]}, headers=admin),
        404,
    )


def test_a_csm_can_read_but_not_write(client, csm, program):
    assert client.get(URL, headers=csm).status_code == 200
    assert client.get(f"{URL}/{program['id']}", headers=csm).status_code == 200
    assert client.post(URL, json={**NPS, "name": "Mine"}, headers=csm).status_code == 403
    assert (
        client.patch(f"{URL}/{program['id']}", json={"active": False}, headers=csm).status_code
        == 403
    )
    assert (
        client.post(
            f"{URL}/{program['id']}/invitations", json={"emails": ["a@b.example"]}, headers=csm
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/events", json={"email": "a@b.example", "name": "x"}, headers=csm
        ).status_code
        == 403
    )


def test_without_a_token_it_is_401(client):
    assert client.get(URL).status_code == 401


# ---------------------------------------------------------------- send now


def test_invitations_answer_per_contact(client, admin, program, make_contact, session):
    fresh = make_contact(timezone="Pacific/Auckland")
    gone = make_contact(unsubscribed=True)
    response = client.post(
        f"{URL}/{program['id']}/invitations",
        json={"emails": [fresh.email, "nobody@example.org", "nope", gone.email]},
        headers=admin,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    results = {r["email"]: r for r in response.get_json()["results"]}
    assert {e: (r["status"], r["reason"]) for e, r in results.items()} == {
        fresh.email: ("invited", "ok"),
        "nobody@example.org": ("not_invited", "unknown_contact"),
        "nope": ("not_invited", "invalid_email"),
        gone.email: ("not_invited", "unsubscribed"),
    }
    invitation = session.get(Invitation, results[fresh.email]["invitation_id"])
    assert invitation.contact_id == fresh.id
    email = session.scalars(
        select(OutboxEmail).filter_by(invitation_id=invitation.id, kind="invitation")
    ).one()
    assert email.status == "queued"

    again = client.post(
        f"{URL}/{program['id']}/invitations", json={"emails": [fresh.email]}, headers=admin
    ).get_json()["results"]
    assert again[0]["status"] == "not_invited"
    assert again[0]["reason"] in ("already_invited", "fatigue") and again[0]["detail"]


@pytest.mark.parametrize("body", [{}, {"emails": []}, {"emails": "a@b.example"}])
def test_invitations_need_a_list_of_emails(client, admin, program, body):
    found = error(client.post(f"{URL}/{program['id']}/invitations", json=body, headers=admin), 422)
    assert "emails" in found["fields"]


# ---------------------------------------------------------------- events


def test_an_event_is_recorded_and_starts_its_check_in(client, admin, session, app, make_contact):
    created = client.post(
        URL,
        headers=admin,
        json={
            "name": "Activation check",
            "kind": "onboarding",
            "product_name": "Acme",
            "active": True,
            "triggers": [{"milestone": "activated", "event": "onboarding_completed"}],
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    person = make_contact(timezone="UTC")
    at = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    response = client.post(
        "/api/v1/events",
        headers=admin,
        json={
            "email": person.email,
            "name": "onboarding_completed",
            "occurred_at": at.isoformat(),
            "properties": {"source": "crm"},
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["contact_id"], body["name"]) == (person.id, "onboarding_completed")
    event = session.get(LifecycleEvent, body["id"])
    assert event.properties == {"source": "crm"}

    stats = invitations.dispatch_due_surveys(session, app.config, at + timedelta(hours=2))
    assert stats.invited == 1
    [invitation] = session.scalars(select(Invitation)).all()
    assert invitation.milestone == "activated"


def test_an_event_for_an_unknown_contact_is_404(client, admin):
    found = error(
        client.post(
            "/api/v1/events",
            headers=admin,
            json={"email": "ghost@example.org", "name": "signed_up"},
        ),
        404,
    )
    assert found["fields"] == {"email": ["Unknown contact."]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "signed_up"}, "email"),
        ({"email": "x@example.org"}, "name"),
        ({"email": "x@example.org", "name": ""}, "name"),
        (
            {"email": "x@example.org", "name": "s", "occurred_at": "2026-03-10T10:00:00"},
            "occurred_at",
        ),  # no time zone
        ({"email": "x@example.org", "name": "s", "occurred_at": "yesterday"}, "occurred_at"),
        ({"email": "not an email", "name": "signed_up"}, "email"),
    ],
)
def test_a_bad_event_is_422(client, admin, make_contact, body, field):
    make_contact(email="x@example.org")
    found = error(client.post("/api/v1/events", headers=admin, json=body), 422)
    assert field in found["fields"], found


def test_an_event_body_that_is_not_json_is_refused(client, admin):
    response = client.post("/api/v1/events", headers=admin, data="email=x")
    assert response.status_code == 415


def test_send_now_answers_in_the_order_asked(client, api_headers, make_contact):
    headers = api_headers("admin")
    program = client.post(
        "/api/v1/programs",
        json={"name": "Order NPS", "kind": "nps", "product_name": "Acme"},
        headers=headers,
    ).get_json()
    known = make_contact()
    emails = ["nobody@unknown.example", "not an email", known.email]
    answer = client.post(
        f"/api/v1/programs/{program['id']}/invitations", json={"emails": emails}, headers=headers
    ).get_json()
    assert [r["email"] for r in answer["results"]] == emails
    assert [r["reason"] for r in answer["results"]] == ["unknown_contact", "invalid_email", "ok"]


def test_onboarding_series_rests_fourteen_days_by_default(client, api_headers):
    created = client.post(
        "/api/v1/programs",
        json={"name": "Onboarding", "kind": "onboarding", "product_name": "Acme"},
        headers=api_headers("admin"),
    ).get_json()
    assert created["fatigue_days"] == 14
    assert [t["milestone"] for t in created["triggers"]] == ["week1", "day30", "day90", "renewal"]
