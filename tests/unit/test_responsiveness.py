"""Department responsiveness on a hand-computed fixture."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from feedback.responsiveness import DepartmentFigures, ItemHistory, figures, totals

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TODAY = date(2026, 3, 1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


ITEMS = [
    # Finance: accepted after 2, 4 and 10 days (median 4); shipped 20 and 31 days after
    # proposal (median 25.5); one declined; one open past target, one open with a later target.
    ItemHistory("Finance", "shipped", day(0), day(2), day(20), date(2026, 1, 10), 3),
    ItemHistory("Finance", "shipped", day(1), day(5), day(32), None, 2),
    ItemHistory("Finance", "in_progress", day(3), day(13), None, date(2026, 2, 1)),
    ItemHistory("Finance", "declined", day(4)),
    ItemHistory("Finance", "proposed", day(5), None, None, date(2026, 4, 1)),
    # Support: one proposal, nothing accepted: no medians.
    ItemHistory("Support", "proposed", day(0), None, None, date(2026, 2, 28)),
    # Product: accepted in 12 hours, then declined: counted as accepted and as declined.
    ItemHistory("Product", "declined", day(0), day(0.5)),
]


def test_figures_per_department_sorted_by_name():
    rows = figures(ITEMS, TODAY)
    assert [r.department for r in rows] == ["Finance", "Product", "Support"]
    assert rows[0] == DepartmentFigures(
        department="Finance",
        proposed=5,
        accepted=3,
        shipped=2,
        declined=1,
        open=2,
        days_to_accept=4.0,
        days_to_ship=25.5,
        past_target=1,  # the shipped one's old target does not count: it is not open
        customers_told=5,
    )
    assert rows[1] == DepartmentFigures("Product", 1, 1, 0, 1, 0, 0.5, None, 0, 0)
    assert rows[2] == DepartmentFigures("Support", 1, 0, 0, 0, 1, None, None, 1, 0)


def test_a_target_date_of_today_is_not_past():
    [row] = figures([ItemHistory("X", "accepted", day(0), day(1), None, TODAY)], TODAY)
    assert row.past_target == 0


def test_totals_sum_the_counts_and_an_empty_backlog_has_no_rows():
    assert totals(figures(ITEMS, TODAY)) == {
        "proposed": 7,
        "accepted": 4,
        "shipped": 2,
        "declined": 2,
        "open": 3,
        "past_target": 2,
        "customers_told": 5,
    }
    assert figures([], TODAY) == [] and totals([])["proposed"] == 0
