"""NPS over time and by segment, for the dashboard, GET /api/v1/nps and the weekly email.

Every figure is counted by the database (GROUP BY period or account, and category), so a
million responses cost a few thousand rows to Python; the statistics are feedback.nps and the
segment bands feedback.segments. Filters (program, date range, segment) are one value,
`Filters`, applied the same way to every query here and in services.funnel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from feedback import nps, questions, segments
from feedback.classification import Category
from feedback.models import Account, Response, SurveyProgram, User
from feedback.services import dialects
from feedback.services.errors import InvalidInput

DEFAULT_DAYS = 365
MAX_DAYS = 366 * 3
PERIODS = ("week", "month")


@dataclass(frozen=True)
class Filters:
    """What every panel is cut to: answers in [start, end] (UTC days, both included)."""

    start: date
    end: date
    program_id: int | None = None
    segment: segments.Segment | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_args(self) -> dict[str, str]:
        """The filters as URL query arguments, for links that keep them."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.program_id:
            args["program"] = str(self.program_id)
        if self.segment:
            args["segment"] = str(self.segment)
        return args


def filters_from(args: Mapping[str, Any], today: date | None = None) -> Filters:
    """Filters from URL or API arguments (`from`, `to`, `program`, `segment`); InvalidInput
    with a message per field for anything a person typed wrong."""
    today = today or datetime.now(UTC).date()
    errors: dict[str, list[str]] = {}

    def day(name: str) -> date | None:
        value = args.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            errors[name] = ["Use a date like 2026-11-01."]
            return None

    end = day("to") or today
    start = day("from") or end - timedelta(days=DEFAULT_DAYS - 1)
    program_id: int | None = None
    raw_program = args.get("program")
    if raw_program not in (None, ""):
        try:
            program_id = int(raw_program)
            if program_id < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["program"] = ["Pick a program from the list."]
    segment = None
    try:
        segment = segments.parse(args.get("segment"))
    except segments.SegmentError as exc:
        errors["segment"] = [str(exc)]
    if not errors and start > end:
        errors["from"] = ["Start on or before the end."]
    if not errors and (end - start).days >= MAX_DAYS:
        errors["from"] = [f"Ask for at most {MAX_DAYS} days at a time."]
    if errors:
        raise InvalidInput("The filters are not valid.", errors)
    return Filters(start, end, program_id, segment, today)


def segment_condition(segment: segments.Segment, today: date) -> ColumnElement[bool]:
    """The WHERE clause on Account that picks a segment's accounts."""
    dim, value = segment.dimension, segment.value
    unknown = value == segments.UNKNOWN
    if dim in segments.COLUMNS:
        column = getattr(Account, dim)
        return column.is_(None) if unknown else column == value
    if dim == "owner":
        if unknown:
            return Account.owner_id.is_(None)
        return Account.owner_id.in_(select(User.id).where(User.name == value))
    if dim == "tenure":
        if unknown:
            return Account.customer_since.is_(None)
        earliest, latest = segments.tenure_range(value, today)
        parts = [Account.customer_since.is_not(None)]
        if earliest is not None:
            parts.append(Account.customer_since > earliest)
        if latest is not None:
            parts.append(Account.customer_since <= latest)
        return and_(*parts)
    if dim == "arr":
        if unknown:
            return Account.arr.is_(None)
        low, high = segments.arr_range(value)
        parts = [Account.arr >= low]
        if high is not None:
            parts.append(Account.arr < high)
        return and_(*parts)
    key = segment.attribute or ""
    return Account.attributes[key].as_string() == value


def response_conditions(
    filters: Filters, *, nps_only: bool = True, since: datetime | None = None
) -> list[ColumnElement[bool]]:
    """WHERE clauses on Response for the filters (the segment through the account); `since`
    widens the range's start (the dashboard's scan reads the previous range too)."""
    where: list[ColumnElement[bool]] = [
        Response.answered_at >= (since or filters.since),
        Response.answered_at < filters.until,
    ]
    if nps_only:
        where += [
            Response.scale == questions.NPS.name,
            Response.category.in_(questions.NPS.categories),
        ]
    return where + response_scope(filters)


def response_scope(filters: Filters) -> list[ColumnElement[bool]]:
    """The program and segment filters alone, for queries whose dates are not answer dates
    (close-the-loop counts tasks created in the range)."""
    where: list[ColumnElement[bool]] = []
    if filters.program_id:
        where.append(Response.program_id == filters.program_id)
    if filters.segment:
        where.append(
            Response.account_id.in_(
                select(Account.id).where(segment_condition(filters.segment, filters.today))
            )
        )
    return where


def result_of(counts: Mapping[str, int], min_n: int = nps.MIN_N) -> nps.NpsResult:
    return nps.nps_from_counts(
        counts.get(Category.PROMOTER, 0),
        counts.get(Category.PASSIVE, 0),
        counts.get(Category.DETRACTOR, 0),
        min_n=min_n,
    )


def period_of(session: Session, period: str) -> Any:
    """The SQL expression of an answer's week (Monday) or month: its first day or instant,
    read back with `str(value)[:10]`."""
    if period not in PERIODS:
        raise InvalidInput("Group by week or month.", {"group_by": ["Use week or month."]})
    if dialects.is_postgresql(session):
        # Literal unit and format: the same expression must match in SELECT and GROUP BY
        # (bound parameters would make two different expressions). `period` is one of PERIODS.
        # UTC weeks and months whatever the server's time zone.
        return func.date_trunc(
            literal_column(f"'{period}'"),
            func.timezone(literal_column("'UTC'"), Response.answered_at),
        )
    if period == "month":
        return func.strftime("%Y-%m-01", Response.answered_at)
    # SQLite: back to the Monday (weekday 0 is Sunday; 'weekday 1' goes forward to Monday)
    return func.date(Response.answered_at, "-6 days", "weekday 1")


@dataclass(frozen=True)
class Point:
    """One period of the trend, and whether it differs from the period before."""

    start: date
    result: nps.NpsResult
    change: nps.Comparison | None

    @property
    def changed(self) -> bool:
        return self.change is not None and self.change.significant


@dataclass(frozen=True)
class Overall:
    filters: Filters
    result: nps.NpsResult
    previous: nps.NpsResult
    change: nps.Comparison


def overall(session: Session, filters: Filters) -> Overall:
    """NPS of the range, and of the range of the same length just before it, compared."""
    now_, then = totals(session, filters), totals(session, previous(filters))
    return Overall(filters, now_, then, nps.compare(now_, then))


def totals(session: Session, filters: Filters) -> nps.NpsResult:
    rows = session.execute(
        select(Response.category, func.count())
        .where(*response_conditions(filters))
        .group_by(Response.category)
    ).all()
    return result_of(dict(rows))  # type: ignore[arg-type]


def trend(session: Session, filters: Filters, period: str = "month") -> list[Point]:
    """NPS per week or month, each compared with the one before (a marker when significant)."""
    bucket = period_of(session, period)
    rows = session.execute(
        select(bucket, Response.category, func.count())
        .where(*response_conditions(filters))
        .group_by(bucket, Response.category)
    ).all()
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for key, category, count in rows:
        counts[date.fromisoformat(str(key)[:10])][category] = count
    points: list[Point] = []
    for start in sorted(counts):
        result = result_of(counts[start])
        change = nps.compare(result, points[-1].result) if points else None
        points.append(Point(start, result, change))
    return points


def default_period(filters: Filters) -> str:
    """Weeks for a quarter or less, months beyond: a readable number of points."""
    return "week" if filters.days <= 120 else "month"


@dataclass(frozen=True)
class Scan:
    """What the dashboard needs from the responses, counted in one pass on PostgreSQL:
    per period, the range's and the previous range's totals, and per account."""

    filters: Filters
    period: str
    points: list[Point]
    overall: Overall
    per_account: dict[int | None, dict[str, int]]


def previous(filters: Filters) -> Filters:
    """The range of the same length just before."""
    return Filters(
        filters.start - timedelta(days=filters.days),
        filters.start - timedelta(days=1),
        filters.program_id,
        filters.segment,
        filters.today,
    )


def scan(session: Session, filters: Filters, period: str) -> Scan:
    """Trend, overall and counts per account in one read of the range's responses (GROUPING
    SETS on PostgreSQL; separate GROUP BY queries elsewhere), and the previous range's
    totals for the change."""
    if not dialects.is_postgresql(session):
        return Scan(
            filters,
            period,
            trend(session, filters, period),
            overall(session, filters),
            per_account_counts(session, filters),
        )
    bucket = period_of(session, period)
    rows = session.execute(
        select(
            func.grouping(Response.account_id),
            bucket,
            Response.account_id,
            Response.category,
            func.count(),
        )
        .where(*response_conditions(filters))
        .group_by(
            func.grouping_sets(
                tuple_(bucket, Response.category), tuple_(Response.account_id, Response.category)
            )
        )
    ).all()
    by_period: dict[date, dict[str, int]] = defaultdict(dict)
    now_total: dict[str, int] = defaultdict(int)
    per_account: dict[int | None, dict[str, int]] = defaultdict(dict)
    for by_period_row, key, account_id, category, count in rows:
        if by_period_row:
            now_total[category] += count
            by_period[date.fromisoformat(str(key)[:10])][category] = count
        else:
            per_account[account_id][category] = count
    points: list[Point] = []
    for start in sorted(by_period):
        result = result_of(by_period[start])
        points.append(
            Point(start, result, nps.compare(result, points[-1].result) if points else None)
        )
    # The previous range needs only its totals: a plain count (reading it in the same pass
    # doubled the rows the grouping had to hash).
    now_, then = result_of(now_total), totals(session, previous(filters))
    return Scan(
        filters, period, points, Overall(filters, now_, then, nps.compare(now_, then)), per_account
    )


def per_account_counts(session: Session, filters: Filters) -> dict[int | None, dict[str, int]]:
    rows = session.execute(
        select(Response.account_id, Response.category, func.count())
        .where(*response_conditions(filters))
        .group_by(Response.account_id, Response.category)
    ).all()
    per_account: dict[int | None, dict[str, int]] = defaultdict(dict)
    for account_id, category, count in rows:
        per_account[account_id][category] = count
    return per_account


def programs(session: Session) -> list[tuple[int, str]]:
    """The programs to filter by, for the filter form."""
    return list(session.execute(select(SurveyProgram.id, SurveyProgram.name).order_by("name")))
