"""Department responsiveness: how each department acts on the backlog items it is given.

An outer loop stalls where a team's incentives do not reward it; these figures make that
visible to admins. Pure: one plain record per item in, one row per department out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from feedback.backlog_impact import OPEN_STATUSES

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class ItemHistory:
    """One backlog item as the figures need it: when it was proposed, first accepted, shipped."""

    department: str
    status: str
    proposed_at: datetime
    accepted_at: datetime | None = None
    shipped_at: datetime | None = None
    target_date: date | None = None
    customers_told: int = 0


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    proposed: int  # every item the department was given (each starts as a proposal)
    accepted: int  # items that reached accepted, whatever happened to them afterwards
    shipped: int
    declined: int  # declined now (a reconsidered item counts where it is now)
    open: int
    days_to_accept: float | None  # median, over items ever accepted
    days_to_ship: float | None  # median, from proposal, over shipped items
    past_target: int  # open items whose target date is before today
    customers_told: int


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / SECONDS_PER_DAY


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def figures(items: Iterable[ItemHistory], today: date) -> list[DepartmentFigures]:
    """Per department, alphabetically: counts, median days, items past target, customers told."""
    by_department: dict[str, list[ItemHistory]] = {}
    for item in items:
        by_department.setdefault(item.department, []).append(item)
    rows = []
    for department in sorted(by_department):
        group = by_department[department]
        accepted = [i for i in group if i.accepted_at is not None]
        shipped = [i for i in group if i.status == "shipped"]
        rows.append(
            DepartmentFigures(
                department=department,
                proposed=len(group),
                accepted=len(accepted),
                shipped=len(shipped),
                declined=sum(1 for i in group if i.status == "declined"),
                open=sum(1 for i in group if i.status in OPEN_STATUSES),
                days_to_accept=_median(
                    [_days(i.proposed_at, i.accepted_at) for i in accepted if i.accepted_at]
                ),
                days_to_ship=_median(
                    [_days(i.proposed_at, i.shipped_at) for i in shipped if i.shipped_at]
                ),
                past_target=sum(
                    1
                    for i in group
                    if i.status in OPEN_STATUSES
                    and i.target_date is not None
                    and i.target_date < today
                ),
                customers_told=sum(i.customers_told for i in group),
            )
        )
    return rows


def totals(rows: Iterable[DepartmentFigures]) -> dict[str, int]:
    """The company line under the table: the counts summed (medians do not add up)."""
    rows = list(rows)
    keys = ("proposed", "accepted", "shipped", "declined", "open", "past_target", "customers_told")
    return {k: sum(getattr(r, k) for r in rows) for k in keys}
