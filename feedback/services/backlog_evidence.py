"""The evidence behind backlog items: which responses count, the customers' quotes, and the
impact figures stored on each item (recomputed on every link and by refresh-backlog).

`nps_answer()` is the one place the backlog decides which responses are NPS answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
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


def evidence_of(session: Session, item: BacklogItem) -> list[rules.Evidence]:
    """The NPS answers behind an item: linked responses and every mention of its theme."""
    linked = select(BacklogResponse.response_id).where(BacklogResponse.item_id == item.id)
    condition = Response.id.in_(linked)
    if item.theme_id is not None:
        condition = condition | Response.id.in_(
            select(ResponseTheme.response_id).where(ResponseTheme.theme_id == item.theme_id)
        )
    rows = session.execute(
        select(Response.id, Response.account_id, Response.category, Response.answered_at).where(
            nps_answer(), condition
        )
    ).all()
    return [rules.Evidence(*row) for row in rows]


def recompute_impact(
    session: Session,
    items: Iterable[BacklogItem],
    *,
    overall: rules.Counts | None = None,
    now: datetime | None = None,
) -> int:
    """Store the impact figures on each item; returns how many were recomputed."""
    now = now or datetime.now(UTC)
    overall = overall or overall_counts(session)
    done = 0
    for item in items:
        evidence = evidence_of(session, item)
        accounts = {e.account_id for e in evidence if e.account_id is not None}
        arr = (
            dict(
                session.execute(
                    select(Account.id, Account.arr).where(Account.id.in_(accounts))
                ).all()
            )
            if accounts
            else {}
        )
        figures = rules.impact(evidence, arr, latest_categories(session, accounts), overall, now)
        item.responses_linked = figures.responses_linked
        item.detractors = figures.detractors
        item.passives = figures.passives
        item.accounts = figures.accounts
        item.arr = figures.arr
        item.arr_at_risk = figures.arr_at_risk
        item.nps_points = figures.nps_points
        item.trend = figures.trend
        item.impact_at = now
        done += 1
    session.flush()
    return done


def latest_categories(session: Session, accounts: set[int]) -> dict[int, str]:
    """Each account's latest NPS answer's category (the newest answer, ties by id)."""
    if not accounts:
        return {}
    newest = (
        select(
            Response.account_id,
            Response.category,
            func.row_number()
            .over(
                partition_by=Response.account_id,
                order_by=(Response.answered_at.desc(), Response.id.desc()),
            )
            .label("n"),
        )
        .where(nps_answer(), Response.account_id.in_(accounts))
        .subquery()
    )
    return dict(
        session.execute(select(newest.c.account_id, newest.c.category).where(newest.c.n == 1)).all()
    )
