"""Issue 14's walk as one admin in one browser session: create a team and a CSM, upload a
contacts CSV with two bad rows, fix the mapping, import, create a program without typing
JSON, preview it in French, send a test and find it in the dev mailbox. The three parts are
also tested on their own (people, CSV import, program editor walkthroughs); this test proves
they hold together, in order, with nothing the strict CSP refuses."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from feedback.models import Contact, SurveyProgram, User
from jobs.registry import run_job
from tests.browser.test_csv_import import CSV
from tests.browser.test_program_editor_walkthrough import FRENCH_INTRO, FRENCH_SUBJECT, LAPTOP
from tests.conftest import PASSWORD


def test_an_admin_sets_up_people_contacts_and_a_program(
    app, session, live_server, browser, make_user, tmp_path
):
    admin = make_user("admin", name="Ada Admin")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page = browser.new_context(viewport=LAPTOP).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    # A team and a CSM in it.
    page.click("nav[aria-label=Main] >> text=People")
    page.click("text=Teams")
    page.fill("#name", "Benelux")
    page.fill("#department", "Customer Success")
    page.fill("#timezone", "Europe/Amsterdam")
    page.click("text=Create team")
    assert "Team “Benelux” is created." in page.inner_text("main")
    page.click("text=People")
    page.click("text=Add a person")
    page.fill("#email", "noor@staff.example.com")
    page.fill("#name", "Noor Jansen")
    page.select_option("#role", "csm")
    page.select_option("#team_id", label="Benelux (Customer Success)")
    page.fill("#password", "a long enough password")
    page.click("text=Add person")
    assert "Noor Jansen (noor@staff.example.com) can now sign in" in page.inner_text("main")
    noor = session.scalar(select(User).where(User.email == "noor@staff.example.com"))
    assert noor.role == "csm" and noor.team.name == "Benelux"

    # Contacts from a CSV with two bad rows and a mapping to fix.
    page.get_by_role("navigation").get_by_role("link", name="Import").click()
    page.set_input_files("#file", str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    assert "no email column" in page.inner_text("main")
    page.select_option("#column-0", "email")
    page.select_option("#column-1", "name")
    page.get_by_role("button", name="Apply these columns").click()
    assert page.inner_text("#summary") == "4 rows in the file; 2 can be imported; 2 with errors."
    page.get_by_role("button", name="Import 2 contacts").click()
    run_job(app, "run-imports", manual=True)  # the worker's turn
    expect(page.locator("#import-status")).to_have_text("Done", timeout=10_000)
    session.expire_all()
    imported = session.scalars(select(Contact.email).order_by(Contact.email)).all()
    assert imported == ["ann@browser.example", "bo@browser.example"]

    # A program without JSON, previewed in French, a test sent to oneself.
    page.get_by_role("navigation").get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="New program").click()
    page.get_by_label("Name", exact=True).fill("Onboarding check-ins")
    page.get_by_label("Kind").select_option("onboarding")
    page.get_by_label("Product name").fill("Acme")
    page.get_by_role("button", name="Add a milestone").click()
    page.get_by_label("Milestone 1: name").fill("day30")
    page.get_by_label("Milestone 1: days or event").fill("30")
    page.get_by_role("button", name="Save program", exact=True).last.click()
    page.wait_for_load_state()
    assert "Saved “Onboarding check-ins”." in page.content()
    assert session.scalars(select(SurveyProgram.name)).all() == ["Onboarding check-ins"]
    page.get_by_role("link", name="Preview and test send").click()
    page.get_by_role("link", name="Français").click()
    assert FRENCH_SUBJECT in page.locator("#preview-subject").inner_text()
    assert (
        FRENCH_INTRO
        in page.frame_locator("iframe[title^='The email']").locator("body").inner_text()
    )
    page.get_by_role("button", name=f"Send a test to {admin.email}").click()
    page.wait_for_load_state()
    page.get_by_role("navigation").get_by_role("link", name="Dev mailbox").click()
    row = page.locator("tbody tr", has_text=admin.email)
    assert row.count() == 1 and FRENCH_SUBJECT in row.inner_text()
    assert problems == []
