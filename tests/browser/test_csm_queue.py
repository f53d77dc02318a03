"""A CSM works a task in the browser: queue, the overdue detractor, a reply, closing it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.models import Message, OutboxEmail, Task
from tests.builders import add_response, add_task, contact_of
from tests.conftest import PASSWORD

LAPTOP = {"width": 1280, "height": 800}
SMALL_LAPTOP = {"width": 1024, "height": 700}


def no_sideways_scroll(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px wide)"


def test_csm_works_the_overdue_detractor(
    session, live_server, browser, make_team, make_user, make_account, make_contact
):
    now = datetime.now(UTC)
    team = make_team(name="Enterprise")
    csm = make_user("csm", name="Casey Morgan", team_id=team.id)
    account = make_account(name="MegaCorp International Holdings", plan="enterprise",
                           arr="480000", owner_email=csm.email)  # fmt: skip
    dana = contact_of(session, make_contact, account, name="Dana Lee")
    for days, score in ((300, 9), (200, 8), (100, 6)):
        add_response(session, dana, score=score, answered_at=now - timedelta(days=days))
    response = add_response(
        session, dana, score=2, answered_at=now - timedelta(days=3),
        comment="The export has been failing for a week and nobody answers our tickets. " * 3,
        label="negative", polarity=-0.8, drivers=[{"phrase": "failing", "contribution": -0.6}],
    )  # fmt: skip
    task = add_task(session, owner=csm, response=response, priority=4, title="Recover Dana Lee",
                    due_at=now - timedelta(hours=6), created_at=now - timedelta(days=3),
                    severity_note="3rd export complaint from MegaCorp since June")  # fmt: skip
    for i in range(12):
        add_task(session, owner=csm, contact=dana, type="convert", title=f"Convert follow-up {i}",
                 due_at=now + timedelta(days=i + 1))  # fmt: skip

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", csm.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="My tasks").click()
    page.wait_for_url("**/queue")
    row = page.locator("tr.is-overdue")
    assert row.count() == 1
    assert "Overdue" in row.inner_text() and "Recover Dana Lee" in row.inner_text()
    no_sideways_scroll(page, LAPTOP["width"])
    page.set_viewport_size(SMALL_LAPTOP)
    no_sideways_scroll(page, SMALL_LAPTOP["width"])
    page.set_viewport_size(LAPTOP)

    # Keyboard: tab to the task's link and follow it with Enter.
    link = page.get_by_role("link", name="Recover Dana Lee")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tasks/{task.id}")
    assert page.get_by_role("heading", name="Recover Dana Lee").is_visible()
    assert page.get_by_text("Was due").is_visible()
    assert page.locator("svg[role=img]").count() == 2  # contact and account trends
    no_sideways_scroll(page, LAPTOP["width"])
    page.set_viewport_size(SMALL_LAPTOP)
    no_sideways_scroll(page, SMALL_LAPTOP["width"])

    page.get_by_label("Reply to").fill("Hi Dana, I am on it and will call you today.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(f"**/tasks/{task.id}#latest")
    assert page.get_by_text("Reply sent").is_visible()
    assert page.locator("#latest").inner_text().count("I am on it") == 1

    # Closing without a code is refused by the browser (required); pick one and close.
    page.get_by_label("Resolution (required)").select_option("resolved")
    page.get_by_label("Root cause").select_option("support experience")
    page.get_by_label("Note").fill("Export fixed, called Dana.")
    page.get_by_role("button", name="Close task").click()
    page.wait_for_url(f"**/tasks/{task.id}")
    assert page.get_by_text("Task closed.").is_visible()
    assert "status: closed" in page.locator("#task-status").inner_text()
    assert page.get_by_role("button", name="Reopen").is_visible()
    assert page.locator(".badge-overdue").count() == 0  # closed: no longer flagged
    page.screenshot(path="/tmp/csm-task-closed.png", full_page=True)

    session.expire_all()
    closed = session.get(Task, task.id)
    assert (closed.status, closed.resolution_code, closed.root_cause) == (
        "closed", "resolved", "support experience")  # fmt: skip
    assert closed.resolution_note == "Export fixed, called Dana." and closed.closed_at
    reply = session.query(Message).filter_by(invitation_id=response.invitation_id,
                                             kind="reply").one()  # fmt: skip
    assert reply.author_user_id == csm.id
    assert session.get(OutboxEmail, reply.outbox_email_id).to_email == dana.email
    context.close()
