"""Capturing answers: one response per invitation, scanners never count, history is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Message, OutboxEmail, Response, ScoreChange
from feedback.services import capture, invitations, programs
from feedback.services.errors import InvalidInput

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def invite(session, app, make_contact):
    """An invitation for a new contact; returns (token, invitation)."""

    def make(kind: str = "nps", milestone_question: str | None = None, **contact):
        program = programs.create_program(
            session,
            {
                "name": f"P{len(programs.list_programs(session))}",
                "kind": kind,
                "active": True,
                "product_name": "Acme",
            },
        )
        person = make_contact(**contact)
        results = invitations.invite_now(
            session, app.config, program.id, [person.email], now=NOW - timedelta(days=1)
        )
        assert results[0]["status"] == "invited", results
        email = (
            session.query(OutboxEmail)
            .filter_by(invitation_id=results[0]["invitation_id"], kind="invitation")
            .one()
        )
        session.commit()
        return email.substitutions["%%token%%"], email.invitation_id

    return make


def _click(session, token, score, at=NOW, agent=PHONE, headers=None):
    survey, counted = capture.record_click(
        session, token, score, user_agent=agent, headers=headers or {}, now=at
    )
    session.commit()
    return survey, counted


def test_a_click_records_a_provisional_promoter(session, invite):
    token, invitation_id = invite()
    survey, counted = _click(session, token, 9)
    assert counted
    response = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (response.score, response.category, response.status) == (9, "promoter", "provisional")


def test_clicking_again_and_changing_keeps_one_response_and_the_history(session, invite):
    token, invitation_id = invite()
    _click(session, token, 9)
    _click(session, token, 9, at=NOW + timedelta(seconds=1))  # double click
    _click(session, token, 4, at=NOW + timedelta(minutes=5))  # changed their mind
    responses = session.query(Response).filter_by(invitation_id=invitation_id).all()
    assert len(responses) == 1 and responses[0].score == 4 and responses[0].category == "detractor"
    changes = session.query(ScoreChange).filter_by(invitation_id=invitation_id).all()
    assert [c.score for c in changes] == [9, 9, 4]


def test_scanner_hits_are_evidence_only(session, invite):
    token, invitation_id = invite()
    _, counted = _click(session, token, 0, agent="Mozilla/5.0 (compatible; Barracuda Sentinel)")
    assert not counted
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0
    change = session.query(ScoreChange).filter_by(invitation_id=invitation_id).one()
    assert not change.counted and "scanner" in change.reason


def test_a_burst_of_scores_takes_back_the_first_and_records_nothing(session, invite):
    token, invitation_id = invite()
    for i, score in enumerate(range(0, 11)):
        _click(session, token, score, at=NOW + timedelta(milliseconds=300 * i))
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0
    assert not any(
        c.counted for c in session.query(ScoreChange).filter_by(invitation_id=invitation_id)
    )
    # ... and a person's later click counts.
    _click(session, token, 8, at=NOW + timedelta(minutes=10))
    assert session.query(Response).filter_by(invitation_id=invitation_id).one().score == 8


def test_a_scanner_never_flips_a_confirmed_answer(session, invite):
    token, invitation_id = invite()
    _click(session, token, 10)
    capture.submit_answer(
        session, token, score=10, comment="Love it", now=NOW + timedelta(minutes=1)
    )
    session.commit()
    _click(session, token, 0, at=NOW + timedelta(minutes=2), agent="python-requests/2.31")
    response = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (response.score, response.status) == (10, "confirmed")


def test_submitting_the_page_confirms_and_threads_the_comment(session, invite):
    token, invitation_id = invite()
    _click(session, token, 6)
    capture.submit_answer(
        session, token, score=7, comment="Setup was slow.", now=NOW + timedelta(minutes=1)
    )
    session.commit()
    response = session.query(Response).filter_by(invitation_id=invitation_id).one()
    assert (response.score, response.category, response.status) == (7, "passive", "confirmed")
    kinds = [m.kind for m in capture.thread(session, invitation_id)]
    assert kinds[0] == "invitation" and "comment" in kinds and kinds.count("score") == 2


def test_a_too_long_comment_is_refused_and_nothing_changes(session, invite):
    token, invitation_id = invite()
    with pytest.raises(InvalidInput) as error:
        capture.submit_answer(session, token, score=9, comment="x" * 5001, now=NOW)
    assert "5,000" in error.value.fields["comment"][0]
    session.rollback()
    assert session.query(Response).filter_by(invitation_id=invitation_id).count() == 0


def test_expired_unknown_and_malformed_links(session, invite):
    token, _ = invite()
    with pytest.raises(capture.LinkExpired):
        capture.open_survey(session, token, NOW + timedelta(days=40))
    with pytest.raises(capture.LinkNotFound):
        capture.open_survey(session, "A" * 43, NOW)
    with pytest.raises(capture.LinkNotFound):
        capture.open_survey(session, "../etc/passwd", NOW)


def test_a_response_cancels_the_reminder(session, invite):
    token, invitation_id = invite()
    _click(session, token, 9)
    reminder = (
        session.query(OutboxEmail).filter_by(invitation_id=invitation_id, kind="reminder").one()
    )
    assert reminder.status == "cancelled"


def test_the_thread_starts_with_our_invitation(session, invite):
    _, invitation_id = invite()
    first = session.query(Message).filter_by(invitation_id=invitation_id).first()
    assert (first.direction, first.kind, first.channel) == ("outbound", "invitation", "email")


def test_outgoing_webhooks_hear_created_then_updated(session, invite):
    from feedback.models import WebhookDelivery
    from feedback.services import webhooks_out

    webhooks_out.create_endpoint(
        session,
        url="https://hooks.example.com/nps",
        event_types=["response.created", "response.updated"],
    )
    session.commit()
    token, invitation_id = invite()
    _click(session, token, 9)
    capture.submit_answer(session, token, score=9, comment="Great", now=NOW + timedelta(minutes=1))
    session.commit()
    events = [d.event_type for d in session.query(WebhookDelivery).order_by(WebhookDelivery.id)]
    assert events == ["response.created", "response.updated"]
