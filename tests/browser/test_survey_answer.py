"""A customer answers a survey on a phone: click a score in the email, comment, thanks."""

from __future__ import annotations

from feedback.models import Response
from feedback.services import invitations, programs
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD


def test_customer_answers_on_a_phone_from_the_dev_mailbox(
    app, session, live_server, browser, make_user, make_contact
):
    admin = make_user("admin")
    program = programs.create_program(
        session, {"name": "Relationship NPS", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    contact = make_contact(name="Dana Lee")
    result = invitations.invite_now(session, app.config, program.id, [contact.email])
    assert result[0]["status"] == "invited"
    session.commit()
    from jobs.registry import run_job

    run_job(app, "deliver-email", manual=True)  # the console backend keeps it for the mailbox

    # The admin opens the mailbox (as a person following the README would) ...
    desk = browser.new_page()
    desk.goto(f"{live_server}/login")
    desk.fill("#email", admin.email)
    desk.fill("#password", PASSWORD)
    desk.click("button[type=submit]")
    desk.goto(f"{live_server}/dev/mailbox")
    desk.get_by_role("link", name="How likely are you to recommend Acme?").click()
    frame = desk.frame_locator("iframe.mail-frame")
    link = frame.get_by_role("link", name="9", exact=True).get_attribute("href")
    assert link and "/r/" in link

    # ... and the customer, on a phone, clicks 9 in the email.
    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
        "AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1",
    )
    page = phone.new_page()
    page.goto(link)
    assert page.get_by_text("we noted your 9").is_visible()
    assert page.locator("#score-9").is_checked()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the survey page scrolls sideways on a phone"
    page.get_by_label("What do you value most about Acme?").fill("The <b>support</b> team is great")
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_url("**/thanks")
    assert page.get_by_role("heading", name="Thank you!").is_visible()
    page.screenshot(path="/tmp/survey-thanks.png")

    response = session.query(Response).filter_by(contact_id=contact.id).one()
    session.refresh(response)
    assert (response.score, response.status) == (9, "confirmed")
    assert response.comment == "The <b>support</b> team is great"
