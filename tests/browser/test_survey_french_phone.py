"""A French customer answers on a phone and reads no English on any page they see."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Message, OutboxEmail, Response
from feedback.services import invitations, programs
from tests.browser.conftest import PHONE
from tests.builders import assert_no_english


def test_a_french_customer_answers_on_a_phone_without_meeting_english(
    app, session, live_server, browser, make_contact
):
    program = programs.create_program(
        session, {"name": "Relationnel", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    contact = make_contact(name="Camille Martin", locale="fr-FR")
    (result,) = invitations.invite_now(session, app.config, program.id, [contact.email])
    session.commit()
    email = session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.invitation_id == result["invitation_id"], OutboxEmail.kind == "invitation"
        )
    ).one()
    text = email.content.text
    for key, value in email.substitutions.items():
        text = text.replace(key, value)
    assert_no_english(text, "fr", "the email")
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("  3: "))

    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
        "AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1",
    )
    page = phone.new_page()
    seen = []

    def look(where: str) -> None:
        assert page.evaluate("document.documentElement.lang") == "fr", where
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], where
        assert_no_english(page.content(), "fr", where)
        seen.append(where)

    page.goto(link)
    assert page.get_by_text("nous avons noté votre 3").is_visible()
    look("the answer page")
    page.get_by_label("Nous en sommes désolés. Qu'est-ce qui n'a pas marché ?").fill(
        "La facturation est confuse"
    )
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.wait_for_url("**/thanks")
    assert page.get_by_role("heading", name="Merci !").is_visible()
    look("the thank-you page")

    page.get_by_label("Numéro de téléphone").fill("12")
    page.get_by_role("button", name="Appelez-moi, s'il vous plaît").click()
    assert page.get_by_text("Indiquez un numéro auquel nous pouvons vous appeler").is_visible()
    look("the call-back form with an error")
    page.get_by_label("Numéro de téléphone").fill("+33 1 23 45 67 89")
    page.get_by_role("button", name="Appelez-moi, s'il vous plaît").click()
    assert page.get_by_text("Nous vous appellerons dès que possible.").is_visible()
    look("the call-back confirmation")

    page.goto(link.rsplit("/", 1)[0] + "/11")
    assert page.get_by_text("11 ne figure pas sur l'échelle de cette enquête").is_visible()
    look("the link with a score off the scale")
    page.goto(link.replace("/r/", "/u/").rsplit("/", 1)[0])
    look("the unsubscribe page")
    phone.close()

    response = session.scalars(select(Response).where(Response.contact_id == contact.id)).one()
    session.refresh(response)
    assert (response.score, response.category, response.status) == (3, "detractor", "confirmed")
    assert session.scalars(
        select(Message).where(
            Message.invitation_id == response.invitation_id, Message.kind == "callback_request"
        )
    ).one()
    assert len(seen) == 6
