"""A team's business hours on the team pages and the teams API: defaults, edits, the checks
(end after start, at least one day) and the audit row every change leaves; the task page shows
them beside the due time, which stays in the viewer's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from feedback.models import AuditEvent, Team
from feedback.services import followup, org
from tests.followup_world import tasks_of
from tests.http.api_helpers import error

URL = "/api/v1/teams"


def _team_events(session, team_id):
    return (
        session.query(AuditEvent)
        .filter_by(target_type="team", target_id=team_id)
        .order_by(AuditEvent.id)
        .all()
    )


def _form(**changes):
    data = {"name": "Tel Aviv", "department": "Success", "timezone": "Asia/Jerusalem",
            "lead_user_id": "", "business_days": ["sun", "mon", "tue", "wed", "thu"],
            "business_start": "08:00", "business_end": "16:00"}  # fmt: skip
    data.update(changes)
    return data


def test_a_new_team_works_monday_to_friday_nine_to_five(client, admin, session):
    body = client.post(URL, json={"name": "Berlin", "department": "CS"}, headers=admin).get_json()
    assert body["business_days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert (body["business_start"], body["business_end"]) == ("09:00", "17:00")
    team = session.get(Team, body["id"])
    assert (team.business_start, team.business_end) == (time(9), time(17))


def test_admin_sets_business_hours_on_the_team_pages(client, session, make_user, login):
    login(make_user("admin"))
    form = client.get("/admin/teams").get_data(as_text=True)
    assert 'name="business_days" value="fri" checked' in form
    assert 'name="business_days" value="sun" >' in form  # unticked by default
    assert client.post("/admin/teams", data=_form()).status_code == 303
    team = session.query(Team).filter_by(name="Tel Aviv").one()
    assert team.business_days == "mon,tue,wed,thu,sun"
    assert (team.business_start, team.business_end) == (time(8), time(16))
    assert "Sun–Thu 08:00–16:00" in client.get("/admin/teams").get_data(as_text=True)

    page = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert 'value="sun" checked' in page and 'value="fri" >' in page
    assert 'value="08:00"' in page and 'value="16:00"' in page

    response = client.post(f"/admin/teams/{team.id}",
                           data=_form(business_start="10:00", business_end="18:00"))  # fmt: skip
    assert response.status_code == 303
    session.refresh(team)
    assert (team.business_start, team.business_end) == (time(10), time(18))
    created, updated = _team_events(session, team.id)
    assert created.after["business_hours"] == "Sun–Thu 08:00–16:00"
    assert updated.before["business_hours"] == "Sun–Thu 08:00–16:00"
    assert updated.after["business_hours"] == "Sun–Thu 10:00–18:00"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"business_start": "17:00", "business_end": "09:00"}, "business_end", "must end after"),
        ({"business_start": "09:00", "business_end": "09:00"}, "business_end", "must end after"),
        ({"business_days": []}, "business_days", "at least one working day"),
        ({"business_start": "nine"}, "business_start", "not a time like 09:00"),
    ],
)
def test_bad_hours_on_the_page_say_what_is_wrong_and_save_nothing(
    client, session, make_user, login, make_team, changes, field, message
):
    login(make_user("admin"))
    team = make_team(name="Tel Aviv", department="Success")
    response = client.post(f"/admin/teams/{team.id}", data=_form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    # What was typed is shown again: the ticked days stay ticked.
    if changes.get("business_days") is None:
        assert 'value="sun" checked' in page
    session.refresh(team)
    assert team.business_hours.describe() == "Mon–Fri 09:00–17:00"
    assert [e.action for e in _team_events(session, team.id)] == ["team.created"]


def test_the_api_changes_hours_checked_against_those_kept(client, admin, session, make_team):
    team = make_team()
    url = f"{URL}/{team.id}"
    patched = client.patch(url, json={"business_days": ["sun", "mon", "tue", "wed", "thu"],
                                      "business_start": "08:00"}, headers=admin)  # fmt: skip
    assert patched.status_code == 200, patched.get_data(as_text=True)
    body = patched.get_json()
    assert body["business_days"] == ["mon", "tue", "wed", "thu", "sun"]
    assert (body["business_start"], body["business_end"]) == ("08:00", "17:00")
    # A closing time before the opening time the team keeps is refused, naming the field.
    body = error(client.patch(url, json={"business_end": "07:30"}, headers=admin), 422)
    assert "business_end" in body["fields"]
    body = error(client.patch(url, json={"business_days": []}, headers=admin), 422)
    assert "business_days" in body["fields"]
    body = error(client.patch(url, json={"business_days": ["fun"]}, headers=admin), 422)
    assert "business_days.0" in body["fields"]
    body = error(client.patch(url, json={"business_start": "8am"}, headers=admin), 422)
    assert "business_start" in body["fields"]
    session.refresh(team)
    assert team.business_hours.describe() == "Sun–Thu 08:00–17:00"
    events = _team_events(session, team.id)
    assert [e.action for e in events] == ["team.created", "team.updated"]
    assert events[-1].after["business_hours"] == "Sun–Thu 08:00–17:00"


def test_the_task_page_shows_the_due_time_in_the_viewers_zone_and_the_teams_hours(
    client, session, login, world, respond
):
    org.update_team(session, world.support.id, {"timezone": "Asia/Jerusalem",
                    "business_days": ["sun", "mon", "tue", "wed", "thu"],
                    "business_start": "08:00", "business_end": "16:00"})  # fmt: skip
    session.commit()
    thursday_14_jerusalem = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    response = respond(2, account=world.big, at=thursday_14_jerusalem - timedelta(minutes=5))
    followup.create_followups(session, thursday_14_jerusalem)
    (task,) = tasks_of(session, response)
    # Due Sunday 14:00 in Jerusalem: 12:00 UTC, 08:00 in New York (summer time since 07:00 UTC).
    assert task.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    org.set_time_zone(session, world.bob.id, "America/New_York")
    session.commit()
    login(world.bob)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "2026-03-08 08:00 EDT" in page
    assert "8 business hours of Sun–Thu 08:00–16:00, Asia/Jerusalem" in page
    listing = client.get("/queue").get_data(as_text=True)
    assert "2026-03-08 08:00 EDT" in listing and "Due (America/New_York)" in listing
