"""An admin gives a team Sunday-to-Thursday business hours in the browser: tick the days, type
the times, a wrong closing time is explained beside the field, and the list shows the hours."""

from __future__ import annotations

import os

from feedback.models import Team
from tests.conftest import PASSWORD


def test_admin_sets_a_teams_business_hours(live_server, browser, make_user, make_team, session):
    admin = make_user("admin")
    team = make_team(name="Tel Aviv", department="Customer Success")
    page = browser.new_context().new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server}/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/admin/teams/{team.id}")
    page.fill("#timezone", "Asia/Jerusalem")
    page.check("input[name=business_days][value=sun]")
    page.uncheck("input[name=business_days][value=fri]")
    page.fill("#business_start", "08:00")
    page.fill("#business_end", "07:00")
    with page.expect_navigation():
        page.click("button:text-is('Save')")
    assert "The day must end after it starts." in page.inner_text("#business_end-error")
    # What was typed stays: Sunday ticked, Friday not.
    assert page.is_checked("input[name=business_days][value=sun]")
    assert not page.is_checked("input[name=business_days][value=fri]")
    page.fill("#business_end", "16:00")
    if os.environ.get("FEEDBACK_SCREENSHOTS"):
        page.screenshot(path=os.environ["FEEDBACK_SCREENSHOTS"], full_page=True)
    with page.expect_navigation():
        page.click("button:text-is('Save')")
    assert "Saved." in page.inner_text("main")
    assert "Sun–Thu 08:00–16:00" in page.inner_text("main")  # the audit row

    page.goto(f"{live_server}/admin/teams")
    assert "Sun–Thu 08:00–16:00" in page.inner_text("main")
    session.expire_all()
    assert session.get(Team, team.id).business_hours.describe() == "Sun–Thu 08:00–16:00"
    assert refused == []
