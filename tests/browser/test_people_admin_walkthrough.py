"""An admin sets up a team and a CSM in the browser, and the CSM makes a read-only API token:
no shell, no JSON, nothing the strict CSP refuses."""

from __future__ import annotations

from tests.conftest import PASSWORD


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_admin_creates_a_team_and_a_csm_who_makes_a_token(live_server, browser, make_user,
                                                          session):  # fmt: skip
    admin = make_user("admin")
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    _sign_in(page, live_server, admin.email, PASSWORD)
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
    assert "user.created" in page.inner_text("main")  # the history on the person's page

    page.click("button:has-text('Sign out')")
    _sign_in(page, live_server, "noor@staff.example.com", "a long enough password")
    page.goto(f"{live_server}/me/tokens")
    page.fill("#name", "CRM sync")
    page.check("input[name=resources][value=contacts]")
    page.click("text=Create token")
    token = page.inner_text("#new-token")
    assert token.startswith("fbk_")
    response = page.request.get(f"{live_server}/api/v1/contacts",
                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status == 200
    response = page.request.post(f"{live_server}/api/v1/contacts", data={"email": "a@b.example"},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status == 403
    page.goto(f"{live_server}/me/tokens")
    assert token not in page.content() and "read-only: contacts" in page.inner_text("main")
    assert refused == []
    context.close()
