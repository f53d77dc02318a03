"""The evidence behind backlog items: which responses count, the customers' quotes, and the
impact figures stored on each item (recomputed on every link and by refresh-backlog).

`nps_answer()` is the one place the backlog decides which responses are NPS answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select, union_all
from sqlalchemy.orm import Session

from feedback import backlog_impact as rules
from feedback import questions
from feedback.models import (
    Account,
    BacklogItem,
    BacklogResponse,
    BacklogTask,
    Response,
    ResponseTheme,
    Task,
)

NPS_CATEGORIES = ("promoter", "passive", "detractor")
CHUNK = 500  # items per evidence query; accounts read by id below this many, else all


def nps_answer() -> ColumnElement[bool]:
    """Which responses are NPS answers: the one place the backlog decides it (for impact,
    proposals and quotes), so counting onboarding answers out is a change here only."""
    return and_(Response.scale == questions.NPS.name, Response.category.in_(NPS_CATEGORIES))


@dataclass(frozen=True)
class Quote:
    response_id: int
    excerpt: str
    score: int | None
    category: str | None
    sentiment: str | None
    account: str | None
    plan: str | None
    arr: Decimal | None
    answered_at: datetime


def quotes(session: Session, item: BacklogItem, limit: int = 50) -> list[Quote]:
    """The customers' words behind the item: linked responses first, then the theme's mentions
    from detractors and passives, most recent first."""
    linked = select(BacklogResponse.response_id).where(BacklogResponse.item_id == item.id)
    evidence = Response.id.in_(linked)
    if item.theme_id is not None:
        mentions = select(ResponseTheme.response_id).where(ResponseTheme.theme_id == item.theme_id)
        evidence = evidence | (
            Response.id.in_(mentions) & Response.category.in_(("passive", "detractor"))
        )
    rows = session.execute(
        select(Response, Account)
        .outerjoin(Account, Account.id == Response.account_id)
        .where(evidence, Response.comment.is_not(None), Response.comment != "")
        .order_by(Response.answered_at.desc(), Response.id.desc())
        .limit(limit)
    ).all()
    out = []
    for response, account in rows:
        analysis = getattr(response, "analysis", None)
        out.append(
            Quote(
                response.id,
                rules.excerpt(response.comment),
                response.score,
                response.category,
                analysis.sentiment_label if analysis else None,
                account.name if account else None,
                account.plan if account else None,
                account.arr if account else None,
                response.answered_at,
            )
        )
    return out


def linked_tasks(session: Session, item: BacklogItem) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .join(BacklogTask, BacklogTask.task_id == Task.id)
            .where(BacklogTask.item_id == item.id)
            .order_by(Task.id)
        )
    )


def linked_response_ids(session: Session, item: BacklogItem) -> list[int]:
    return list(
        session.scalars(
            select(BacklogResponse.response_id)
            .where(BacklogResponse.item_id == item.id)
            .order_by(BacklogResponse.id)
        )
    )


def overall_counts(session: Session) -> rules.Counts:
    counts = dict(
        session.execute(
            select(Response.category, func.count()).where(nps_answer()).group_by(Response.category)
        ).all()
    )
    return rules.Counts(
        counts.get("promoter", 0), counts.get("passive", 0), counts.get("detractor", 0)
    )


def evidence_by_item(
    session: Session, items: Iterable[BacklogItem]
) -> dict[int, list[rules.Evidence]]:
    """The NPS answers behind each item: its linked responses and every mention of its theme.

    One query per chunk of items (not one per item), so refresh-backlog over hundreds of items
    and a million responses stays a handful of set-based reads.
    """
    out: dict[int, list[rules.Evidence]] = {}
    ids = [i.id for i in items]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        linked = select(
            BacklogResponse.item_id.label("item_id"),
            BacklogResponse.response_id.label("response_id"),
        ).where(BacklogResponse.item_id.in_(chunk))
        themed = (
            select(BacklogItem.id.label("item_id"), ResponseTheme.response_id.label("response_id"))
            .join(ResponseTheme, ResponseTheme.theme_id == BacklogItem.theme_id)
            .where(BacklogItem.id.in_(chunk))
        )
        both = union_all(linked, themed).subquery()
        # Core rows, not ORM rows: a million-response backlog reads hundreds of thousands.
        rows = session.connection().execute(
            select(
                both.c.item_id,
                Response.id,
                Response.account_id,
                Response.category,
                Response.answered_at,
            )
            .join(Response, Response.id == both.c.response_id)
            .where(nps_answer())
        )
        for item_id, *row in rows:
            out.setdefault(item_id, []).append(rules.Evidence(*row))
    return out


def evidence_of(session: Session, item: BacklogItem) -> list[rules.Evidence]:
    """The NPS answers behind one item (see evidence_by_item)."""
    return evidence_by_item(session, [item]).get(item.id, [])


def recompute_impact(
    session: Session,
    items: Iterable[BacklogItem],
    *,
    overall: rules.Counts | None = None,
    now: datetime | None = None,
) -> int:
    """Store the impact figures on each item; returns how many were recomputed."""
    now = now or datetime.now(UTC)
    items = list(items)
    if not items:
        return 0
    overall = overall or overall_counts(session)
    evidence = evidence_by_item(session, items)
    accounts = {
        e.account_id for rows in evidence.values() for e in rows if e.account_id is not None
    }
    arr = account_arr(session, accounts)
    latest = latest_categories(session, accounts)
    for item in items:
        figures = rules.impact(evidence.get(item.id, []), arr, latest, overall, now)
        item.responses_linked = figures.responses_linked
        item.detractors = figures.detractors
        item.passives = figures.passives
        item.accounts = figures.accounts
        item.arr = figures.arr
        item.arr_at_risk = figures.arr_at_risk
        item.nps_points = figures.nps_points
        item.trend = figures.trend
        item.impact_at = now
    session.flush()
    return len(items)


def account_arr(session: Session, accounts: set[int]) -> dict[int, Decimal | None]:
    if not accounts:
        return {}
    query = select(Account.id, Account.arr)
    if len(accounts) <= CHUNK:
        query = query.where(Account.id.in_(accounts))
    return {a: arr for a, arr in session.execute(query) if a in accounts}


def latest_categories(session: Session, accounts: set[int]) -> dict[int, str]:
    """Each account's latest NPS answer's category (the newest answer, ties by id).

    Few accounts: only theirs are read; many: every account's, in one pass, and kept for
    these (a long IN list costs more than the window over all answers)."""
    if not accounts:
        return {}
    newest = select(
        Response.account_id,
        Response.category,
        func.row_number()
        .over(
            partition_by=Response.account_id,
            order_by=(Response.answered_at.desc(), Response.id.desc()),
        )
        .label("n"),
    ).where(nps_answer(), Response.account_id.is_not(None))
    if len(accounts) <= CHUNK:
        newest = newest.where(Response.account_id.in_(accounts))
    ranked = newest.subquery()
    rows = session.connection().execute(
        select(ranked.c.account_id, ranked.c.category).where(ranked.c.n == 1)
    )
    return {a: category for a, category in rows if a in accounts}
