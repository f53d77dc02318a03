"""/api/v1/backlog: list with filters, create, PATCH (409 for a refused move, 422 without a
note, 403 for another department), link and unlink responses, link tasks, OpenAPI."""

from __future__ import annotations

import pytest

from feedback.models import Task
from feedback.services import org
from tests.followup_world import NOW
from tests.http.api_helpers import error


def headers_for(session, user):
    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def head(session, make_user, world):
    return headers_for(session, make_user("department_head", team_id=world.finance.id))


def test_create_list_and_filter(client, session, world, respond, head):
    csm = headers_for(session, world.ann)
    r = respond(2, account=world.mega, comment="Invoices are wrong", themes=(world.billing,))
    made = client.post(
        "/api/v1/backlog",
        headers=csm,
        json={"title": "Fix VAT on invoices", "theme_id": world.billing.id, "response_id": r.id},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    item = made.get_json()
    assert (item["status"], item["department"], item["response_ids"]) == (
        "proposed",
        "Finance",
        [r.id],
    )
    assert item["arr_at_risk"] == "20000.00" and item["responses_linked"] == 1
    client.post("/api/v1/backlog", headers=csm, json={"title": "CS thing"})  # Customer Success
    assert client.get("/api/v1/backlog", headers=csm).get_json()["total"] == 2
    finance = client.get("/api/v1/backlog?department=Finance", headers=csm).get_json()
    assert [i["title"] for i in finance["items"]] == ["Fix VAT on invoices"]
    # A department head sees their own department whatever they ask for.
    mine = client.get("/api/v1/backlog?department=Customer%20Success", headers=head).get_json()
    assert [i["title"] for i in mine["items"]] == ["Fix VAT on invoices"]
    themed = client.get(f"/api/v1/backlog?theme_id={world.billing.id}&status=proposed", headers=csm)
    assert themed.get_json()["total"] == 1
    error(client.get("/api/v1/backlog?status=done", headers=csm), 422)


def test_create_refuses_bad_input(client, session, world, head):
    body = error(client.post("/api/v1/backlog", headers=head, json={"title": ""}), 422)
    assert "title" in body["fields"]
    body = error(
        client.post("/api/v1/backlog", headers=head, json={"title": "x", "theme_id": 99999}), 422
    )
    assert "theme_id" in body["fields"]
    error(
        client.post("/api/v1/backlog", headers=head, json={"title": "x", "response_id": 99999}), 404
    )


def test_patch_moves_status_with_notes_and_refuses_skips(client, session, world, head):
    item = client.post("/api/v1/backlog", headers=head, json={"title": "Billing"}).get_json()
    url = f"/api/v1/backlog/{item['id']}"
    body = error(
        client.patch(url, headers=head, json={"status": "shipped", "note": "x"}), 409, "conflict"
    )
    assert "cannot move to shipped" in body["message"]
    body = error(client.patch(url, headers=head, json={"status": "accepted"}), 422)
    assert "note" in body["fields"]
    error(client.patch(url, headers=head, json={}), 422)
    done = client.patch(
        url,
        headers=head,
        json={"status": "accepted", "note": "We will fix it", "target_date": "2027-03-01"},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    got = done.get_json()
    assert got["status"] == "accepted" and got["target_date"] == "2027-03-01"
    assert got["events"][-1]["body"] == "We will fix it"
    assert client.get(url, headers=head).get_json()["status"] == "accepted"


def test_only_the_owning_department_changes(client, session, world, head, make_user):
    item = client.post("/api/v1/backlog", headers=head, json={"title": "Billing"}).get_json()
    url = f"/api/v1/backlog/{item['id']}"
    csm = headers_for(session, world.ann)
    other = headers_for(session, make_user("department_head", team_id=world.support.id))
    error(client.patch(url, headers=csm, json={"status": "accepted", "note": "x"}), 403)
    error(client.patch(url, headers=other, json={"title": "Mine now"}), 403)
    error(client.get(url, headers=other), 403)
    assert client.get(url, headers=csm).status_code == 200
    admin = headers_for(session, world.admin)
    assert (
        client.patch(url, headers=admin, json={"title": "Renamed"}).get_json()["title"] == "Renamed"
    )
    error(client.get("/api/v1/backlog/99999", headers=admin), 404)


def test_link_and_unlink_responses_and_tasks(client, session, world, respond, head):
    r = respond(3, account=world.big, comment="VAT")
    task = Task(
        type="recover",
        title="Call BigBank",
        response_id=r.id,
        sla_business_hours=8,
        due_at=NOW,
        status="closed",
        resolution_code="product_gap",
    )
    session.add(task)
    session.commit()
    csm = headers_for(session, world.ann)
    item = client.post("/api/v1/backlog", headers=head, json={"title": "VAT"}).get_json()
    url = f"/api/v1/backlog/{item['id']}"
    linked = client.post(f"{url}/tasks", headers=csm, json={"task_id": task.id}).get_json()
    assert linked["task_ids"] == [task.id] and linked["response_ids"] == [r.id]
    assert linked["arr_at_risk"] == "250000.00"
    again = client.post(f"{url}/responses", headers=csm, json={"response_id": r.id}).get_json()
    assert again["response_ids"] == [r.id]
    error(client.post(f"{url}/responses", headers=csm, json={"response_id": 99999}), 404)
    error(client.post(f"{url}/responses", headers=csm, json={}), 422)
    gone = client.delete(f"{url}/responses/{r.id}", headers=head).get_json()
    assert gone["response_ids"] == [] and gone["arr_at_risk"] == "0.00"
    error(client.delete(f"{url}/responses/{r.id}", headers=head), 404)


def test_reranking_through_patch(client, session, world, head):
    a = client.post("/api/v1/backlog", headers=head, json={"title": "A"}).get_json()
    b = client.post("/api/v1/backlog", headers=head, json={"title": "B"}).get_json()
    order = [i["id"] for i in client.get("/api/v1/backlog", headers=head).get_json()["items"]]
    assert order == [a["id"], b["id"]]
    client.patch(f"/api/v1/backlog/{b['id']}", headers=head, json={"move": "pin"})
    order = [i["id"] for i in client.get("/api/v1/backlog", headers=head).get_json()["items"]]
    assert order == [b["id"], a["id"]]
    error(client.patch(f"/api/v1/backlog/{b['id']}", headers=head, json={"move": "left"}), 422)


def test_the_backlog_is_in_the_openapi(client, session, world):
    spec = client.get("/api/v1/openapi.json", headers=headers_for(session, world.ann)).get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/backlog"])
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/backlog/{item_id}"])
    assert "post" in spec["paths"]["/api/v1/backlog/{item_id}/responses"]
    assert "delete" in spec["paths"]["/api/v1/backlog/{item_id}/responses/{response_id}"]
    assert "409" in spec["paths"]["/api/v1/backlog/{item_id}"]["patch"]["responses"]
