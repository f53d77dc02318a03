"""The API does what the thread page does: a staff reply is threaded and emailed."""

from __future__ import annotations

from feedback.models import Message, OutboxEmail, Response
from feedback.services import capture, invitations, programs


def _csm_of(session, response, make_user):
    """Bearer headers of a CSM who owns the response's account (the access rule lets them in)."""
    from feedback.models import Account
    from feedback.services import org

    csm = make_user("csm")
    account = Account(name="Replied Ltd", owner_id=csm.id)
    session.add(account)
    session.flush()
    response.account_id = account.id
    _, token = org.create_api_token(session, csm.email, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _response(app, session, make_contact):
    program = programs.create_program(
        session, {"name": "API NPS", "kind": "nps", "product_name": "Acme"}
    )
    contact = make_contact()
    invited = invitations.invite_now(session, app.config, program.id, [contact.email])[0]
    token = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=invited["invitation_id"], kind="invitation")
        .one()
        .substitutions["%%token%%"]
    )
    survey = capture.submit_answer(session, token, score=4, comment="Slow support")
    session.commit()
    return session.get(Response, survey.response.id)


def test_a_csm_replies_through_the_api(app, session, client, make_user, make_contact):
    response = _response(app, session, make_contact)
    answer = client.post(
        f"/api/v1/responses/{response.id}/replies",
        json={"body": "Sorry about that. Can we call you?"},
        headers=_csm_of(session, response, make_user),
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["direction"] == "outbound"
    assert (
        session.query(OutboxEmail)
        .filter_by(invitation_id=response.invitation_id, kind="reply")
        .count()
        == 1
    )
    assert (
        session.query(Message).filter_by(invitation_id=response.invitation_id, kind="reply").count()
        == 1
    )


def test_an_empty_reply_is_refused_and_nothing_is_sent(
    app, session, client, make_user, make_contact
):
    response = _response(app, session, make_contact)
    answer = client.post(
        f"/api/v1/responses/{response.id}/replies",
        json={"body": "  "},
        headers=_csm_of(session, response, make_user),
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]
    assert (
        session.query(OutboxEmail)
        .filter_by(invitation_id=response.invitation_id, kind="reply")
        .count()
        == 0
    )
    missing = client.post(
        "/api/v1/responses/999999/replies",
        json={"body": "Hi"},
        headers=_csm_of(session, response, make_user),
    )
    assert missing.status_code == 404


def test_the_api_sends_exactly_the_given_text(app, session, client, api_headers, make_contact):
    response = _response(app, session, make_contact)
    body = "Hi Sam,\n\nSorry about the wait. Can we call you?\n\nChris"
    answer = client.post(
        f"/api/v1/responses/{response.id}/replies",
        json={"body": body},
        headers=api_headers("admin"),
    )
    assert answer.status_code == 201, answer.get_json()
    email = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=response.invitation_id)
        .filter(OutboxEmail.kind == "reply")
        .one()
    )
    assert email.content.text == body
    assert email.content.html.count("Hi Sam") == 1
