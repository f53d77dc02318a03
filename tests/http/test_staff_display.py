"""Staff pages as a CSM reads them: words not codes, durations in days and hours, times on the
reader's clock, and a My settings page to choose that clock."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedback.models import Task, User

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def text_of(response) -> str:
    """What a person reads: the page without tags, attribute values and scripts."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style|datalist)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def text_of_page(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


def test_no_page_shows_a_raw_code(client, session, login, make_user, desk):
    task, later = desk["task"], desk["later"]
    later.status, later.resolution_code = "closed", "not_reachable"
    later.closed_at = datetime.now(UTC)
    session.commit()
    login(desk["csm"])  # the trail then holds a status event: open → in_progress
    assert (
        client.post(f"/tasks/{task.id}/status", data={"to_status": "in_progress"}).status_code
        == 302
    )
    login(make_user("department_head", name="Dee", team_id=desk["team"].id))
    team = desk["team"].id
    for path in ("/queue/team?status=all", f"/tasks/{task.id}", f"/tasks/{later.id}",
                 f"/responses/{desk['response'].id}/thread", f"/huddle/{team}", "/metrics",
                 "/me/settings"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 200, path
        shown = text_of(answer)
        assert not SNAKE.findall(shown), (path, SNAKE.findall(shown))
    assert "In progress" in text_of(client.get("/queue/team"))
    assert "Not reachable" in text_of(client.get(f"/tasks/{later.id}"))
    task_page = text_of(client.get(f"/tasks/{task.id}"))
    assert "Department head" in task_page  # the reassign list and the header
    assert "Status changed: Open → In progress" in task_page


def test_a_status_change_is_confirmed_in_words(client, login, desk):
    login(desk["csm"])
    task_id = desk["task"].id
    client.post(f"/tasks/{task_id}/status", data={"to_status": "waiting_on_customer"})
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Task is now waiting on customer." in page


def test_metrics_show_days_and_hours(client, session, login, make_user, desk):
    created = datetime.now(UTC) - timedelta(days=25)
    for task in (desk["task"], desk["later"], desk["foreign"]):
        task.created_at = created
        task.first_contact_at = created + timedelta(minutes=200)
        task.status, task.resolution_code = "closed", "resolved"
        task.closed_at = created + timedelta(hours=517.3)
    session.commit()
    login(make_user("admin"))
    page = text_of(client.get("/metrics"))
    assert "21 d 13 h" in page and "3 h 20 min" in page
    assert "517.3" not in page


def test_times_follow_the_team_zone_then_the_persons_choice(
    client,
    session,
    login,
    make_team,
    make_user,
    desk,
):
    desk["task"].due_at = datetime(2026, 12, 1, 16, 20, tzinfo=UTC)
    session.commit()
    team = desk["team"]
    team.timezone = "America/New_York"
    session.commit()
    login(desk["csm"])
    page = client.get(f"/tasks/{desk['task'].id}").get_data(as_text=True)
    assert "2026-12-01 11:20 EST" in page and " UTC" not in text_of_page(page)

    answer = client.post("/me/settings", data={"time_zone": "europe/paris"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/me/settings"
    settings = client.get("/me/settings").get_data(as_text=True)
    assert "Times are now shown in Europe/Paris." in settings and 'value="Europe/Paris"' in settings
    session.expire_all()
    assert session.get(User, desk["csm"].id).time_zone == "Europe/Paris"
    page = client.get(f"/tasks/{desk['task'].id}").get_data(as_text=True)
    assert "2026-12-01 17:20 CET" in page

    client.post("/me/settings", data={"time_zone": ""})  # back to the team's zone
    session.expire_all()
    assert session.get(User, desk["csm"].id).time_zone is None
    assert "11:20 EST" in client.get(f"/tasks/{desk['task'].id}").get_data(as_text=True)


def test_without_a_team_or_a_choice_times_are_utc(client, session, login, make_user, desk):
    admin = make_user("admin")
    desk["task"].due_at = datetime(2026, 12, 1, 16, 20, tzinfo=UTC)
    session.commit()
    login(admin)
    assert "2026-12-01 16:20 UTC" in client.get(f"/tasks/{desk['task'].id}").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["Mars/Olympus", "CET+1", "x" * 300])
def test_an_unknown_zone_is_refused_once_and_kept(client, session, login, make_user, typed):
    user = make_user("csm")
    login(user)
    answer = client.post("/me/settings", data={"time_zone": typed})
    assert answer.status_code == 303 and answer.headers["Location"] == "/me/settings"
    page = client.get("/me/settings").get_data(as_text=True)
    assert page.count("is not a time zone we know") == 1
    assert f'value="{typed}"' in page and 'aria-invalid="true"' in page
    session.expire_all()
    assert session.get(User, user.id).time_zone is None


def test_my_settings_is_for_signed_in_staff_and_linked_from_every_staff_page(
    client, login, make_user
):
    assert client.get("/me/settings").status_code in (302, 401)
    assert client.post("/me/settings", data={"time_zone": "UTC"}).status_code in (302, 401)
    login(make_user("csm"))
    assert 'href="/me/settings">My settings</a>' in client.get("/queue").get_data(as_text=True)


def test_a_task_page_reload_after_a_failed_post_does_not_resend(
    client,
    session,
    login,
    desk,
):
    login(desk["csm"])
    task_id = desk["task"].id
    answer = client.post(f"/tasks/{task_id}/close", data={"resolution_code": "", "note": "n"})
    assert answer.status_code == 303
    assert not answer.headers["Location"].startswith(f"/tasks/{task_id}/close")
    session.expire_all()
    assert session.get(Task, task_id).status == "open"


def test_a_draft_too_long_to_carry_is_answered_in_place_and_kept(
    client,
    session,
    login,
    desk,
):
    """The session cookie cannot hold ~9,000 random characters: the page comes back in place
    (as before post/redirect/get) rather than losing what the CSM wrote."""
    desk["contact"].bounced = True
    session.commit()
    login(desk["csm"])
    typed = secrets.token_urlsafe(7000)  # incompressible, under the 10,000 character limit
    answer = client.post(f"/tasks/{desk['task'].id}/reply", data={"body": typed})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f">{typed}</textarea>" in page and page.count("bounced; contact them another way") == 1


STAFF_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("folder", ["queue", "thread", "admin", "me"])
def test_staff_templates_show_times_and_codes_through_the_filters(folder):
    for template in (STAFF_TEMPLATES / folder).glob("*.html"):
        source = template.read_text()
        assert "strftime" not in source, template.name
        assert "replace('_'" not in source and 'replace("_"' not in source, template.name
