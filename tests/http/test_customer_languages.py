"""Every customer page and email, in every supported language, with no English left in it.

"English left" means a piece of an English msgid whose translation differs (placeholders cut
out, pieces of 12+ characters), so words that are the same in both languages do not count.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from feedback import locales
from feedback.mail import catalogue, words
from feedback.models import Invitation, OutboxEmail
from feedback.services import followup, invitations, programs, resolution_checks
from tests.builders import assert_no_english
from tests.followup_world import NOW, tasks_of

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"
OTHER = [lang for lang in locales.SUPPORTED if lang != "en"]


@pytest.fixture
def customer(app, session, make_contact):
    """Contacts writing in `lang`, one invited to an NPS and one to an onboarding program."""

    def make(lang: str, **contact_fields):
        tokens = {}
        for kind in ("nps", "onboarding"):
            contact = make_contact(locale=lang, name="Camille Martin", **contact_fields)
            data = {"name": f"{kind} {lang} {contact.id}", "kind": kind, "product_name": "Acme"}
            if kind == "onboarding":
                data["triggers"] = programs.DEFAULT_ONBOARDING_TRIGGERS
            program = programs.create_program(
                session, {**data, "active": True, "review_url": "https://example.org/review"}
            )
            (result,) = invitations.invite_now(session, app.config, program.id, [contact.email])
            assert result["status"] == "invited", result
            email = session.scalars(
                select(OutboxEmail).where(
                    OutboxEmail.invitation_id == result["invitation_id"],
                    OutboxEmail.kind == "invitation",
                )
            ).one()
            tokens[kind] = (email.substitutions["%%token%%"], email, result["invitation_id"])
        session.commit()
        return contact, tokens

    return make


def _get(client, url):
    return client.get(url, headers={"User-Agent": PHONE})


@pytest.mark.parametrize("lang", OTHER)
def test_every_survey_page_and_email_speaks_the_customers_language(client, session, customer, lang):
    contact, tokens = customer(lang)
    pages: dict[str, str] = {}
    for kind, (_token, email, _) in tokens.items():
        held = session.scalars(
            select(OutboxEmail).where(
                OutboxEmail.invitation_id == email.invitation_id, OutboxEmail.kind == "reminder"
            )
        ).first()
        for label, mail in (("invitation", email), ("reminder", held)):
            if mail is None:
                continue
            text = mail.content.text
            for key, value in mail.substitutions.items():
                text = text.replace(key, value)
            pages[f"{kind} {label} email text"] = text
            pages[f"{kind} {label} email html"] = mail.content.html
            pages[f"{kind} {label} subject"] = mail.content.subject
            assert f'lang="{lang}"' in mail.content.html
    nps_token, _, _ = tokens["nps"]
    pages["promoter page"] = _get(client, f"/r/{nps_token}/10").get_data(as_text=True)
    client.post(f"/r/{nps_token}", data={"score": "10"})
    pages["promoter thanks"] = _get(client, f"/r/{nps_token}/thanks").get_data(as_text=True)
    pages["referral errors"] = client.post(
        f"/r/{nps_token}/referral", data={"name": "", "email": "nope"}
    ).get_data(as_text=True)
    pages["referral sent"] = client.post(
        f"/r/{nps_token}/referral", data={"name": "Sam", "email": "sam@example.org"}
    ).get_data(as_text=True)
    pages["detractor page"] = _get(client, f"/r/{nps_token}/2").get_data(as_text=True)
    pages["too long"] = client.post(
        f"/r/{nps_token}", data={"score": "2", "comment": "x" * 5001}
    ).get_data(as_text=True)
    client.post(f"/r/{nps_token}", data={"score": "2"})
    pages["detractor thanks"] = _get(client, f"/r/{nps_token}/thanks").get_data(as_text=True)
    pages["callback errors"] = client.post(
        f"/r/{nps_token}/callback", data={"phone": "12"}
    ).get_data(as_text=True)
    pages["callback sent"] = client.post(
        f"/r/{nps_token}/callback", data={"phone": "+33 1 23 45 67 89"}
    ).get_data(as_text=True)
    pages["not on scale"] = _get(client, f"/r/{nps_token}/11").get_data(as_text=True)

    onboarding_token, _, _ = tokens["onboarding"]
    pages["closeness page"] = _get(client, f"/r/{onboarding_token}/3").get_data(as_text=True)
    client.post(f"/r/{onboarding_token}", data={"score": "3"})
    pages["closeness thanks"] = _get(client, f"/r/{onboarding_token}/thanks").get_data(as_text=True)
    pages["no score"] = client.post(f"/r/{nps_token}", data={"score": "x"}).get_data(as_text=True)

    pages["unsubscribe"] = _get(client, f"/u/{nps_token}").get_data(as_text=True)
    client.application.config["WTF_CSRF_ENABLED"] = False
    pages["unsubscribed"] = client.post(f"/u/{nps_token}").get_data(as_text=True)
    pages["resubscribed"] = client.post(f"/u/{nps_token}/resubscribe").get_data(as_text=True)
    pages["one-click"] = client.post(
        f"/u/{nps_token}", data={"List-Unsubscribe": "One-Click"}
    ).get_data(as_text=True)

    invitation = session.get(Invitation, tokens["nps"][2])
    invitation.expires_at = invitation.created_at  # closed
    session.commit()
    pages["closed link"] = _get(client, f"/r/{nps_token}/9").get_data(as_text=True)

    headers = {"User-Agent": PHONE, "Accept-Language": f"{lang};q=0.9"}
    pages["unknown link"] = client.get(f"/r/{'A' * 43}", headers=headers).get_data(as_text=True)
    pages["broken link"] = client.get("/r/not-a-token!/3", headers=headers).get_data(as_text=True)
    pages["unknown unsubscribe"] = client.get(f"/u/{'B' * 43}", headers=headers).get_data(
        as_text=True
    )
    pages["unknown resolution"] = client.get(f"/resolved/{'C' * 43}", headers=headers).get_data(
        as_text=True
    )

    for where, text in pages.items():
        assert_no_english(text, lang, where)
        if "<html" in text and "email" not in where:
            assert f'<html lang="{lang}">' in text, where
    assert "Camille" in pages["nps invitation email text"]


@pytest.mark.parametrize("lang", OTHER)
def test_did_we_resolve_it_email_and_page_speak_the_customers_language(
    client, session, world, respond, lang
):
    response = respond(3)
    session.get(Invitation, response.invitation_id).locale = lang
    followup.create_followups(session, NOW)
    (task,) = tasks_of(session, response)
    followup.transition(session, task.id, world.ann, "closed", resolution_code="resolved", now=NOW)
    session.commit()
    resolution_checks.send_resolution_checks(
        session, NOW + timedelta(days=3), config=current_app.config
    )
    session.commit()
    mail = session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "resolution_check")).one()
    token = mail.substitutions["%%token%%"]
    pages = {
        "email text": mail.content.text,
        "email html": mail.content.html,
        "subject": mail.content.subject,
        "page": _get(client, f"/resolved/{token}").get_data(as_text=True),
        "no choice": client.post(f"/resolved/{token}", data={}).get_data(as_text=True),
        "answered no": client.post(f"/resolved/{token}", data={"answer": "no"}).get_data(
            as_text=True
        ),
        "answered yes": client.post(f"/resolved/{token}", data={"answer": "yes"}).get_data(
            as_text=True
        ),
    }
    for where, text in pages.items():
        assert_no_english(text, lang, where)
    assert f'<html lang="{lang}">' in pages["page"]


def test_the_english_pages_are_unchanged_in_english(client, customer):
    _, tokens = customer("en")
    page = _get(client, f"/r/{tokens['nps'][0]}/2").get_data(as_text=True)
    assert "How likely are you to recommend Acme to a friend or colleague?" in page
    assert "Send my answer" in page and '<html lang="en">' in page


def test_a_french_customer_sees_french_words_and_numbers(client, customer):
    _, tokens = customer("fr")
    token = tokens["nps"][0]
    page = _get(client, f"/r/{token}/4").get_data(as_text=True)
    assert "Quelle est la probabilité que vous recommandiez Acme" in page
    assert "Merci — nous avons noté votre 4." in page
    assert "Jusqu&#39;à 5\u202f000 caractères" in page or "Jusqu'à 5\u202f000 caractères" in page
    assert "Envoyer ma réponse" in page
    email = tokens["nps"][1]
    assert "Bonjour Camille," in email.content.text.replace("%%greeting%%", "") or (
        email.substitutions["%%greeting%%"] == "Bonjour Camille,"
    )


def test_the_language_comes_from_contact_then_account_then_program(
    app, session, make_contact, make_account
):
    program = programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    program.default_locale = "es"
    account = make_account(domains=["dutch.example"])
    account.locale = "nl"
    session.commit()
    own = make_contact(email="own@dutch.example", locale="de-CH")
    from_account = make_contact(email="acct@dutch.example")
    from_program = make_contact(email="prog@nowhere.example")
    results = invitations.invite_now(
        session, app.config, program.id, [own.email, from_account.email, from_program.email]
    )
    chosen = {}
    for result in results:
        invitation = session.get(Invitation, result["invitation_id"])
        chosen[result["email"]] = invitation.locale
    assert chosen == {
        "own@dutch.example": "de",
        "acct@dutch.example": "nl",
        "prog@nowhere.example": "es",
    }
    subjects = {
        m.to_email: m.content.subject
        for m in session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "invitation"))
    }
    # The program wrote only English words, so other languages get the catalogue's subject.
    assert subjects == {
        "own@dutch.example": "Wie wahrscheinlich ist es, dass Sie Acme empfehlen?",
        "acct@dutch.example": "Hoe waarschijnlijk is het dat u Acme aanbeveelt?",
        "prog@nowhere.example": "¿Qué probabilidad hay de que recomiende Acme?",
    }


def test_a_program_default_language_is_checked_and_kept(client, api_headers):
    headers = api_headers("admin")
    body = {"name": "Relacional", "kind": "nps", "product_name": "Acme"}
    bad = client.post(
        "/api/v1/programs", json={**body, "default_locale": "klingon"}, headers=headers
    )
    assert bad.status_code == 422
    assert "default_locale" in str(bad.get_json())
    good = client.post("/api/v1/programs", json={**body, "default_locale": "es"}, headers=headers)
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["default_locale"] == "es"


@pytest.mark.parametrize("given", ["fr", "fr-CA", "fr_FR", "FR"])
def test_pages_and_emails_fall_back_by_the_one_locale_rule(app, given):
    """catalogue asks locales.customer_locale: a regional code writes in its base language."""
    with app.test_request_context():
        assert catalogue.use_customer_locale(given) == locales.customer_locale(given) == "fr"
        with catalogue.writing_in(given):
            assert catalogue.say(words.GREETING_UNNAMED) == "Bonjour,"
