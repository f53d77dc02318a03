"""What an integrator needs from the API: invitations with their delivery, responses by contact
and account, tasks by response, contact and type, and the jobs listed and run (admin tokens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import EmailEvent, JobRun
from feedback.services import followup, invitation_list, org
from tests.builders import invite
from tests.followup_world import tasks_of
from tests.http.api_helpers import error


@pytest.fixture
def invitations(session, make_contact):
    """Three invitations: one delivered with events, one responded, one expired."""
    now = datetime.now(UTC)
    ada, bob = make_contact(email="ada@api.example"), make_contact(email="bob@api.example")
    delivered, _, email, _ = invite(session, ada)
    email.status, email.provider_message_id = "sent", "sg-msg-1"
    delivered.sent_at, delivered.delivered_at = now - timedelta(hours=2), now - timedelta(hours=1)
    for event, minutes in (("processed", 119), ("delivered", 60)):
        session.add(EmailEvent(source="webhook", event=event, email=ada.email, contact_id=ada.id,
                               outbox_email_id=email.id, invitation_id=delivered.id,
                               occurred_at=now - timedelta(minutes=minutes)))  # fmt: skip
    responded, *_ = invite(session, bob)
    responded.sent_at = responded.responded_at = now
    expired, *_ = invite(session, bob, expired=True)
    session.commit()
    return {"delivered": delivered, "responded": responded, "expired": expired, "ada": ada,
            "bob": bob, "email": email}  # fmt: skip


def test_invitations_with_emails_and_delivery_events(client, api_headers, invitations):
    h = api_headers("csm")
    one = invitations["delivered"]
    body = client.get(f"/api/v1/invitations?contact_id={invitations['ada'].id}", headers=h)
    assert body.status_code == 200, body.get_json()
    body = body.get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert (item["id"], item["status"], item["contact_email"]) == (
        one.id,
        "delivered",
        "ada@api.example",
    )
    assert [e["kind"] for e in item["emails"]] == ["invitation", "reminder"]
    assert item["emails"][0]["provider_message_id"] == "sg-msg-1"
    assert [e["event"] for e in item["events"]] == ["processed", "delivered"]
    assert item["events"][0]["outbox_email_id"] == invitations["email"].id


def test_invitation_filters(client, api_headers, invitations):
    h = api_headers("admin")

    def ids(query: str) -> set[int]:
        answer = client.get(f"/api/v1/invitations?{query}", headers=h)
        assert answer.status_code == 200, answer.get_json()
        return {i["id"] for i in answer.get_json()["items"]}

    inv = {k: invitations[k].id for k in ("delivered", "responded", "expired")}
    assert ids("status=responded") >= {inv["responded"]}
    assert inv["expired"] in ids("status=expired") and inv["responded"] not in ids("status=expired")
    assert ids(f"program_id={invitations['expired'].program_id}") == {inv["expired"]}
    assert ids(f"contact_id={invitations['bob'].id}") == {inv["responded"], inv["expired"]}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"since={future}&contact_id={invitations['bob'].id}") == set()
    assert ids(f"until={future}&contact_id={invitations['bob'].id}") == {
        inv["responded"],
        inv["expired"],
    }
    error(client.get("/api/v1/invitations?status=lost", headers=h), 422)
    error(client.get("/api/v1/invitations?since=yesterday", headers=h), 422)


def test_the_status_filter_agrees_with_the_listed_status(session, invitations):
    for status in invitation_list.STATUSES:
        rows, _ = invitation_list.list_invitations(session, status=status, per_page=500)
        assert {r.status for r in rows} <= {status}


def test_responses_by_contact_and_account(client, session, world, respond):
    first = respond(9)
    second = respond(3, account=world.big)
    h = {"Authorization": f"Bearer {_token(session, world.admin)}"}
    items = client.get(f"/api/v1/responses?contact_id={first.contact_id}", headers=h).get_json()
    assert [r["id"] for r in items["items"]] == [first.id]
    items = client.get(f"/api/v1/responses?account_id={world.big.id}", headers=h).get_json()
    assert [r["id"] for r in items["items"]] == [second.id]


def _token(session, user) -> str:
    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return token


def test_tasks_by_response_contact_and_type(client, session, world, respond):
    now = datetime.now(UTC)
    detractor = respond(3, at=now - timedelta(hours=1))
    other = respond(2, at=now - timedelta(hours=1))
    followup.create_followups(session, now)
    session.commit()
    [task] = tasks_of(session, detractor)
    h = {"Authorization": f"Bearer {_token(session, world.admin)}"}

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/v1/tasks?{query}", headers=h)
        assert answer.status_code == 200, answer.get_json()
        return [t["id"] for t in answer.get_json()["items"]]

    assert ids(f"response_id={detractor.id}") == [task.id]
    assert ids(f"contact_id={detractor.contact_id}") == [task.id]
    assert task.id in ids(f"type={task.type}")
    assert ids(f"type=advocate&response_id={other.id}") == []
    error(client.get("/api/v1/tasks?type=cheer", headers=h), 422)


def test_jobs_are_listed_and_run_for_admins_only(client, session, api_headers):
    h = api_headers("admin")
    listed = client.get("/api/v1/jobs", headers=h).get_json()["items"]
    names = [j["name"] for j in listed]
    assert "deliver-email" in names and "dispatch-surveys" in names
    assert all(j["last_run"] is None or j["last_run"]["job"] == j["name"] for j in listed)

    answer = client.post("/api/v1/jobs/send-reminders/run", headers=h, json={})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["job"] == "send-reminders" and isinstance(body["result"], dict)
    assert body["run"]["status"] == "done" and body["run"]["summary"]
    assert body["summary"]
    session.expire_all()
    assert session.get(JobRun, body["run"]["id"]).status == "done"
    again = {j["name"]: j for j in client.get("/api/v1/jobs", headers=h).get_json()["items"]}
    assert again["send-reminders"]["last_run"]["id"] == body["run"]["id"]

    error(client.post("/api/v1/jobs/make-coffee/run", headers=h, json={}), 404, "not_found")
    csm = api_headers("csm")
    error(client.get("/api/v1/jobs", headers=csm), 403)
    error(client.post("/api/v1/jobs/send-reminders/run", headers=csm, json={}), 403)
