"""The customer's pages: follow-up question per category, friendly errors, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Message, Response

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"


def _get(client, url):
    return client.get(url, headers={"User-Agent": PHONE})


@pytest.mark.parametrize(
    ("score", "question"),
    [
        (10, "What do you value most about Acme?"),
        (9, "What do you value most about Acme?"),
        (8, "What is the one thing that would make it a 10?"),
        (7, "What is the one thing that would make it a 10?"),
        (6, "What went wrong?"),
        (0, "What went wrong?"),
    ],
)
def test_each_category_gets_its_follow_up_question(client, survey_link, score, question):
    token, _ = survey_link()
    response = _get(client, f"/r/{token}/{score}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert question in body
    assert f'id="score-{score}" value="{score}" checked' in body
    assert response.headers["Cache-Control"] == "no-store"


def test_onboarding_effort_scale_and_success_question(client, survey_link):
    token, _ = survey_link(kind="onboarding", question="effort")
    body = _get(client, f"/r/{token}/2").get_data(as_text=True)
    assert 'id="score-7"' in body and 'id="score-8"' not in body
    assert "What does success with Acme look like for you?" in body
    assert "What got in your way?" in body
    assert _get(client, f"/r/{token}/9").status_code == 404  # not on the 1-7 scale


def test_unknown_malformed_and_expired_links_are_friendly(client, session, survey_link):
    token, invitation_id = survey_link()
    for url in (f"/r/{'A' * 43}/9", "/r/not-a-token!/9", f"/r/{token}/11", f"/r/{'B' * 43}"):
        response = _get(client, url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.get_data(as_text=True)
        assert "reply to the email" in response.get_data(as_text=True)
    from feedback.models import Invitation

    session.get(Invitation, invitation_id).expires_at = datetime.now(UTC) - timedelta(days=1)
    session.commit()
    response = _get(client, f"/r/{token}/9")
    assert response.status_code == 410
    assert "closed" in response.get_data(as_text=True)


def test_a_too_long_comment_is_refused_and_kept(client, session, survey_link):
    token, invitation_id = survey_link()
    text = "It was slow. " * 400 + "<script>alert(1)</script>"
    response = client.post(f"/r/{token}", data={"score": "5", "comment": text})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "under 5,000 characters" in body
    assert "It was slow. It was slow." in body  # what was typed is still in the box
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert 'value="5" checked' in body
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0


def test_submitting_confirms_and_redirects_to_thanks(client, session, survey_link):
    token, invitation_id = survey_link()
    _get(client, f"/r/{token}/3")
    response = client.post(f"/r/{token}", data={"score": "3", "comment": "Billing is a mess"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/thanks")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Would a call help?" in page
    saved = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (saved.score, saved.status, saved.comment) == (3, "confirmed", "Billing is a mess")


def test_a_page_without_a_score_asks_for_one(client, survey_link):
    token, _ = survey_link()
    response = client.post(f"/r/{token}", data={"comment": "hello"})
    assert response.status_code == 422
    assert "Choose a score from 0 to 10" in response.get_data(as_text=True)


def test_detractor_can_ask_for_a_call_back(client, session, survey_link):
    token, invitation_id = survey_link()
    client.post(f"/r/{token}", data={"score": "2"})
    bad = client.post(f"/r/{token}/callback", data={"phone": "call me", "best_time": "after 2"})
    assert bad.status_code == 422 and 'value="after 2"' in bad.get_data(as_text=True)
    good = client.post(f"/r/{token}/callback", data={"phone": "+49 30 1234567", "best_time": ""})
    assert good.status_code == 200 and "We'll call you" in good.get_data(as_text=True)
    kinds = [m.kind for m in session.query(Message).filter_by(invitation_id=invitation_id)]
    assert "callback_request" in kinds


def test_promoter_gets_the_review_link_and_referral_form(client, session, survey_link):
    token, invitation_id = survey_link(review_url="https://reviews.example.com/acme")
    client.post(f"/r/{token}", data={"score": "10"})
    page = client.get(f"/r/{token}/thanks").get_data(as_text=True)
    assert "https://reviews.example.com/acme" in page and "Know someone" in page
    sent = client.post(f"/r/{token}/referral", data={"name": "Kim", "email": "kim@peer.example"})
    assert sent.status_code == 200 and "introduction" in sent.get_data(as_text=True)


def test_pages_load_nothing_from_other_sites(client, survey_link):
    token, _ = survey_link()
    body = _get(client, f"/r/{token}/9").get_data(as_text=True)
    assert "<script" not in body
    for marker in ('src="http', 'href="http', "@import"):
        assert marker not in body


def test_comment_html_is_escaped_when_shown_again(client, survey_link):
    token, _ = survey_link()
    client.post(f"/r/{token}", data={"score": "9", "comment": '<img src=x onerror="alert(1)">'})
    body = client.get(f"/r/{token}").get_data(as_text=True)
    assert "<img src=x" not in body and "&lt;img src=x" in body
