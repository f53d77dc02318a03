"""A customer's email reply, analysed like a comment: sentiment shown in the thread, themes
joined to the response's, the raw text and HTML kept and viewable, nothing written lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import InboundEmail, Message, ResponseTheme
from tests.builders import DOMAIN, inbound_form, post, start_conversation


@pytest.fixture
def app_config():
    return {"INBOUND_SECRET": "inbound-secret-123", "INBOUND_DOMAIN": DOMAIN}


def _email(session, invitation_id) -> InboundEmail:
    session.expire_all()
    return session.scalar(select(InboundEmail).where(InboundEmail.invitation_id == invitation_id))


def test_a_reply_is_analysed_and_its_sentiment_shown_in_the_thread(
    client, session, make_contact, make_user, login
):
    invitation, response, token = start_conversation(session, make_contact, score=4)
    text = (
        "The app crashed three times this week and support never answered.\n\n"
        "On Mon, 3 Mar 2025 at 10:00, Acme <survey@acme.example> wrote:\n> How are we doing?\n"
    )
    form = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=text)
    assert post(client, form).status_code == 200
    email = _email(session, invitation.id)
    assert email.language == "en" and email.sentiment_label == "negative"
    assert email.sentiment_polarity < 0
    assert {d["phrase"].lower() for d in email.sentiment_drivers} & {"crashed", "never answered"}
    # The reply's themes join the response's, for the outer loop.
    tags = session.scalars(select(ResponseTheme).where(ResponseTheme.response_id == response.id))
    assert {t.theme.key: t.label for t in tags}.get("reliability") == "negative"

    login(make_user("admin"))  # nobody holds these answers but an admin
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert "Sentiment: negative (" in page


def test_a_reply_in_a_language_without_a_lexicon_says_not_analysed_language(
    client, session, make_contact, make_user, login
):
    invitation, response, token = start_conversation(session, make_contact, score=4)
    text = "La exportación es muy lenta y el soporte nunca responde a nuestros correos."
    post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                              text=text))  # fmt: skip
    email = _email(session, invitation.id)
    assert email.language == "es" and email.sentiment_polarity is None
    login(make_user("admin"))  # nobody holds these answers but an admin
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert "not analysed: language (es)" in page


def test_an_html_only_reply_keeps_its_sign_off_and_its_raw_html_is_viewable(
    client, session, make_contact, make_user, login
):
    invitation, response, token = start_conversation(session, make_contact)
    html = (
        "<div>The new reports are great.<br><br>Best regards,<br>Ana</div>"
        "<div class='gmail_quote'>On Mon, Acme wrote:<blockquote>How are we doing?</blockquote>"
        "</div>"
    )
    post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                              text="", html=html))  # fmt: skip
    message = session.scalar(
        select(Message).where(Message.invitation_id == invitation.id, Message.kind == "reply")
    )
    assert message.body == "The new reports are great.\n\nBest regards,\nAna"
    email = _email(session, invitation.id)
    assert email.html == html and email.sentiment_label == "positive"
    login(make_user("admin"))  # nobody holds these answers but an admin
    page = client.get(f"/responses/{response.id}/thread").get_data(as_text=True)
    assert "HTML source" in page and "&lt;div class=&#39;gmail_quote&#39;&gt;" in page


def test_a_bottom_posted_reply_is_not_lost(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    text = (
        "On Mon, 3 Mar 2025 at 10:00, Acme <survey@acme.example> wrote:\n"
        "> How are we doing?\n> Reply to this email.\n\nExports time out every morning.\n"
    )
    post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                              text=text))  # fmt: skip
    message = session.scalar(
        select(Message).where(Message.invitation_id == invitation.id, Message.kind == "reply")
    )
    assert message.body == "Exports time out every morning."
    assert _email(session, invitation.id).text == text  # the full mail is kept as sent


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        ("Still broken. The export fails every single time and nobody has called me.", 2, 3),
        ("Still broken. The export fails every single time and nobody has called me.", 4, 4),
        ("Thanks, the new export works really well now.", 2, 2),
    ],
)
def test_an_unhappy_reply_raises_the_open_tasks_priority(
    client, session, make_contact, make_user, login, text, before, after
):
    from tests.builders import add_task

    invitation, response, token = start_conversation(session, make_contact, score=7)
    task = add_task(session, response=response, type="convert", priority=before)
    form = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=text)
    assert post(client, form).status_code == 200
    session.expire_all()
    task = session.get(type(task), task.id)
    assert task.priority == after
    raised = [e for e in task.events if e.kind == "severity"]
    if after > before:
        assert [(e.from_value, e.to_value, e.body) for e in raised] == [
            ("2", "3", "The customer's reply reads negative")
        ]
        login(make_user("admin"))
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert "Severity noted: Normal → High" in page
    else:
        assert raised == []
