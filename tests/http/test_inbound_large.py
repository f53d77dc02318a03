"""Inbound mail is never lost: big posts, big HTML parts, attachments and control characters.

SendGrid drops a post we answer 4xx, so every authenticated post that carries a message must be
stored: these used to be 413 (an HTML part over 500 KB, a 600 KB attachment in raw MIME).
"""

from __future__ import annotations

import io
import os
from email.message import EmailMessage

import pytest

from feedback.models import InboundEmail, Message
from tests.builders import (
    DOMAIN,
    SECRET,
    inbound_form,
    post,
    start_conversation,
)


@pytest.fixture
def app_config():
    return {"INBOUND_SECRET": SECRET, "INBOUND_DOMAIN": DOMAIN}


def _stored(session, invitation):
    reply = session.query(Message).filter_by(invitation_id=invitation.id, kind="reply").one()
    return reply, session.query(InboundEmail).filter_by(message_id=reply.id).one()


def test_a_20_mb_message_with_an_attachment_and_a_big_html_part_is_stored(
    client, session, make_contact
):
    invitation, _, token = start_conversation(session, make_contact)
    html = "<p>" + "Thanks for asking, all good. " * 20_000 + "</p>"  # ~600 KB
    assert len(html) > 500_000
    data = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                        text="The install works now.", html=html, attachments="1",
                        **{"attachment-info": '{"attachment1": {"filename": "logs.zip", '
                                               '"type": "application/zip"}}'})  # fmt: skip
    data["attachment1"] = (io.BytesIO(os.urandom(20 * 1024 * 1024)), "logs.zip", "application/zip")
    answer = post(client, data)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    reply, stored = _stored(session, invitation)
    assert reply.body == "The install works now."
    assert stored.attachments == [
        {"filename": "logs.zip", "content_type": "application/zip", "size": 20 * 1024 * 1024}
    ]


def test_raw_mime_with_a_600_kb_attachment_is_stored(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    message = EmailMessage()
    message["From"] = invitation.contact.email
    message["To"] = f"reply+{token}@{DOMAIN}"
    message["Subject"] = "Re: How are we doing?"
    message["Message-ID"] = "<raw-600k@example.org>"
    message.set_content("See the screenshot attached.")
    message.add_attachment(os.urandom(600_000), maintype="image", subtype="png",
                           filename="screen.png")  # fmt: skip
    data = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=None,
                        email=message.as_string())  # fmt: skip
    answer = post(client, data)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    reply, stored = _stored(session, invitation)
    assert reply.body == "See the screenshot attached."
    assert stored.attachments == [
        {"filename": "screen.png", "content_type": "image/png", "size": 600_000}
    ]


def test_control_characters_from_a_mail_client_are_stripped_not_refused(
    client, session, make_contact
):
    invitation, _, token = start_conversation(session, make_contact)
    data = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                        text="Works\x00 fine\x07 now", subject="Re:\x00 hello")  # fmt: skip
    answer = post(client, data)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    reply, stored = _stored(session, invitation)
    assert reply.body == "Works fine now" and stored.subject == "Re: hello"


def test_other_routes_keep_the_app_wide_size_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "a@b.c", "password": "x" * 5000})
    assert response.status_code == 413


def test_a_nul_inside_raw_mime_and_an_attachment_name_is_stripped(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    raw = (
        f"From: {invitation.contact.email}\r\nTo: reply+{token}@{DOMAIN}\r\n"
        "Subject: Re: hi\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        "\r\nAll=00 good\r\n"
    )
    data = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=None,
                        email=raw)  # fmt: skip
    answer = post(client, data)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    reply, stored = _stored(session, invitation)
    assert reply.body == "All good" and "\x00" not in stored.text
