"""Privacy requests: an erasure leaves no trace of the person but keeps their scores
anonymous; an export holds everything; both are audited; an erased address is never surveyed
again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import (
    BacklogResponse,
    Contact,
    EmailContent,
    OutboxEmail,
    Response,
    Task,
    TaskEvent,
    WebhookDelivery,
)
from feedback.models.privacy import ErasedEmail, PrivacyRequest
from feedback.privacy import email_hash, redact
from feedback.services import contacts, invitations, privacy, suppression
from feedback.services.errors import NotFound
from tests.privacy_world import COMMENT, EMAIL, NAME, REPLY, traces_left


def erase(session, contact):
    summary = privacy.erase_contact(session, contact, actor="dpo@acme.example", channel="cli")
    session.commit()
    return summary


def test_erasure_leaves_no_trace_of_the_person_anywhere(session, erasable):
    assert traces_left(session)  # the fixture really put Jane everywhere
    erase(session, erasable.jane)
    assert traces_left(session) == []


def test_erasure_keeps_scores_as_anonymous_statistics(session, erasable):
    jane = erasable.jane
    of_jane = select(Response).where(Response.contact_id == jane.id)
    before = {(r.id, r.score, r.category, r.account_id, r.program_id, r.answered_at)
              for r in session.scalars(of_jane)}  # fmt: skip
    erase(session, jane)
    after = session.scalars(of_jane).all()
    assert {(r.id, r.score, r.category, r.account_id, r.program_id, r.answered_at)
            for r in after} == before  # fmt: skip
    assert {r.comment for r in after} == {None}
    # The backlog still counts her anonymous detractor answer; the task and its history stay.
    assert session.scalar(select(BacklogResponse.response_id)) == erasable.low.id
    task = session.get(Task, erasable.task.id)
    assert task.title == "Recover: [erased] (MegaCorp) scored 3"
    assert task.resolution_note is None  # staff's words about her may hold anything
    kinds = session.execute(
        select(TaskEvent.kind, TaskEvent.to_value, TaskEvent.body).where(
            TaskEvent.task_id == task.id
        )
    ).all()
    assert sorted(kinds) == [("note", None, None), ("status", "contacted", None)]
    contact = session.get(Contact, jane.id)
    assert contact.email == f"erased-{jane.id}@erased.invalid"
    assert (contact.name, contact.attributes, contact.unsubscribed) == (None, {}, True)
    assert contact.account_id == erasable.bystander.account_id


def test_erasure_cancels_waiting_mail_and_blanks_only_personal_bodies(session, erasable):
    erase(session, erasable.jane)
    assert session.get(OutboxEmail, erasable.waiting.id).status == "cancelled"
    assert session.get(OutboxEmail, erasable.sent.id).status == "sent"  # the history stays
    personal = session.get(EmailContent, erasable.sent.content_id)
    assert (personal.subject, personal.html, personal.text) == ("", "", "")
    shared = session.get(EmailContent, erasable.theirs.content_id)
    assert shared.text == "Hi {{name}}"  # still the bystander's reminder body
    theirs = session.get(OutboxEmail, erasable.theirs.id)
    assert (theirs.status, theirs.to_email) == ("held", "max@megacorp.example")


def test_erasure_does_not_touch_anyone_else(session, erasable):
    erase(session, erasable.jane)
    max_ = session.get(Contact, erasable.bystander.id)
    assert (max_.email, max_.name) == ("max@megacorp.example", "Max Muster")
    assert session.get(Response, erasable.other.id).comment == "Max thinks invoices are late"


def test_erasure_and_export_are_audited(session, erasable):
    jane_id = erasable.jane.id
    data = privacy.export_contact(session, erasable.jane, actor="dpo@acme.example", channel="api")
    summary = erase(session, erasable.jane)
    rows = session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)).all()
    assert [(r.kind, r.contact_id, r.actor, r.channel) for r in rows] == [
        ("export", jane_id, "dpo@acme.example", "api"),
        ("erase", jane_id, "dpo@acme.example", "cli"),
    ]
    assert {r.email_hash for r in rows} == {email_hash(EMAIL)}
    assert rows[1].summary == summary and summary["responses_kept"] == 2
    assert summary["comments"] == 2 and summary["tasks"] == 1 and summary["reply_emails"] == 1
    assert data["contact"]["email"] == EMAIL


def test_export_holds_answers_thread_mail_and_follow_ups(session, erasable):
    data = privacy.export_contact(session, erasable.jane, actor="dpo", channel="cli")
    assert data["contact"]["name"] == NAME and data["contact"]["account"] == "MegaCorp"
    assert data["contact"]["attributes"] == {"phone": "1234567"}
    by_score = {s["response"]["score"]: s for s in data["surveys"]}
    assert set(by_score) == {3, 10}
    low = by_score[3]
    assert low["response"]["comment"] == COMMENT
    assert [m["body"] for m in low["thread"]] == [REPLY]
    assert low["reply_emails"][0]["text"] == REPLY
    assert low["reply_emails"][0]["attachments"] == [{"filename": "jane-invoice.pdf", "size": 1200}]
    assert {(e["kind"], e["status"]) for e in data["emails_sent"]} == {
        ("reply", "sent"), ("reminder", "held")
    }  # fmt: skip
    assert [e["event"] for e in data["email_events"]] == ["open"]
    assert data["lifecycle_events"][0]["properties"] == {"signed_by": NAME}
    kinds = {(f["kind"], f["title"]) for f in data["follow_ups"]}
    assert ("task", f"Recover: {NAME} (MegaCorp) scored 3") in kinds
    assert ("backlog_item", "Invoice totals") in kinds
    assert "Max" not in str(data)  # the bystander is not in Jane's export


def test_an_erased_address_is_never_surveyed_again(app, session, world, erasable):
    erase(session, erasable.jane)
    assert session.get(ErasedEmail, email_hash(EMAIL)) is not None
    assert privacy.is_erased(session, EMAIL.upper())
    # A CRM sync brings the address back: stored, but never emailed, whatever the row says.
    again = contacts.create_contact(session, {"email": EMAIL.upper(), "unsubscribed": False})
    assert again.unsubscribed is True
    contacts.update_contact(session, again.id, {"unsubscribed": False})
    assert again.unsubscribed is True
    results = contacts.upsert_contacts(session, [{"email": EMAIL, "name": NAME}],
                                       all_or_nothing=True)  # fmt: skip
    assert [r.status for r in results] == ["updated"]
    assert session.get(Contact, again.id).unsubscribed is True
    assert suppression.resubscribe(session, again, "link") is False
    # Even "invite now", which skips the send window and cadence, never reaches them.
    (result,) = invitations.invite_now(session, app.config, world.program.id, [EMAIL])
    assert (result["status"], result["reason"]) == ("not_invited", "unsubscribed")


def test_erasing_twice_is_harmless(session, erasable):
    erase(session, erasable.jane)
    second = erase(session, erasable.jane)
    assert second["comments"] == 2 and traces_left(session) == []
    assert session.scalar(select(ErasedEmail.email_hash)) == email_hash(EMAIL)


def test_unknown_email_is_a_clear_not_found(session):
    with pytest.raises(NotFound, match="no contact with the email nobody@example.com"):
        privacy.contact_by_email(session, "Nobody@Example.com ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Recover: Jane Roe (MegaCorp) scored 3", "Recover: [erased] (MegaCorp) scored 3"),
        ("Recover: jane@x.example scored 3", "Recover: [erased] scored 3"),
        ("JANE ROE called", "[erased] called"),
        (None, None),
    ],
)
def test_redact_blanks_names_and_addresses(text, expected):
    assert redact(text, "Jane Roe", "jane@x.example", None) == expected


def test_erasure_blanks_personal_fields_of_webhook_payloads_only(session, erasable):
    erase(session, erasable.jane)
    payloads = {
        (d.event_type, d.status): d.payload
        for d in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    }
    jane_response = [p for p in payloads.values() if p.get("response_id") == erasable.low.id][0]
    assert (jane_response["score"], jane_response["comment"]) == (3, None)
    assert jane_response["contact_email"] is None
    assert payloads[("task.created", "pending")]["title"] is None
    max_ = [p for p in payloads.values() if p.get("response_id") == erasable.other.id][0]
    assert max_["contact_email"] == "max@megacorp.example"
    assert max_["comment"] == "Max thinks invoices are late"


def test_a_contact_with_nothing_but_a_row_is_erased_and_exported(session, make_contact):
    lone = make_contact(email="lone@customer.example.org", name="Lone Person")
    data = privacy.export_contact(session, lone, actor="dpo", channel="cli")
    assert (data["surveys"], data["emails_sent"], data["follow_ups"]) == ([], [], [])
    summary = erase(session, lone)
    assert summary["responses_kept"] == 0 and summary["outbox_emails"] == 0
    assert session.get(Contact, lone.id).name is None
    assert privacy.is_erased(session, "lone@customer.example.org")
