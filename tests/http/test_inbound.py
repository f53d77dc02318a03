"""SendGrid Inbound Parse: customers' email replies thread into their conversation.

Authenticated by a shared secret; malformed posts are 400; everything else is stored (a reply
we cannot place is kept as an unmatched reply) and answered 200.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from feedback.models import InboundEmail, Message, UnmatchedReply
from feedback.tokens import new_token
from tests.builders import CONVERSATION_AT, DOMAIN, SECRET, inbound_form, post, start_conversation

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "replies"
NOW = CONVERSATION_AT


@pytest.fixture
def app_config():
    return {"INBOUND_SECRET": SECRET, "INBOUND_DOMAIN": DOMAIN}


def _thread(session, invitation):
    return (
        session.query(Message)
        .filter_by(invitation_id=invitation.id)
        .order_by(Message.created_at, Message.id)
        .all()
    )


@pytest.mark.parametrize(
    "case", ["gmail_en", "outlook_en", "apple_en", "gmail_de", "outlook_de", "gmail_fr",
             "apple_fr", "gmail_es", "outlook_es"],
)  # fmt: skip
def test_a_reply_threads_with_exactly_the_new_words(client, session, make_contact, case):
    invitation, _, token = start_conversation(session, make_contact)
    body = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{case}.expected").read_text(encoding="utf-8").strip()
    answer = post(client, inbound_form(
        to=f"Customer Success <reply+{token}@{DOMAIN}>",
        sender=f"Customer <{invitation.contact.email}>", text=body,
    ))  # fmt: skip
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "threaded"
    reply = _thread(session, invitation)[-1]
    assert (reply.direction, reply.kind, reply.channel) == ("inbound", "reply", "email")
    assert reply.body == expected
    stored = session.query(InboundEmail).filter_by(message_id=reply.id).one()
    assert stored.text == body and stored.sender_matches


def test_basic_auth_works_too(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    auth = base64.b64encode(f"sendgrid:{SECRET}".encode()).decode()
    answer = post(
        client,
        inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text="Hi"),
        url="/webhooks/sendgrid/inbound",
        headers={"Authorization": f"Basic {auth}"},
    )
    assert answer.status_code == 200 and answer.get_json()["status"] == "threaded"


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/webhooks/sendgrid/inbound/wrong", {}),
        ("/webhooks/sendgrid/inbound", {}),
        ("/webhooks/sendgrid/inbound",
         {"Authorization": "Basic " + base64.b64encode(b"sendgrid:nope").decode()}),
    ],
)  # fmt: skip
def test_a_wrong_or_missing_secret_is_403(client, session, url, headers):
    data = inbound_form(to=f"reply@{DOMAIN}", sender="a@b.example", text="x")
    assert post(client, data, url=url, headers=headers).status_code == 403
    assert session.query(UnmatchedReply).count() == 0


@pytest.mark.parametrize("app_config", [{"INBOUND_SECRET": None}])
def test_without_a_configured_secret_every_post_is_403_and_logged(client, caplog):
    data = inbound_form(to=f"reply@{DOMAIN}", sender="a@b.example", text="x")
    with caplog.at_level(logging.ERROR):
        assert post(client, data, url="/webhooks/sendgrid/inbound/None").status_code == 403
        assert post(client, data, url="/webhooks/sendgrid/inbound/").status_code in (403, 404)
    assert "FEEDBACK_INBOUND_SECRET" in caplog.text


@pytest.mark.parametrize(
    "fields",
    [
        {"envelope": None},
        {"envelope": "{not json"},
        {"envelope": json.dumps({"from": "a@b.example"})},
        {"envelope": json.dumps({"to": [f"reply@{DOMAIN}"]}), "from": None},
    ],
)
def test_malformed_posts_are_400_and_logged(client, session, caplog, fields):
    data = inbound_form(to=f"reply@{DOMAIN}", sender="a@b.example", text="x", **fields)
    data = {k: v for k, v in data.items() if v is not None}
    with caplog.at_level(logging.WARNING):
        assert post(client, data).status_code == 400
    assert "malformed" in caplog.text
    assert session.query(UnmatchedReply).count() == 0


def test_a_post_that_is_not_multipart_is_400(client):
    answer = client.post(f"/webhooks/sendgrid/inbound/{SECRET}", json={"from": "a@b.example"})
    assert answer.status_code == 400


def test_reply_to_an_unknown_token_is_kept_unmatched(client, session):
    text = "Hello, who is this?\n\nOn Mon, 3 Mar 2026 at 10:02, X <x@y.example> wrote:\n> hi"
    answer = post(client, inbound_form(
        to=f"reply+{new_token()}@{DOMAIN}", sender="Stranger <Stranger@Else.example>", text=text,
    ))  # fmt: skip
    assert answer.status_code == 200 and answer.get_json()["status"] == "unmatched"
    row = session.query(UnmatchedReply).one()
    assert (row.from_email, row.reason, row.text) == (
        "stranger@else.example",
        "unknown_token",
        text,
    )
    assert row.resolved_at is None and "Subject:" in row.headers


def test_mail_with_no_token_is_kept_unmatched(client, session):
    answer = post(client, inbound_form(to=f"support@{DOMAIN}", sender="a@b.example", text="Hi"))
    assert answer.status_code == 200
    assert session.query(UnmatchedReply).one().reason == "no_token"


def test_token_in_the_to_header_when_the_envelope_differs(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    answer = post(client, inbound_form(
        to=f"reply+{token}@{DOMAIN}", envelope_to=[f"catchall@{DOMAIN}"],
        sender=invitation.contact.email, text="Via the header",
    ))  # fmt: skip
    assert answer.get_json()["status"] == "threaded"
    assert _thread(session, invitation)[-1].body == "Via the header"


def test_a_reply_from_another_address_is_threaded_and_marked(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    post(client, inbound_form(
        to=f"reply+{token}@{DOMAIN}", sender="Boss <boss@customer.example.org>", text="FYI",
    ))  # fmt: skip
    reply = _thread(session, invitation)[-1]
    assert reply.body == "FYI"
    stored = session.query(InboundEmail).filter_by(message_id=reply.id).one()
    assert not stored.sender_matches and stored.from_email == "boss@customer.example.org"


def test_sender_comparison_ignores_case(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    post(client, inbound_form(
        to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email.upper(), text="Hi",
    ))  # fmt: skip
    assert session.query(InboundEmail).one().sender_matches


def test_a_reply_of_only_quoted_text_is_still_stored(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    body = (FIXTURES / "only_quoted_en.txt").read_text(encoding="utf-8")
    answer = post(client, inbound_form(
        to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=body,
    ))  # fmt: skip
    assert answer.status_code == 200
    reply = _thread(session, invitation)[-1]
    assert (reply.kind, reply.body) == ("reply", "")
    assert session.query(InboundEmail).filter_by(message_id=reply.id).one().text == body


def test_a_mail_of_thousands_of_dated_sender_lines_is_threaded_whole(client, session, make_contact):
    # Each line looks like the start of a quote header: the matching once nested line by line
    # past Python's recursion limit and the webhook answered 500 (SendGrid retries, then drops).
    invitation, _, token = start_conversation(session, make_contact)
    body = "\n".join(f"2024/5/{i % 28 + 1} Ana Ruiz <ana@example.com>" for i in range(5_000))
    answer = post(client, inbound_form(
        to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text=body,
    ))  # fmt: skip
    assert answer.status_code == 200, answer.get_data(as_text=True)
    reply = _thread(session, invitation)[-1]
    assert reply.body == body


def test_a_repeated_post_is_stored_once(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    data = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                        text="Once", message_id="<once@mail.example>")  # fmt: skip
    first, second = post(client, data), post(client, data)
    assert first.status_code == second.status_code == 200
    assert second.get_json()["duplicate"] is True
    assert [m.body for m in _thread(session, invitation)].count("Once") == 1


def test_html_only_mail_is_read(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    html = ("<div>Works <b>fine</b> now.</div><div class='gmail_quote'>On Mon wrote:"
            "<blockquote>old</blockquote></div>")  # fmt: skip
    post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email,
                              text="", html=html))  # fmt: skip
    assert _thread(session, invitation)[-1].body == "Works fine now."


def test_latin1_fields_keep_their_accents(client, session, make_contact):
    invitation, _, token = start_conversation(session, make_contact)
    boundary = "xYzZY"
    fields = inbound_form(to=f"reply+{token}@{DOMAIN}", sender=invitation.contact.email, text="")
    fields["charsets"] = json.dumps({"text": "iso-8859-1", "from": "UTF-8", "to": "UTF-8"})
    body = b""
    for name, value in fields.items():
        raw = "Très bien, merci.".encode("iso-8859-1") if name == "text" else value.encode()
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 .encode() + raw + b"\r\n")  # fmt: skip
    body += f"--{boundary}--\r\n".encode()
    answer = client.post(
        f"/webhooks/sendgrid/inbound/{SECRET}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert _thread(session, invitation)[-1].body == "Très bien, merci."


# ---------------------------------------------------------------- the admins' page


def test_admins_list_attach_and_dismiss_unmatched_replies(
    client, session, make_contact, make_user, login
):
    invitation, _, _ = start_conversation(session, make_contact)
    for n in (1, 2):
        post(client, inbound_form(to=f"support@{DOMAIN}", sender=invitation.contact.email,
                                  text=f"<script>alert({n})</script> lost reply {n}"))  # fmt: skip
    first, second = session.query(UnmatchedReply).order_by(UnmatchedReply.id).all()
    login(make_user("admin"))
    page = client.get("/admin/replies/unmatched").get_data(as_text=True)
    assert "lost reply 1" in page and "lost reply 2" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page

    answer = client.post(
        f"/admin/replies/unmatched/{first.id}",
        data={"action": "attach", "contact_email": invitation.contact.email},
    )
    assert answer.status_code == 302
    session.expire_all()
    assert first.resolution == "attached" and first.resolved_invitation_id == invitation.id
    assert _thread(session, invitation)[-1].body == "<script>alert(1)</script> lost reply 1"

    client.post(f"/admin/replies/unmatched/{second.id}", data={"action": "dismiss"})
    session.expire_all()
    assert second.resolution == "dismissed" and second.resolved_at is not None
    page = client.get("/admin/replies/unmatched").get_data(as_text=True)
    assert "lost reply 2" not in page
    assert "lost reply 2" in client.get("/admin/replies/unmatched?all=1").get_data(as_text=True)


def test_attaching_to_an_unknown_invitation_says_so(client, session, make_user, login):
    post(client, inbound_form(to=f"support@{DOMAIN}", sender="a@b.example", text="x"))
    row = session.query(UnmatchedReply).one()
    login(make_user("admin"))
    answer = client.post(f"/admin/replies/unmatched/{row.id}",
                         data={"action": "attach", "invitation_id": "999999"},
                         follow_redirects=True)  # fmt: skip
    assert "No invitation has this id" in answer.get_data(as_text=True)
    session.expire_all()
    assert row.resolved_at is None


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head"])
def test_only_admins_see_unmatched_replies(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/admin/replies/unmatched").status_code == 403
