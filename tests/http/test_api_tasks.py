"""/api/v1/tasks: list with filters, one task with its trail, PATCH transitions (409 for a
move the status does not allow), closing, reassignment, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.services import followup, org
from tests.followup_world import tasks_of


def headers_for(session, user):
    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def task(session, world, respond):
    response = respond(3, at=datetime.now(UTC) - timedelta(hours=1))
    followup.create_followups(session, datetime.now(UTC))
    session.commit()
    return tasks_of(session, response)[0]


def test_list_and_filter(client, session, world, respond, task):
    h = headers_for(session, world.ann)
    body = client.get("/api/v1/tasks", headers=h).get_json()
    assert body["total"] == 1 and body["items"][0]["routing_reason"].endswith("owner of MegaCorp")
    assert client.get(f"/api/v1/tasks?owner_id={world.bob.id}", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/tasks?status=closed", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/tasks?overdue=true", headers=h).get_json()["total"] == 0
    answer = client.get("/api/v1/tasks?status=done", headers=h)
    assert answer.status_code == 422
    one = client.get(f"/api/v1/tasks/{task.id}", headers=h).get_json()
    assert one["events"][0]["kind"] == "created"
    assert client.get("/api/v1/tasks/999999", headers=h).status_code == 404


def test_patch_moves_closes_and_refuses_invalid_moves_with_409(client, session, world, task):
    h = headers_for(session, world.ann)
    url = f"/api/v1/tasks/{task.id}"
    assert client.patch(url, json={"status": "in_progress"}, headers=h).status_code == 200
    answer = client.patch(url, json={"status": "open"}, headers=h)
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "conflict"
    assert "in progress cannot be moved to open" in error["message"]
    answer = client.patch(url, json={"status": "closed"}, headers=h)
    assert answer.status_code == 422
    assert "resolution_code" in answer.get_json()["error"]["fields"]
    answer = client.patch(
        url,
        json={
            "status": "closed",
            "resolution_code": "resolved",
            "root_cause": "trust",
            "note": "Fixed",
        },
        headers=h,
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["resolution_code"], body["root_cause"]) == (
        "closed",
        "resolved",
        "trust",
    )
    assert client.patch(url, json={}, headers=h).status_code == 422


def test_reassign_and_comment(client, session, world, task):
    h = headers_for(session, world.lee)
    answer = client.patch(
        f"/api/v1/tasks/{task.id}",
        headers=h,
        json={"owner_id": world.bob.id, "note": "Ann is out", "comment": "FYI"},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["owner_id"] == world.bob.id
    assert [e["kind"] for e in body["events"]][-2:] == ["reassigned", "comment"]


def test_csms_change_only_their_teams_tasks_admins_all(client, session, world, task):
    answer = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"status": "in_progress"},
        headers=headers_for(session, world.fay),
    )
    assert answer.status_code == 403
    answer = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"status": "in_progress"},
        headers=headers_for(session, world.admin),
    )
    assert answer.status_code == 200
