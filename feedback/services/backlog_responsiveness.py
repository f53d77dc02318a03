"""Reading department responsiveness: each item's proposal, first acceptance and shipping.

Two set-based reads (the items, and the first time each reached accepted and shipped from
their status history) feed feedback.responsiveness, which does the arithmetic.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import responsiveness
from feedback.models import BacklogEvent, BacklogItem


def histories(session: Session) -> list[responsiveness.ItemHistory]:
    firsts: dict[tuple[int, str], object] = {
        (item_id, to): at
        for item_id, to, at in session.execute(
            select(BacklogEvent.item_id, BacklogEvent.to_value, func.min(BacklogEvent.created_at))
            .where(
                BacklogEvent.kind == "status",
                BacklogEvent.to_value.in_(("accepted", "shipped")),
            )
            .group_by(BacklogEvent.item_id, BacklogEvent.to_value)
        )
    }
    rows = session.execute(
        select(
            BacklogItem.id,
            BacklogItem.department,
            BacklogItem.status,
            BacklogItem.created_at,
            BacklogItem.target_date,
            BacklogItem.customers_told,
        )
    )
    return [
        responsiveness.ItemHistory(
            department=department,
            status=status,
            proposed_at=created_at,
            accepted_at=firsts.get((item_id, "accepted")),  # type: ignore[arg-type]
            shipped_at=firsts.get((item_id, "shipped")),  # type: ignore[arg-type]
            target_date=target_date,
            customers_told=customers_told or 0,
        )
        for item_id, department, status, created_at, target_date, customers_told in rows
    ]


def department_figures(
    session: Session, today: date
) -> tuple[list[responsiveness.DepartmentFigures], dict[str, int]]:
    """The table's rows, one per department, and the company totals."""
    rows = responsiveness.figures(histories(session), today)
    return rows, responsiveness.totals(rows)
