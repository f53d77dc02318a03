"""Reminders: one, after N days, only to people who have not answered and may still be asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.mail.backends import ConsoleBackend
from feedback.mail.substitutions import apply_substitutions
from feedback.models import Invitation, OutboxEmail
from feedback.services import capture, invitations, programs, reminders
from feedback.services.delivery import deliver_due

SENT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"


@pytest.fixture
def invited(session, app, make_contact):
    """Invite one contact at SENT and deliver the invitation; returns (invitation, token)."""

    def make(reminder_after_days: int | None = 3, response_window_days: int = 30, **contact):
        program = programs.create_program(session, {
            "name": f"Reminders {len(programs.list_programs(session))}", "kind": "nps",
            "active": True, "product_name": "Acme", "reminder_after_days": reminder_after_days,
            "response_window_days": response_window_days,
        })  # fmt: skip
        person = make_contact(timezone="UTC", **contact)
        [result] = invitations.invite_now(session, app.config, program.id, [person.email], now=SENT)
        session.commit()
        deliver(app, SENT)
        invitation = session.get(Invitation, result["invitation_id"])
        first = session.scalars(
            select(OutboxEmail).filter_by(invitation_id=invitation.id, kind="invitation")
        ).one()
        return invitation, first_token(first)

    return make


def first_token(email: OutboxEmail) -> str:
    """The link token, read before delivery scrubs it (console keeps it, sendgrid does not)."""
    return email.substitutions["%%token%%"]


def deliver(app, now: datetime):
    return deliver_due(app.extensions["feedback.db"].sessionmaker, ConsoleBackend(),
                       worker_id="test", now=now)  # fmt: skip


def reminder_of(session, invitation: Invitation) -> OutboxEmail | None:
    session.expire_all()
    rows = session.scalars(
        select(OutboxEmail).filter_by(invitation_id=invitation.id, kind="reminder")
    ).all()
    assert len(rows) <= 1  # at most one reminder per invitation, whatever happens
    return rows[0] if rows else None


def release(session, now: datetime) -> dict[str, int]:
    counts = reminders.release_reminders(session, now)
    session.commit()
    return counts


def test_the_reminder_is_held_until_its_day_then_queued_and_sent_once(session, app, invited):
    invitation, _ = invited()
    assert invitation.sent_at is not None
    assert reminder_of(session, invitation).status == "held"

    assert release(session, SENT + timedelta(days=2, hours=23)) == {}
    assert reminder_of(session, invitation).status == "held"

    assert release(session, SENT + timedelta(days=3)) == {"queued": 1}
    assert reminder_of(session, invitation).status == "queued"
    stats = deliver(app, SENT + timedelta(days=3))
    assert stats.sent == 1
    reminder = reminder_of(session, invitation)
    assert reminder.status == "sent"
    assert apply_substitutions(reminder.content.subject, reminder.substitutions).startswith(
        "Reminder: "
    )
    for day in (4, 5, 10):  # nothing more, ever
        assert release(session, SENT + timedelta(days=day)) == {}
        assert deliver(app, SENT + timedelta(days=day)).sent == 0


def test_no_reminder_after_a_response(session, invited):
    invitation, token = invited()
    capture.record_click(session, token, 8, user_agent=PHONE, headers={},
                         now=SENT + timedelta(days=1))  # fmt: skip
    session.commit()
    # the capture cancels it at once, not only when its day comes
    reminder = reminder_of(session, invitation)
    assert (reminder.status, reminder.last_error) == ("cancelled", "reminder not sent: responded")
    assert release(session, SENT + timedelta(days=3)) == {}
    assert reminder_of(session, invitation).status == "cancelled"


def test_a_response_recorded_without_cancelling_is_still_caught(session, invited):
    invitation, _ = invited()
    invitation.responded_at = SENT + timedelta(days=1)
    session.commit()
    assert release(session, SENT + timedelta(days=3)) == {"cancelled_responded": 1}
    assert reminder_of(session, invitation).status == "cancelled"


@pytest.mark.parametrize("flag", ["unsubscribed", "bounced", "spam_reported"])
def test_no_reminder_after_an_unsubscribe_a_bounce_or_a_spam_report(session, invited, flag):
    invitation, _ = invited()
    setattr(invitation.contact, flag, True)
    session.commit()
    assert release(session, SENT + timedelta(days=3)) == {"cancelled_suppressed": 1}
    reminder = reminder_of(session, invitation)
    assert (reminder.status, reminder.last_error) == ("cancelled", "reminder not sent: suppressed")


def test_no_reminder_once_the_survey_has_expired(session, invited):
    invitation, _ = invited(reminder_after_days=3, response_window_days=2)
    assert release(session, SENT + timedelta(days=3)) == {"cancelled_expired": 1}
    assert reminder_of(session, invitation).status == "cancelled"


def test_a_reminder_waits_for_its_invitation_to_be_sent(session, app, make_contact):
    program = programs.create_program(
        session, {"name": "Unsent", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    person = make_contact(timezone="UTC")
    [result] = invitations.invite_now(session, app.config, program.id, [person.email], now=SENT)
    session.commit()  # not delivered
    invitation = session.get(Invitation, result["invitation_id"])
    assert release(session, SENT + timedelta(days=3)) == {"waiting": 1}
    reminder = reminder_of(session, invitation)
    assert reminder.status == "held"
    assert reminder.next_attempt_at.replace(tzinfo=UTC) == SENT + timedelta(days=3, hours=1)


def test_programs_without_reminders_hold_none(session, invited):
    invitation, _ = invited(reminder_after_days=None)
    assert reminder_of(session, invitation) is None
