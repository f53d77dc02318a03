"""Closing the loop with customers: a shipped item's customers are told once, in their
language, in their thread; unsubscribed contacts are skipped; one email for a week's items."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback.models import EmailContent, Message, OutboxEmail, ReplyToken
from feedback.services import backlog, backlog_notices
from feedback.services.errors import Conflict, InvalidInput
from tests.followup_world import NOW  # a Monday

CONFIG = {"MAIL_FROM": "Acme <feedback@acme.example>", "INBOUND_DOMAIN": "in.acme.example"}


@pytest.fixture
def head(make_user, world):
    return make_user("department_head", team_id=world.finance.id)


@pytest.fixture
def answers(session, world, respond):
    en = respond(2, account=world.mega, comment="Invoices are wrong")
    de = respond(3, account=world.big, comment="Rechnungen sind falsch")
    de.invitation.locale = "de"
    gone = respond(4, account=world.orphan, comment="Bad invoices")
    gone.contact.unsubscribed = True
    session.commit()
    return {"en": en, "de": de, "gone": gone}


def shipped(session, head, answers, title, note, keys=("en", "de", "gone"), at=NOW):
    item = backlog.create_item(session, {"title": title}, head, now=at)
    for key in keys:
        backlog.link_response(session, item.id, answers[key].id, head, now=at)
    for target in ("accepted", "in_progress", "shipped"):
        backlog.transition(session, item.id, head, target, "step", now=at)
    backlog_notices.set_customer_note(session, item.id, head, note)
    session.commit()
    return item


def emails(session):
    return list(
        session.query(OutboxEmail).filter_by(kind="backlog_shipped").order_by(OutboxEmail.id)
    )


def test_customers_are_told_once_in_their_language_after_the_week(session, head, answers):
    item = shipped(session, head, answers, "VAT", "Invoices now show the right VAT.")
    assert backlog_notices.telling_on(item) == (NOW + timedelta(days=7)).date()
    assert backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=2))["emails"] == 0
    stats = backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=7))
    assert stats["emails"] == 2
    sent = {e.to_email: e for e in emails(session)}
    assert answers["gone"].contact.email not in sent  # unsubscribed
    de = session.get(EmailContent, sent[answers["de"].contact.email].content_id)
    assert de.subject == "Sie haben gefragt, wir haben es geändert"
    assert "Invoices now show the right VAT." in de.text and "Das haben wir geändert" in de.text
    en = session.get(EmailContent, sent[answers["en"].contact.email].content_id)
    assert en.subject == "You asked, we changed it" and "reply to this email" in en.text
    assert item.customers_told == 2
    # It lands in the customer's thread, with a reply address that threads a reply there.
    message = (
        session.query(Message)
        .filter_by(kind="backlog_shipped", invitation_id=answers["en"].invitation_id)
        .one()
    )
    assert message.direction == "outbound" and "right VAT" in message.body
    assert (
        session.query(ReplyToken).filter_by(invitation_id=answers["en"].invitation_id).count() == 1
    )
    assert en.reply_to.startswith("reply+")
    # Told once: the next runs send nothing.
    assert backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=14))["emails"] == 0
    assert len(emails(session)) == 2 and item.customers_told == 2


def test_one_email_for_several_items_shipped_the_same_week(session, head, answers):
    a = shipped(session, head, answers, "VAT", "VAT is right now.", keys=("en",))
    b = shipped(
        session,
        head,
        answers,
        "PDF",
        "Invoices come as PDF.",
        keys=("en",),
        at=NOW + timedelta(days=3),
    )
    backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=7))
    [only] = emails(session)
    text = session.get(EmailContent, only.content_id).text
    assert "VAT is right now." in text and "Invoices come as PDF." in text
    assert (a.customers_told, b.customers_told) == (1, 1)


def test_the_preview_is_the_email_as_sent(session, head, answers):
    item = shipped(session, head, answers, "VAT", "Invoices now show the right VAT.", keys=("en",))
    [(locale, preview)] = backlog_notices.preview(session, CONFIG, item)
    backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=7))
    [sent] = emails(session)
    content = session.get(EmailContent, sent.content_id)
    assert locale == "en"
    assert (preview.subject, preview.text, preview.html) == (
        content.subject,
        content.text,
        content.html,
    )
    assert backlog_notices.preview(session, CONFIG, item) == []  # nobody left to tell


def test_the_customer_note_is_checked_and_fixed_once_told(session, world, head, answers):
    item = shipped(session, head, answers, "VAT", "Fixed.", keys=("en",))
    with pytest.raises(InvalidInput):
        backlog_notices.set_customer_note(session, item.id, head, "  ")
    with pytest.raises(InvalidInput):
        backlog_notices.set_customer_note(session, item.id, head, "x" * 2001)
    with pytest.raises(backlog.Forbidden):
        backlog_notices.set_customer_note(session, item.id, world.ann, "Mine")
    backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=7))
    with pytest.raises(Conflict, match="told already"):
        backlog_notices.set_customer_note(session, item.id, head, "Changed my mind")


def test_items_without_a_note_or_not_shipped_tell_nobody(session, head, answers):
    item = backlog.create_item(session, {"title": "Open"}, head, now=NOW)
    backlog.link_response(session, item.id, answers["en"].id, head, now=NOW)
    assert backlog_notices.tell_customers(session, CONFIG, NOW + timedelta(days=30))["emails"] == 0
