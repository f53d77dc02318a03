"""The outbox page an operator works with: filters, pages, every status explained, retry and
cancel for failed emails; the webhook deliveries likewise."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from feedback.mail.backends import ConsoleBackend
from feedback.models import Invitation, OutboxEmail, SurveyProgram, WebhookDelivery
from feedback.services import outbox_admin, webhooks_out
from feedback.services.delivery import deliver_due
from feedback.services.errors import Conflict
from tests.builders import invite


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin"))


def page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def failed(session, make_contact):
    """A failed invitation email (with the provider's message id and error) and its reminder."""
    contact = make_contact(email="ada@lovelace.example")
    invitation, _, email, reminder = invite(session, contact)
    email.status, email.attempts = "failed", 3
    email.last_error = "SendGrid HTTP 400: invalid from"
    email.provider_message_id = "msg-abc-123"
    session.commit()
    return invitation, email, reminder


def test_the_list_shows_every_column_and_explains_every_status(admin, failed):
    body = page(admin.get("/admin/outbox"))
    _, email, reminder = failed
    assert "ada@lovelace.example" in body and "msg-abc-123" in body
    assert "SendGrid HTTP 400: invalid from" in body
    for status, help_text in outbox_admin.EMAIL_STATUS_HELP.items():
        assert help_text in body, status
    assert f"/admin/outbox/{email.id}/retry" in body
    assert f"/admin/outbox/{reminder.id}/retry" not in body  # only failed ones are retried
    assert f"/admin/outbox/{reminder.id}/cancel" in body  # a held reminder can be cancelled


def test_filters_by_status_program_and_recipient(admin, session, failed, make_contact):
    invitation, email, reminder = failed
    other, *_ = invite(session, make_contact(email="grace@hopper.example"))
    program = session.get(SurveyProgram, invitation.program_id)

    def ids(**args) -> set[int]:
        rows, _ = outbox_admin.list_emails(session, **args)
        return {r.id for r in rows}

    assert ids(status="failed") == {email.id}
    assert ids(status="held") >= {reminder.id} and email.id not in ids(status="held")
    assert ids(program_id=program.id) == {email.id, reminder.id}
    assert ids(recipient="LOVELACE") == {email.id, reminder.id}
    assert ids(recipient="%") == set()  # a LIKE wildcard is a character, not "anything"
    body = page(admin.get(f"/admin/outbox?recipient=grace&program_id={other.program_id}"))
    assert "grace@hopper.example" in body and "ada@lovelace.example" not in body
    body = page(admin.get("/admin/outbox?status=failed"))
    assert "1 email with these filters" in body
    # Nonsense in the query is ignored, never a 500.
    assert admin.get("/admin/outbox?status=nope&program_id=x&page=-4").status_code == 200


def test_pages(admin, session, make_contact):
    contact = make_contact()
    for _ in range(3):
        invite(session, contact)  # two emails each
    body = page(admin.get("/admin/outbox?per_page=4&recipient=" + contact.email))
    assert "Page 1 of 2" in body and 'rel="next"' in body
    body = page(admin.get("/admin/outbox?per_page=4&page=2&recipient=" + contact.email))
    assert "Page 2 of 2" in body and 'rel="prev"' in body and body.count("<tr class=") == 2


def test_retry_queues_a_failed_email_again_and_keeps_the_filters(admin, app, session, failed):
    _, email, _ = failed
    answer = admin.post(
        f"/admin/outbox/{email.id}/retry", data={"next": "/admin/outbox?status=failed"}
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?status=failed")
    session.expire_all()
    row = session.get(OutboxEmail, email.id)
    assert (row.status, row.attempts, row.sending_at) == ("queued", 0, None)
    assert row.next_attempt_at <= datetime.now(UTC)
    assert "is queued again" in page(admin.get(answer.headers["Location"]))
    # Twice is a clear message, not an error page.
    again = admin.post(f"/admin/outbox/{email.id}/retry", follow_redirects=True)
    assert "is queued, not failed" in page(again)
    # The delivery job sends it like any queued email.
    stats = deliver_due(app.extensions["feedback.db"].sessionmaker, ConsoleBackend(), worker_id="t")
    assert stats.sent == 1
    session.expire_all()
    assert session.get(OutboxEmail, email.id).status == "sent"


def test_an_off_site_next_is_ignored(admin, failed):
    _, email, _ = failed
    answer = admin.post(f"/admin/outbox/{email.id}/cancel", data={"next": "//evil.example/x"})
    assert answer.headers["Location"].endswith("/admin/outbox")


def test_a_suppressed_contact_is_never_retried(admin, session, failed):
    invitation, email, _ = failed
    session.get(Invitation, invitation.id).contact.unsubscribed = True
    session.commit()
    body = page(admin.post(f"/admin/outbox/{email.id}/retry", follow_redirects=True))
    assert "has unsubscribed; we do not email them again" in body
    session.expire_all()
    assert session.get(OutboxEmail, email.id).status == "failed"


def test_cancel_closes_failed_and_held_but_not_sent_or_in_flight(admin, session, failed):
    _, email, reminder = failed
    for row in (email, reminder):
        assert admin.post(f"/admin/outbox/{row.id}/cancel").status_code == 303
    session.expire_all()
    assert session.get(OutboxEmail, email.id).status == "cancelled"
    assert "cancelled by an admin" in session.get(OutboxEmail, reminder.id).last_error
    row = session.get(OutboxEmail, reminder.id)
    row.status = "sent"
    session.commit()
    with pytest.raises(Conflict, match="only a failed, held or queued"):
        outbox_admin.cancel_email(session, reminder.id)
    row.status, row.sending_at = "queued", datetime.now(UTC)
    session.commit()
    with pytest.raises(Conflict, match="with the mail provider right now"):
        outbox_admin.cancel_email(session, reminder.id)


def test_unknown_email_and_csm_are_refused(admin, client, login, make_user, failed):
    assert "no email with id 999999" in page(
        admin.post("/admin/outbox/999999/retry", follow_redirects=True)
    )
    login(make_user("csm"))
    _, email, _ = failed
    assert client.post(f"/admin/outbox/{email.id}/retry").status_code == 403
    assert client.post(f"/admin/outbox/{email.id}/cancel").status_code == 403


@pytest.fixture
def deliveries(session):
    endpoint = webhooks_out.create_endpoint(
        session, "http://127.0.0.1:9/hook", ["response.created"]
    )
    rows = [webhooks_out.emit(session, "response.created", {"n": n})[0] for n in range(3)]
    rows[0].status, rows[0].last_error, rows[0].attempts = "failed", "HTTP 410: refused", 1
    session.commit()
    return endpoint, rows


def test_webhook_deliveries_filter_page_retry_and_cancel(admin, session, deliveries):
    endpoint, (failed_row, pending, _) = deliveries
    body = page(admin.get("/admin/webhooks?status=failed"))
    assert "1 delivery with these filters" in body and "HTTP 410: refused" in body
    for help_text in outbox_admin.WEBHOOK_STATUS_HELP.values():
        assert help_text in body
    assert "Page 1 of 2" in page(admin.get(f"/admin/webhooks?per_page=2&endpoint_id={endpoint.id}"))

    assert admin.post(f"/admin/webhooks/deliveries/{failed_row.id}/retry").status_code == 303
    assert admin.post(f"/admin/webhooks/deliveries/{pending.id}/cancel").status_code == 303
    session.expire_all()
    retried = session.get(WebhookDelivery, failed_row.id)
    assert (retried.status, retried.attempts) == ("pending", 0)
    cancelled = session.get(WebhookDelivery, pending.id)
    assert (cancelled.status, cancelled.last_error) == ("failed", "cancelled by an admin")
    # A disabled endpoint's deliveries are not retried: they would only fail again.
    webhooks_out.set_active(session, endpoint.id, False)
    session.commit()
    body = page(admin.post(f"/admin/webhooks/deliveries/{pending.id}/retry", follow_redirects=True))
    assert f"Webhook {endpoint.id} is disabled" in body
    statuses = set(session.scalars(select(WebhookDelivery.status)))
    assert statuses <= set(outbox_admin.WEBHOOK_STATUSES)
