"""Suppression: flags set, waiting emails cancelled, an audit row left, events kept once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import EmailEvent
from feedback.services import suppression
from feedback.services.errors import InvalidInput, NotFound
from tests.builders import invite, sg_event


def _events(session: Session, **where: Any) -> list[EmailEvent]:
    stmt = select(EmailEvent).filter_by(**where).order_by(EmailEvent.id)
    return list(session.scalars(stmt))


@pytest.mark.parametrize("reason", ["unsubscribed", "bounced", "spam_reported"])
def test_suppress_sets_the_flag_cancels_waiting_emails_and_audits(session, make_contact, reason):
    contact = make_contact()
    invitation, _, queued, held = invite(session, contact)
    cancelled = suppression.suppress(session, contact, reason, "staff", invitation_id=invitation.id)
    session.commit()
    assert getattr(contact, reason) is True
    assert cancelled == 2
    session.refresh(queued)
    session.refresh(held)
    assert (queued.status, held.status) == ("cancelled", "cancelled")
    assert reason in (queued.last_error or "")
    [audit] = _events(session, contact_id=contact.id)
    assert (audit.source, audit.event) == ("staff", suppression.REASON_EVENTS[reason])
    assert audit.invitation_id == invitation.id and audit.sg_event_id is None


def test_suppress_leaves_sent_emails_and_other_contacts_alone(session, make_contact):
    contact, other = make_contact(), make_contact()
    _, _, sent, _ = invite(session, contact)
    sent.status = "sent"
    _, _, others_email, _ = invite(session, other)
    suppression.suppress(session, contact, "unsubscribed", "link")
    session.commit()
    session.refresh(sent)
    session.refresh(others_email)
    assert sent.status == "sent"
    assert others_email.status == "queued"
    assert other.unsubscribed is False


def test_suppressing_twice_audits_once(session, make_contact):
    contact = make_contact()
    suppression.suppress(session, contact, "unsubscribed", "link")
    suppression.suppress(session, contact, "unsubscribed", "one-click")
    session.commit()
    assert len(_events(session, contact_id=contact.id)) == 1


def test_unknown_reason_is_a_programming_error(session, make_contact):
    with pytest.raises(ValueError):
        suppression.suppress(session, make_contact(), "annoyed", "link")


def test_unsubscribe_by_token_works_after_the_survey_expired(session, make_contact):
    contact = make_contact()
    invitation, token, queued, _ = invite(session, contact, expired=True)
    assert suppression.unsubscribe_by_token(session, token, "one-click").id == invitation.id
    session.commit()
    assert contact.unsubscribed is True
    session.refresh(queued)
    assert queued.status == "cancelled"
    assert [e.source for e in _events(session, contact_id=contact.id)] == ["one-click"]


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "../../etc/passwd", "a b" * 15])
def test_unknown_or_malformed_tokens_are_not_found(session, token):
    assert suppression.find_invitation(session, token) is None
    with pytest.raises(NotFound):
        suppression.unsubscribe_by_token(session, token)


def test_resubscribe_clears_only_the_unsubscribe(session, make_contact):
    contact = make_contact(bounced=True)
    _, token, _, _ = invite(session, contact)
    suppression.unsubscribe_by_token(session, token)
    suppression.resubscribe_by_token(session, token)
    session.commit()
    assert contact.unsubscribed is False and contact.bounced is True
    assert [e.event for e in _events(session, contact_id=contact.id)] == [
        "unsubscribe", "resubscribe",
    ]  # fmt: skip
    assert suppression.resubscribe(session, contact, "link") is False  # nothing to undo


def test_webhook_events_are_recorded_with_outbox_and_invitation(session, make_contact):
    contact = make_contact()
    invitation, _, queued, _ = invite(session, contact)
    batch = [
        sg_event("processed", contact.email, outbox_id=str(queued.id)),
        sg_event("delivered", contact.email.upper(), outbox_id=queued.id, timestamp=1_700_000_100),
        sg_event("open", contact.email),
    ]
    counts = suppression.record_events(session, batch)
    session.commit()
    assert counts == {"recorded": 3, "duplicates": 0, "suppressed": 0}
    rows = _events(session, contact_id=contact.id)
    assert [r.event for r in rows] == ["processed", "delivered", "open"]
    assert [r.outbox_email_id for r in rows] == [queued.id, queued.id, None]
    assert [r.invitation_id for r in rows] == [invitation.id, invitation.id, None]
    assert rows[1].raw["sg_message_id"] == "msg.filter0001"
    session.refresh(invitation)
    assert invitation.delivered_at == datetime.fromtimestamp(1_700_000_100, UTC)


def test_opens_and_clicks_stamp_their_latest_time_on_the_invitation(session, make_contact):
    """The funnel counts opens from these stamps: a replay, or an older event arriving
    late, never moves them back."""
    contact = make_contact()
    invitation, _, queued, _ = invite(session, contact)
    at = {t: datetime.fromtimestamp(t, UTC) for t in (1_700_000_200, 1_700_000_300)}
    opened = [sg_event("open", contact.email, outbox_id=queued.id, timestamp=t) for t in at]
    clicked = sg_event("click", contact.email, outbox_id=queued.id, timestamp=1_700_000_200)
    suppression.record_events(session, [opened[1], clicked])
    suppression.record_events(session, [opened[0], opened[1]])
    session.commit()
    session.refresh(invitation)
    assert invitation.last_opened_at == at[1_700_000_300]
    assert invitation.last_clicked_at == at[1_700_000_200]


@pytest.mark.parametrize(
    ("event", "fields", "flag"),
    [
        ("bounce", {"type": "bounce", "reason": "550 5.1.1 no such user"}, "bounced"),
        ("spamreport", {}, "spam_reported"),
        ("unsubscribe", {}, "unsubscribed"),
        ("group_unsubscribe", {"asm_group_id": 1}, "unsubscribed"),
        ("dropped", {"reason": "Bounced Address"}, "bounced"),
    ],
)
def test_webhook_suppresses_at_once(session, make_contact, event, fields, flag):
    contact = make_contact()
    _, _, queued, held = invite(session, contact)
    counts = suppression.record_events(session, [sg_event(event, contact.email, **fields)])
    session.commit()
    session.refresh(contact)
    assert getattr(contact, flag) is True
    assert counts["suppressed"] == 1
    session.refresh(queued)
    session.refresh(held)
    assert (queued.status, held.status) == ("cancelled", "cancelled")
    [row] = _events(session, contact_id=contact.id)
    assert row.source == "webhook"  # the provider's event is the audit record


@pytest.mark.parametrize(
    ("event", "fields"),
    [("bounce", {"type": "blocked"}), ("deferred", {"response": "try later"}),
     ("dropped", {"reason": "Invalid SMTPAPI header"}), ("click", {"url": "https://x.test"})],
)  # fmt: skip
def test_soft_events_do_not_suppress(session, make_contact, event, fields):
    contact = make_contact()
    suppression.record_events(session, [sg_event(event, contact.email, **fields)])
    session.commit()
    session.refresh(contact)
    assert not (contact.bounced or contact.unsubscribed or contact.spam_reported)


def test_replayed_events_change_nothing(session, make_contact):
    contact = make_contact()
    batch = [sg_event("unsubscribe", contact.email), sg_event("open", contact.email)]
    suppression.record_events(session, batch)
    session.commit()
    suppression.resubscribe(session, contact, "link")
    session.commit()
    counts = suppression.record_events(session, batch + [batch[0]])
    session.commit()
    assert counts == {"recorded": 0, "duplicates": 3, "suppressed": 0}
    session.refresh(contact)
    assert contact.unsubscribed is False  # the old event did not undo the resubscribe
    total = session.scalar(
        select(func.count()).select_from(EmailEvent).where(EmailEvent.source == "webhook")
    )
    assert total == 2


def test_events_for_unknown_addresses_are_kept(session):
    counts = suppression.record_events(session, [sg_event("bounce", "nobody@nowhere.test")])
    session.commit()
    assert counts == {"recorded": 1, "duplicates": 0, "suppressed": 0}
    [row] = _events(session, email="nobody@nowhere.test")
    assert row.contact_id is None


def test_an_outbox_id_for_another_address_is_not_trusted(session, make_contact):
    contact, other = make_contact(), make_contact()
    _, _, queued, _ = invite(session, contact)
    suppression.record_events(session, [sg_event("spamreport", other.email, outbox_id=queued.id)])
    session.commit()
    session.refresh(contact)
    session.refresh(other)
    assert contact.spam_reported is False and other.spam_reported is True


@pytest.mark.parametrize("payload", [{"event": "open"}, "open", [1, 2], None])
def test_a_batch_must_be_an_array_of_objects(session, payload):
    with pytest.raises(InvalidInput):
        suppression.record_events(session, payload)


def test_a_large_batch_is_stored_in_chunks_and_replayed_in_chunks(session, make_contact):
    contacts = [make_contact() for _ in range(3)]
    batch = [sg_event("open", contacts[i % 3].email) for i in range(1_200)]
    batch.append(batch[0])  # the same event twice in one post
    assert suppression.record_events(session, batch) == {
        "recorded": 1_200, "duplicates": 1, "suppressed": 0,
    }  # fmt: skip
    session.commit()
    assert suppression.record_events(session, batch)["duplicates"] == 1_201
    assert len(_events(session, contact_id=contacts[0].id)) == 400


def test_events_without_an_sg_event_id_are_still_kept(session, make_contact):
    contact = make_contact()
    event = sg_event("spamreport", contact.email)
    del event["sg_event_id"]
    assert suppression.record_events(session, [event])["suppressed"] == 1
    session.commit()
    assert contact.spam_reported is True
