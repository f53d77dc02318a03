"""The outer loop's arithmetic: the status workflow, impact figures, default ranking, trend.

Pure: plain values in, plain values out, so pages, API and the refresh-backlog job ask the
same rules and the unit tests can prove them with tables of cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from feedback.nps import nps_from_counts

STATUSES = ("proposed", "accepted", "in_progress", "shipped", "declined")
OPEN_STATUSES = ("proposed", "accepted", "in_progress")
SOURCES = ("manual", "job", "response", "task", "huddle")
# Declined may be reconsidered (back to proposed); shipped is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "declined"),
    "accepted": ("in_progress", "declined"),
    "in_progress": ("shipped", "declined"),
    "shipped": (),
    "declined": ("proposed",),
}
STATUS_LABELS = {
    "proposed": "Proposed",
    "accepted": "Accepted",
    "in_progress": "In progress",
    "shipped": "Shipped",
    "declined": "Declined",
}
MAX_NOTE = 4000
TREND_WEEKS = 12


class TransitionRefused(ValueError):
    """A move the workflow does not allow, with a message a person can act on.

    `field` is "status" when the move itself is refused (a conflict with the item's state)
    and "note" when only the note is missing or too long (an input to correct).
    """

    def __init__(self, message: str, field: str = "status") -> None:
        super().__init__(message)
        self.field = field


def check_transition(current: str, target: str, note: str | None) -> str:
    """The cleaned note of an allowed move; TransitionRefused says why a move is not allowed.

    Every change needs a note (it is the history a department head reads later); declining
    needs one because the note is the reason given to whoever raised the item.
    """
    if target not in STATUSES:
        raise TransitionRefused(f"“{target}” is not a backlog status.")
    if target == current:
        raise TransitionRefused(f"The item is already {STATUS_LABELS[current].lower()}.")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(STATUS_LABELS[s].lower() for s in TRANSITIONS[current]) or "nothing"
        raise TransitionRefused(
            f"A {STATUS_LABELS[current].lower()} item cannot move to "
            f"{STATUS_LABELS[target].lower()}; it can move to: {allowed}."
        )
    cleaned = (note or "").strip()
    if not cleaned:
        what = "why it is declined" if target == "declined" else "what changed and why"
        raise TransitionRefused(
            f"Write a note saying {what}; it is kept in the item's history.", "note"
        )
    if len(cleaned) > MAX_NOTE:
        raise TransitionRefused(f"Keep the note under {MAX_NOTE:,} characters.", "note")
    return cleaned


@dataclass(frozen=True)
class Counts:
    """NPS answers by category."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0


def nps_points(overall: Counts, mentioning: Counts) -> float:
    """How many NPS points the theme costs: the NPS without the responses that mention it
    minus the overall NPS.

    Positive when the mentions pull the score down (the issue's "overall minus without",
    with the sign turned so that a bigger cost ranks higher). 0 when either side is empty.
    """
    before = nps_from_counts(overall.promoters, overall.passives, overall.detractors).score
    rest = Counts(
        overall.promoters - mentioning.promoters,
        overall.passives - mentioning.passives,
        overall.detractors - mentioning.detractors,
    )
    if min(rest.promoters, rest.passives, rest.detractors) < 0:
        raise ValueError("the mentions cannot outnumber the answers they are part of")
    after = nps_from_counts(rest.promoters, rest.passives, rest.detractors).score
    if before is None or after is None:
        return 0.0
    return round(after - before, 2)


class Evidence(NamedTuple):
    """One NPS answer behind an item (a tuple: refresh-backlog builds hundreds of thousands)."""

    response_id: int
    account_id: int | None
    category: str
    answered_at: datetime


@dataclass(frozen=True)
class Impact:
    responses_linked: int
    detractors: int
    passives: int
    accounts: int
    arr: Decimal
    arr_at_risk: Decimal
    nps_points: float
    trend: list[int]


def impact(
    evidence: Iterable[Evidence],
    arr_by_account: dict[int, Decimal | None],
    latest_category_by_account: dict[int, str],
    overall: Counts,
    now: datetime,
) -> Impact:
    """The figures shown on every item, from its evidence (one row per distinct response).

    ARR at risk counts an account once, when its latest NPS answer (anywhere, not only in the
    evidence) is a detractor: an account that has since become happy is no longer at risk.
    """
    rows = {e.response_id: e for e in evidence}.values()
    accounts: set[int] = set()
    by_category = {"promoter": 0, "passive": 0, "detractor": 0}
    for e in rows:  # one pass: an item can have tens of thousands of answers behind it
        if e.account_id is not None:
            accounts.add(e.account_id)
        if e.category in by_category:
            by_category[e.category] += 1
    mentioning = Counts(by_category["promoter"], by_category["passive"], by_category["detractor"])
    arr = sum((arr_by_account.get(a) or Decimal("0") for a in accounts), Decimal("0"))
    at_risk = sum(
        (
            arr_by_account.get(a) or Decimal("0")
            for a in accounts
            if latest_category_by_account.get(a) == "detractor"
        ),
        Decimal("0"),
    )
    return Impact(
        responses_linked=len(rows),
        detractors=mentioning.detractors,
        passives=mentioning.passives,
        accounts=len(accounts),
        arr=arr,
        arr_at_risk=at_risk,
        nps_points=nps_points(overall, mentioning),
        trend=weekly_trend([e.answered_at for e in rows], now),
    )


def weekly_trend(moments: Iterable[datetime], now: datetime, weeks: int = TREND_WEEKS) -> list[int]:
    """Mentions per week for the last `weeks` weeks, oldest first; the last week ends at now."""
    counts = [0] * weeks
    zero, week = timedelta(0), timedelta(weeks=1)
    for moment in moments:
        age = now - moment
        if age < zero:
            continue
        index = weeks - 1 - age // week
        if 0 <= index < weeks:
            counts[index] += 1
    return counts


def sparkline_points(trend: Sequence[int], width: int = 96, height: int = 24) -> str:
    """SVG polyline points for a small inline chart of the trend (y grows downwards)."""
    if not trend:
        return ""
    top = max(max(trend), 1)
    step = width / max(len(trend) - 1, 1)
    return " ".join(
        f"{round(i * step, 1):g},{round(height - (v / top) * height, 1):g}"
        for i, v in enumerate(trend)
    )


@dataclass(frozen=True)
class Rankable:
    id: int
    arr_at_risk: Decimal
    nps_points: float
    rank_position: int | None = None


def default_order(items: Iterable[Rankable]) -> list[int]:
    """By ARR at risk, then NPS points, both highest first; the oldest item breaks ties."""
    return [i.id for i in sorted(items, key=lambda i: (-i.arr_at_risk, -i.nps_points, i.id))]


def ranked(items: Iterable[Rankable]) -> list[int]:
    """Items placed by hand first (by position), the rest in the default order."""
    items = list(items)
    placed = sorted((i for i in items if i.rank_position is not None),
                    key=lambda i: (i.rank_position, i.id))  # fmt: skip
    return [i.id for i in placed] + default_order(i for i in items if i.rank_position is None)


def is_hand_ordered(items: Iterable[Rankable]) -> bool:
    return any(i.rank_position is not None for i in items)


def move(order: Sequence[int], item_id: int, action: str) -> list[int]:
    """The new order after pinning an item to the top or moving it one place up or down.

    The whole list gets positions after a move, so what the department head sees is exactly
    what is stored; a move past either end changes nothing.
    """
    order = list(order)
    if item_id not in order:
        raise ValueError("the item is not in this list")
    i = order.index(item_id)
    if action == "pin":
        order.insert(0, order.pop(i))
    elif action == "up" and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif action == "down" and i < len(order) - 1:
        order[i + 1], order[i] = order[i], order[i + 1]
    elif action not in ("up", "down"):
        raise ValueError(f"unknown move {action!r}")
    return order


def excerpt(text: str | None, limit: int = 240) -> str:
    """A quote short enough for a list, cut at a word boundary."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def proposal_due(mentions: int, threshold: int, covered: bool) -> bool:
    """Whether a theme's unhappy mentions in the window call for a new proposal."""
    return mentions >= threshold and not covered


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# Who may do what with a backlog item: one rule for pages, API and jobs.
def may_read(role: str, user_department: str | None, item_department: str) -> bool:
    """Department heads read their own department's items; every other staff role reads all."""
    if role == "department_head":
        return user_department is not None and user_department == item_department
    return role in ("admin", "csm", "team_lead")


def may_change(role: str, user_department: str | None, item_department: str) -> bool:
    """Status, ranking and details: the owning department's head, or an admin."""
    if role == "admin":
        return True
    return role == "department_head" and user_department == item_department


def may_raise(role: str) -> bool:
    """Raising an item and linking evidence is open to every staff role."""
    return role in ("admin", "csm", "team_lead", "department_head")
