"""The conversation page: the response, the thread oldest first, and the CSM's email reply."""

from __future__ import annotations

import html
import re

import pytest

from feedback.mail.substitutions import apply_substitutions
from feedback.models import Message, OutboxEmail, ReplyToken, Response
from feedback.tokens import hash_token
from tests.builders import DOMAIN, inbound_form, post, start_conversation

XSS = "<script>alert('x')</script>"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


@pytest.fixture
def app_config():
    return {"INBOUND_SECRET": "inbound-secret-123", "INBOUND_DOMAIN": DOMAIN}


def _owned_by(session, response, user):
    """Give the response's customer an account owned by `user`, so the access rule lets them
    see the thread (feedback/access_rules.py)."""
    from feedback.models import Account

    account = Account(name=f"Account of {user.name}", owner_id=user.id)
    session.add(account)
    session.flush()
    response.account_id = account.id
    response.contact.account_id = account.id
    session.commit()
    return user


def _thread(session, invitation_id):
    return (
        session.query(Message)
        .filter_by(invitation_id=invitation_id)
        .order_by(Message.created_at, Message.id)
        .all()
    )


def test_the_page_shows_the_response_and_the_thread_escaped(
    client, session, make_contact, make_user, login
):
    invitation, response, token = start_conversation(
        session, make_contact, score=3, comment=f"Bad {XSS} export", name="Ana Díaz"
    )
    post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                              text=f"Still broken {XSS}"))  # fmt: skip
    login(_owned_by(session, response, make_user("csm")))
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert XSS not in page
    # The reply re-analyses the conversation, so "export" is marked as a theme now.
    assert "Bad &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark" in page
    assert "Still broken &lt;script&gt;" in page
    assert ">3<" in page and "<dd>Detractor</dd>" in page
    assert page.index("How are we doing?") < page.index("Still broken")  # oldest first
    assert "Ana Díaz" in page and 'name="csrf_token"' in page


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head", "admin"])
def test_staff_roles_may_open_it(client, session, make_contact, make_user, login, role):
    _, response, _ = start_conversation(session, make_contact)
    login(_owned_by(session, response, make_user(role)))
    assert client.get(f"/responses/{response.id}/thread").status_code == 200


def test_an_unknown_response_is_404(client, make_user, login):
    login(make_user("csm"))
    assert client.get("/responses/999999/thread").status_code == 404


def test_csm_reply_round_trip(client, session, make_contact, make_user, login):
    invitation, response, _ = start_conversation(session, make_contact, name="Maria Lopez")
    csm = _owned_by(session, response, make_user("csm", name="Chris Success"))
    login(csm)
    answer = client.post(f"/responses/{response.id}/thread",
                         data={"body": f"Thanks Maria!\n\nWe fixed the export {XSS}."})  # fmt: skip
    assert answer.status_code == 302

    sent = _thread(session, invitation.id)[-1]
    assert (sent.direction, sent.kind, sent.channel, sent.author_user_id) == (
        "outbound", "reply", "email", csm.id)  # fmt: skip
    email = session.get(OutboxEmail, sent.outbox_email_id)
    assert (email.kind, email.status, email.to_email) == (
        "reply",
        "queued",
        invitation.contact.email,
    )
    assert email.invitation_id == invitation.id
    raw_token = email.substitutions["%%reply_token%%"]
    assert email.content.reply_to == f"reply+%%reply_token%%@{DOMAIN}"
    assert raw_token not in email.content.html + email.content.text  # only in substitutions
    stored = session.query(ReplyToken).filter_by(invitation_id=invitation.id).one()
    assert stored.token_hash == hash_token(raw_token) and stored.token_hash != raw_token
    assert "&lt;script&gt;" in email.content.html and XSS not in email.content.html
    assert email.content.text == f"Thanks Maria!\n\nWe fixed the export {XSS}."  # as typed
    assert email.content.subject == "Re: How are we doing?"

    # The customer answers the CSM's email: it threads into the same conversation.
    reply_to = apply_substitutions(email.content.reply_to, email.substitutions)
    body = ("Great, works now!\n\nOn Tue, 4 Mar 2026 at 09:00, Chris Success <"
            f"{reply_to}> wrote:\n> Thanks Maria!\n> We fixed the export.")  # fmt: skip
    answer = post(client, inbound_form(to=reply_to, sender=invitation.contact.email, text=body,
                                       message_id="<answer@mail.example>"))  # fmt: skip
    assert answer.get_json()["status"] == "threaded"
    thread = _thread(session, invitation.id)
    assert [(m.direction, m.kind) for m in thread] == [
        ("outbound", "invitation"), ("outbound", "reply"), ("inbound", "reply")]  # fmt: skip
    assert thread[-1].body == "Great, works now!"

    # The next CSM reply answers that email in the mail client's thread.
    client.post(f"/responses/{response.id}/thread", data={"body": "Glad to hear it."})
    second = session.get(OutboxEmail, _thread(session, invitation.id)[-1].outbox_email_id)
    assert second.headers["In-Reply-To"] == "<answer@mail.example>"
    assert second.substitutions["%%reply_token%%"] != raw_token


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write a reply"), ("   \n ", "Write a reply"), ("x" * 10_001, "the limit is 10,000")],
)
def test_an_empty_or_too_long_reply_is_refused_and_kept(
    client, session, make_contact, make_user, login, body, message
):
    invitation, response, _ = start_conversation(session, make_contact)
    login(_owned_by(session, response, make_user("csm")))
    answer = client.post(f"/responses/{response.id}/thread", data={"body": body})
    assert answer.status_code == 303  # post/redirect/get: a reload does not resend
    assert answer.headers["Location"] == f"/responses/{response.id}/thread#body"
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert page.count(message) == 1  # once, beside the reply box; no second copy on top
    if body.strip():
        assert body in page  # what they typed is still in the form
    assert session.query(OutboxEmail).count() == 0
    assert session.query(ReplyToken).count() == 0
    assert [m.kind for m in _thread(session, invitation.id)] == ["invitation"]


def test_a_reply_at_the_limit_is_sent(client, session, make_contact, make_user, login):
    invitation, response, _ = start_conversation(session, make_contact)
    login(_owned_by(session, response, make_user("csm")))
    answer = client.post(f"/responses/{response.id}/thread", data={"body": "y" * 10_000})
    assert answer.status_code == 302
    sent = _thread(session, invitation.id)[-1]
    assert (sent.direction, sent.kind, sent.body) == ("outbound", "reply", "y" * 10_000)
    email = session.get(OutboxEmail, sent.outbox_email_id)
    assert email.status == "queued" and email.content.text == "y" * 10_000  # all of it, once


def test_a_bounced_contact_cannot_be_emailed(client, session, make_contact, make_user, login):
    invitation, response, _ = start_conversation(session, make_contact)
    invitation.contact.bounced = True
    session.commit()
    login(_owned_by(session, response, make_user("csm")))
    answer = client.post(f"/responses/{response.id}/thread", data={"body": "Hello"})
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert page.count("bounced; contact them another way") == 1 and "Hello</textarea>" in page


def test_a_reply_reaches_a_contact_who_unsubscribed_from_surveys_but_not_a_spam_reporter(
    client, session, make_contact, make_user, login
):
    """A personal reply is not a survey: the one suppression rule lets it through an
    unsubscribe, never through a spam report."""
    invitation, response, _ = start_conversation(session, make_contact)
    invitation.contact.unsubscribed = True
    session.commit()
    login(make_user("admin"))  # no task follows this answer: the admin may reply
    client.post(f"/responses/{response.id}/thread", data={"body": "Sorted, thank you."})
    assert [m.kind for m in _thread(session, invitation.id)][-1] == "reply"
    assert session.query(OutboxEmail).filter_by(kind="reply").count() == 1

    invitation.contact.spam_reported = True
    session.commit()
    answer = client.post(f"/responses/{response.id}/thread", data={"body": "One more thing."})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert page.count("was reported as spam; contact them another way") == 1
    assert session.query(OutboxEmail).filter_by(kind="reply").count() == 1


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_reply_form_needs_its_csrf_token(client, session, make_contact, make_user, login):
    _, response, _ = start_conversation(session, make_contact)
    user = _owned_by(session, response, make_user("csm"))
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                "csrf_token": token})  # fmt: skip
    assert client.post(f"/responses/{response.id}/thread", data={"body": "Hi"}).status_code == 400
    token = _csrf(client.get(f"/responses/{response.id}/thread").get_data(as_text=True))
    answer = client.post(f"/responses/{response.id}/thread",
                         data={"body": "Hi", "csrf_token": token})  # fmt: skip
    assert answer.status_code == 302


def test_the_response_page_shows_the_analysis_with_marked_themes(
    client, session, app, make_user, login
):
    from feedback.models import OutboxEmail
    from feedback.services import analytics, capture, invitations, programs, taxonomy

    taxonomy.seed_taxonomy(session)
    program = programs.create_program(
        session, {"name": "Analysed", "kind": "nps", "product_name": "Acme"}
    )
    from feedback.models import Contact

    contact = Contact(email="ana@customer.example", attributes={})
    session.add(contact)
    session.flush()
    invited = invitations.invite_now(session, app.config, program.id, [contact.email])[0]
    token = (
        session.query(OutboxEmail)
        .filter_by(invitation_id=invited["invitation_id"], kind="invitation")
        .one()
        .substitutions["%%token%%"]
    )
    survey = capture.submit_answer(
        session,
        token,
        score=10,
        comment="The invoice was wrong <b>again</b> and the app crashes constantly.",
    )
    session.commit()
    assert analytics.analyze_pending(session) == 1  # the analyze-responses job's work
    session.commit()
    login(_owned_by(session, session.get(Response, survey.response.id), make_user("csm")))
    page = client.get(f"/responses/{survey.response.id}/thread").get_data(as_text=True)
    assert "negative" in page
    assert "<mark" in page and "&lt;b&gt;again&lt;/b&gt;" in page
    assert "Score and comment disagree" in page


def _textarea(page: str, name: str = "body") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no reply box in the page"
    return html.unescape(match.group(1))


def test_the_composer_shows_greeting_and_signature_and_the_email_is_what_was_typed(
    client, session, make_contact, make_user, login
):
    invitation, response, _ = start_conversation(session, make_contact, name="Nathan Reid")
    csm = _owned_by(session, response, make_user("csm", name="Clara Schmidt"))
    login(csm)
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    sender = invitation.program.sender_name
    assert _textarea(page) == f"Hi Nathan,\n\n\n\nClara Schmidt\n{sender}"

    typed = f"Hi Nathan,\n\nThe export is fixed.\nTry it again?\n\nClara Schmidt\n{sender}"
    answer = client.post(f"/responses/{response.id}/thread", data={"body": typed})
    assert answer.status_code == 302
    sent = _thread(session, invitation.id)[-1]
    email = session.get(OutboxEmail, sent.outbox_email_id)
    assert email.content.text == typed == sent.body
    assert email.content.text.count("Hi Nathan") == 1
    assert email.content.html.count("Hi Nathan") == 1  # no doubled greeting in either part
    assert email.content.html.count("Clara Schmidt") == 1
    assert "The export is fixed.<br>Try it again?" in email.content.html


def test_a_reply_without_greeting_goes_out_without_one(
    client, session, make_contact, make_user, login
):
    invitation, response, _ = start_conversation(session, make_contact, name="Nathan Reid")
    login(_owned_by(session, response, make_user("csm", name="Clara Schmidt")))
    client.post(f"/responses/{response.id}/thread", data={"body": "Fixed now."})
    email = session.get(OutboxEmail, _thread(session, invitation.id)[-1].outbox_email_id)
    assert email.content.text == "Fixed now."
    assert "Nathan" not in email.content.html and "Clara" not in email.content.html


def test_the_greeting_is_in_the_customers_language(client, session, make_contact, make_user, login):
    invitation, response, _ = start_conversation(session, make_contact, name="Lukas Weber")
    invitation.locale = "de"
    session.commit()
    login(_owned_by(session, response, make_user("csm", name="Clara Schmidt")))
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert _textarea(page).startswith("Hallo Lukas,\n")


def test_sending_the_untouched_draft_is_refused(client, session, make_contact, make_user, login):
    invitation, response, _ = start_conversation(session, make_contact, name="Nathan Reid")
    login(_owned_by(session, response, make_user("csm", name="Clara Schmidt")))
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    answer = client.post(f"/responses/{response.id}/thread", data={"body": _textarea(page)})
    assert answer.status_code == 303  # post/redirect/get: a reload sends nothing again
    again = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "between the greeting and the signature" in again
    assert session.query(OutboxEmail).count() == 0
    assert [m.kind for m in _thread(session, invitation.id)] == ["invitation"]
