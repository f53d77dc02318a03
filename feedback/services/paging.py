"""One page of a query and the total it came from: the shape every list in the product has."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate(
    session: Session, query: Select[Any], page: int, per_page: int
) -> tuple[list[Any], int]:  # noqa: E501
    """Rows of `query` (already ordered) for this page, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total
