"""Dispatching surveys on a real database: who gets invited, what is queued, and what is not.

`now` is always given, so the cadence, the send window and the fatigue window are exercised
by moving the clock, not by waiting.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import cadence
from feedback.mail.substitutions import apply_substitutions
from feedback.models import Invitation, Message, OutboxEmail, SurveyProgram
from feedback.services import capture, contacts, invitations, programs
from feedback.tokens import hash_token

TUESDAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def weekday_noon(day: date) -> datetime:
    """Noon UTC on `day`, or on the next weekday when `day` is a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def make_program(session: Session) -> Callable[..., SurveyProgram]:
    count = iter(range(1, 1000))

    def make(**fields: Any) -> SurveyProgram:
        data = {"name": f"Program {next(count)}", "kind": "nps", "active": True,
                "product_name": "Acme", **fields}  # fmt: skip
        program = programs.create_program(session, data)
        session.commit()
        return program

    return make


def dispatch(session: Session, app, now: datetime) -> invitations.DispatchStats:
    stats = invitations.dispatch_due_surveys(session, app.config, now)
    session.commit()
    return stats


def stored_invitations(session: Session, **where: Any) -> list[Invitation]:
    session.expire_all()
    return list(session.scalars(select(Invitation).filter_by(**where).order_by(Invitation.id)))


def emails_of(session: Session, invitation: Invitation) -> dict[str, OutboxEmail]:
    rows = session.scalars(select(OutboxEmail).filter_by(invitation_id=invitation.id)).all()
    assert len({r.kind for r in rows}) == len(rows)
    return {r.kind: r for r in rows}


def seen(email: OutboxEmail, part: str = "html") -> str:
    """The part as the recipient reads it: shared content plus their own substitutions."""
    return apply_substitutions(getattr(email.content, part), email.substitutions)


def score_links(email: OutboxEmail) -> list[int]:
    token = email.substitutions["%%token%%"]
    return sorted({int(s) for s in re.findall(rf"/r/{re.escape(token)}/(\d+)", seen(email))})


# ---------------------------------------------------------------- an NPS invitation


def test_a_due_contact_gets_one_invitation_its_email_a_held_reminder_and_a_message(
    session, app, make_program, make_contact
):
    program = make_program(cadence_days=1, reminder_after_days=3)
    person = make_contact(name="Ada Lovelace", timezone="Europe/Berlin")

    stats = dispatch(session, app, TUESDAY)

    assert stats.invited == 1
    [invitation] = stored_invitations(session)
    assert (invitation.program_id, invitation.contact_id) == (program.id, person.id)
    assert invitation.wave_key == cadence.wave_key(program.id, person.id, 1, TUESDAY)
    mail = emails_of(session, invitation)
    assert set(mail) == {"invitation", "reminder"}
    first, reminder = mail["invitation"], mail["reminder"]
    assert first.status == "queued" and first.to_email == person.email
    assert reminder.status == "held"
    assert reminder.next_attempt_at.replace(tzinfo=UTC) == TUESDAY + timedelta(days=3)

    public, inbound = app.config["PUBLIC_URL"], app.config["INBOUND_DOMAIN"]
    token, reply_token = first.substitutions["%%token%%"], first.substitutions["%%reply_token%%"]
    html, text = seen(first, "html"), seen(first, "text")
    for score in range(11):
        assert f'href="{public}/r/{token}/{score}"' in html
        assert f"{public}/r/{token}/{score}" in text
    assert score_links(first) == list(range(11))
    assert "%%" not in html + text + seen(first, "subject")
    assert "Ada" in html and "How likely are you to recommend Acme" in html
    assert first.headers == {
        "List-Unsubscribe": f"<{public}/u/{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert f"{public}/u/{token}" in html  # the visible unsubscribe link too
    assert seen(first, "reply_to") == f"reply+{reply_token}@{inbound}"

    # Only hashes on the invitation; the raw tokens live in the outbox row alone.
    assert invitation.token_hash == hash_token(token)
    assert invitation.reply_token_hash == hash_token(reply_token)
    stored = " ".join(str(getattr(invitation, c.key)) for c in Invitation.__table__.columns)
    assert token not in stored and reply_token not in stored

    [message] = session.scalars(select(Message).filter_by(invitation_id=invitation.id)).all()
    assert (message.direction, message.kind, message.channel) == ("outbound", "invitation", "email")


def test_dispatch_twice_never_invites_twice_in_a_wave(session, app, make_program, make_contact):
    program = make_program(cadence_days=90)
    person = make_contact(timezone="UTC")
    slot = weekday_noon(cadence.wave_start(program.id, person.id, 90, TUESDAY.date()))

    assert dispatch(session, app, slot).invited == 1
    assert dispatch(session, app, slot).invited == 0
    assert dispatch(session, app, slot + timedelta(hours=2)).invited == 0
    for days in (1, 20, 45, 85):  # the rest of the wave, past the fatigue window too
        assert dispatch(session, app, weekday_noon(slot.date() + timedelta(days))).invited == 0
    assert len(stored_invitations(session)) == 1
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 2
    # the next wave asks again
    later = weekday_noon(slot.date() + timedelta(days=90))
    assert dispatch(session, app, later).invited == 1
    assert len({i.wave_key for i in stored_invitations(session)}) == 2


def test_outside_the_send_window_nobody_is_invited(session, app, make_program, make_contact):
    make_program(cadence_days=1)
    make_contact(timezone="UTC")
    make_contact(timezone="Asia/Kolkata")  # 12:00 UTC is 17:30 in Kolkata

    stats = dispatch(session, app, SATURDAY)
    assert stats.invited == 0 and stats.skipped == {"outside_send_window": 2}
    assert stored_invitations(session) == []

    stats = dispatch(session, app, TUESDAY)
    assert stats.invited == 1 and stats.skipped == {"outside_send_window": 1}
    early = TUESDAY.replace(hour=4)  # 09:30 in Kolkata, 04:00 in UTC
    assert dispatch(session, app, early + timedelta(days=1)).invited == 1


def test_inactive_programs_send_nothing(session, app, make_program, make_contact):
    make_program(cadence_days=1, active=False)
    make_contact(timezone="UTC")
    assert dispatch(session, app, TUESDAY).invited == 0


# ---------------------------------------------------------------- fatigue and priority


def test_fatigue_spans_programs(session, app, make_program, make_contact):
    make_program(cadence_days=1, fatigue_days=30)
    make_contact(timezone="UTC")
    assert dispatch(session, app, TUESDAY).invited == 1

    other = make_program(cadence_days=1, fatigue_days=30)
    stats = dispatch(session, app, TUESDAY + timedelta(days=1))
    assert stats.invited == 0 and stats.skipped["fatigue"] >= 1
    assert stored_invitations(session, program_id=other.id) == []
    assert dispatch(session, app, weekday_noon(date(2026, 4, 9))).invited == 1  # 30 days on


def test_two_programs_due_the_important_one_goes_the_other_waits_and_is_not_lost(
    session, app, make_program, make_contact
):
    nps = make_program(cadence_days=90, priority=100, fatigue_days=30)
    onboarding = make_program(
        kind="onboarding",
        priority=10,
        triggers=[{"milestone": "week1", "days_after_signup": 7, "question": "effort"}],
    )
    person = make_contact(timezone="UTC")
    day = weekday_noon(cadence.wave_start(nps.id, person.id, 90, date(2026, 6, 1)))
    person.signed_up_on = day.date() - timedelta(days=7)
    session.commit()

    stats = dispatch(session, app, day)
    assert stats.invited == 1 and stats.skipped == {"fatigue": 1}
    [first] = stored_invitations(session)
    assert (first.program_id, first.milestone) == (onboarding.id, "week1")

    # Still waiting while the rest lasts ...
    assert dispatch(session, app, weekday_noon(day.date() + timedelta(days=10))).invited == 0
    # ... and asked once it is over: late, not lost.
    after = weekday_noon(day.date() + timedelta(days=30))
    assert dispatch(session, app, after).invited == 1
    [second] = stored_invitations(session, program_id=nps.id)
    assert second.wave_key == cadence.wave_key(nps.id, person.id, 90, day)


def test_one_survey_per_contact_per_run_even_when_the_other_program_has_no_rest(
    session, app, make_program, make_contact
):
    """The program choice is eligibility.choose_program's: a program without a fatigue rest
    of its own still waits its turn instead of landing in the same inbox the same minute."""
    restless = make_program(cadence_days=90, priority=100, fatigue_days=0)
    onboarding = make_program(
        kind="onboarding",
        priority=10,
        triggers=[{"milestone": "week1", "days_after_signup": 7, "question": "effort"}],
    )
    person = make_contact(timezone="UTC")
    day = weekday_noon(cadence.wave_start(restless.id, person.id, 90, date(2026, 6, 1)))
    person.signed_up_on = day.date() - timedelta(days=7)
    session.commit()

    stats = dispatch(session, app, day)
    assert stats.invited == 1 and stats.skipped == {"fatigue": 1}
    assert [i.program_id for i in stored_invitations(session)] == [onboarding.id]
    # Its turn comes on the next working day: late, not lost.
    assert dispatch(session, app, weekday_noon(day.date() + timedelta(days=1))).invited == 1
    assert len(stored_invitations(session, program_id=restless.id)) == 1


# ---------------------------------------------------------------- onboarding


@pytest.fixture
def onboarding(make_program) -> SurveyProgram:
    return make_program(kind="onboarding", triggers=programs.DEFAULT_ONBOARDING_TRIGGERS)


def test_week_one_asks_the_effort_question_on_a_1_to_7_scale(
    session, app, onboarding, make_contact
):
    make_contact(timezone="UTC", signed_up_on=date(2026, 3, 3))
    assert dispatch(session, app, TUESDAY - timedelta(days=1)).invited == 0  # day 6
    assert dispatch(session, app, TUESDAY).invited == 1  # day 7
    [invitation] = stored_invitations(session)
    assert (invitation.milestone, invitation.wave_key) == ("week1", "week1")
    email = emails_of(session, invitation)["invitation"]
    assert score_links(email) == list(range(1, 8))
    assert "How easy was it to get started with Acme?" in seen(email, "text")
    assert dispatch(session, app, TUESDAY + timedelta(days=1)).invited == 0  # once


def test_day_30_quotes_the_contacts_own_success_definition(session, app, onboarding, make_contact):
    # week1 → day30 is 23 days: shorter than the default 30-day rest, so this series rests 14
    programs.update_program(session, onboarding.id, {"fatigue_days": 14})
    person = make_contact(timezone="UTC", signed_up_on=date(2026, 3, 3))
    dispatch(session, app, TUESDAY)
    [week1] = stored_invitations(session)
    token = emails_of(session, week1)["invitation"].substitutions["%%token%%"]
    capture.submit_answer(
        session, token, score=6, comment="", now=TUESDAY + timedelta(hours=1),
        success_definition="Weekly reports in 10 minutes & no spreadsheets",
    )  # fmt: skip
    session.commit()
    other = make_contact(timezone="UTC", signed_up_on=date(2026, 3, 3))

    day30 = datetime(2026, 4, 2, 12, tzinfo=UTC)  # a Thursday, 30 days after sign-up
    assert dispatch(session, app, day30).invited == 2
    mine = stored_invitations(session, contact_id=person.id, milestone="day30")[0]
    theirs = stored_invitations(session, contact_id=other.id, milestone="day30")[0]
    email = emails_of(session, mine)["invitation"]
    assert "Weekly reports in 10 minutes &amp; no spreadsheets" in seen(email, "html")
    assert "You told us success means" in seen(email, "html")
    assert score_links(email) == list(range(11))
    fallback = seen(emails_of(session, theirs)["invitation"], "html")
    assert "How close are you to what you wanted to achieve with Acme?" in fallback
    assert "Weekly reports" not in fallback


def test_renewal_check_goes_n_days_before_the_renewal(
    session, app, make_program, make_account, make_contact
):
    make_program(
        kind="onboarding",
        triggers=[{"milestone": "renewal", "days_before_renewal": 30, "question": "nps"}],
    )
    make_account(external_id="R-1", renewal_date=date(2026, 4, 9))
    make_contact(timezone="UTC", account_external_id="R-1")
    assert dispatch(session, app, datetime(2026, 3, 9, 12, tzinfo=UTC)).invited == 0  # 31 days
    assert dispatch(session, app, TUESDAY).invited == 1  # 30 days before
    [invitation] = stored_invitations(session)
    assert invitation.wave_key == "renewal:2026-04-09"
    assert dispatch(session, app, TUESDAY + timedelta(days=35)).invited == 0  # once a renewal


def test_an_event_starts_its_check_in(session, app, make_program, make_contact):
    make_program(
        kind="onboarding",
        triggers=[{"milestone": "activated", "event": "onboarding_completed", "days_after": 2}],
    )
    person = make_contact(timezone="UTC")
    assert dispatch(session, app, TUESDAY).invited == 0  # no event yet
    contacts.record_event(
        session, {"email": person.email.upper(), "name": "onboarding_completed",
                  "occurred_at": TUESDAY - timedelta(hours=1)},
    )  # fmt: skip
    session.commit()
    assert dispatch(session, app, TUESDAY + timedelta(days=1)).invited == 0  # too soon
    assert dispatch(session, app, TUESDAY + timedelta(days=2)).invited == 1
    [invitation] = stored_invitations(session)
    assert (invitation.milestone, invitation.wave_key) == ("activated", "activated:2026-03-10")
    assert dispatch(session, app, TUESDAY + timedelta(days=3)).invited == 0


def test_record_event_checks_its_input(session, make_contact):
    from feedback.services.errors import InvalidInput, NotFound

    with pytest.raises(NotFound):
        contacts.record_event(session, {"email": "nobody@example.org", "name": "signed_up"})
    with pytest.raises(InvalidInput) as excinfo:
        contacts.record_event(session, {"email": "not an email", "name": "signed_up"})
    assert "email" in excinfo.value.fields
    person = make_contact()
    with pytest.raises(InvalidInput) as excinfo:
        contacts.record_event(
            session, {"email": person.email, "name": "x", "occurred_at": datetime(2026, 3, 1)}
        )
    assert "occurred_at" in excinfo.value.fields


# ---------------------------------------------------------------- audience, cap, suppression


def test_audience_filters_choose_whom(session, app, make_program, make_account, make_contact):
    make_program(
        cadence_days=1,
        audience={"plan": ["enterprise"], "contact_attributes": {"role": ["admin", "owner"]}},
    )
    make_account(external_id="E", plan="enterprise")
    make_account(external_id="S", plan="starter")
    wanted = make_contact(timezone="UTC", account_external_id="E", attributes={"role": "admin"})
    make_contact(timezone="UTC", account_external_id="E", attributes={"role": "viewer"})
    make_contact(timezone="UTC", account_external_id="S", attributes={"role": "admin"})
    make_contact(timezone="UTC", attributes={"role": "admin"})  # no account, no plan

    assert dispatch(session, app, TUESDAY).invited == 1
    assert [i.contact_id for i in stored_invitations(session)] == [wanted.id]


def test_churned_accounts_are_not_surveyed(session, app, make_program, make_account, make_contact):
    make_program(cadence_days=1)
    make_account(external_id="C", status="churned")
    make_contact(timezone="UTC", account_external_id="C")
    assert dispatch(session, app, TUESDAY).invited == 0


def test_a_daily_cap_trickles_the_sends_over_days(session, app, make_program, make_contact):
    program = make_program(cadence_days=7, daily_cap=2)
    for _ in range(5):
        make_contact(timezone="UTC")
    sent = []
    for day in range(4):
        stats = dispatch(session, app, TUESDAY + timedelta(days=day))
        sent.append(stats.invited)
        if day == 0:
            assert stats.skipped == {"daily_cap": 3}
    assert sent == [2, 2, 1, 0]
    assert len({i.contact_id for i in stored_invitations(session, program_id=program.id)}) == 5


def test_suppressed_contacts_are_never_invited(session, app, make_program, make_contact):
    make_program(cadence_days=1)
    make_contact(timezone="UTC", unsubscribed=True)
    make_contact(timezone="UTC", bounced=True)
    spam = make_contact(timezone="UTC")
    spam.spam_reported = True
    session.commit()
    for day in range(3):
        stats = dispatch(session, app, TUESDAY + timedelta(days=day))
        assert stats.invited == 0
    assert stats.skipped == {"unsubscribed": 1, "bounced": 1, "spam_reported": 1}
    assert stored_invitations(session) == []


def test_each_page_is_planned_on_its_own_contacts_history_with_the_same_decisions(
    session, app, make_program, make_account, make_contact, monkeypatch
):
    """The history (invitations sent, lifecycle events) is read a page of contacts at a time,
    not every invitation ever sent on each run: with pages of two contacts the plan is the
    one a single page gives, decision for decision."""
    nps = make_program(cadence_days=1, fatigue_days=3, priority=100)
    checkin = make_program(
        kind="onboarding",
        priority=10,
        triggers=[{"milestone": "activated", "event": "onboarding_completed", "days_after": 0}],
    )
    make_account(external_id="C", status="churned")
    people = []
    for n in range(9):
        churned = {"account_external_id": "C"} if n == 4 else {}  # inside a page's id range
        people.append(make_contact(timezone="UTC", **churned))
    surveyed = [people[0], people[3], people[5], people[8]]
    invitations.invite_now(session, app.config, nps.id, [p.email for p in surveyed], TUESDAY)
    for person in (people[1], people[6]):
        contacts.record_event(
            session, {"email": person.email, "name": "onboarding_completed",
                      "occurred_at": TUESDAY},
        )  # fmt: skip
    session.commit()
    active = [nps, checkin]
    active.sort(key=lambda p: (p.priority, p.id))
    later = TUESDAY + timedelta(days=1)

    def plan(page: int) -> list[tuple[int, int, str, str]]:
        monkeypatch.setattr(invitations, "PAGE", page)
        return [
            (s.program.id, s.candidate.contact_id, s.wave.wave_key, str(s.decision.reason))
            for s in invitations.plan_invitations(session, active, later)
        ]

    whole = plan(10_000)
    assert plan(2) == whole
    assert plan(3) == whole
    reasons = {(program_id, contact_id): reason for program_id, contact_id, _, reason in whole}
    assert {reasons[(nps.id, p.id)] for p in surveyed} == {"fatigue"}
    assert reasons[(checkin.id, people[1].id)] == reasons[(checkin.id, people[6].id)] == "ok"
    assert reasons[(nps.id, people[2].id)] == "ok"
    assert all(contact_id != people[4].id for _, contact_id, _, _ in whole)


def test_the_interpreter_switch_interval_is_put_back_once_the_pages_are_written(
    session, app, make_program, make_contact, monkeypatch
):
    """bulk_rows shortens the GIL's switch interval only while a page is being written."""
    monkeypatch.setattr(invitations, "PAGE", 2)
    make_program(cadence_days=1)
    for _ in range(5):
        make_contact(timezone="UTC")
    before = sys.getswitchinterval()
    assert dispatch(session, app, TUESDAY).invited == 5
    assert sys.getswitchinterval() == before


# ---------------------------------------------------------------- send now


def test_invite_now_answers_per_contact_and_skips_the_window(
    session, app, make_program, make_contact
):
    program = make_program(cadence_days=90, sample_percent=0, daily_cap=1)
    fresh = make_contact(timezone="Pacific/Auckland")  # 01:00 Sunday there
    second = make_contact(timezone="UTC")
    gone = make_contact(unsubscribed=True)
    tired = make_contact()
    invitations.invite_now(session, app.config, make_program().id, [tired.email], now=SATURDAY)
    session.commit()

    emails = [fresh.email.upper(), second.email, "nobody@example.org", "not-an-email",
              gone.email, tired.email]  # fmt: skip
    results = invitations.invite_now(session, app.config, program.id, emails, now=SATURDAY)
    session.commit()

    by_email = {r["email"]: r for r in results}
    assert set(by_email) == set(emails)
    assert {e: r["reason"] for e, r in by_email.items()} == {
        fresh.email.upper(): "ok",
        second.email: "ok",  # neither the daily cap nor the 0 % sample stop an admin
        "nobody@example.org": "unknown_contact",
        "not-an-email": "invalid_email",
        gone.email: "unsubscribed",
        tired.email: "fatigue",
    }
    invited = by_email[fresh.email.upper()]
    assert invited["status"] == "invited" and invited["invitation_id"]
    invitation = session.get(Invitation, invited["invitation_id"])
    assert invitation.contact_id == fresh.id and invitation.program_id == program.id
    assert emails_of(session, invitation)["invitation"].status == "queued"
    for email in ("nobody@example.org", "not-an-email", gone.email, tired.email):
        assert by_email[email]["status"] == "not_invited"
        assert by_email[email]["invitation_id"] is None
        assert by_email[email]["detail"]

    again = invitations.invite_now(session, app.config, program.id, [fresh.email], now=SATURDAY)
    assert again[0]["reason"] in ("already_invited", "fatigue")


def test_invite_now_for_an_unknown_program_is_not_found(session, app):
    from feedback.services.errors import NotFound

    with pytest.raises(NotFound):
        invitations.invite_now(session, app.config, 999_999, ["a@example.org"], now=SATURDAY)
