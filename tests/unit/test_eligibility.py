"""Who may be surveyed: every rule, their order, send windows across zones and DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

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
    is_suppressed,
    next_send_window_start,
    resolve_timezone,
    sample_bucket,
    suppression,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MONDAY_NOON = utc(2026, 3, 9, 12, 0)  # inside the UTC window
CONTACT = ContactFacts(contact_id=42)
HISTORY = SurveyHistory()
PROGRAM = ProgramRules(program_id=7)
WAVE = "2026-03-01/90d"


# ---------------------------------------------------------------- each rule


@pytest.mark.parametrize(
    ("contact", "history", "program", "reason", "retry_at"),
    [
        (CONTACT, HISTORY, PROGRAM, Reason.OK, None),
        (replace(CONTACT, unsubscribed=True), HISTORY, PROGRAM, Reason.UNSUBSCRIBED, None),
        (replace(CONTACT, bounced=True), HISTORY, PROGRAM, Reason.BOUNCED, None),
        (replace(CONTACT, spam_reported=True), HISTORY, PROGRAM, Reason.SPAM_REPORTED, None),
        (
            replace(CONTACT, has_open_recover_task=True),
            HISTORY,
            PROGRAM,
            Reason.IN_CONVERSATION,
            None,
        ),
        (
            CONTACT,
            SurveyHistory(invited_waves=frozenset({(7, WAVE)})),
            PROGRAM,
            Reason.ALREADY_INVITED,
            None,
        ),
        (
            CONTACT,
            SurveyHistory(last_sent_at=utc(2026, 2, 20, 10, 30)),
            PROGRAM,
            Reason.FATIGUE,
            utc(2026, 3, 22, 10, 30),
        ),
        (
            CONTACT,
            HISTORY,
            replace(PROGRAM, daily_cap=100, sent_today=100),
            Reason.DAILY_CAP,
            utc(2026, 3, 10),
        ),
        (CONTACT, HISTORY, replace(PROGRAM, sample_percent=0), Reason.NOT_SAMPLED, None),
        (
            replace(CONTACT, timezone="Asia/Tokyo"),  # 21:00 in Tokyo
            HISTORY,
            PROGRAM,
            Reason.OUTSIDE_SEND_WINDOW,
            utc(2026, 3, 10, 0, 0),  # Tuesday 09:00 JST
        ),
    ],
)
def test_each_rule(contact, history, program, reason, retry_at):
    decision = decide(contact, history, program, WAVE, MONDAY_NOON)
    assert decision.reason is reason
    assert decision.eligible is (reason is Reason.OK)
    assert decision.retry_at == retry_at
    assert decision.detail  # always a sentence for a person


def test_other_waves_and_other_programs_do_not_count_as_invited():
    history = SurveyHistory(invited_waves=frozenset({(7, "older"), (8, WAVE)}))
    assert decide(CONTACT, history, PROGRAM, WAVE, MONDAY_NOON).eligible


@pytest.mark.parametrize(
    ("last_sent_at", "fatigue_days", "reason"),
    [
        (MONDAY_NOON - timedelta(days=30), 30, Reason.OK),  # the rest ends exactly now
        (MONDAY_NOON - timedelta(days=30) + timedelta(seconds=1), 30, Reason.FATIGUE),
        (MONDAY_NOON - timedelta(days=7), 14, Reason.FATIGUE),
        (MONDAY_NOON - timedelta(days=7), 7, Reason.OK),
        (MONDAY_NOON - timedelta(minutes=1), 0, Reason.OK),  # no rest configured
        (MONDAY_NOON + timedelta(hours=1), 30, Reason.FATIGUE),  # a clock ahead still rests
    ],
)
def test_fatigue_window(last_sent_at, fatigue_days, reason):
    program = replace(PROGRAM, fatigue_days=fatigue_days)
    history = SurveyHistory(last_sent_at=last_sent_at)
    decision = decide(CONTACT, history, program, WAVE, MONDAY_NOON)
    assert decision.reason is reason
    if reason is Reason.FATIGUE:
        assert decision.retry_at == last_sent_at + timedelta(days=fatigue_days)


def test_fatigue_counts_in_utc_whatever_zone_last_sent_at_carries():
    berlin = timezone(timedelta(hours=1))
    history = SurveyHistory(last_sent_at=datetime(2026, 2, 20, 11, 30, tzinfo=berlin))
    decision = decide(CONTACT, history, PROGRAM, WAVE, MONDAY_NOON)
    assert decision.retry_at == utc(2026, 3, 22, 10, 30)
    assert decision.retry_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("daily_cap", "sent_today", "reason"),
    [
        (None, 10_000, Reason.OK),
        (100, 99, Reason.OK),
        (100, 100, Reason.DAILY_CAP),
        (100, 150, Reason.DAILY_CAP),
        (0, 0, Reason.DAILY_CAP),
    ],
)
def test_daily_cap(daily_cap, sent_today, reason):
    program = replace(PROGRAM, daily_cap=daily_cap, sent_today=sent_today)
    assert decide(CONTACT, HISTORY, program, WAVE, MONDAY_NOON).reason is reason


def test_daily_cap_retries_at_the_next_utc_day_late_in_the_day():
    program = replace(PROGRAM, daily_cap=1, sent_today=1)
    decision = decide(CONTACT, HISTORY, program, WAVE, utc(2026, 3, 9, 23, 59, 59))
    assert decision.retry_at == utc(2026, 3, 10)


# ---------------------------------------------------------------- order and overrides


@pytest.mark.parametrize(
    ("contact", "history", "program", "reason"),
    [
        (
            replace(CONTACT, unsubscribed=True, bounced=True, spam_reported=True),
            HISTORY,
            PROGRAM,
            Reason.UNSUBSCRIBED,
        ),
        (replace(CONTACT, bounced=True, spam_reported=True), HISTORY, PROGRAM, Reason.BOUNCED),
        (
            replace(CONTACT, spam_reported=True, has_open_recover_task=True),
            HISTORY,
            PROGRAM,
            Reason.SPAM_REPORTED,
        ),
        (
            replace(CONTACT, has_open_recover_task=True),
            SurveyHistory(invited_waves=frozenset({(7, WAVE)})),
            PROGRAM,
            Reason.IN_CONVERSATION,
        ),
        (
            CONTACT,
            SurveyHistory(
                last_sent_at=MONDAY_NOON - timedelta(days=1), invited_waves=frozenset({(7, WAVE)})
            ),
            PROGRAM,
            Reason.ALREADY_INVITED,
        ),
        (
            CONTACT,
            SurveyHistory(last_sent_at=MONDAY_NOON - timedelta(days=1)),
            replace(PROGRAM, daily_cap=0, sample_percent=0),
            Reason.FATIGUE,
        ),
        (CONTACT, HISTORY, replace(PROGRAM, daily_cap=0, sample_percent=0), Reason.DAILY_CAP),
        (
            replace(CONTACT, timezone="Asia/Tokyo"),
            HISTORY,
            replace(PROGRAM, sample_percent=0),
            Reason.NOT_SAMPLED,
        ),
    ],
)
def test_first_failing_rule_wins(contact, history, program, reason):
    assert decide(contact, history, program, WAVE, MONDAY_NOON).reason is reason


NEVER_OVERRIDDEN = [
    (replace(CONTACT, unsubscribed=True), HISTORY, Reason.UNSUBSCRIBED),
    (replace(CONTACT, bounced=True), HISTORY, Reason.BOUNCED),
    (replace(CONTACT, spam_reported=True), HISTORY, Reason.SPAM_REPORTED),
    (replace(CONTACT, has_open_recover_task=True), HISTORY, Reason.IN_CONVERSATION),
    (CONTACT, SurveyHistory(invited_waves=frozenset({(7, WAVE)})), Reason.ALREADY_INVITED),
    (CONTACT, SurveyHistory(last_sent_at=MONDAY_NOON - timedelta(hours=1)), Reason.FATIGUE),
]


@pytest.mark.parametrize(("contact", "history", "reason"), NEVER_OVERRIDDEN)
def test_send_now_never_overrides_suppression_conversation_wave_or_fatigue(
    contact, history, reason
):
    decision = decide(
        contact,
        history,
        PROGRAM,
        WAVE,
        utc(2026, 3, 7, 3, 0),  # Saturday night
        ignore_send_window=True,
        ignore_cadence=True,
    )
    assert decision.reason is reason


@pytest.mark.parametrize(
    ("program", "flags", "reason"),
    [
        (replace(PROGRAM, daily_cap=0), {}, Reason.DAILY_CAP),
        (replace(PROGRAM, daily_cap=0), {"ignore_cadence": True}, Reason.OUTSIDE_SEND_WINDOW),
        (replace(PROGRAM, sample_percent=0), {}, Reason.NOT_SAMPLED),
        (replace(PROGRAM, sample_percent=0), {"ignore_cadence": True}, Reason.OUTSIDE_SEND_WINDOW),
        (PROGRAM, {"ignore_send_window": True}, Reason.OK),
        (
            replace(PROGRAM, daily_cap=0, sample_percent=0),
            {"ignore_cadence": True, "ignore_send_window": True},
            Reason.OK,
        ),
    ],
)
def test_what_the_flags_skip(program, flags, reason):
    saturday = utc(2026, 3, 7, 12, 0)
    assert decide(CONTACT, HISTORY, program, WAVE, saturday, **flags).reason is reason


# ---------------------------------------------------------------- send window


@pytest.mark.parametrize(
    ("tz", "now", "inside", "next_start"),
    [
        # UTC boundaries: 09:00 inclusive, 17:00 exclusive
        ("UTC", utc(2026, 3, 9, 8, 59), False, utc(2026, 3, 9, 9, 0)),
        ("UTC", utc(2026, 3, 9, 9, 0), True, utc(2026, 3, 9, 9, 0)),
        ("UTC", utc(2026, 3, 9, 16, 59, 59), True, utc(2026, 3, 9, 16, 59, 59)),
        ("UTC", utc(2026, 3, 9, 17, 0), False, utc(2026, 3, 10, 9, 0)),
        ("UTC", utc(2026, 3, 13, 17, 0), False, utc(2026, 3, 16, 9, 0)),  # Friday → Monday
        ("UTC", utc(2026, 3, 14, 12, 0), False, utc(2026, 3, 16, 9, 0)),  # Saturday
        ("UTC", utc(2026, 3, 15, 12, 0), False, utc(2026, 3, 16, 9, 0)),  # Sunday
        ("UTC", utc(2026, 3, 16, 0, 0), False, utc(2026, 3, 16, 9, 0)),  # Monday midnight
        # New York, spring forward on Sunday 2026-03-08: EST (-5) before, EDT (-4) after
        ("America/New_York", utc(2026, 3, 6, 13, 59), False, utc(2026, 3, 6, 14, 0)),
        ("America/New_York", utc(2026, 3, 6, 14, 0), True, utc(2026, 3, 6, 14, 0)),
        ("America/New_York", utc(2026, 3, 6, 21, 59), True, utc(2026, 3, 6, 21, 59)),
        ("America/New_York", utc(2026, 3, 6, 22, 0), False, utc(2026, 3, 9, 13, 0)),
        ("America/New_York", utc(2026, 3, 8, 7, 0), False, utc(2026, 3, 9, 13, 0)),  # 03:00 EDT
        ("America/New_York", utc(2026, 3, 8, 15, 0), False, utc(2026, 3, 9, 13, 0)),  # Sunday
        ("America/New_York", utc(2026, 3, 9, 12, 59), False, utc(2026, 3, 9, 13, 0)),  # 08:59
        ("America/New_York", utc(2026, 3, 9, 13, 0), True, utc(2026, 3, 9, 13, 0)),  # 09:00
        ("America/New_York", utc(2026, 3, 9, 20, 59), True, utc(2026, 3, 9, 20, 59)),  # 16:59
        ("America/New_York", utc(2026, 3, 9, 21, 0), False, utc(2026, 3, 10, 13, 0)),  # 17:00
        # Berlin, fall back on Sunday 2026-10-25: CEST (+2) before, CET (+1) after
        ("Europe/Berlin", utc(2026, 10, 23, 6, 59), False, utc(2026, 10, 23, 7, 0)),
        ("Europe/Berlin", utc(2026, 10, 23, 7, 0), True, utc(2026, 10, 23, 7, 0)),
        ("Europe/Berlin", utc(2026, 10, 23, 15, 0), False, utc(2026, 10, 26, 8, 0)),
        ("Europe/Berlin", utc(2026, 10, 25, 1, 30), False, utc(2026, 10, 26, 8, 0)),  # 02:30 x2
        ("Europe/Berlin", utc(2026, 10, 26, 7, 59), False, utc(2026, 10, 26, 8, 0)),  # 08:59
        ("Europe/Berlin", utc(2026, 10, 26, 8, 0), True, utc(2026, 10, 26, 8, 0)),
        ("Europe/Berlin", utc(2026, 10, 26, 15, 59), True, utc(2026, 10, 26, 15, 59)),
        ("Europe/Berlin", utc(2026, 10, 26, 16, 0), False, utc(2026, 10, 27, 8, 0)),
        # Kolkata, +05:30 all year
        ("Asia/Kolkata", utc(2026, 3, 9, 3, 29), False, utc(2026, 3, 9, 3, 30)),
        ("Asia/Kolkata", utc(2026, 3, 9, 3, 30), True, utc(2026, 3, 9, 3, 30)),
        ("Asia/Kolkata", utc(2026, 3, 9, 11, 29), True, utc(2026, 3, 9, 11, 29)),
        ("Asia/Kolkata", utc(2026, 3, 9, 11, 30), False, utc(2026, 3, 10, 3, 30)),
        ("Asia/Kolkata", utc(2026, 3, 13, 11, 30), False, utc(2026, 3, 16, 3, 30)),
        # Auckland, NZDT (+13): the local week starts on Sunday evening UTC
        ("Pacific/Auckland", utc(2026, 3, 8, 19, 59), False, utc(2026, 3, 8, 20, 0)),
        ("Pacific/Auckland", utc(2026, 3, 8, 20, 0), True, utc(2026, 3, 8, 20, 0)),  # Mon 09:00
        ("Pacific/Auckland", utc(2026, 3, 13, 3, 59), True, utc(2026, 3, 13, 3, 59)),  # Fri 16:59
        ("Pacific/Auckland", utc(2026, 3, 13, 4, 0), False, utc(2026, 3, 15, 20, 0)),  # Fri 17:00
        ("Pacific/Auckland", utc(2026, 3, 13, 12, 0), False, utc(2026, 3, 15, 20, 0)),  # Sat
        # Auckland after DST ends on Sunday 2026-04-05: NZST (+12)
        ("Pacific/Auckland", utc(2026, 4, 4, 12, 0), False, utc(2026, 4, 5, 21, 0)),
    ],
)
def test_send_window(tz, now, inside, next_start):
    assert in_send_window(tz, now) is inside
    assert next_send_window_start(tz, now) == next_start
    assert next_send_window_start(tz, now).tzinfo is UTC


@pytest.mark.parametrize(
    ("contact_tz", "account_tz", "expected"),
    [
        ("Asia/Kolkata", "Europe/Berlin", "Asia/Kolkata"),  # the contact's own zone first
        (None, "Europe/Berlin", "Europe/Berlin"),
        ("", "Europe/Berlin", "Europe/Berlin"),
        ("   ", "Europe/Berlin", "Europe/Berlin"),
        ("Mars/Olympus_Mons", "Europe/Berlin", "Europe/Berlin"),
        ("../../etc/passwd", "Europe/Berlin", "Europe/Berlin"),
        ("/etc/localtime", "Europe/Berlin", "Europe/Berlin"),
        ("America", "Europe/Berlin", "Europe/Berlin"),  # a directory, not a zone
        ("zone.tab", "Europe/Berlin", "Europe/Berlin"),  # a file, not a zone
        ("Bad\x00Zone", "Europe/Berlin", "Europe/Berlin"),
        (" America/New_York ", None, "America/New_York"),  # stray spaces from an import
        (None, None, "UTC"),
        ("Nowhere/Land", "Also/Nowhere", "UTC"),
        (None, "not a zone", "UTC"),
    ],
)
def test_timezone_fallback_chain(contact_tz, account_tz, expected):
    assert resolve_timezone(contact_tz, account_tz).key == expected


@pytest.mark.parametrize(
    ("contact_tz", "account_tz", "now", "reason"),
    [
        # 12:00 UTC Monday: 07:00 in New York (too early), 17:30 in Kolkata (too late)
        ("America/New_York", "Asia/Kolkata", utc(2026, 3, 9, 12, 0), Reason.OUTSIDE_SEND_WINDOW),
        ("Invalid/Zone", "Europe/Berlin", utc(2026, 3, 9, 12, 0), Reason.OK),
        ("Invalid/Zone", "Asia/Kolkata", utc(2026, 3, 9, 12, 0), Reason.OUTSIDE_SEND_WINDOW),
        (None, None, utc(2026, 3, 9, 12, 0), Reason.OK),
        ("Invalid/Zone", "Invalid/Too", utc(2026, 3, 9, 8, 0), Reason.OUTSIDE_SEND_WINDOW),
        # Sunday evening in UTC is Monday morning in Auckland
        ("Pacific/Auckland", None, utc(2026, 3, 8, 21, 0), Reason.OK),
    ],
)
def test_decide_uses_the_resolved_zone(contact_tz, account_tz, now, reason):
    contact = replace(CONTACT, timezone=contact_tz, account_timezone=account_tz)
    assert decide(contact, HISTORY, PROGRAM, WAVE, now).reason is reason


def test_outside_window_retry_names_the_zone_and_next_morning():
    contact = replace(CONTACT, timezone="Bad/Zone", account_timezone="America/New_York")
    decision = decide(contact, HISTORY, PROGRAM, WAVE, utc(2026, 3, 7, 15, 0))
    assert decision.reason is Reason.OUTSIDE_SEND_WINDOW
    assert decision.retry_at == utc(2026, 3, 9, 13, 0)
    assert "America/New_York" in decision.detail


def test_next_window_start_accepts_a_tzinfo_and_any_aware_now():
    from zoneinfo import ZoneInfo

    now = datetime(2026, 3, 7, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # Saturday
    assert next_send_window_start(ZoneInfo("Asia/Kolkata"), now) == utc(2026, 3, 9, 3, 30)


# ---------------------------------------------------------------- sampling


def test_sampling_is_deterministic_and_per_wave():
    assert sample_bucket(42, 7, WAVE) == sample_bucket(42, 7, WAVE)
    buckets = {sample_bucket(42, 7, f"wave-{n}") for n in range(50)}
    assert len(buckets) > 40  # each wave draws afresh


@pytest.mark.parametrize("percent", [0, 1, 12.5, 25, 50, 99, 100])
def test_sampling_keeps_about_the_asked_share(percent):
    kept = sum(is_sampled(contact, 7, WAVE, percent) for contact in range(10_000))
    assert abs(kept - percent * 100) <= 200
    if percent in (0, 100):
        assert kept == percent * 100


def test_sampling_is_nested_a_larger_share_keeps_everyone_a_smaller_one_kept():
    small = {c for c in range(2_000) if is_sampled(c, 7, WAVE, 10)}
    large = {c for c in range(2_000) if is_sampled(c, 7, WAVE, 30)}
    assert small < large


def test_decide_sampling_matches_is_sampled():
    program = replace(PROGRAM, sample_percent=50)
    for contact_id in range(200):
        decision = decide(
            replace(CONTACT, contact_id=contact_id), HISTORY, program, WAVE, MONDAY_NOON
        )
        assert decision.eligible is is_sampled(contact_id, 7, WAVE, 50)


# ---------------------------------------------------------------- several programs due


NPS = ProgramRules(program_id=1, priority=20, fatigue_days=30)
ONBOARDING = ProgramRules(program_id=2, priority=10, fatigue_days=14)
RENEWAL = ProgramRules(program_id=3, priority=10, fatigue_days=21)


def test_most_important_program_goes_first_the_others_wait():
    results = choose_program(
        CONTACT, HISTORY, [(NPS, "n1"), (RENEWAL, "r1"), (ONBOARDING, "o1")], MONDAY_NOON
    )
    assert [(rules.program_id, d.reason) for rules, d in results] == [
        (2, Reason.OK),  # priority 10, lower id than the renewal program
        (3, Reason.FATIGUE),
        (1, Reason.FATIGUE),
    ]
    assert results[1][1].retry_at == MONDAY_NOON + timedelta(days=21)
    assert results[2][1].retry_at == MONDAY_NOON + timedelta(days=30)
    assert "Program 2 goes first" in results[2][1].detail


def test_an_ineligible_important_program_lets_the_next_one_go():
    history = SurveyHistory(invited_waves=frozenset({(2, "o1")}))
    results = choose_program(CONTACT, history, [(NPS, "n1"), (ONBOARDING, "o1")], MONDAY_NOON)
    assert [(r.program_id, d.reason) for r, d in results] == [
        (2, Reason.ALREADY_INVITED),
        (1, Reason.OK),
    ]


def test_not_sampled_by_the_important_program_lets_the_next_one_go():
    unsampled = replace(ONBOARDING, sample_percent=0)
    results = choose_program(CONTACT, HISTORY, [(unsampled, "o1"), (NPS, "n1")], MONDAY_NOON)
    assert [d.reason for _, d in results] == [Reason.NOT_SAMPLED, Reason.OK]


def test_when_none_is_eligible_each_keeps_its_own_reason():
    contact = replace(CONTACT, timezone="Asia/Tokyo")
    results = choose_program(contact, HISTORY, [(NPS, "n1"), (ONBOARDING, "o1")], MONDAY_NOON)
    assert [d.reason for _, d in results] == [Reason.OUTSIDE_SEND_WINDOW] * 2
    assert {d.retry_at for _, d in results} == {utc(2026, 3, 10, 0, 0)}


def test_suppressed_contact_gets_nothing_from_any_program():
    results = choose_program(
        replace(CONTACT, unsubscribed=True), HISTORY, [(NPS, "n"), (ONBOARDING, "o")], MONDAY_NOON
    )
    assert [d.reason for _, d in results] == [Reason.UNSUBSCRIBED] * 2


def test_choose_program_with_nothing_due():
    assert choose_program(CONTACT, HISTORY, [], MONDAY_NOON) == []


# ---------------------------------------------------------------- bad input


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 3, 9, 12, 0)
    with pytest.raises(ValueError, match="now_utc must be timezone-aware"):
        decide(CONTACT, HISTORY, PROGRAM, WAVE, naive)
    with pytest.raises(ValueError, match="last_sent_at must be timezone-aware"):
        decide(CONTACT, SurveyHistory(last_sent_at=naive), PROGRAM, WAVE, MONDAY_NOON)
    with pytest.raises(ValueError):
        next_send_window_start("UTC", naive)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_percent": 101}, "sample_percent must be from 0 to 100"),
        ({"sample_percent": -1}, "sample_percent must be from 0 to 100"),
        ({"fatigue_days": -1}, "fatigue_days must be 0 or more"),
        ({"daily_cap": -5}, "daily_cap must be 0 or more"),
    ],
)
def test_program_rules_refuse_impossible_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProgramRules(program_id=1, **kwargs)


def test_reasons_are_plain_strings():
    decision = decide(replace(CONTACT, bounced=True), HISTORY, PROGRAM, WAVE, MONDAY_NOON)
    assert decision.reason == "bounced"
    assert {decision.reason: 1} == {"bounced": 1}


@pytest.mark.parametrize(
    "unsubscribed, bounced, spam_reported, survey, personal",
    [
        (False, False, False, None, None),
        (True, False, False, Reason.UNSUBSCRIBED, None),  # a person may still answer them
        (False, True, False, Reason.BOUNCED, Reason.BOUNCED),
        (False, False, True, Reason.SPAM_REPORTED, Reason.SPAM_REPORTED),
        (True, True, False, Reason.UNSUBSCRIBED, Reason.BOUNCED),
        (True, False, True, Reason.UNSUBSCRIBED, Reason.SPAM_REPORTED),
    ],
)
def test_one_suppression_rule_for_surveys_and_personal_emails(
    unsubscribed, bounced, spam_reported, survey, personal
):
    assert suppression(unsubscribed, bounced, spam_reported) == survey
    assert suppression(unsubscribed, bounced, spam_reported, personal=True) == personal
    assert is_suppressed(unsubscribed, bounced, spam_reported) is (survey is not None)
    facts = ContactFacts(
        42, unsubscribed=unsubscribed, bounced=bounced, spam_reported=spam_reported
    )
    decision = decide(facts, SurveyHistory(), ProgramRules(program_id=1), "w", MONDAY_NOON)
    assert decision.reason == (survey or Reason.OK)
