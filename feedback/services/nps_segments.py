"""NPS by segment: every segment of accounts against everyone else (the dashboard's hot
spots, Holm-corrected), and NPS grouped by period, program or segment for GET /api/v1/nps.

Counts per account come from one GROUP BY (or the dashboard's scan in services.nps_report);
each account's segment values (bands from feedback.segments) are added up here, over a few
thousand accounts rather than a million responses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import nps, segments
from feedback.models import Account, Response, SurveyProgram, User
from feedback.services.errors import InvalidInput
from feedback.services.nps_report import (
    PERIODS,
    Filters,
    per_account_counts,
    response_conditions,
    result_of,
    totals,
    trend,
)

ACCOUNTS_INLINE = 500


@dataclass(frozen=True)
class SegmentRow:
    """One segment's NPS beside everyone else's, ranked by how far and how surely it departs."""

    dimension: str
    value: str
    result: nps.NpsResult
    versus_rest: nps.Comparison
    adjusted_p: float | None

    @property
    def label(self) -> str:
        return segments.dimension_label(self.dimension)

    @property
    def significant(self) -> bool:
        return (
            not self.versus_rest.small_sample
            and self.adjusted_p is not None
            and self.adjusted_p < 1 - self.versus_rest.confidence
        )

    @property
    def greyed(self) -> bool:
        return self.result.small_sample

    @property
    def filter_value(self) -> str:
        return f"{self.dimension}:{self.value}"


def _account_dimensions(
    session: Session, account_ids: set[int], today: date
) -> dict[int, dict[str, str]]:
    """Each account's value in every dimension (bands computed by feedback.segments)."""
    owners = dict(session.execute(select(User.id, User.name)).all())
    out: dict[int, dict[str, str]] = {}
    columns = select(
        Account.id,
        Account.plan,
        Account.region,
        Account.industry,
        Account.lifecycle_stage,
        Account.owner_id,
        Account.customer_since,
        Account.arr,
        Account.attributes,
    )
    ids = sorted(account_ids)
    # Many accounts: read them all in one plain scan and skip the others here. Thousands of
    # bound ids cost PostgreSQL more to parse and plan (~160 ms for 5,000) than the scan.
    batches = (
        [columns]
        if len(ids) > ACCOUNTS_INLINE
        else [columns.where(Account.id.in_(ids[i : i + ACCOUNTS_INLINE]))
              for i in range(0, len(ids), ACCOUNTS_INLINE)]
    )  # fmt: skip
    for batch in batches:
        for row in session.execute(batch):
            if row.id not in account_ids:
                continue
            values = {
                "plan": row.plan or segments.UNKNOWN,
                "region": row.region or segments.UNKNOWN,
                "industry": row.industry or segments.UNKNOWN,
                "lifecycle_stage": row.lifecycle_stage or segments.UNKNOWN,
                "owner": owners.get(row.owner_id, segments.UNKNOWN)
                if row.owner_id
                else segments.UNKNOWN,
                "tenure": segments.tenure_band(row.customer_since, today),
                "arr": segments.arr_band(row.arr),
            }
            for key, raw in (row.attributes or {}).items():
                value = segments.attribute_value(raw)
                if value is not None and segments.is_dimension(segments.ATTRIBUTE_PREFIX + key):
                    values[segments.ATTRIBUTE_PREFIX + key] = value
            out[row.id] = values
    return out


def by_dimension(
    session: Session,
    filters: Filters,
    per_account: dict[int | None, dict[str, int]] | None = None,
) -> tuple[nps.NpsResult, dict[str, dict[str, nps.NpsResult]]]:
    """Everyone's NPS and each dimension's segments' NPS, from counts per account (one
    GROUP BY account query, or the dashboard's scan)."""
    if per_account is None:
        per_account = per_account_counts(session, filters)
    dims = _account_dimensions(session, {a for a in per_account if a is not None}, filters.today)
    tallies: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    total: dict[str, int] = defaultdict(int)
    for account_id, counts in per_account.items():
        values = dims.get(account_id, {}) if account_id is not None else {}
        for category, count in counts.items():
            total[category] += count
        for dim in [*segments.DIMENSIONS, *(k for k in values if k not in segments.DIMENSIONS)]:
            value = values.get(dim, segments.UNKNOWN)
            for category, count in counts.items():
                tallies[dim][value][category] += count
    groups = {
        dim: {value: result_of(c) for value, c in by_value.items()}
        for dim, by_value in tallies.items()
        # an attribute with very many values (an id, a URL) is not a segment
        if dim in segments.DIMENSIONS or len(by_value) <= segments.MAX_ATTRIBUTE_VALUES
    }
    return result_of(total), groups


def hot_spots(
    session: Session,
    filters: Filters,
    per_account: dict[int | None, dict[str, int]] | None = None,
) -> list[SegmentRow]:
    """Every segment against the rest, Holm-corrected across all of them, most telling first:
    significant ones by |difference|, then the others by p-value; greyed ones (n < MIN_N) last."""
    everyone, groups = by_dimension(session, filters, per_account)
    candidates: list[tuple[str, str, nps.NpsResult, nps.Comparison]] = []
    for dim, by_value in groups.items():
        if len(by_value) < 2:
            continue  # one value: the segment is everyone, nothing to compare
        for value, result in by_value.items():
            if value == segments.UNKNOWN and dim.startswith(segments.ATTRIBUTE_PREFIX):
                continue
            candidates.append((dim, value, result, nps.compare(result, everyone - result)))
    adjusted = nps.holm(
        [None if c.small_sample or c.p_value is None else c.p_value for *_, c in candidates]
    )
    rows = [
        SegmentRow(dim, value, result, comparison, p)
        for (dim, value, result, comparison), p in zip(candidates, adjusted, strict=True)
    ]

    def rank(row: SegmentRow) -> tuple[int, float, float, str, str]:
        distance = abs(row.versus_rest.difference or 0.0)
        return (
            0 if row.significant else 1 if not row.greyed else 2,
            row.adjusted_p if row.adjusted_p is not None else 2.0,
            -distance,
            row.dimension,  # ties in a stable order, whatever order the rows were counted in
            row.value,
        )

    return sorted(rows, key=rank)


@dataclass(frozen=True)
class Group:
    """One row of GET /api/v1/nps."""

    key: str
    result: nps.NpsResult


def grouped(session: Session, filters: Filters, group_by: str) -> list[Group]:
    """NPS per week, month, program or any segment dimension, for the API."""
    if group_by in PERIODS:
        return [Group(p.start.isoformat(), p.result) for p in trend(session, filters, group_by)]
    if group_by == "program":
        rows = session.execute(
            select(SurveyProgram.name, Response.category, func.count())
            .join(SurveyProgram, SurveyProgram.id == Response.program_id)
            .where(*response_conditions(filters))
            .group_by(SurveyProgram.name, Response.category)
        ).all()
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for name, category, count in rows:
            counts[name][category] = count
        return [Group(k, result_of(v)) for k, v in sorted(counts.items())]
    if group_by == "all":
        return [Group("all", totals(session, filters))]
    if not segments.is_dimension(group_by):
        raise InvalidInput(
            "That is not something NPS can be grouped by.",
            {"group_by": ["Use all, week, month, program, a segment dimension or attr.<key>."]},
        )
    _, groups = by_dimension(session, filters)
    return [Group(k, v) for k, v in sorted(groups.get(group_by, {}).items())]


def segment_choices(session: Session) -> list[tuple[str, str]]:
    """`dimension:value` options for the filter form: each column's values and the bands."""
    choices: list[tuple[str, str]] = []
    for dim in segments.COLUMNS:
        column = getattr(Account, dim)
        values = session.scalars(
            select(column).where(column.is_not(None)).distinct().order_by(column).limit(50)
        ).all()
        choices += [(f"{dim}:{v}", f"{segments.DIMENSIONS[dim]}: {v}") for v in values]
    for dim in ("tenure", "arr"):
        choices += [
            (f"{dim}:{v}", f"{segments.DIMENSIONS[dim]}: {v}") for v in segments.band_labels(dim)
        ]
    return choices
