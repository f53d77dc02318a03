"""How staff pages word stored values: labels, durations, times on the viewer's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback import display, task_states


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0, "0 min"),
        (0.001, "under 1 min"),
        (0.25, "15 min"),
        (59.4 / 60, "59 min"),
        (1, "1 h"),
        (3 + 20 / 60, "3 h 20 min"),
        (23.99, "23 h 59 min"),
        (24, "1 d"),
        (517.3, "21 d 13 h"),
        (48.6, "2 d 1 h"),
        (47.9, "2 d"),
        (timedelta(days=3, hours=4, minutes=10), "3 d 4 h"),
        (timedelta(minutes=200), "3 h 20 min"),
        (-2.5, "−2 h 30 min"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(value, shown):
    assert display.duration(value) == shown


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("in_progress", "status", "In progress"),
        ("waiting_on_customer", "status", "Waiting on customer"),
        ("not_reachable", "resolution", "Not reachable"),
        ("no_action", "resolution", "No action needed"),
        ("detractor", "category", "Detractor"),
        ("department_head", "role", "Department head"),
        ("csm", "role", "CSM"),
        ("cancelled", "outbox", "Cancelled"),
        ("resolution_check", "event", "Asked “Did we resolve it?”"),
        ("some_new_code", "status", "Some new code"),  # never snake_case, even when new
        ("x_y", "no such kind", "X y"),
        (None, "status", "—"),
    ],
)
def test_a_code_is_shown_as_words(value, kind, shown):
    assert display.label(value, kind) == shown


def test_every_task_status_and_resolution_code_has_a_label():
    assert set(task_states.LABELS) == set(task_states.STATUSES)
    assert set(task_states.RESOLUTION_LABELS) == set(task_states.RESOLUTION_CODES)


WINTER = datetime(2026, 12, 1, 16, 20, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 16, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "shown"),
    [
        (WINTER, "UTC", "2026-12-01 16:20 UTC"),
        (WINTER, "Europe/Paris", "2026-12-01 17:20 CET"),
        (SUMMER, "Europe/Paris", "2026-07-01 18:20 CEST"),
        (WINTER, "America/New_York", "2026-12-01 11:20 EST"),
        (WINTER, "Asia/Tokyo", "2026-12-02 01:20 JST"),
        (WINTER, "Asia/Dubai", "2026-12-01 20:20 UTC+04"),  # a zone without letters
        (WINTER.replace(tzinfo=None), "Europe/Paris", "2026-12-01 17:20 CET"),  # naive is UTC
        (WINTER, "Not/AZone", "2026-12-01 16:20 UTC"),
        (None, "Europe/Paris", "—"),
    ],
)
def test_a_time_is_shown_on_the_viewers_clock_with_its_zone(moment, zone, shown):
    assert display.local_time(moment, zone) == shown


def test_the_day_is_the_viewers_day():
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert display.local_date(late, "UTC") == "2026-12-01"
    assert display.local_date(late, "Asia/Tokyo") == "2026-12-02"


@pytest.mark.parametrize(
    ("own", "team", "zone"),
    [
        ("Europe/Paris", "America/New_York", "Europe/Paris"),
        (None, "America/New_York", "America/New_York"),
        ("", "America/New_York", "America/New_York"),
        (None, None, "UTC"),
        ("Gone/Zone", "Asia/Tokyo", "Asia/Tokyo"),
    ],
)
def test_the_viewers_zone_is_their_own_else_their_teams_else_utc(own, team, zone):
    assert display.viewer_zone(own, team) == zone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Europe/Paris", "Europe/Paris"), (" europe/paris ", "Europe/Paris"), ("utc", "UTC")],
)
def test_a_zone_name_is_checked_and_spelled_as_the_database_does(typed, stored):
    assert display.check_zone(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "Mars/Olympus", "CET+1", "../../etc/passwd"])
def test_an_unknown_zone_is_refused_with_an_example(typed):
    with pytest.raises(display.ZoneError, match="Europe/Paris"):
        display.check_zone(typed)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2.46, "2.5"), (0.0, "0.0"), (-0.04, "0.0"), (-3.26, "−3.3"), (None, "—"), (12, "12.0")],
)
def test_nps_points_never_read_minus_zero(value, shown):
    assert display.points(value) == shown


def test_counts_say_their_noun_in_the_singular_once():
    assert display.count_of(1, "detractor") == "1 detractor"
    assert display.count_of(9, "passive") == "9 passives"
    assert display.count_of(0, "detractor") == "0 detractors"
    assert display.count_of(1200, "reply", "replies") == "1,200 replies"
