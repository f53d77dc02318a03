"""Reading responses: filtered lists for the API and pages, one response with its thread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from feedback.models import Account, Contact, Message, Response
from feedback.services import visibility
from feedback.services.paging import paginate

SEGMENT_FIELDS = ("plan", "region", "industry", "lifecycle_stage")


def _filtered(filters: Mapping[str, Any]) -> Select[tuple[Response]]:
    query = select(Response).join(Contact, Response.contact_id == Contact.id)
    if filters.get("program_id"):
        query = query.where(Response.program_id == filters["program_id"])
    if filters.get("category"):
        query = query.where(Response.category == filters["category"])
    if filters.get("account_id"):
        query = query.where(Response.account_id == filters["account_id"])
    if filters.get("contact_id"):
        query = query.where(Response.contact_id == filters["contact_id"])
    if filters.get("status"):
        query = query.where(Response.status == filters["status"])
    since: datetime | None = filters.get("since")
    until: datetime | None = filters.get("until")
    if since:
        query = query.where(Response.answered_at >= since)
    if until:
        query = query.where(Response.answered_at < until)
    segments = {k: filters[k] for k in SEGMENT_FIELDS if filters.get(k)}
    if segments:
        query = query.join(Account, Response.account_id == Account.id)
        for key, value in segments.items():
            query = query.where(getattr(Account, key) == value)
    return query


def list_responses(
    session: Session, filters: Mapping[str, Any], page: int, per_page: int, *, viewer: Any
) -> tuple[list[Response], int]:
    """One page of the responses the viewer may see (the access rule filters, never refuses)."""
    query = _filtered(filters).where(visibility.responses_filter(session, viewer))
    query = query.options(joinedload(Response.contact))
    query = query.order_by(Response.answered_at.desc(), Response.id.desc())
    return paginate(session, query, page, per_page)


def get_response(
    session: Session, response_id: int, *, viewer: Any
) -> tuple[Response, list[Message]]:
    """The response and its thread, if the access rule lets the viewer see them."""
    response = visibility.require_response(session, viewer, response_id)
    thread = list(
        session.scalars(
            select(Message)
            .where(Message.invitation_id == response.invitation_id)
            .order_by(Message.created_at, Message.id)
        )
    )
    return response, thread
