"""NPS next to what customers did: each account whose renewal date has passed, whether it
renewed or churned, and its latest NPS category before that date (feedback.retention counts).

An account counts as churned when its status is `churned` (the CRM says so through the API)
and as renewed when its renewal date has passed and it is still active. Accounts without a
renewal date, or whose renewal is still ahead, have no outcome yet and are left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import retention
from feedback.models import Account, Response
from feedback.services import visibility


def outcomes(session: Session, viewer: Any, today: date | None = None) -> list[retention.Outcome]:
    """One Outcome per account the viewer sees whose renewal date is today or earlier."""
    today = today or datetime.now(UTC).date()
    due = (
        select(Account.id, Account.status, Account.renewal_date)
        .where(
            Account.renewal_date.is_not(None),
            Account.renewal_date <= today,
            visibility.accounts_filter(session, viewer),
        )
        .subquery()
    )
    ranked = (
        select(
            Response.account_id.label("account_id"),
            Response.category.label("category"),
            func.row_number()
            .over(
                partition_by=Response.account_id,
                order_by=(Response.answered_at.desc(), Response.id.desc()),
            )
            .label("rank"),
        )
        .join(due, due.c.id == Response.account_id)
        .where(
            Response.scale == "nps",
            Response.category.is_not(None),
            Response.answered_at < due.c.renewal_date,
        )
        .subquery()
    )
    latest = select(ranked.c.account_id, ranked.c.category).where(ranked.c.rank == 1).subquery()
    rows = session.execute(
        select(due.c.id, due.c.status, latest.c.category)
        .outerjoin(latest, latest.c.account_id == due.c.id)
        .order_by(due.c.id)
    ).all()
    return [
        retention.Outcome(
            r.id, retention.CHURNED if r.status == "churned" else retention.RENEWED, r.category
        )
        for r in rows
    ]


def retention_by_category(
    session: Session, viewer: Any, today: date | None = None
) -> list[retention.GroupRates]:
    return retention.rates(outcomes(session, viewer, today))
