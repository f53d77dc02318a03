"""/dev/mailbox: the console backend's emails, readable by admins, clickable as a customer."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from feedback.mail.backends import ConsoleBackend
from feedback.models import Message, OutboxEmail, ScoreChange
from feedback.services import invitations, programs
from feedback.services.delivery import deliver_due

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"


@pytest.fixture
def sent(app, session, make_contact) -> OutboxEmail:
    """One NPS invitation sent through the console backend."""
    program = programs.create_program(
        session, {"name": "Mailbox NPS", "kind": "nps", "product_name": "Acme", "active": True}
    )
    person = make_contact(name="Grace Hopper", timezone="UTC")
    [result] = invitations.invite_now(session, app.config, program.id, [person.email])
    session.commit()
    stats = deliver_due(app.extensions["feedback.db"].sessionmaker, ConsoleBackend(),
                        worker_id="t")  # fmt: skip
    assert stats.sent == 1
    session.expire_all()
    return session.scalars(
        select(OutboxEmail).filter_by(invitation_id=result["invitation_id"], kind="invitation")
    ).one()


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def text(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


def test_the_mailbox_lists_console_emails(admin, sent):
    body = text(admin.get("/dev/mailbox"))
    assert sent.to_email in body
    assert "How likely are you to recommend Acme?" in body
    assert f"/dev/mailbox/{sent.id}" in body
    assert "%%" not in body


def test_one_email_is_rendered_as_the_customer_sees_it(admin, app, sent):
    token = sent.substitutions["%%token%%"]
    reply_token = sent.substitutions["%%reply_token%%"]
    body = text(admin.get(f"/dev/mailbox/{sent.id}"))
    assert f"reply+{reply_token}@{app.config['INBOUND_DOMAIN']}" in body
    assert "List-Unsubscribe-Post" in body and "List-Unsubscribe=One-Click" in body
    assert "Grace" in body and f"/r/{token}/10" in body  # the plain-text part
    assert f'src="/dev/mailbox/{sent.id}/html"' in body

    part = admin.get(f"/dev/mailbox/{sent.id}/html")
    assert part.headers["Content-Security-Policy"] == "script-src 'none'; frame-ancestors 'self'"
    assert part.headers["X-Frame-Options"] == "SAMEORIGIN"  # only the mailbox page frames it
    email = text(part)
    links = re.findall(r'href="([^"]+/r/[^"/]+/\d+)"', email)
    public = app.config["PUBLIC_URL"]
    assert links == [f"{public}/r/{token}/{score}" for score in range(11)]
    assert "%%" not in email and "Grace" in email


def test_the_score_link_in_the_email_opens_a_working_survey_page(admin, app, session, sent):
    email = text(admin.get(f"/dev/mailbox/{sent.id}/html"))
    link = re.findall(r'href="([^"]+/r/[^"/]+/9)"', email)[0]
    path = link.removeprefix(app.config["PUBLIC_URL"])

    assert admin.post("/logout").status_code in (302, 303)  # the customer is not signed in
    page = admin.get(path, headers={"User-Agent": PHONE})
    body = text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert "<form" in body and 'name="comment"' in body
    session.expire_all()
    [change] = session.scalars(select(ScoreChange).filter_by(invitation_id=sent.invitation_id))
    assert change.score == 9

    thanks = admin.post(path.rsplit("/", 1)[0], data={"score": "9", "comment": "Fast support"},
                        headers={"User-Agent": PHONE})  # fmt: skip
    assert thanks.status_code == 303
    assert admin.get(thanks.headers["Location"]).status_code == 200


def test_the_mailbox_is_for_admins_only(client, login, make_user, sent):
    assert client.get("/dev/mailbox").status_code in (302, 401)
    login(make_user("csm"))
    for url in ("/dev/mailbox", f"/dev/mailbox/{sent.id}", f"/dev/mailbox/{sent.id}/html"):
        assert client.get(url).status_code == 403, url


def test_an_unknown_email_is_404(admin, sent):
    assert admin.get("/dev/mailbox/999999").status_code == 404


class TestWithSendGrid:
    @pytest.fixture
    def app_config(self):
        return {"MAIL_BACKEND": "sendgrid", "SENDGRID_API_KEY": "SG.unused"}

    def test_the_mailbox_is_not_there(self, admin, session, app, make_contact):
        program = programs.create_program(
            session, {"name": "SG NPS", "kind": "nps", "product_name": "Acme"}
        )
        person = make_contact()
        invitations.invite_now(session, app.config, program.id, [person.email])
        session.commit()
        queued = session.scalars(select(OutboxEmail)).first()
        for url in ("/dev/mailbox", f"/dev/mailbox/{queued.id}", f"/dev/mailbox/{queued.id}/html"):
            assert admin.get(url).status_code == 404, url


# ---------------------------------------------------------------- search, pages, reply


def test_search_by_recipient_and_subject_with_dates(admin, app, session, sent, make_contact):
    other = programs.create_program(
        session, {"name": "CES", "kind": "nps", "product_name": "Globex", "active": True}
    )
    person = make_contact(name="Alan Turing", timezone="UTC")
    invitations.invite_now(session, app.config, other.id, [person.email])
    session.commit()
    body = text(admin.get("/dev/mailbox?subject=globex"))
    assert person.email in body and sent.to_email not in body
    assert "1 email found" in body
    body = text(admin.get(f"/dev/mailbox?recipient={sent.to_email.upper()}"))
    assert sent.to_email in body and person.email not in body
    assert "Acme" in body and "Queued" in body  # the column of dates: queued, sent
    assert "No email matches this search" in text(admin.get("/dev/mailbox?subject=nothing+like+it"))


def test_the_mailbox_has_pages_instead_of_stopping_at_200(admin, app, session, make_contact):
    program = programs.create_program(
        session, {"name": "Many", "kind": "nps", "product_name": "Acme", "active": True}
    )
    people = [make_contact().email for _ in range(5)]
    invitations.invite_now(session, app.config, program.id, people)
    session.commit()
    body = text(admin.get("/dev/mailbox?per_page=2"))
    assert "Page 1 of 3" in body and 'rel="next"' in body
    body = text(admin.get("/dev/mailbox?per_page=2&page=3"))
    assert "Page 3 of 3" in body and body.count("/dev/mailbox/") == 1


def test_reply_as_this_customer_goes_through_the_inbound_path(admin, session, sent):
    page = text(admin.get(f"/dev/mailbox/{sent.id}"))
    assert "Reply as this customer" in page
    answer = admin.post(f"/dev/mailbox/{sent.id}/reply", data={"text": "Exports are slow.\n"})
    assert answer.status_code == 303
    assert "Reply stored in the conversation" in text(admin.get(answer.headers["Location"]))
    session.expire_all()
    [reply] = session.scalars(
        select(Message).filter_by(
            invitation_id=sent.invitation_id, direction="inbound", channel="email"
        )  # fmt: skip
    )
    assert "Exports are slow." in reply.body
    # Empty text is a message on the page, not a stored reply.
    empty = admin.post(f"/dev/mailbox/{sent.id}/reply", data={"text": "  "}, follow_redirects=True)
    assert "Type the customer's reply first." in text(empty)


def test_reply_as_customer_is_absent_in_production(admin, app, sent):
    app.config["ENV"] = "production"
    page = text(admin.get(f"/dev/mailbox/{sent.id}"))
    assert "Reply as this customer" not in page and "/reply" not in page
    assert admin.post(f"/dev/mailbox/{sent.id}/reply", data={"text": "Hi"}).status_code == 404
