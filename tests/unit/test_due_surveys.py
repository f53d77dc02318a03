"""Which surveys a contact is due for: cadence.due_surveys on plain values, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from feedback import cadence
from feedback.cadence import ContactDates, Due, ProgramTiming, SentHistory, due_surveys

NPS = ProgramTiming(program_id=3, kind="nps", cadence_days=90, fatigue_days=30)
PERSON = ContactDates(contact_id=41)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


SLOT = cadence.wave_start(NPS.program_id, PERSON.contact_id, 90, date(2026, 6, 1))


def onboarding(*triggers: dict) -> ProgramTiming:
    return ProgramTiming(program_id=5, kind="onboarding", cadence_days=90, fatigue_days=30,
                         triggers=triggers)  # fmt: skip


def test_an_nps_contact_is_due_on_their_slot_once_per_wave():
    history = SentHistory()
    [due] = due_surveys(NPS, PERSON, history, noon(SLOT))
    assert due == Due(cadence.wave_key(3, 41, 90, noon(SLOT)), None, "nps")
    history.record(NPS.program_id, PERSON.contact_id, due.wave_key, noon(SLOT))
    assert due_surveys(NPS, PERSON, history, noon(SLOT + timedelta(days=1))) == []


def test_a_new_contact_missed_on_their_slot_waits_for_the_next_wave():
    late = noon(SLOT + timedelta(days=cadence.FIRST_WAVE_GRACE_DAYS + 3))
    assert due_surveys(NPS, PERSON, SentHistory(), late) == []


def test_another_programs_rest_over_the_slot_delays_the_survey_instead_of_losing_it():
    other = noon(SLOT - timedelta(days=3))  # another program asked them: 30 days of rest
    history = SentHistory(last_survey_at={PERSON.contact_id: other})
    after_rest = noon(SLOT + timedelta(days=27 + cadence.FIRST_WAVE_GRACE_DAYS - 1))
    assert [d.question for d in due_surveys(NPS, PERSON, history, after_rest)] == ["nps"]
    too_late = noon(SLOT + timedelta(days=27 + cadence.FIRST_WAVE_GRACE_DAYS))
    assert due_surveys(NPS, PERSON, history, too_late) == []


def test_a_sign_up_milestone_asks_the_question_its_trigger_names():
    program = onboarding(
        {"milestone": "week1", "days_after_signup": 7, "question": "effort"},
        {"milestone": "day30", "days_after_signup": 30},
    )
    today = date(2026, 6, 10)
    week1 = ContactDates(41, signed_up_on=today - timedelta(days=7))
    day30 = ContactDates(42, signed_up_on=today - timedelta(days=30))
    assert due_surveys(program, week1, SentHistory(), noon(today)) == [
        Due("week1", "week1", "effort")
    ]
    assert due_surveys(program, day30, SentHistory(), noon(today)) == [
        Due("day30", "day30", "closeness")
    ]
    invited = SentHistory(waves={(program.program_id, 41, "week1")})
    assert due_surveys(program, week1, invited, noon(today)) == []


def test_a_renewal_check_is_named_after_the_renewal_it_asks_about():
    program = onboarding({"milestone": "renewal", "days_before_renewal": 30})
    renewal = date(2026, 7, 1)
    person = ContactDates(41, renewal_date=renewal)
    today = noon(renewal - timedelta(days=20))
    assert due_surveys(program, person, SentHistory(), today) == [
        Due("renewal:2026-07-01", "renewal", "closeness")
    ]
    invited = SentHistory(waves={(program.program_id, 41, "renewal:2026-07-01")})
    assert due_surveys(program, person, invited, today) == []
    assert due_surveys(program, person, SentHistory(), noon(renewal - timedelta(days=40))) == []


def test_an_event_starts_a_check_in_that_stays_due_for_two_weeks():
    program = onboarding({"milestone": "upgraded", "event": "plan_upgraded", "days_after": 2})
    occurred = noon(date(2026, 6, 1))
    history = SentHistory(events={(41, "plan_upgraded"): occurred})
    wave = Due("upgraded:2026-06-01", "upgraded", "closeness")
    assert due_surveys(program, PERSON, history, occurred + timedelta(days=1)) == []
    assert due_surveys(program, PERSON, history, occurred + timedelta(days=2)) == [wave]
    window = cadence.EVENT_TRIGGER_WINDOW_DAYS
    assert due_surveys(program, PERSON, history, occurred + timedelta(days=2 + window)) == []
    assert due_surveys(program, ContactDates(99), history, occurred + timedelta(days=3)) == []
