"""The program editor a person can use: words per language with the defaults shown, milestone
rows (add, remove, reorder) without JSON, every problem reported at once, previews of the email
and the survey page in each language, and a test send to the admin through the outbox."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from feedback.mail.backends import ConsoleBackend
from feedback.models import OutboxEmail, SurveyProgram
from feedback.services import program_preview, programs
from feedback.services.delivery import deliver_due
from feedback.services.invitation_email import default_words
from tests.http.test_admin_programs import form, milestones


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def admin(login, admin_user):
    return login(admin_user)


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return html.unescape(response.get_data(as_text=True))


def onboarding(**fields):
    rows = milestones(
        ("week1", "days_after_signup", "7", "effort"),
        ("day30", "days_after_signup", "30", "closeness"),
        ("activated", "event", "onboarding_completed", "closeness"),
    )
    return {**form(**{"name": "Onboarding", "kind": "onboarding", **fields}), **rows}


def test_the_new_form_shows_each_languages_default_words_and_no_json(admin):
    body = page(admin.get("/admin/programs/new"))
    for locale in ("en", "de", "fr", "es", "nl"):
        words = default_words("nps", locale, "{product}")
        assert f'name="content_{locale}_subject"' in body
        assert f'placeholder="{words["subject"]}"' in body
        assert f'placeholder="{words["intro"]}"' in body
    assert "JSON" not in body and '<textarea id="content"' not in body


def test_words_per_language_are_saved_and_shown_again(admin, session):
    response = admin.post(
        "/admin/programs/new",
        data=form(content_fr_subject="Votre avis sur {product}", content_de_intro="Kurz gefragt."),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    program = session.scalars(select(SurveyProgram)).one()
    # Empty fields are left out: those languages speak the catalogue's words.
    assert program.content == {
        "fr": {"subject": "Votre avis sur {product}"},
        "de": {"intro": "Kurz gefragt."},
    }
    body = page(admin.get(f"/admin/programs/{program.id}"))
    assert 'value="Votre avis sur {product}"' in body and ">Kurz gefragt.</textarea>" in body


def test_milestones_are_rows_added_moved_and_removed_without_saving(admin, session):
    data = onboarding()
    body = page(admin.post("/admin/programs/new", data={**data, "action": "add_milestone"}))
    assert body.count('name="milestone_name"') == 4
    assert 'value="week1"' in body and 'value="onboarding_completed"' in body

    body = page(admin.post("/admin/programs/new", data={**data, "action": "up:2"}))
    assert body.index('value="activated"') < body.index('value="day30"')
    body = page(admin.post("/admin/programs/new", data={**data, "action": "down:0"}))
    assert body.index('value="day30"') < body.index('value="week1"')
    body = page(admin.post("/admin/programs/new", data={**data, "action": "remove:1"}))
    assert body.count('name="milestone_name"') == 2 and 'value="day30"' not in body
    assert session.scalars(select(SurveyProgram)).all() == []  # a row button saves nothing


def test_an_onboarding_program_is_saved_with_its_rows_in_order(admin, session):
    data = onboarding()
    data["milestone_days_after"] = ["", "", "2"]
    # A blank row (added but not filled) is ignored.
    for key in ("milestone_name", "milestone_value", "milestone_days_after"):
        data[key] = [*data[key], ""]
    data["milestone_start"] = [*data["milestone_start"], "days_after_signup"]
    data["milestone_question"] = [*data["milestone_question"], "closeness"]
    response = admin.post("/admin/programs/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    program = session.scalars(select(SurveyProgram)).one()
    assert program.triggers == [
        {"milestone": "week1", "question": "effort", "days_after_signup": 7},
        {"milestone": "day30", "question": "closeness", "days_after_signup": 30},
        {"milestone": "activated", "question": "closeness", "event": "onboarding_completed",
         "days_after": 2},
    ]  # fmt: skip
    body = page(admin.get(f"/admin/programs/{program.id}"))
    assert body.count('name="milestone_name"') == 3


def test_every_problem_is_reported_at_once(admin, session, make_account):
    make_account(region="EMEA")
    data = onboarding(
        name="", cadence_days="often", audience_region="EMEA, Atlantis", review_url="ftp://x"
    )
    data["milestone_value"] = ["a week", "30", "onboarding_completed"]
    data["milestone_name"] = ["week1", "week1", "activated"]
    body = page(admin.post("/admin/programs/new", data=data), 422)
    for message in (
        "Required.",  # name
        "'often' is not a whole number.",
        "Milestone 'week1': 'a week' is not a whole number of days.",
        "Milestone 'week1' appears twice.",
        "No account is in region 'Atlantis'; known regions: EMEA.",
        "Must be an http(s) link",
    ):
        assert message in body
    assert body.count("'a week' is not a whole number of days.") == 1  # one mistake, one line
    assert 'value="a week"' in body and 'value="EMEA, Atlantis"' in body
    assert session.scalars(select(SurveyProgram)).all() == []


def test_an_existing_region_is_accepted(admin, session, make_account):
    make_account(region="EMEA")
    assert admin.post("/admin/programs/new", data=form(audience_region="EMEA")).status_code == 302
    assert session.scalars(select(SurveyProgram)).one().audience == {"region": ["EMEA"]}


@pytest.fixture
def saved(admin, session) -> SurveyProgram:
    response = admin.post("/admin/programs/new", data=onboarding(product_name="Acme"))
    assert response.status_code == 302, response.get_data(as_text=True)
    return session.scalars(select(SurveyProgram)).one()


@pytest.mark.parametrize("locale", ["en", "de", "fr", "es", "nl"])
def test_the_preview_shows_the_email_and_survey_page_as_sent(admin, app, saved, locale):
    with app.test_request_context():
        expected = program_preview.render_email(saved, locale, app.config)
        subject = default_words("onboarding", locale, "Acme")["subject"]
    assert expected.subject == subject
    body = page(admin.get(f"/admin/programs/{saved.id}/preview?lang={locale}"))
    assert subject in body
    assert f"/admin/programs/{saved.id}/preview/{locale}/email" in body
    assert f"/admin/programs/{saved.id}/preview/{locale}/survey" in body

    email = admin.get(f"/admin/programs/{saved.id}/preview/{locale}/email")
    assert email.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in email.headers["Content-Security-Policy"]
    shown = page(email)
    assert f'lang="{locale}"' in shown and subject in shown
    assert "%%" not in shown and "/r/preview/" in shown
    # Dispatch's rendering (render_invitation), only the sample recipient's values filled in.
    with app.test_request_context():
        sample = program_preview.preview_email(saved, locale, app.config)
    assert sample.subject == expected.subject and sample.html != expected.html
    assert email.get_data(as_text=True) == sample.html.replace(
        "<head>", '<head><base target="_top">', 1
    )

    survey = admin.get(f"/admin/programs/{saved.id}/preview/{locale}/survey")
    assert "frame-ancestors 'self'" in survey.headers["Content-Security-Policy"]
    assert "script-src 'self'" in survey.headers["Content-Security-Policy"]
    survey_page = page(survey)
    assert f'<html lang="{locale}"' in survey_page
    assert 'action="/r/preview"' in survey_page


def test_the_french_preview_is_in_french(admin, saved):
    email = page(admin.get(f"/admin/programs/{saved.id}/preview/fr/email"))
    assert "Comment ça se passe avec Acme" in email
    survey = page(admin.get(f"/admin/programs/{saved.id}/preview/fr/survey"))
    assert "Envoyer ma réponse" in survey


def test_an_unknown_language_is_a_clear_4xx(admin, saved):
    response = admin.get(f"/admin/programs/{saved.id}/preview/xx/email")
    assert response.status_code == 422
    assert "'xx' is not a language we write in." in page(response, 422)
    assert admin.get("/admin/programs/999999/preview/fr/email").status_code == 404


def test_a_test_send_goes_to_the_admin_through_the_outbox(admin, admin_user, app, session, saved):
    response = admin.post(f"/admin/programs/{saved.id}/test-send", data={"lang": "fr"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/programs/{saved.id}/preview?lang=fr")
    assert f"to {admin_user.email} through the outbox" in page(
        admin.get(response.headers["Location"])
    )
    row = session.scalars(select(OutboxEmail).filter_by(kind="program_test")).one()
    assert (row.to_email, row.to_name, row.status) == (admin_user.email, "Ada Admin", "queued")
    assert "Comment ça se passe avec Acme" in row.content.subject
    session.commit()
    stats = deliver_due(app.extensions["feedback.db"].sessionmaker, ConsoleBackend(),
                        worker_id="t")  # fmt: skip
    assert stats.sent == 1
    mailbox = page(admin.get("/dev/mailbox"))
    assert admin_user.email in mailbox and "Comment ça se passe avec Acme" in mailbox
    message = page(admin.get(f"/dev/mailbox/{row.id}"))
    assert "Ada" in page(admin.get(f"/dev/mailbox/{row.id}/html")) and "%%" not in message


def test_preview_pages_are_admin_only(client, login, make_user, saved):
    login(make_user("csm"))
    for url in (
        f"/admin/programs/{saved.id}/preview",
        f"/admin/programs/{saved.id}/preview/fr/email",
        f"/admin/programs/{saved.id}/preview/fr/survey",
        f"/admin/programs/{saved.id}/audience",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/programs/{saved.id}/test-send", data={}).status_code == 403


def test_the_api_and_the_page_share_the_checks(session):
    with pytest.raises(programs.InvalidInput) as caught:
        programs.create_program(
            session,
            {
                "name": "x",
                "kind": "onboarding",
                "triggers": [],
                "audience": {"region": ["Nowhere"]},
                "cadence_days": 0,
            },  # fmt: skip
        )
    assert set(caught.value.fields) == {"triggers", "audience", "cadence_days"}


def test_save_and_preview_goes_to_the_preview(admin, session):
    response = admin.post("/admin/programs/new", data=form(action="save_preview"))
    program = session.scalars(select(SurveyProgram)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/programs/{program.id}/preview")


def test_a_row_button_for_a_row_that_is_not_there_changes_nothing(admin, session):
    data = onboarding()
    body = page(admin.post("/admin/programs/new", data={**data, "action": "remove:7"}))
    assert body.count('name="milestone_name"') == 3
    assert session.scalars(select(SurveyProgram)).all() == []


def test_the_thank_you_page_is_previewed_per_answer(admin, session):
    data = form(name="NPS", product_name="Acme", referral_enabled="on")
    assert admin.post("/admin/programs/new", data=data).status_code == 302
    program = session.scalars(select(SurveyProgram)).one()
    body = page(admin.get(f"/admin/programs/{program.id}/preview?lang=fr"))
    for score, category in ((10, "Promoter"), (8, "Passive"), (6, "Detractor")):
        url = f"/admin/programs/{program.id}/preview/fr/thanks/{score}"
        assert f'href="{url}" target="thanks-frame">{score} ({category})' in body
    promoter = admin.get(f"/admin/programs/{program.id}/preview/fr/thanks/10")
    assert "frame-ancestors 'self'" in promoter.headers["Content-Security-Policy"]
    promoter_page = page(promoter)
    assert '<html lang="fr"' in promoter_page and 'action="/r/preview/referral"' in promoter_page
    assert "Modifier ma réponse" in promoter_page  # French after the English staff page
    detractor = page(admin.get(f"/admin/programs/{program.id}/preview/fr/thanks/0"))
    assert 'action="/r/preview/callback"' in detractor
    wrong = admin.get(f"/admin/programs/{program.id}/preview/fr/thanks/11")
    assert "11 is not on the nps scale." in page(wrong, 422)


def test_the_api_sends_a_test_to_the_callers_own_address(client, session, api_headers):
    headers = api_headers("admin")
    program = programs.create_program(
        session, {"name": "API", "kind": "onboarding", "product_name": "Acme"}
    )
    session.commit()
    url = f"/api/v1/programs/{program.id}/test-send"
    response = client.post(url, json={"locale": "nl"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    row = session.get(OutboxEmail, sent["outbox_id"])
    assert (row.kind, row.to_email, sent["locale"]) == ("program_test", sent["to_email"], "nl")
    assert row.content.html.startswith('<!doctype html>\n<html lang="nl">')
    assert client.post(url, json={"locale": "xx"}, headers=headers).status_code == 422
    assert client.post(url, json={}, headers=api_headers("csm")).status_code == 403
    assert (
        client.post("/api/v1/programs/999999/test-send", json={}, headers=headers).status_code
        == 404
    )
