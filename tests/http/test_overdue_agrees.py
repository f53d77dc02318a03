"""One data set, every place that says "overdue" or "breached": the queue pages, the API, the
digest email, the huddle page and the huddle email tell the same numbers.

The clock is frozen (time-machine) so pages, API and jobs all read the same "now"; the data
sits on the boundaries where `<` and `<=` used to disagree.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from feedback.models import OutboxEmail
from feedback.services import escalation, followup_notices, huddle
from tests.builders import add_task

M = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 in the team's zone (UTC)
DAY = timedelta(days=1)


@pytest.fixture
def late_world(session, make_team, make_user, make_contact):
    team = make_team(name="Support", timezone="UTC")
    elsewhere = make_team(name="Elsewhere", timezone="UTC")
    ann = make_user("csm", name="Ann", team_id=team.id)
    lee = make_user("team_lead", name="Lee", team_id=team.id)
    ozzy = make_user("csm", name="Ozzy", team_id=elsewhere.id)
    who = make_contact()

    def task(title, due_at, **fields):
        return add_task(session, owner=ann, contact=who, title=title, due_at=due_at,
                        created_at=due_at - 2 * DAY, **fields)  # fmt: skip

    tasks = {
        "weeks": task("Weeks late", M - 21 * DAY),
        "late": task("Two days late", M - 2 * DAY),
        "minute": task("A minute late", M - timedelta(minutes=1)),
        "now": task("Due this very minute", M),
        "today": task("Due this afternoon", M + timedelta(hours=5)),
        "tomorrow": task("Due tomorrow", M + DAY),
        "closed_late": task(
            "Closed late",
            M - 3 * DAY,
            status="closed",
            resolution_code="contacted",
            closed_at=M - 2 * DAY,
        ),  # fmt: skip
        "closed_on_time": task(
            "Closed in time",
            M - 3 * DAY,
            status="closed",
            resolution_code="resolved",
            closed_at=M - 4 * DAY,
        ),  # fmt: skip
    }
    add_task(session, owner=ozzy, contact=who, title="Not this team", due_at=M - DAY)
    return {"team": team, "ann": ann, "lee": lee, "tasks": tasks}


OVERDUE = {"weeks", "late", "minute"}
BREACHED = {"late", "minute", "closed_late"}  # became overdue in the week to M
DUE_TODAY = {"now", "today"}


def _count(pattern, text):
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in:\n{text}"
    return int(found.group(1))


def test_pages_api_and_emails_agree_on_overdue(
    app, session, client, login, api_headers, late_world
):
    team, tasks = late_world["team"], late_world["tasks"]
    headers = api_headers("admin")
    with time_machine.travel(M, tick=False):
        login(late_world["lee"])
        overdue_page = client.get("/queue/overdue").get_data(as_text=True)
        team_page = client.get("/queue/team").get_data(as_text=True)
        api_late = client.get(f"/api/v1/tasks?overdue=true&team_id={team.id}", headers=headers)
        api_open = client.get(
            f"/api/v1/tasks?overdue=false&status=open&team_id={team.id}", headers=headers
        )
        due_page = client.get(f"/tasks/{tasks['now'].id}").get_data(as_text=True)
        late_page = client.get(f"/tasks/{tasks['minute'].id}").get_data(as_text=True)
        followup_notices.send_digests(session, config=app.config)
    digests = {
        m.to_email: m.content.text
        for m in session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "digest"))
    }

    assert _count(r"(\d+) tasks?", overdue_page) == len(OVERDUE)
    assert team_page.count('class="is-overdue"') == len(OVERDUE)
    assert {t["id"] for t in api_late.get_json()["items"]} == {tasks[k].id for k in OVERDUE}
    assert api_open.get_json()["total"] == len({"now", "today", "tomorrow"})
    assert "badge-overdue" not in due_page and "— overdue" not in due_page  # due, not late
    assert "badge-overdue" in late_page and "— overdue" in late_page
    lead_digest = digests[late_world["lee"].email]
    assert _count(r"Overdue in your team \((\d+)\)", lead_digest) == len(OVERDUE)
    ann_digest = digests[late_world["ann"].email]
    assert _count(r"Your overdue tasks \((\d+)\)", ann_digest) == len(OVERDUE)
    assert _count(r"Due today \((\d+)\)", ann_digest) == len(DUE_TODAY)
    due_today = ann_digest.split("Due today", 1)[1].split("Your other open tasks", 1)[0]
    assert "Weeks late" not in due_today and "Due this very minute" in due_today
    assert ann_digest.count("normal priority") == 6 and "priority 2" not in ann_digest


def test_the_huddle_page_and_its_email_agree_on_breaches(app, session, client, login, late_world):
    """The weekly email goes out before the escalation job first ran (a fresh start); the
    page is read after it ran. Both count the same breaches."""
    team = late_world["team"]
    with time_machine.travel(M - timedelta(seconds=2), tick=False):
        huddle.send_huddle_packs(session, app.config)
    with time_machine.travel(M - timedelta(seconds=1), tick=False):
        escalation.escalate_tasks(session, config=app.config)
    with time_machine.travel(M, tick=False):
        login(late_world["lee"])
        page = client.get(f"/huddle/{team.id}").get_data(as_text=True)
    mail = session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "huddle")).first()

    on_page = _count(r"Tasks that breached their SLA \((\d+)\)", page)
    in_email = _count(r"Tasks that breached their SLA: (\d+)", mail.content.text)
    assert on_page == in_email == len(BREACHED)
    for key in BREACHED:
        assert late_world["tasks"][key].title in page
        assert late_world["tasks"][key].title in mail.content.text
    assert "Weeks late" not in mail.content.text and "Weeks late" not in page
