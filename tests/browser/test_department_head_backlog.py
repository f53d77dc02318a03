"""The outer loop as the demo's department head: the backlog is their home, the top item's
quotes are there to read, the item moves to in progress and ships with a note, the customers
who asked are told (the job runs as the scheduler would, the week after), and the email is in
the dev mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedback.demo import backlog as demo_backlog
from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from feedback.models import BacklogItem
from feedback.services import backlog_notices
from jobs.registry import run_job
from tests.browser.conftest import sign_in_as_demo_user as sign_in

CUSTOMER_NOTE = "Exports no longer fail: we rebuilt them this week. Thank you for telling us."


def test_a_department_head_ships_the_top_accepted_item(app, session, live_server, browser):
    demo_seed.seed(session, seed=1, now=datetime.now(UTC))
    session.commit()

    head = sign_in(browser, live_server, demo_backlog.HEAD_EMAIL)
    head.get_by_role("navigation").get_by_role("link", name="Backlog").click()
    assert "Order: by ARR at risk" in head.locator("#order").inner_text()
    head.goto(f"{live_server}/backlog?status=accepted")  # the filter form's own URL
    rows = head.locator("main table tbody tr")
    assert rows.count() >= 1
    top = rows.first.get_by_role("link").first
    title = top.inner_text()
    top.click()
    head.wait_for_url("**/backlog/*")
    assert head.get_by_role("heading", level=1).inner_text() == title
    item = session.scalar(select(BacklogItem).where(BacklogItem.title == title))

    # The customers' words, each with its score and account.
    quotes = head.locator("#quotes tbody tr")
    assert quotes.count() >= 1
    assert head.locator("#quotes blockquote").first.inner_text().strip()
    assert "Accepted" in head.locator("#item-status").inner_text()

    # In progress, with the note the history keeps.
    head.get_by_label("Move to").select_option("in_progress")
    head.get_by_label("Note (required; kept in the history)").fill("Started this sprint.")
    head.get_by_role("button", name="Change status").click()
    assert "In progress" in head.locator("#item-status").inner_text()
    assert "Started this sprint." in head.locator("#history").inner_text()

    # Shipped, then the "you asked, we changed it" note, previewed as sent.
    head.get_by_label("Move to").select_option("shipped")
    head.get_by_label("Note (required; kept in the history)").fill("Released today.")
    head.get_by_role("button", name="Change status").click()
    assert "Shipped" in head.locator("#item-status").inner_text()
    head.get_by_label("“You asked, we changed it”", exact=False).fill(CUSTOMER_NOTE)
    head.get_by_role("button", name="Save and preview").click()
    assert CUSTOMER_NOTE in head.locator(".email-preview").first.inner_text()
    session.expire_all()
    to_tell = [r.contact.email for r in backlog_notices.recipients(session, item)]
    assert to_tell
    assert head.locator("#customers-told").inner_text().startswith("0 customers told")

    # The week after it shipped the job tells them; the item shows how many were told.
    run_job(app, "tell-backlog-customers", now=datetime.now(UTC) + timedelta(days=7), manual=True)
    head.reload()
    told = head.locator("#customers-told").inner_text()
    assert told.startswith(f"{len(to_tell)} customers told"), told

    # The customer's email is in the dev mailbox.
    run_job(app, "deliver-email", manual=True)
    admin = sign_in(browser, live_server, demo_data.ADMIN_EMAIL)
    admin.get_by_role("navigation").get_by_role("link", name="Dev mailbox").click()
    row = admin.locator("tbody tr", has_text=to_tell[0]).filter(has_text="Backlog shipped")
    assert row.count() >= 1
    row.first.get_by_role("link").click()
    assert admin.get_by_role("heading", level=1).inner_text() == "You asked, we changed it"
    mail = admin.frame_locator("iframe.mail-frame")
    assert CUSTOMER_NOTE in mail.locator("body").inner_text()
