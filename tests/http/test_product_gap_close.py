"""Closing a task as product_gap asks which backlog item fixes it, on the task page and in the
API: an open item is picked or a new one proposed, and the task is linked to it."""

from __future__ import annotations

from feedback.models import BacklogItem, BacklogResponse, BacklogTask, Task
from feedback.services import backlog, org
from tests.http.api_helpers import error


def html(response):
    return response.get_data(as_text=True)


def _item(session, actor, title, status="proposed"):
    item = backlog.create_item(session, {"title": title, "department": "Product"}, None)
    item.status = status
    session.commit()
    return item


def _links(session, task_id):
    session.expire_all()
    return session.query(BacklogTask).filter_by(task_id=task_id).all()


def test_the_close_form_lists_open_items_and_links_the_picked_one(client, session, login, desk):
    open_item = _item(session, desk["csm"], "Export to Excel breaks")
    _item(session, desk["csm"], "Old shipped thing", status="shipped")
    login(desk["csm"])
    task_id = desk["task"].id
    page = html(client.get(f"/tasks/{task_id}"))
    assert f'<option value="{open_item.id}">Export to Excel breaks (proposed)</option>' in page
    assert "Old shipped thing" not in page
    assert '<optgroup label="Product">' in page

    answer = client.post(
        f"/tasks/{task_id}/close",
        data={"resolution_code": "product_gap", "backlog_item_id": str(open_item.id)},
    )
    assert answer.status_code == 302
    [link] = _links(session, task_id)
    assert link.item_id == open_item.id
    assert session.get(Task, task_id).status == "closed"
    # The task's response is the item's evidence now.
    assert session.query(BacklogResponse).filter_by(item_id=open_item.id).one().response_id == (
        desk["response"].id
    )
    page = html(client.get(f"/tasks/{task_id}"))
    assert f'href="/backlog/{open_item.id}">Export to Excel breaks</a> (Product)' in page


def test_a_product_gap_without_an_item_is_refused_beside_the_field(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(
        f"/tasks/{task_id}/close", data={"resolution_code": "product_gap", "note": "Needs export"}
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#close")
    page = html(client.get(answer.headers["Location"]))
    assert page.count("Choose the backlog item that fixes this gap, or propose a new one.") == 1
    assert 'aria-invalid="true" aria-describedby="backlog_item_id-error"' in page
    assert "Needs export</textarea>" in page
    session.expire_all()
    assert session.get(Task, task_id).status == "open"
    assert _links(session, task_id) == []


def test_proposing_a_new_item_from_the_close_form(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(
        f"/tasks/{task_id}/close",
        data={"resolution_code": "product_gap", "backlog_title": "  Export   to Excel  "},
    )
    assert answer.status_code == 302
    [link] = _links(session, task_id)
    item = session.get(BacklogItem, link.item_id)
    assert (item.title, item.status, item.source) == ("Export to Excel", "proposed", "task")


def test_other_resolutions_ignore_the_backlog_fields(client, session, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/close", data={"resolution_code": "resolved"})
    assert answer.status_code == 302
    assert _links(session, task_id) == []


def _headers(session, user):
    _, token = org.create_api_token(session, user.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_close_asks_for_the_item_too(client, session, desk):
    headers = _headers(session, desk["csm"])
    item = _item(session, desk["csm"], "Export to Excel breaks")
    shipped = _item(session, desk["csm"], "Shipped", status="shipped")
    url = f"/api/v1/tasks/{desk['task'].id}"
    body = error(
        client.patch(
            url, headers=headers, json={"status": "closed", "resolution_code": "product_gap"}
        ),
        422,
    )
    assert "backlog_item_id" in body["fields"]
    both = {"status": "closed", "resolution_code": "product_gap",
            "backlog_item_id": item.id, "backlog_title": "New"}  # fmt: skip
    assert "backlog_item_id" in error(client.patch(url, headers=headers, json=both), 422)["fields"]
    closed_item = {"status": "closed", "resolution_code": "product_gap",
                   "backlog_item_id": shipped.id}  # fmt: skip
    body = error(client.patch(url, headers=headers, json=closed_item), 422)
    assert "pick an open item" in body["message"]
    missing = {"status": "closed", "resolution_code": "product_gap", "backlog_item_id": 99999}
    error(client.patch(url, headers=headers, json=missing), 422)
    session.expire_all()
    assert session.get(Task, desk["task"].id).status == "open"

    done = client.patch(
        url,
        headers=headers,
        json={"status": "closed", "resolution_code": "product_gap", "backlog_item_id": item.id,
              "note": "Customer needs xlsx"},
    )  # fmt: skip
    assert done.status_code == 200, html(done)
    assert (done.get_json()["status"], done.get_json()["resolution_code"]) == (
        "closed",
        "product_gap",
    )
    assert [link.item_id for link in _links(session, desk["task"].id)] == [item.id]
    detail = client.get(f"/api/v1/backlog/{item.id}", headers=headers).get_json()
    assert detail["task_ids"] == [desk["task"].id]


def test_the_api_close_can_propose_and_other_changes_still_work(client, session, desk):
    headers = _headers(session, desk["csm"])
    later = desk["later"].id
    done = client.patch(
        f"/api/v1/tasks/{later}",
        headers=headers,
        json={"status": "closed", "resolution_code": "product_gap", "backlog_title": "Bulk export",
              "comment": "Asked twice"},
    )  # fmt: skip
    assert done.status_code == 200, html(done)
    [link] = _links(session, later)
    assert session.get(BacklogItem, link.item_id).title == "Bulk export"
    kinds = [(e["kind"], e["body"]) for e in done.get_json()["events"]]
    assert ("comment", "Asked twice") in kinds
    moved = client.patch(f"/api/v1/tasks/{desk['task'].id}", headers=headers,
                         json={"status": "in_progress"})  # fmt: skip
    assert moved.status_code == 200 and moved.get_json()["status"] == "in_progress"
