"""Each question kind speaks and counts as itself: an onboarding "how close are you" answer
gets closeness wording, labels and thanks, is stored as closeness and never counts as NPS."""

from __future__ import annotations

import pytest

from feedback.models import Response
from feedback.services import capture, huddle, overview, programs

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"


@pytest.fixture
def onboarding(session):
    return programs.create_program(
        session,
        {
            "name": "Onboarding",
            "kind": "onboarding",
            "active": True,
            "product_name": "Acme",
            "triggers": programs.DEFAULT_ONBOARDING_TRIGGERS,
        },
    )


@pytest.fixture
def relationship(session):
    return programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "active": True, "product_name": "Acme"}
    )


def _get(client, url):
    return client.get(url, headers={"User-Agent": PHONE})


def test_closeness_email_page_and_thanks_use_closeness_words(
    client, session, onboarding, invite_to
):
    token, invitation_id, email = invite_to(onboarding, "day30")
    assert "How close are you" in email.content.text and "Already there" in email.content.text

    page = _get(client, f"/r/{token}/2").get_data(as_text=True)
    assert "How close are you to what you wanted to achieve with Acme?" in page
    assert "Not close at all" in page and "Already there" in page
    assert "recommend" not in page and "Extremely likely" not in page
    assert "What is standing between you and your goal?" in page

    response = client.post(f"/r/{token}", data={"score": "2", "comment": "Stuck on SSO"})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sorry we let you down" not in thanks.lower()
    assert "Thank you for telling us where you stand." in thanks
    # No call-back offer: no follow-up task would pick it up (only detractors get one).
    assert "Would a call help?" not in thanks

    saved = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (saved.scale, saved.category) == ("closeness", "off_track")


def test_closeness_categories_follow_the_definition(client, session, onboarding, invite_to):
    for score, category in ((10, "on_track"), (8, "on_track"), (7, "partway"), (4, "off_track")):
        token, invitation_id, _ = invite_to(onboarding, "day90")
        client.post(f"/r/{token}", data={"score": str(score)})
        saved = session.query(Response).filter_by(invitation_id=invitation_id).one()
        assert (saved.scale, saved.category) == ("closeness", category), score


def test_nps_figures_exclude_onboarding_answers_everywhere(
    client, session, onboarding, relationship, invite_to, make_user, login, api_headers
):
    for score in (10, 9, 3):  # NPS: 2 promoters, 1 detractor -> +33
        token, _, _ = invite_to(relationship)
        capture.submit_answer(session, token, score=score, comment=None)
    for score in (0, 1, 2, 10):  # closeness at day 30: 1 of 4 on track
        token, _, _ = invite_to(onboarding, "day30")
        capture.submit_answer(session, token, score=score, comment="Slow going")
    session.commit()

    (row,) = overview.nps_overview(session)["program"]
    assert (row.label, row.result.n, round(row.result.score)) == ("Relationship", 3, 33)
    (milestone,) = overview.onboarding_overview(session)
    assert (milestone.milestone, milestone.kind, milestone.answers, milestone.good) == (
        "day30",
        "closeness",
        4,
        1,
    )

    api = client.get("/api/v1/metrics/nps", headers=api_headers("csm")).get_json()
    assert [(r["label"], r["answers"], round(r["nps"])) for r in api["program"]] == [
        ("Relationship", 3, 33)
    ]
    assert api["program"][0]["detractors"] == 1
    onboarding_api = client.get("/api/v1/metrics/onboarding", headers=api_headers("csm"))
    assert [(r["milestone"], r["answers"], r["share"]) for r in onboarding_api.get_json()] == [
        ("day30", 4, 0.25)
    ]

    login(make_user("csm"))
    home = client.get("/").get_data(as_text=True)
    assert "+33" in home and "3 (2 / 0 / 1)" in home
    assert "Onboarding by milestone" in home and "25%" in home


def test_huddle_does_not_read_a_stuck_onboarding_answer_as_a_detractor(
    session, onboarding, invite_to
):
    token, invitation_id, _ = invite_to(onboarding, "day30")
    capture.submit_answer(session, token, score=1, comment="zzz qqq")
    saved = session.query(Response).filter_by(invitation_id=invitation_id).one()
    verbatim = huddle.Verbatim(
        response_id=saved.id,
        comment="zzz qqq",
        score=saved.score,
        category=saved.category,
        polarity=None,
        label=None,
        mismatch=False,
        mismatch_reason=None,
        contact="x",
        account=None,
        answered_at=saved.answered_at,
        raised=False,
    )
    negatives, positives, _ = huddle.pick_verbatims([verbatim])
    assert saved.category != "detractor" and negatives == [] and positives == []


def test_an_out_of_range_score_says_it_is_not_on_the_scale(client, onboarding, invite_to):
    token, _, _ = invite_to(onboarding, "week1")  # effort, 1 to 7
    response = _get(client, f"/r/{token}/9")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "9 is not on this survey&#39;s scale" in body and "from 1 to 7" in body
    assert "not complete" not in body
