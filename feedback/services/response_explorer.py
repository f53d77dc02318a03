"""The responses explorer: every response the viewer may see, filtered, searched, paged by
keyset and exported as CSV.

One query builder serves the page and the export, so a CSV always holds what the page showed.
The access rule filters (services.visibility), never refuses. Pages are cut by keyset
(answered_at, id) rather than OFFSET so the thousandth page costs what the first does, and the
total is counted only up to COUNT_CAP. The export (services.response_export) streams the same
query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from feedback import questions
from feedback.models import (
    Account,
    Contact,
    Message,
    Response,
    ResponseAnalysis,
    ResponseTheme,
    SurveyProgram,
    Task,
    Theme,
)
from feedback.models.analytics import LABELS
from feedback.models.followup import TASK_STATUSES
from feedback.services import dialects, visibility
from feedback.services.errors import InvalidInput

SEGMENTS = ("plan", "region", "industry", "lifecycle_stage")
OPEN_TASK = "any_open"
NO_TASK = "none"
TASK_FILTERS = (NO_TASK, OPEN_TASK, *TASK_STATUSES)
OPEN_STATUSES = tuple(s for s in TASK_STATUSES if s != "closed")
CATEGORIES = tuple(dict.fromkeys(c for k in questions.KINDS.values() for c in k.categories))
COUNT_CAP = 10_000
MAX_PER_PAGE = 200
MAX_QUERY = 200
REPLY_IDS_INLINE = 2_000


@dataclass(frozen=True)
class Filters:
    """What the explorer is narrowed to; every field empty means every visible response."""

    program_id: int | None = None
    category: str | None = None
    score_min: int | None = None
    score_max: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive: the whole day
    plan: str | None = None
    region: str | None = None
    industry: str | None = None
    lifecycle_stage: str | None = None
    theme: str | None = None  # a theme key
    sentiment: str | None = None  # a sentiment label
    has_comment: bool | None = None
    mismatch: bool | None = None
    task_status: str | None = None  # one of TASK_FILTERS
    q: str | None = None
    contact_id: int | None = None
    account_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """Read GET parameters; a value that names nothing is refused, never ignored."""
        errors: dict[str, list[str]] = {}

        def text(name: str) -> str | None:
            value = args.get(name)
            return str(value).strip() or None if value is not None else None

        def integer(name: str, low: int | None = None, high: int | None = None) -> int | None:
            raw = text(name)
            if raw is None:
                return None
            try:
                value = int(raw)
            except ValueError:
                errors[name] = ["Give a whole number."]
                return None
            if (low is not None and value < low) or (high is not None and value > high):
                errors[name] = [f"Give a number from {low} to {high}."]
                return None
            return value

        def day(name: str) -> date | None:
            raw = text(name)
            if raw is None:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors[name] = ["Give a date as YYYY-MM-DD."]
                return None

        def choice(name: str, allowed: Sequence[str]) -> str | None:
            raw = text(name)
            if raw is not None and raw not in allowed:
                errors[name] = [f"Choose one of: {', '.join(allowed)}."]
                return None
            return raw

        def yes_no(name: str) -> bool | None:
            raw = choice(name, ("yes", "no"))
            return None if raw is None else raw == "yes"

        q = text("q")
        if q is not None and len(q) > MAX_QUERY:
            errors["q"] = [f"Search for at most {MAX_QUERY} characters."]
        filters = cls(
            program_id=integer("program_id", 1),
            category=choice("category", CATEGORIES),
            score_min=integer("score_min", 0, 10),
            score_max=integer("score_max", 0, 10),
            since=day("since"),
            until=day("until"),
            plan=text("plan"),
            region=text("region"),
            industry=text("industry"),
            lifecycle_stage=text("lifecycle_stage"),
            theme=text("theme"),
            sentiment=choice("sentiment", LABELS),
            has_comment=yes_no("has_comment"),
            mismatch=yes_no("mismatch"),
            task_status=choice("task_status", TASK_FILTERS),
            q=q,
            contact_id=integer("contact_id", 1),
            account_id=integer("account_id", 1),
        )
        if filters.since and filters.until and filters.since > filters.until:
            errors["until"] = ["The end date is before the start date."]
        if (
            filters.score_min is not None
            and filters.score_max is not None
            and filters.score_min > filters.score_max
        ):
            errors["score_max"] = ["The highest score is below the lowest."]
        if errors:
            raise InvalidInput("Some filters are not valid; nothing was filtered.", errors)
        return filters

    def as_args(self) -> dict[str, str]:
        """The filters as GET parameters again (links to the next page and the export)."""
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, bool):
                out[name] = "yes" if value else "no"
            else:
                out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    f = filters
    if f.program_id:
        where.append(Response.program_id == f.program_id)
    if f.category:
        where.append(Response.category == f.category)
    if f.score_min is not None:
        where.append(Response.score >= f.score_min)
    if f.score_max is not None:
        where.append(Response.score <= f.score_max)
    if f.since:
        where.append(Response.answered_at >= _start_of(f.since))
    if f.until:
        where.append(Response.answered_at < _start_of(f.until + timedelta(days=1)))
    for name in SEGMENTS:
        if getattr(f, name):
            where.append(getattr(Account, name) == getattr(f, name))
    if f.theme:
        where.append(
            exists()
            .where(ResponseTheme.response_id == Response.id)
            .where(ResponseTheme.theme_id.in_(select(Theme.id).where(Theme.key == f.theme)))
        )
    if f.sentiment:
        where.append(ResponseAnalysis.sentiment_label == f.sentiment)
    if f.has_comment is True:
        where.append(and_(Response.comment.is_not(None), Response.comment != ""))
    elif f.has_comment is False:
        where.append(or_(Response.comment.is_(None), Response.comment == ""))
    if f.mismatch is True:
        where.append(ResponseAnalysis.mismatch.is_(True))
    elif f.mismatch is False:
        where.append(or_(ResponseAnalysis.mismatch.is_(None), ResponseAnalysis.mismatch.is_(False)))
    if f.task_status:
        where.append(_task_condition(f.task_status))
    if f.q:
        where.append(_search(session, f.q))
    if f.contact_id:
        where.append(Response.contact_id == f.contact_id)
    if f.account_id:
        where.append(Response.account_id == f.account_id)
    return where


def _task_condition(task_status: str) -> ColumnElement[bool]:
    followed = exists().where(Task.response_id == Response.id)
    if task_status == NO_TASK:
        return ~followed
    statuses = OPEN_STATUSES if task_status == OPEN_TASK else (task_status,)
    return followed.where(Task.status.in_(statuses))


def replies_saying(session: Session, words: str) -> Select[Any]:
    """The conversations (invitation ids) where the customer replied with `words`."""
    return select(Message.invitation_id).where(
        Message.direction == "inbound", dialects.text_matches(session, Message.body, words)
    )


def _search(session: Session, words: str) -> ColumnElement[bool]:
    """The comment, or a reply the customer wrote in the response's conversation, says `words`.

    Replies are few next to comments, so the conversations whose replies match are looked up
    first (GIN index on PostgreSQL) and named by id: the condition left on responses is then
    "comment matches OR invitation_id in (those)", which PostgreSQL can answer either by
    combining two indexes (a rare word) or by checking rows newest first until a page is full
    (a common one), whichever its statistics say is cheaper. Past REPLY_IDS_INLINE matching
    conversations the look-up stays a subquery.
    """
    by_reply = replies_saying(session, words)
    invitation_ids = list(session.scalars(by_reply.distinct().limit(REPLY_IDS_INLINE + 1)))
    by_comment = dialects.text_matches(session, Response.comment, words)
    if not invitation_ids:
        return by_comment
    replied = (
        Response.invitation_id.in_(invitation_ids)
        if len(invitation_ids) <= REPLY_IDS_INLINE
        else Response.invitation_id.in_(by_reply)
    )
    return or_(by_comment, replied)


def visible_query(session: Session, viewer: Any, filters: Filters) -> Select[Any]:
    """Every column a row shows, of the responses the filters select (the export's base)."""
    return _columns().where(
        visibility.responses_filter(session, viewer), *_conditions(session, filters)
    )


def _columns() -> Select[Any]:
    return (
        select(
            Response.id,
            Response.answered_at,
            Response.scale,
            Response.score,
            Response.category,
            Response.status,
            Response.comment,
            Response.program_id,
            SurveyProgram.name.label("program_name"),
            Response.contact_id,
            Contact.email.label("contact_email"),
            Contact.name.label("contact_name"),
            Response.account_id,
            Account.name.label("account_name"),
            Account.plan,
            Account.region,
            Account.industry,
            Account.lifecycle_stage,
            Account.arr,
            Account.renewal_date,
            Account.status.label("account_status"),
            ResponseAnalysis.language,
            ResponseAnalysis.sentiment_label,
            ResponseAnalysis.sentiment_polarity,
            ResponseAnalysis.mismatch,
        )
        .select_from(Response)
        .join(Contact, Contact.id == Response.contact_id)
        .join(SurveyProgram, SurveyProgram.id == Response.program_id)
        .outerjoin(Account, Account.id == Response.account_id)
        .outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
    )


def _ids(session: Session, viewer: Any, filters: Filters) -> Select[Any]:
    """The ids the filters select, joining only the tables a filter needs (every response has
    its contact and program, so those joins never change which rows match). Counting and
    paging work on this narrow query; the wide columns are joined for one page only."""
    query = select(Response.id).select_from(Response)
    if any(getattr(filters, name) for name in SEGMENTS):
        query = query.outerjoin(Account, Account.id == Response.account_id)
    if filters.sentiment or filters.mismatch is not None:
        query = query.outerjoin(ResponseAnalysis, ResponseAnalysis.response_id == Response.id)
    return query.where(visibility.responses_filter(session, viewer), *_conditions(session, filters))


# ---------------------------------------------------------------- the page


@dataclass(frozen=True)
class TaskRef:
    id: int
    status: str


@dataclass(frozen=True)
class Row:
    """One response as the explorer lists it, with its themes and the tasks following it up."""

    id: int
    answered_at: datetime
    scale: str
    score: int | None
    category: str | None
    status: str
    comment: str | None
    program_id: int
    program_name: str
    contact_id: int
    contact_email: str
    contact_name: str | None
    account_id: int | None
    account_name: str | None
    plan: str | None
    region: str | None
    industry: str | None
    lifecycle_stage: str | None
    arr: Decimal | None
    renewal_date: date | None
    account_status: str | None
    language: str | None
    sentiment_label: str | None
    sentiment_polarity: float | None
    mismatch: bool
    themes: list[str] = field(default_factory=list)
    tasks: list[TaskRef] = field(default_factory=list)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # counted up to COUNT_CAP
    total_capped: bool
    next_cursor: str | None  # pass as `after` for the next page


def parse_cursor(raw: str | None) -> tuple[datetime, int] | None:
    """`after` of the explorer's links: '<answered_at ISO>~<id>'; a damaged one is refused."""
    if not raw:
        return None
    try:
        when, _, ident = raw.rpartition("~")
        at = datetime.fromisoformat(when)
        if at.tzinfo is None:
            raise ValueError
        return at, int(ident)
    except ValueError:
        raise InvalidInput(
            "That page link is damaged; start again from the first page.",
            {"after": ["Not a page of this list."]},
        ) from None


def _cursor(row: Row) -> str:
    return f"{row.answered_at.isoformat()}~{row.id}"


def explore(
    session: Session,
    viewer: Any,
    filters: Filters,
    *,
    after: tuple[datetime, int] | None = None,
    per_page: int = 50,
) -> Page:
    """One page of responses, newest first, after the cursor `after`."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    ids = _ids(session, viewer, filters)
    capped = ids.limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    if after is not None:
        at, ident = after
        ids = ids.where(
            or_(Response.answered_at < at, and_(Response.answered_at == at, Response.id < ident))
        )
    newest_first = (Response.answered_at.desc(), Response.id.desc())
    if filters.q and total <= COUNT_CAP:
        # A search with few matches: list them all (the index look-up), then sort. Left to
        # itself the planner, not knowing a word is rare, walks every response newest first.
        matches = (
            ids.add_columns(Response.answered_at)
            .cte("matches")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        page_query = select(matches.c.id).order_by(
            matches.c.answered_at.desc(), matches.c.id.desc()
        )
    else:
        page_query = ids.order_by(*newest_first)
    page_ids = list(session.scalars(page_query.limit(per_page + 1)))
    found = session.execute(
        _columns().where(Response.id.in_(page_ids)).order_by(*newest_first)
    ).all()
    rows = _with_themes_and_tasks(session, found[:per_page])
    more = len(found) > per_page
    return Page(
        rows=rows,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        next_cursor=_cursor(rows[-1]) if more and rows else None,
    )


def _with_themes_and_tasks(session: Session, found: Sequence[Any]) -> list[Row]:
    ids = [r.id for r in found]
    themes: dict[int, list[str]] = defaultdict(list)
    tasks: dict[int, list[TaskRef]] = defaultdict(list)
    if ids:
        for response_id, name in session.execute(
            select(ResponseTheme.response_id, Theme.name)
            .join(Theme, Theme.id == ResponseTheme.theme_id)
            .where(ResponseTheme.response_id.in_(ids))
            .order_by(ResponseTheme.response_id, Theme.name)
        ):
            themes[response_id].append(name)
        for response_id, task_id, status in session.execute(
            select(Task.response_id, Task.id, Task.status)
            .where(Task.response_id.in_(ids))
            .order_by(Task.response_id, Task.id)
        ):
            tasks[response_id].append(TaskRef(task_id, status))
    return [
        Row(**{**r._asdict(), "mismatch": bool(r.mismatch)}, themes=themes[r.id], tasks=tasks[r.id])
        for r in found
    ]


def choices(session: Session) -> dict[str, list[Any]]:
    """What the filter menus offer: programs, themes, and each segment's known values."""
    menus: dict[str, list[Any]] = {
        "programs": list(session.execute(select(SurveyProgram.id, SurveyProgram.name).order_by(
            SurveyProgram.name))),
        "themes": list(session.execute(select(Theme.key, Theme.name).order_by(Theme.name))),
    }  # fmt: skip
    for name in SEGMENTS:
        column = getattr(Account, name)
        menus[name] = list(
            session.scalars(select(column).where(column.is_not(None)).distinct().order_by(column))
        )
    return menus
