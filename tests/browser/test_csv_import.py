"""An admin imports contacts in the browser: upload a CSV with two bad rows and a column the
header does not name well, fix the mapping, import, and watch the page follow the job."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from feedback.models import Contact
from jobs.registry import run_job
from tests.conftest import PASSWORD

CSV = (
    "Mail,Full name,Tier\n"
    "ann@browser.example,Ann,gold\n"
    "not-an-email,Bad,\n"
    "bo@browser.example,Bo,silver\n"
    "bo@,Also bad,\n"
)


def test_upload_preview_fix_the_mapping_and_import(
    app, session, live_server, browser, make_user, tmp_path
):
    admin = make_user("admin")
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")

    page.get_by_role("link", name="Import").click()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload and preview").click()
    assert "no email column" in page.inner_text("main")

    page.select_option("#column-0", "email")
    page.select_option("#column-1", "name")
    page.get_by_role("button", name="Apply these columns").click()
    summary = page.inner_text("#summary")
    assert summary == "4 rows in the file; 2 can be imported; 2 with errors."
    assert "'not-an-email' is not a valid email address" in page.inner_text("table.errors")
    assert session.scalar(select(Contact).where(Contact.email == "ann@browser.example")) is None

    page.get_by_role("button", name="Import 2 contacts").click()
    assert page.inner_text("#import-status") == "Waiting to start"
    run_job(app, "run-imports", manual=True)  # the worker's turn
    # The page refreshes itself (a <meta> refresh: the CSP allows no inline script).
    expect(page.locator("#import-status")).to_have_text("Done", timeout=10_000)
    assert page.get_attribute("#progress", "value") == "100"
    assert "Imported 2 contacts (2 new, 0 updated); 2 rows had errors" in page.inner_text("main")
    ann = session.scalar(select(Contact).where(Contact.email == "ann@browser.example"))
    assert ann.attributes == {"tier": "gold"}
    assert not [e for e in errors if "Content Security Policy" in e]
