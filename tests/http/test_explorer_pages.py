"""The responses explorer page, its CSV export and the tasks export, through the test client."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.builders import NOW, add_response, add_task, contact_of


def _world(session, make_team, make_user, make_account, make_contact):
    team = make_team()
    csm = make_user("csm", team_id=team.id)
    account = make_account(name="MegaCorp", plan="enterprise", owner_email=csm.email)
    contact = contact_of(session, make_contact, account, name="Dana")
    responses = [
        add_response(session, contact, score=i % 11, comment=f"comment number {i}",
                     answered_at=NOW - timedelta(hours=i))
        for i in range(7)
    ]  # fmt: skip
    task = add_task(session, owner=csm, response=responses[0], title="Recover Dana")
    return csm, account, contact, responses, task


def test_the_explorer_lists_filters_pages_and_links(
    client, login, session, make_team, make_user, make_account, make_contact
):
    csm, account, contact, responses, task = _world(
        session, make_team, make_user, make_account, make_contact
    )
    login(csm)
    page = client.get("/responses?per_page=5")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "7 responses" in body
    assert f'href="/responses/{responses[0].id}/thread"' in body
    assert f'href="/tasks/{task.id}"' in body
    assert f'href="/accounts/{account.id}"' in body and f'href="/contacts/{contact.id}"' in body
    assert "after=" in body  # an "Older" link: keyset pages
    older = client.get(body.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
                       .replace("&amp;", "&"))  # fmt: skip
    assert older.status_code == 200
    assert "comment number 6" in older.get_data(as_text=True)
    found = client.get("/responses?q=number+3").get_data(as_text=True)
    assert "comment number 3" in found and "comment number 4" not in found
    assert 'href="/responses/export.csv?q=number+3"' in found  # the export keeps the filters


def test_bad_filters_get_a_message_and_a_400(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/responses?score_min=eleven&category=grumpy")
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Give a whole number." in body and 'aria-invalid="true"' in body
    assert client.get("/responses?after=garbage").status_code == 400
    assert client.get("/responses/export.csv?since=nope").status_code == 422


def test_the_csv_export_is_streamed_and_holds_every_filtered_row(
    client, login, session, make_team, make_user, make_account, make_contact
):
    csm, _, _, responses, _ = _world(session, make_team, make_user, make_account, make_contact)
    login(csm)
    response = client.get("/responses/export.csv?score_max=3")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(int(r["response_id"]) for r in rows) == sorted(
        r.id for r in responses if r.score <= 3
    )


def test_the_tasks_export_follows_the_queue_view_and_filters(
    client, login, session, make_team, make_user, make_account, make_contact
):
    csm, _, contact, _, task = _world(session, make_team, make_user, make_account, make_contact)
    add_task(session, owner=csm, contact=contact, status="closed", title="=cmd|' /C calc'!A0")
    login(csm)
    response = client.get("/tasks/export.csv?view=mine")
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["task_id"] for r in rows] == [str(task.id)]  # open tasks only, like the queue
    everything = client.get("/tasks/export.csv?view=mine&status=all").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(everything)))
    assert len(rows) == 2 and rows[1]["title"].startswith("'=cmd")
    assert client.get("/tasks/export.csv?view=nobody").status_code == 422
    assert client.get("/tasks/export.csv?status=lost").status_code == 422
