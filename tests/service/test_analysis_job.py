"""The survey page leaves a comment's analysis to a job: the answer is stored marked
`analysis_pending`, the analyze-responses job records the analysis and clears the mark, and
create-followups analyses a marked response itself before it plans that response's tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedback.models import OutboxEmail, Response, ResponseAnalysis
from feedback.services import analytics, capture, followup, invitations, programs
from jobs.registry import run_job

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
COMMENT = "Billing is a nightmare and the app crashes constantly."


def _answered(session, app, make_contact, comment: str | None = COMMENT):
    program = programs.create_program(
        session, {"name": "Relationship", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    person = make_contact()
    invited = invitations.invite_now(
        session, app.config, program.id, [person.email], now=NOW - timedelta(days=1)
    )[0]
    token = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=invited["invitation_id"], kind="invitation")
        .one()
        .substitutions["%%token%%"]
    )
    survey = capture.submit_answer(session, token, score=2, comment=comment, now=NOW)
    session.commit()
    return session.get(Response, survey.response.id)


def test_the_page_marks_the_comment_and_the_job_analyses_it_once(session, app, make_contact):
    response = _answered(session, app, make_contact)
    assert response.analysis_pending and session.get(ResponseAnalysis, response.id) is None

    assert run_job(app, "analyze-responses", manual=True, now=NOW) == {"analyzed": 1}
    session.expire_all()
    analysis = session.get(ResponseAnalysis, response.id)
    assert not response.analysis_pending
    assert analysis is not None and analysis.sentiment_label == "negative"
    assert {tag.theme.key for tag in response.theme_tags} >= {"billing"}
    assert run_job(app, "analyze-responses", manual=True, now=NOW) == {"analyzed": 0}


def test_an_answer_without_a_comment_leaves_nothing_to_analyse(session, app, make_contact):
    response = _answered(session, app, make_contact, comment=None)
    assert not response.analysis_pending
    assert analytics.analyze_pending(session) == 0


def test_create_followups_analyses_a_waiting_response_before_it_plans(
    session, app, make_contact, seed_defaults
):
    seed_defaults()
    response = _answered(session, app, make_contact)
    assert response.analysis_pending

    stats = followup.create_followups(session, NOW + timedelta(minutes=1))
    session.commit()
    session.expire_all()
    assert stats["responses"] == 1 and stats["tasks"] >= 1
    assert not response.analysis_pending
    analysis = session.get(ResponseAnalysis, response.id)
    assert analysis is not None and analysis.sentiment_label == "negative"
