"""Department heads' backlog digests: new proposals and items crossing the impact threshold,
one email a day through the outbox, never twice for one event; and the same digest posted to
the department's Slack or Teams incoming webhook (a local fake), retried like any delivery."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from feedback import db
from feedback.models import (
    BacklogEvent,
    EmailContent,
    OutboxEmail,
    WebhookDelivery,
    WebhookEndpoint,
)
from feedback.services import backlog, backlog_digests, backlog_proposals, webhooks_out
from feedback.services.errors import InvalidInput
from tests.followup_world import NOW
from tests.service.test_webhooks_out import Receiver

DAY = timedelta(days=1)
CONFIG = {
    "MAIL_FROM": "Acme <feedback@acme.example>",
    "PUBLIC_URL": "https://feedback.acme.example",
    "BACKLOG_NOTIFY_ARR_AT_RISK": "100000",
    "BACKLOG_PROPOSAL_THRESHOLD": 2,
    "BACKLOG_PROPOSAL_WINDOW_DAYS": 28,
}


@pytest.fixture
def heads(make_user, world):
    """Finance's head, and a second Finance head; Dee heads Customer Success."""
    return [
        make_user("department_head", name="Flo", team_id=world.finance.id),
        make_user("department_head", name="Fin", team_id=world.finance.id),
    ]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def digests(session):
    session.expire_all()
    return list(
        session.query(OutboxEmail).filter_by(kind="backlog_digest").order_by(OutboxEmail.id)
    )


def text_of(session, email):
    return session.get(EmailContent, email.content_id).text


def chat_endpoint(session, receiver, kind="slack", department="Finance"):
    """The Finance channel on the local fake (admins must give https; the fake speaks http)."""
    endpoint = WebhookEndpoint(url=receiver.url, secret="x", event_types=[], kind=kind,
                               department=department, description="test channel")  # fmt: skip
    session.add(endpoint)
    session.commit()
    return endpoint


def deliver(now):
    return webhooks_out.deliver_due_webhooks(db.database().sessionmaker, now, rand=lambda: 0.5)


def test_refresh_records_a_crossing_once(session, world, respond):
    for n in range(2):
        respond(
            3, account=world.mega, at=NOW - DAY, comment=f"invoice {n}", themes=(world.billing,)
        )
    stats = backlog_proposals.refresh_backlog(session, CONFIG, NOW)
    assert stats["proposed"] == 1 and stats["crossed"] == 0  # MegaCorp: 20,000 < 100,000
    respond(2, account=world.big, at=NOW - DAY, comment="invoice", themes=(world.billing,))
    [item] = backlog.list_items(session, world.admin)  # its evidence: the theme's mentions
    assert backlog_proposals.refresh_backlog(session, CONFIG, NOW + DAY)["crossed"] == 1
    assert backlog_proposals.refresh_backlog(session, CONFIG, NOW + 2 * DAY)["crossed"] == 0
    events = session.query(BacklogEvent).filter_by(item_id=item.id, kind="threshold").all()
    assert [e.to_value for e in events] == ["270000.00"]


def test_one_digest_a_day_per_head_never_twice_for_an_event(session, world, heads):
    vat = backlog.create_item(session, {"title": "VAT", "department": "Finance"}, world.admin)
    backlog.create_item(session, {"title": "Chat", "department": "Customer Success"}, world.admin)
    vat.arr_at_risk = Decimal("120000")
    backlog_digests.record_crossings(session, [vat], {vat.id: Decimal("0")}, Decimal("100000"), NOW)
    session.commit()

    stats = backlog_digests.send_backlog_digests(session, CONFIG, NOW)
    assert stats == {"departments": 2, "emails": 3, "chat_messages": 0, "events": 3, "waiting": 0}
    sent = digests(session)
    assert sorted(e.to_email for e in sent) == sorted([h.email for h in heads] + [world.dee.email])
    finance = next(e for e in sent if e.to_email == heads[0].email)
    text = text_of(session, finance)
    assert "Finance backlog: 1 new proposal and 1 item over the impact threshold" in text
    assert "New proposal: VAT" in text and "Over the impact threshold: VAT" in text
    assert f"https://feedback.acme.example/backlog/{vat.id}" in text
    assert "Chat" not in text  # another department's news

    # Nothing new: nothing sent. New news the same day waits for tomorrow's digest.
    assert (
        backlog_digests.send_backlog_digests(session, CONFIG, NOW + timedelta(hours=2))["emails"]
        == 0
    )
    backlog.create_item(session, {"title": "Refunds", "department": "Finance"}, world.admin)
    session.commit()
    later = backlog_digests.send_backlog_digests(session, CONFIG, NOW + timedelta(hours=3))
    assert (later["emails"], later["waiting"]) == (0, 1)
    tomorrow = backlog_digests.send_backlog_digests(session, CONFIG, NOW + DAY)
    assert (tomorrow["emails"], tomorrow["events"]) == (2, 1)
    newest = digests(session)[-1]
    assert "Refunds" in text_of(session, newest) and "VAT" not in text_of(session, newest)
    assert backlog_digests.send_backlog_digests(session, CONFIG, NOW + 2 * DAY)["events"] == 0


def test_slack_gets_the_same_digest_through_the_webhook_outbox(session, world, heads, receiver):
    chat_endpoint(session, receiver, "slack")
    backlog.create_item(session, {"title": "VAT on invoices", "department": "Finance"}, world.admin)
    session.commit()
    stats = backlog_digests.send_backlog_digests(session, CONFIG, NOW)
    session.commit()
    assert stats["chat_messages"] == 1
    receiver.statuses = [503]  # the channel is down once: retried, then delivered
    assert deliver(NOW)["retried"] == 1
    [row] = session.query(WebhookDelivery).all()
    session.refresh(row)
    assert deliver(row.next_attempt_at)["delivered"] == 1
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert bodies[0] == bodies[1] and set(bodies[0]) == {"text"}
    assert bodies[0]["text"].startswith("*Finance backlog: 1 new proposal*")
    assert "• New proposal: VAT on invoices" in bodies[0]["text"]
    assert "X-Feedback-Signature" not in receiver.requests[0]["headers"]


def test_teams_gets_a_message_card(session, world, heads, receiver):
    chat_endpoint(session, receiver, "teams")
    backlog.create_item(session, {"title": "VAT", "department": "Finance"}, world.admin)
    backlog.create_item(session, {"title": "Refunds", "department": "Finance"}, world.admin)
    session.commit()
    backlog_digests.send_backlog_digests(session, CONFIG, NOW)
    session.commit()
    assert deliver(NOW)["delivered"] == 1
    card = json.loads(receiver.requests[0]["body"])
    assert (card["@type"], card["title"]) == ("MessageCard", "Finance backlog: 2 new proposals")
    assert card["text"].count("- New proposal:") == 2 and "\n\n" in card["text"]


def test_chat_endpoints_get_no_other_events(session, world, receiver):
    chat_endpoint(session, receiver, "slack")
    assert webhooks_out.emit(session, "task.created", {"task_id": 1}) == []
    assert webhooks_out.list_endpoints(session) == []


def test_setting_a_departments_chat_webhook(session):
    with pytest.raises(InvalidInput) as refused:
        backlog_digests.set_chat(session, "Finance", "slack", "http://hooks.slack.com/x")
    assert "https://" in refused.value.fields["url"][0]
    with pytest.raises(InvalidInput) as refused:
        backlog_digests.set_chat(session, "Finance", "irc", "https://hooks.example/x")
    assert "kind" in refused.value.fields
    with pytest.raises(InvalidInput):
        backlog_digests.set_chat(session, "Finance", "slack", "https://u:p@hooks.example/x")
    url = "https://hooks.slack.com/services/T0/B0/abc"
    made = backlog_digests.set_chat(session, "Finance", "slack", url)
    again = backlog_digests.set_chat(session, "Finance", "teams", url + "d")
    assert made.id == again.id and (again.kind, again.url) == ("teams", url + "d")
    assert backlog_digests.set_chat(session, "Finance", "teams", "") is None
    assert backlog_digests.chat_endpoint(session, "Finance") is None


def test_the_threshold_setting_is_checked():
    assert backlog_digests.arr_threshold({}) == Decimal("50000")
    assert backlog_digests.arr_threshold({"BACKLOG_NOTIFY_ARR_AT_RISK": "0"}) == 0
    for bad in ("-1", "lots", "nan", True):
        with pytest.raises(ValueError, match="FEEDBACK_BACKLOG_NOTIFY_ARR_AT_RISK"):
            backlog_digests.arr_threshold({"BACKLOG_NOTIFY_ARR_AT_RISK": bad})
