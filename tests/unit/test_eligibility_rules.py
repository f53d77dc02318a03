"""Eligibility as tables: each rule with its retry time, send windows in real zones across DST,
the timezone fallback, and what an admin's "send now" may and may not skip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.eligibility import (
    ContactFacts,
    ProgramRules,
    Reason,
    SurveyHistory,
    choose_program,
    decide,
    in_send_window,
    is_sampled,
    next_send_window_start,
    resolve_timezone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOW = utc(2026, 3, 10, 12, 0)  # a Tuesday, inside the UTC window
WAVE = "2026-03-10/90d"
PID = 5


def facts(**fields: object) -> ContactFacts:
    return ContactFacts(**{"contact_id": 77, "timezone": "UTC", **fields})  # type: ignore[arg-type]


def rules(**fields: object) -> ProgramRules:
    return ProgramRules(**{"program_id": PID, **fields})  # type: ignore[arg-type]


def sampled_contact(percent: float, wanted: bool) -> int:
    """A contact id that is (or is not) in the sample, found by the same stable hash."""
    return next(c for c in range(1, 10_000) if is_sampled(c, PID, WAVE, percent) is wanted)


# ---------------------------------------------------------------- every rule, with retry_at

RULE_CASES = [
    # id, contact, history, program, now, reason, retry_at
    ("ok", facts(), SurveyHistory(), rules(), NOW, Reason.OK, None),
    ("unsubscribed", facts(unsubscribed=True), SurveyHistory(), rules(), NOW,
     Reason.UNSUBSCRIBED, None),
    ("bounced", facts(bounced=True), SurveyHistory(), rules(), NOW, Reason.BOUNCED, None),
    ("spam", facts(spam_reported=True), SurveyHistory(), rules(), NOW,
     Reason.SPAM_REPORTED, None),
    ("in conversation", facts(has_open_recover_task=True), SurveyHistory(), rules(), NOW,
     Reason.IN_CONVERSATION, None),
    ("already invited this wave", facts(), SurveyHistory(invited_waves=frozenset({(PID, WAVE)})),
     rules(), NOW, Reason.ALREADY_INVITED, None),
    ("same wave of another program is no bar", facts(),
     SurveyHistory(invited_waves=frozenset({(PID + 1, WAVE)})), rules(), NOW, Reason.OK, None),
    ("fatigue: sent 10 days ago, 30-day rest", facts(),
     SurveyHistory(last_sent_at=NOW - timedelta(days=10)), rules(), NOW,
     Reason.FATIGUE, NOW + timedelta(days=20)),
    ("fatigue: rest ends exactly now", facts(),
     SurveyHistory(last_sent_at=NOW - timedelta(days=30)), rules(), NOW, Reason.OK, None),
    ("fatigue: one second before the rest ends", facts(),
     SurveyHistory(last_sent_at=NOW - timedelta(days=30) + timedelta(seconds=1)), rules(), NOW,
     Reason.FATIGUE, NOW + timedelta(seconds=1)),
    ("fatigue: per-program override of 7 days", facts(),
     SurveyHistory(last_sent_at=NOW - timedelta(days=8)), rules(fatigue_days=7), NOW,
     Reason.OK, None),
    ("fatigue: 0 days means no rest", facts(), SurveyHistory(last_sent_at=NOW),
     rules(fatigue_days=0), NOW, Reason.OK, None),
    ("daily cap reached: retry at next UTC midnight", facts(), SurveyHistory(),
     rules(daily_cap=50, sent_today=50), NOW, Reason.DAILY_CAP, utc(2026, 3, 11)),
    ("daily cap not yet reached", facts(), SurveyHistory(), rules(daily_cap=50, sent_today=49),
     NOW, Reason.OK, None),
    ("not sampled at 0 %", facts(), SurveyHistory(), rules(sample_percent=0), NOW,
     Reason.NOT_SAMPLED, None),
    ("not sampled at 30 %", facts(contact_id=sampled_contact(30, False)), SurveyHistory(),
     rules(sample_percent=30), NOW, Reason.NOT_SAMPLED, None),
    ("sampled at 30 %", facts(contact_id=sampled_contact(30, True)), SurveyHistory(),
     rules(sample_percent=30), NOW, Reason.OK, None),
    ("outside window: Saturday in UTC", facts(), SurveyHistory(), rules(),
     utc(2026, 3, 14, 12), Reason.OUTSIDE_SEND_WINDOW, utc(2026, 3, 16, 9)),
    ("outside window: 03:00 in New York", facts(timezone="America/New_York"), SurveyHistory(),
     rules(), utc(2026, 3, 10, 7), Reason.OUTSIDE_SEND_WINDOW, utc(2026, 3, 10, 13)),
    # suppression comes before everything, even a reason with a retry time
    ("unsubscribed and fatigued: unsubscribed", facts(unsubscribed=True),
     SurveyHistory(last_sent_at=NOW), rules(), NOW, Reason.UNSUBSCRIBED, None),
    ("fatigued and capped: fatigue first", facts(), SurveyHistory(last_sent_at=NOW),
     rules(daily_cap=1, sent_today=1), NOW, Reason.FATIGUE, NOW + timedelta(days=30)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("contact", "history", "program", "now", "reason", "retry_at"),
    [case[1:] for case in RULE_CASES],
    ids=[case[0] for case in RULE_CASES],
)
def test_each_rule(contact, history, program, now, reason, retry_at):
    decision = decide(contact, history, program, WAVE, now)
    assert decision.reason is reason
    assert decision.eligible is (reason is Reason.OK)
    assert decision.retry_at == retry_at
    assert decision.detail  # every answer is a sentence a person can read


def test_sampling_is_deterministic_and_draws_a_new_sample_each_wave():
    program = rules(sample_percent=25)
    first = [decide(facts(contact_id=c), SurveyHistory(), program, WAVE, NOW).reason
             for c in range(1, 2001)]  # fmt: skip
    again = [decide(facts(contact_id=c), SurveyHistory(), program, WAVE, NOW).reason
             for c in range(1, 2001)]  # fmt: skip
    assert first == again
    share = first.count(Reason.OK) / len(first)
    assert 0.22 <= share <= 0.28
    next_wave = [is_sampled(c, PID, "2026-06-08/90d", 25) for c in range(1, 2001)]
    assert next_wave != [r is Reason.OK for r in first]


# ---------------------------------------------------------------- send window in real zones

WINDOW_CASES = [
    # zone, now (UTC), inside?, retry_at when outside
    # New York, DST starts Sunday 2026-03-08: EST (−5) before, EDT (−4) after
    ("America/New_York", utc(2026, 3, 6, 14, 0), True, None),  # Fri 09:00 EST
    ("America/New_York", utc(2026, 3, 6, 13, 59), False, utc(2026, 3, 6, 14, 0)),  # 08:59 EST
    ("America/New_York", utc(2026, 3, 6, 21, 59), True, None),  # Fri 16:59 EST
    ("America/New_York", utc(2026, 3, 6, 22, 0), False, utc(2026, 3, 9, 13, 0)),  # Fri 17:00 →
    ("America/New_York", utc(2026, 3, 8, 15, 0), False, utc(2026, 3, 9, 13, 0)),  # DST Sunday
    ("America/New_York", utc(2026, 3, 9, 12, 59), False, utc(2026, 3, 9, 13, 0)),  # 08:59 EDT
    ("America/New_York", utc(2026, 3, 9, 13, 0), True, None),  # Mon 09:00 EDT
    ("America/New_York", utc(2026, 3, 9, 20, 59), True, None),  # Mon 16:59 EDT
    ("America/New_York", utc(2026, 3, 9, 21, 0), False, utc(2026, 3, 10, 13, 0)),  # 17:00 EDT
    # Berlin, DST ends Sunday 2026-10-25: CEST (+2) before, CET (+1) after
    ("Europe/Berlin", utc(2026, 10, 23, 7, 0), True, None),  # Fri 09:00 CEST
    ("Europe/Berlin", utc(2026, 10, 23, 6, 59), False, utc(2026, 10, 23, 7, 0)),
    ("Europe/Berlin", utc(2026, 10, 23, 14, 59), True, None),  # Fri 16:59 CEST
    ("Europe/Berlin", utc(2026, 10, 23, 15, 0), False, utc(2026, 10, 26, 8, 0)),  # → Mon CET
    ("Europe/Berlin", utc(2026, 10, 25, 10, 0), False, utc(2026, 10, 26, 8, 0)),  # DST Sunday
    ("Europe/Berlin", utc(2026, 10, 26, 7, 59), False, utc(2026, 10, 26, 8, 0)),  # 08:59 CET
    ("Europe/Berlin", utc(2026, 10, 26, 8, 0), True, None),  # Mon 09:00 CET
    ("Europe/Berlin", utc(2026, 10, 26, 15, 59), True, None),  # Mon 16:59 CET
    ("Europe/Berlin", utc(2026, 10, 26, 16, 0), False, utc(2026, 10, 27, 8, 0)),
    # Kolkata, +05:30 all year
    ("Asia/Kolkata", utc(2026, 3, 10, 3, 29), False, utc(2026, 3, 10, 3, 30)),  # 08:59 IST
    ("Asia/Kolkata", utc(2026, 3, 10, 3, 30), True, None),  # 09:00 IST
    ("Asia/Kolkata", utc(2026, 3, 10, 11, 29), True, None),  # 16:59 IST
    ("Asia/Kolkata", utc(2026, 3, 10, 11, 30), False, utc(2026, 3, 11, 3, 30)),  # 17:00 IST
    # Auckland, NZDT (+13) in March: its Monday starts on Sunday UTC
    ("Pacific/Auckland", utc(2026, 3, 8, 20, 0), True, None),  # Mon 09:00 NZDT
    ("Pacific/Auckland", utc(2026, 3, 8, 19, 59), False, utc(2026, 3, 8, 20, 0)),
    ("Pacific/Auckland", utc(2026, 3, 13, 3, 59), True, None),  # Fri 16:59 NZDT
    ("Pacific/Auckland", utc(2026, 3, 13, 4, 0), False, utc(2026, 3, 15, 20, 0)),  # Fri 17:00
    ("Pacific/Auckland", utc(2026, 3, 13, 12, 0), False, utc(2026, 3, 15, 20, 0)),  # Sat there
    # UTC weekends
    ("UTC", utc(2026, 3, 14, 10, 0), False, utc(2026, 3, 16, 9, 0)),  # Saturday
    ("UTC", utc(2026, 3, 15, 16, 59), False, utc(2026, 3, 16, 9, 0)),  # Sunday
    ("UTC", utc(2026, 3, 16, 8, 59), False, utc(2026, 3, 16, 9, 0)),  # Monday 08:59
    ("UTC", utc(2026, 3, 16, 9, 0), True, None),
    ("UTC", utc(2026, 3, 16, 16, 59), True, None),
    ("UTC", utc(2026, 3, 16, 17, 0), False, utc(2026, 3, 17, 9, 0)),
]


@pytest.mark.parametrize(("zone", "now", "inside", "retry_at"), WINDOW_CASES)
def test_send_window(zone, now, inside, retry_at):
    assert in_send_window(zone, now) is inside
    assert next_send_window_start(zone, now) == (now if inside else retry_at)
    decision = decide(facts(timezone=zone), SurveyHistory(), rules(), WAVE, now)
    if inside:
        assert decision.reason is Reason.OK
    else:
        assert decision.reason is Reason.OUTSIDE_SEND_WINDOW
        assert decision.retry_at == retry_at
        assert in_send_window(zone, decision.retry_at)


# ---------------------------------------------------------------- which zone counts

ZONE_CASES = [
    # contact's zone, account's zone, the zone used
    ("Asia/Kolkata", "Europe/Berlin", "Asia/Kolkata"),
    (None, "Europe/Berlin", "Europe/Berlin"),
    ("", "Europe/Berlin", "Europe/Berlin"),
    ("Mars/Olympus", "Asia/Kolkata", "Asia/Kolkata"),  # unknown
    ("not a zone!", "Asia/Kolkata", "Asia/Kolkata"),  # invalid
    ("../../etc/passwd", "Pacific/Auckland", "Pacific/Auckland"),
    ("Mars/Olympus", "Venus/Maxwell", "UTC"),
    (None, None, "UTC"),
    (" Europe/Berlin ", None, "Europe/Berlin"),
]


@pytest.mark.parametrize(("contact_tz", "account_tz", "used"), ZONE_CASES)
def test_unknown_zone_falls_back_to_the_account_then_utc(contact_tz, account_tz, used):
    assert resolve_timezone(contact_tz, account_tz).key == used
    # 08:00 UTC on a Tuesday: 13:30 in Kolkata and 09:00 in Berlin (inside), 08:00 in UTC and
    # 21:00 in Auckland (outside). The decision follows the zone that was resolved.
    now = utc(2026, 3, 10, 8, 0)
    decision = decide(facts(timezone=contact_tz, account_timezone=account_tz), SurveyHistory(),
                      rules(), WAVE, now)  # fmt: skip
    assert decision.eligible is (used in ("Asia/Kolkata", "Europe/Berlin"))


# ---------------------------------------------------------------- send now

SEND_NOW_CASES = [
    # contact, history, program, reason under send-now
    (facts(unsubscribed=True), SurveyHistory(), rules(), Reason.UNSUBSCRIBED),
    (facts(bounced=True), SurveyHistory(), rules(), Reason.BOUNCED),
    (facts(spam_reported=True), SurveyHistory(), rules(), Reason.SPAM_REPORTED),
    (facts(has_open_recover_task=True), SurveyHistory(), rules(), Reason.IN_CONVERSATION),
    (facts(), SurveyHistory(last_sent_at=NOW - timedelta(days=1)), rules(), Reason.FATIGUE),
    (facts(), SurveyHistory(invited_waves=frozenset({(PID, WAVE)})), rules(),
     Reason.ALREADY_INVITED),
    # what send-now does skip: the window, the daily cap, the sample
    (facts(timezone="Pacific/Auckland"), SurveyHistory(), rules(), Reason.OK),
    (facts(), SurveyHistory(), rules(daily_cap=1, sent_today=5), Reason.OK),
    (facts(), SurveyHistory(), rules(sample_percent=0), Reason.OK),
]  # fmt: skip


@pytest.mark.parametrize(("contact", "history", "program", "reason"), SEND_NOW_CASES)
def test_send_now_never_skips_suppression_or_fatigue(contact, history, program, reason):
    saturday_night = utc(2026, 3, 14, 23, 0)  # outside every window of these cases
    decision = decide(contact, history, program, WAVE, saturday_night,
                      ignore_send_window=True, ignore_cadence=True)  # fmt: skip
    assert decision.reason is reason


def test_ignoring_the_window_alone_still_applies_cap_and_sample():
    capped = decide(facts(), SurveyHistory(), rules(daily_cap=1, sent_today=1), WAVE,
                    utc(2026, 3, 14, 23), ignore_send_window=True)  # fmt: skip
    assert capped.reason is Reason.DAILY_CAP


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(facts(), SurveyHistory(), rules(), WAVE, datetime(2026, 3, 10, 12))


# ---------------------------------------------------------------- several programs due


def test_the_more_important_program_goes_and_the_other_waits_for_the_rest():
    nps = rules(program_id=1, priority=100)
    onboarding = rules(program_id=2, priority=10, fatigue_days=21)
    decisions = choose_program(facts(), SurveyHistory(), [(nps, WAVE), (onboarding, "week1")], NOW)
    assert [(r.program_id, d.reason) for r, d in decisions] == [
        (2, Reason.OK),
        (1, Reason.FATIGUE),
    ]
    assert decisions[1][1].retry_at == NOW + timedelta(days=30)
