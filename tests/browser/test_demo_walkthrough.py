"""The README's Quick start walk-through, in the order it is written, over the seeded demo.

Where the demo's in-process scheduler would act (deliver-email and create-followups every five
seconds under `dev.py demo`), the test runs the same job once, as the scheduler would.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from feedback.models import Contact, Response, Task
from jobs.registry import run_job
from tests.browser.conftest import sign_in_as_demo_user as sign_in

LAPTOP = {"width": 1280, "height": 800}
COMMENT = "The weekly export failed twice this month."


def test_the_readme_walk_through(app, session, live_server, browser):
    demo_seed.seed(session, seed=1, now=datetime.now(UTC))
    session.commit()
    dana = session.scalar(select(Contact).where(Contact.email == demo_data.TRY_ME))
    assert dana.account.owner.email == "csm1@demo.example"

    # Sign in as the admin, open Programs → Relationship NPS, Send now to Dana.
    admin = sign_in(browser, live_server, demo_data.ADMIN_EMAIL)
    admin.get_by_role("navigation").get_by_role("link", name="Programs").click()
    admin.get_by_role("link", name="Relationship NPS").click()
    admin.get_by_label("Contact emails, one per line").fill(demo_data.TRY_ME)
    admin.get_by_role("button", name="Send now").click()
    assert admin.locator("tbody tr").inner_text().split("\t")[:2] == [demo_data.TRY_ME, "Invited"]
    run_job(app, "deliver-email", manual=True)  # the demo's scheduler: within seconds

    # Open Dev mailbox and click a score, as the customer.
    admin.get_by_role("navigation").get_by_role("link", name="Dev mailbox").click()
    row = admin.locator("tbody tr", has_text=demo_data.TRY_ME)
    assert row.count() == 1  # one email to Dana: Send now invites once
    row.get_by_role("link").click()
    link = admin.frame_locator("iframe.mail-frame").get_by_role("link", name="3", exact=True)
    customer = browser.new_context(viewport=LAPTOP).new_page()
    customer.goto(link.get_attribute("href"))
    assert customer.locator("#score-3").is_checked()
    customer.locator("textarea").first.fill(COMMENT)
    customer.get_by_role("button", name="Send my answer").click()
    customer.wait_for_url("**/thanks")
    run_job(app, "create-followups", manual=True)  # the demo's scheduler: within seconds

    task = session.scalar(
        select(Task)
        .join(Response, Response.id == Task.response_id)
        .where(Response.comment == COMMENT)
    )
    assert task is not None and task.owner.email == "csm1@demo.example"

    # csm1 signs in: the new follow-up task is in My tasks; it shows the customer's thread.
    csm = sign_in(browser, live_server, "csm1@demo.example")
    csm.get_by_role("navigation").get_by_role("link", name="My tasks").click()
    new_task = csm.get_by_role("link", name=task.title)
    assert new_task.is_visible()
    assert csm.locator("tbody tr").count() >= 2  # the demo's other open tasks too
    new_task.click()
    csm.wait_for_url(f"**/tasks/{task.id}")
    assert csm.get_by_text(COMMENT).first.is_visible()
    assert csm.get_by_label("Reply to").input_value().startswith("Hi Dana,")

    # The lead leads csm1's team: Team, Metrics and the Huddle pack all have something in them.
    lead = sign_in(browser, live_server, "lead@demo.example")
    lead.get_by_role("navigation").get_by_role("link", name="Team").click()
    team_rows = lead.locator("tbody tr").count()
    assert lead.get_by_role("link", name=task.title).is_visible()
    lead.get_by_role("navigation").get_by_role("link", name="Metrics").click()
    assert lead.locator("table tbody tr").count() >= 1
    assert "No tasks in this range" not in lead.locator("main").inner_text()
    lead.get_by_role("navigation").get_by_role("link", name="Huddle").click()
    assert "Customer Success EMEA" in lead.locator("main").inner_text()
    assert lead.locator("article.verbatim").count() >= 1

    # The department head sees every Customer Success team's tasks and their figures.
    head = sign_in(browser, live_server, "head@demo.example")
    head.get_by_role("navigation").get_by_role("link", name="Team").click()
    assert head.locator("tbody tr").count() > team_rows
    head.get_by_role("navigation").get_by_role("link", name="Metrics").click()
    assert "No tasks in this range" not in head.locator("main").inner_text()
