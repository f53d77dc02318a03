"""Admins give a department a Slack/Teams incoming webhook for its backlog digest."""

from __future__ import annotations

import pytest

from feedback.services import backlog_digests


def html(response):
    return response.get_data(as_text=True)


def test_an_admin_sets_changes_and_removes_a_channel(client, session, login, world):
    login(world.admin)
    page = html(client.get("/backlog/chat"))
    assert '<th scope="row">Finance</th>' in page and "email only" in page
    url = "https://hooks.slack.com/services/T0/B0/secret"
    answer = client.post(
        "/backlog/chat", data={"department": "Finance", "kind": "slack", "url": url}
    )
    assert answer.status_code == 303
    assert backlog_digests.chat_endpoint(session, "Finance").url == url
    page = html(client.get("/backlog/chat"))
    assert (
        "Finance: digests also go to its Slack channel." in page and f"<code>{url}</code>" in page
    )

    refused = client.post(
        "/backlog/chat", data={"department": "Finance", "kind": "teams", "url": "http://x.example/"}
    )
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in html(refused) and "https://" in html(refused)
    assert 'value="http://x.example/"' in html(refused)  # what was typed is kept
    session.expire_all()
    assert backlog_digests.chat_endpoint(session, "Finance").kind == "slack"

    client.post("/backlog/chat", data={"department": "Finance", "kind": "slack", "url": ""})
    session.expire_all()
    assert backlog_digests.chat_endpoint(session, "Finance") is None


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head"])
def test_only_admins(client, login, make_user, world, role):
    login(make_user(role, team_id=world.finance.id))
    assert client.get("/backlog/chat").status_code == 403
    assert client.post("/backlog/chat", data={"department": "Finance"}).status_code == 403


def test_the_api_sets_lists_and_removes_a_channel(client, session, world, api_headers):
    admin = api_headers("admin")
    url = "https://acme.webhook.office.com/webhookb2/abc"
    put = client.put("/api/v1/backlog/chat", headers=admin,
                     json={"department": "Finance", "kind": "teams", "url": url})  # fmt: skip
    assert put.status_code == 200 and put.get_json() == {
        "department": "Finance",
        "kind": "teams",
        "url": url,
    }
    listed = client.get("/api/v1/backlog/chat", headers=admin).get_json()["items"]
    assert listed == [{"department": "Finance", "kind": "teams", "url": url}]
    bad = client.put("/api/v1/backlog/chat", headers=admin,
                     json={"department": "Finance", "url": "http://x.example/"})  # fmt: skip
    assert bad.status_code == 422 and "url" in bad.get_json()["error"]["fields"]
    gone = client.put("/api/v1/backlog/chat", headers=admin,
                      json={"department": "Finance", "url": ""})  # fmt: skip
    assert gone.status_code == 200 and gone.get_json()["url"] == ""
    assert client.get("/api/v1/backlog/chat", headers=admin).get_json()["items"] == []
    lead = api_headers("team_lead")
    assert client.get("/api/v1/backlog/chat", headers=lead).status_code == 403
