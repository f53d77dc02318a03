"""Errors on customer pages (survey, unsubscribe, "did we resolve it?") speak the customer's
language and a customer's words; staff pages keep theirs."""

from __future__ import annotations

import pytest

from feedback import locales
from feedback.models import Response
from tests.builders import assert_no_english

NUL = "\x00"
OTHER = [lang for lang in locales.SUPPORTED if lang != "en"]


@pytest.mark.parametrize("lang", OTHER)
def test_a_broken_survey_link_answers_in_the_browsers_language(client, lang):
    response = client.get("/r/not-a-token/eleven", headers={"Accept-Language": f"{lang},en;q=0.5"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert f'lang="{lang}"' in page
    assert_no_english(page, lang, "404 on a survey link")
    assert "Error 404" not in page and "Sign in" not in page


@pytest.mark.parametrize("lang", OTHER)
def test_a_control_character_in_a_comment_is_refused_in_the_customers_words(
    client, session, survey_link, lang
):
    token, invitation_id = survey_link()
    response = client.post(
        f"/r/{token}",
        data={"score": "3", "comment": f"bad{NUL}comment"},
        headers={"Accept-Language": lang},
    )
    assert response.status_code == 400
    assert_no_english(response.get_data(as_text=True), lang, "control character refusal")
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0


def test_english_customer_errors_use_customer_words(client, survey_link):
    token, _ = survey_link()
    page = client.post(f"/r/{token}", data={"score": "3", "comment": f"x{NUL}"}).get_data(
        as_text=True
    )
    assert "control character (an invisible character)" in page
    assert "reply to the email" in page
    wrong_method = client.put(f"/u/{token}")
    assert wrong_method.status_code == 405
    assert "We could not read what was sent" in wrong_method.get_data(as_text=True)


def test_staff_pages_keep_the_staff_wording(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "There is nothing at this address." in page and "Error 404" in page
