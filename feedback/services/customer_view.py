"""The account and contact pages (Customer 360 on a page of its own): the accounts list
sortable by health, ARR, NPS and renewal date; one account with its contacts, responses,
threads, tasks, backlog items, score trend and health; one contact with their history.

Reading only. The access rule filters the list and guards each page (services.visibility);
the health shown is the one the health job stored (services.account_health).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from feedback import health, nps
from feedback.models import (
    Account,
    AccountHealth,
    BacklogItem,
    BacklogResponse,
    BacklogTask,
    Contact,
    Response,
    Task,
    User,
)
from feedback.services import task_detail, visibility
from feedback.services.errors import InvalidInput

SORTS = ("name", "health", "arr", "nps", "renewal")
NPS_WINDOW = timedelta(days=365)
MAX_PER_PAGE = 200
RESPONSES_SHOWN = 100
CLOSED_TASKS_SHOWN = 50


def _nps_by_account(since: datetime, account_ids: list[int] | None) -> Any:
    """Per account: NPS answers since `since`, promoters and detractors (one GROUP BY), of
    every account or of the ones named."""
    query = (
        select(
            Response.account_id.label("account_id"),
            func.count().label("n"),
            func.sum(case((Response.category == "promoter", 1), else_=0)).label("promoters"),
            func.sum(case((Response.category == "detractor", 1), else_=0)).label("detractors"),
        )
        .where(
            Response.account_id.is_not(None),
            Response.scale == "nps",
            Response.score.is_not(None),
            Response.answered_at >= since,
        )
        .group_by(Response.account_id)
    )
    if account_ids is not None:
        query = query.where(Response.account_id.in_(account_ids))
    return query.subquery()


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    plan: str | None
    region: str | None
    arr: Decimal | None
    renewal_date: date | None
    status: str
    owner_name: str | None
    health: int | None
    previous_health: int | None
    responses: int
    nps: float | None


def list_accounts(
    session: Session,
    viewer: Any,
    *,
    q: str | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[AccountRow], int]:
    """One page of the accounts the viewer sees; NPS over the last year's answers."""
    if sort not in SORTS:
        raise InvalidInput(f"Unknown sort {sort!r}.", {"sort": [f"One of: {', '.join(SORTS)}."]})
    now = now or datetime.now(UTC)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(page, 1)
    since = now - NPS_WINDOW
    owner = aliased(User)
    query: Select[Any] = (
        select(
            Account.id,
            Account.name,
            Account.plan,
            Account.region,
            Account.arr,
            Account.renewal_date,
            Account.status,
            owner.name.label("owner_name"),
            AccountHealth.score.label("health"),
            AccountHealth.previous_score.label("previous_health"),
        )  # fmt: skip
        .select_from(Account)
        .outerjoin(owner, owner.id == Account.owner_id)
        .outerjoin(AccountHealth, AccountHealth.account_id == Account.id)
        .where(visibility.accounts_filter(session, viewer))
    )
    if q:
        pattern = f"%{q.strip().lower()}%"
        by_name = func.lower(Account.name).like(pattern)
        query = query.where(or_(by_name, func.lower(Account.external_id).like(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if sort == "nps":  # only this order needs every account's NPS; the others, one page's
        counts = _nps_by_account(since, None)
        n = func.coalesce(counts.c.n, 0)
        column: Any = case(
            (n > 0, 100.0 * (counts.c.promoters - counts.c.detractors) / n), else_=None
        )
        query = query.outerjoin(counts, counts.c.account_id == Account.id)
    else:
        column = {
            "name": func.lower(Account.name),
            "health": AccountHealth.score,
            "arr": Account.arr,
            "renewal": Account.renewal_date,
        }[sort]
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    query = query.order_by(ordered, Account.id)
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    page_nps = _nps_of(session, [r.id for r in rows], since)
    return [AccountRow(**r._asdict(), **page_nps.get(r.id, {"responses": 0, "nps": None}))
            for r in rows], total  # fmt: skip


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str | None
    email: str
    account_id: int | None
    account_name: str | None
    unsubscribed: bool
    bounced: bool
    last_score: int | None
    last_answered_at: datetime | None


def list_contacts(
    session: Session, viewer: Any, *, q: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[ContactRow], int]:
    """One page of the contacts the viewer sees, by name, searched by name, email or account,
    each with their latest answer."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(page, 1)
    query: Select[Any] = (
        select(
            Contact.id,
            Contact.name,
            Contact.email,
            Contact.account_id,
            Account.name.label("account_name"),
            Contact.unsubscribed,
            Contact.bounced,
        )
        .select_from(Contact)
        .outerjoin(Account, Account.id == Contact.account_id)
        .where(visibility.contacts_filter(session, viewer))
    )
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Contact.name).like(pattern),
                func.lower(Contact.email).like(pattern),
                func.lower(Account.name).like(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(func.lower(func.coalesce(Contact.name, Contact.email)), Contact.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    latest: dict[int, tuple[int, datetime]] = {}
    if rows:
        answers = session.execute(
            select(Response.contact_id, Response.score, Response.answered_at)
            .where(Response.contact_id.in_([r.id for r in rows]), Response.scale == "nps")
            .order_by(Response.answered_at)
        )
        latest = {contact_id: (score, at) for contact_id, score, at in answers}
    return [
        ContactRow(**r._asdict(), last_score=latest.get(r.id, (None, None))[0],
                   last_answered_at=latest.get(r.id, (None, None))[1])
        for r in rows
    ], total  # fmt: skip


def _nps_of(session: Session, account_ids: list[int], since: datetime) -> dict[int, dict[str, Any]]:
    """NPS of the last year for these accounts: {id: {"responses": n, "nps": score}}."""
    if not account_ids:
        return {}
    counts = _nps_by_account(since, account_ids)
    return {
        r.account_id: {"responses": r.n, "nps": 100.0 * (r.promoters - r.detractors) / r.n}
        for r in session.execute(select(counts)).all()
        if r.n
    }


# ---------------------------------------------------------------- one account


@dataclass(frozen=True)
class ContactLine:
    contact: Contact
    last_score: int | None
    last_category: str | None
    last_answered_at: datetime | None
    responses: int


@dataclass(frozen=True)
class ResponseLine:
    id: int
    answered_at: datetime
    score: int | None
    category: str | None
    comment: str | None
    contact_id: int
    contact_label: str


@dataclass(frozen=True)
class HealthView:
    score: int | None
    previous_score: int | None
    computed_at: datetime | None
    parts: list[dict[str, Any]]  # [{key, label, score, weight, detail}]


@dataclass(frozen=True)
class AccountOverview:
    account: Account
    owner: User | None
    contacts: list[ContactLine]
    responses: list[ResponseLine]
    response_count: int
    open_tasks: list[Task]
    closed_tasks: list[Task]
    backlog_items: list[BacklogItem]
    trend: task_detail.Trend
    nps: nps.NpsResult
    health: HealthView


def health_view(session: Session, account_id: int) -> HealthView:
    stored = session.get(AccountHealth, account_id)
    if stored is None:
        return HealthView(None, None, None, [])
    parts = [
        {"key": key, "label": health.LABELS.get(key, key), **value}
        for key, value in (stored.parts or {}).items()
    ]
    return HealthView(stored.score, stored.previous_score, stored.computed_at, parts)


def _responses(session: Session, condition: Any) -> list[ResponseLine]:
    rows = session.execute(
        select(
            Response.id,
            Response.answered_at,
            Response.score,
            Response.category,
            Response.comment,
            Response.contact_id,
            Contact.name,
            Contact.email,
        )  # fmt: skip
        .join(Contact, Contact.id == Response.contact_id)
        .where(condition)
        .order_by(Response.answered_at.desc(), Response.id.desc())
        .limit(RESPONSES_SHOWN)
    ).all()
    return [
        ResponseLine(
            r.id, r.answered_at, r.score, r.category, r.comment, r.contact_id, r.name or r.email
        )  # fmt: skip
        for r in rows
    ]


def _tasks(session: Session, condition: Any, *, closed: bool) -> list[Task]:
    query = select(Task).where(condition)
    if closed:
        query = query.where(Task.status == "closed").order_by(Task.closed_at.desc(), Task.id.desc())
        query = query.limit(CLOSED_TASKS_SHOWN)
    else:
        query = query.where(Task.status != "closed").order_by(Task.due_at, Task.id)
    return list(session.scalars(query))


def account_overview(session: Session, viewer: Any, account_id: int) -> AccountOverview:
    """Everything the account page shows, if the viewer may see the account."""
    account = visibility.require_account(session, viewer, account_id)
    latest = (
        select(Response.contact_id, func.max(Response.answered_at).label("at"),
               func.count().label("n"))
        .where(Response.account_id == account.id, Response.scale == "nps",
               Response.score.is_not(None))
        .group_by(Response.contact_id)
        .subquery()
    )  # fmt: skip
    contacts = []
    last_scores: list[int] = []
    for contact, at, n in session.execute(
        select(Contact, latest.c.at, latest.c.n)
        .outerjoin(latest, latest.c.contact_id == Contact.id)
        .where(Contact.account_id == account.id)
        .order_by(Contact.name, Contact.email)
    ).all():
        last = None
        if at is not None:
            last = session.execute(
                select(Response.score, Response.category)
                .where(Response.contact_id == contact.id, Response.account_id == account.id,
                       Response.scale == "nps", Response.answered_at == at)
                .order_by(Response.id.desc()).limit(1)
            ).first()  # fmt: skip
        if last is not None and last.score is not None:
            last_scores.append(last.score)
        contacts.append(ContactLine(contact, last.score if last else None,
                                    last.category if last else None, at, n or 0))  # fmt: skip
    in_account = Response.account_id == account.id
    task_ids = select(Task.id).where(Task.account_id == account.id)
    response_ids = select(Response.id).where(in_account)
    backlog = list(
        session.scalars(
            select(BacklogItem)
            .where(
                or_(
                    BacklogItem.id.in_(
                        select(BacklogResponse.item_id).where(
                            BacklogResponse.response_id.in_(response_ids)
                        )
                    ),
                    BacklogItem.id.in_(
                        select(BacklogTask.item_id).where(BacklogTask.task_id.in_(task_ids))
                    ),
                )
            )
            .order_by(BacklogItem.id)
        )
    )
    return AccountOverview(
        account=account,
        owner=session.get(User, account.owner_id) if account.owner_id else None,
        contacts=contacts,
        responses=_responses(session, in_account),
        response_count=session.scalar(select(func.count()).where(in_account)) or 0,
        open_tasks=_tasks(session, Task.account_id == account.id, closed=False),
        closed_tasks=_tasks(session, Task.account_id == account.id, closed=True),
        backlog_items=backlog,
        trend=task_detail.score_trend(session, in_account, points=24),
        nps=nps.nps(last_scores),
        health=health_view(session, account.id),
    )


# ---------------------------------------------------------------- one contact


@dataclass(frozen=True)
class ContactOverview:
    contact: Contact
    account: Account | None
    responses: list[ResponseLine]
    open_tasks: list[Task]
    closed_tasks: list[Task]
    trend: task_detail.Trend


def contact_overview(session: Session, viewer: Any, contact_id: int) -> ContactOverview:
    """A contact's history: their answers (each with its thread), tasks and score trend."""
    contact = visibility.require_contact(session, viewer, contact_id)
    mine = Response.contact_id == contact.id
    return ContactOverview(
        contact=contact,
        account=session.get(Account, contact.account_id) if contact.account_id else None,
        responses=_responses(session, mine),
        open_tasks=_tasks(session, Task.contact_id == contact.id, closed=False),
        closed_tasks=_tasks(session, Task.contact_id == contact.id, closed=True),
        trend=task_detail.score_trend(session, mine, points=24),
    )
