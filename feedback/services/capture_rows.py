"""What capture reads and writes, as plain rows and statements built once.

A click and an answer are the busiest requests the service has (bench/capture.py). ORM
entities cost them more Python than the database work itself: three entities loaded per
read, a unit of work for one changed row, statements rebuilt (and their cache keys worked
out) on every request. Here every statement is built once with named parameters, so
SQLAlchemy finds its compiled form by a key it remembers, and rows come back as small
dataclasses holding only what the survey pages and capture use.

Several writes go as one statement on PostgreSQL (data-modifying CTEs of the last one:
services.dialects.writes_together), one by one on SQLite; the combination of a request's
parts is built once per shape and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    exists,
    insert,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import (
    Contact,
    Invitation,
    Message,
    Response,
    ResponseAnalysis,
    ScoreChange,
    SurveyProgram,
)
from feedback.services import dialects, reminders, thread_turns, webhooks_out


@dataclass(slots=True)
class LinkInvitation:
    """The invitation behind a link, as capture and the survey pages use it."""

    id: int
    program_id: int
    contact_id: int
    locale: str
    milestone: str | None
    delivered_at: datetime | None
    responded_at: datetime | None
    expires_at: datetime


@dataclass(slots=True, frozen=True)
class LinkProgram:
    """The program's question and branding, as the survey pages show them."""

    id: int
    kind: str
    triggers: list[dict[str, Any]]
    product_name: str
    sender_name: str
    review_url: str | None
    referral_enabled: bool
    logo_url: str | None
    accent_color: str | None
    footer_text: str | None


@dataclass(slots=True, frozen=True)
class LinkContact:
    id: int
    email: str
    account_id: int | None


@dataclass(slots=True)
class LinkAnalysis:
    """What a score change re-decides of a comment's analysis: its mismatch flag."""

    sentiment_polarity: float | None
    sentiment_drivers: list[dict[str, Any]] | None
    mismatch: bool
    mismatch_reason: str | None


@dataclass(slots=True)
class LinkResponse:
    """The invitation's one response; capture changes it here and writes it back in one
    UPDATE of every column it may change (`response_values`)."""

    id: int
    invitation_id: int
    program_id: int
    contact_id: int
    account_id: int | None
    scale: str
    score: int | None
    category: str | None
    status: str
    comment: str | None
    success_definition: str | None
    answered_at: datetime
    confirmed_at: datetime | None
    updated_at: datetime
    analysis_pending: bool
    analysis: LinkAnalysis | None = None


_I, _P, _C = Invitation.__table__.c, SurveyProgram.__table__.c, Contact.__table__.c
_R, _A = Response.__table__.c, ResponseAnalysis.__table__.c
_INVITATION = (_I.id, _I.program_id, _I.contact_id, _I.locale, _I.milestone, _I.delivered_at,
               _I.responded_at, _I.expires_at)  # fmt: skip
_PROGRAM = (_P.id, _P.kind, _P.triggers, _P.product_name, _P.sender_name, _P.review_url,
            _P.referral_enabled, _P.logo_url, _P.accent_color, _P.footer_text)  # fmt: skip
_CONTACT = (_C.id, _C.email, _C.account_id)
_RESPONSE = tuple(_R[name] for name in LinkResponse.__slots__ if name != "analysis")  # type: ignore[attr-defined]
_ANALYSIS = (_A.response_id, _A.sentiment_polarity, _A.sentiment_drivers, _A.mismatch,
             _A.mismatch_reason)  # fmt: skip
# The columns an answer may change: written back together, whichever changed.
CHANGEABLE = ("score", "category", "status", "comment", "success_definition", "confirmed_at",
              "updated_at", "analysis_pending")  # fmt: skip

SURVEY = (
    select(*_INVITATION, *_PROGRAM, *_CONTACT)
    .select_from(Invitation.__table__)
    .join(SurveyProgram.__table__, _P.id == _I.program_id)
    .join(Contact.__table__, _C.id == _I.contact_id)
    .where(_I.token_hash == bindparam("token_hash"))
)
# FOR UPDATE OF the invitation: every writer of a response takes it first. SQLite's compiler
# leaves the clause out; it takes a whole-database lock at the first write instead.
SURVEY_LOCKED = SURVEY.add_columns(webhooks_out.any_endpoint()).with_for_update(
    of=Invitation.__table__
)
_SCORE_TURN = (
    exists()
    .where(Message.__table__.c.invitation_id == _R.invitation_id)
    .where(Message.__table__.c.kind == "score")
)
RESPONSE = (
    select(*_RESPONSE, *_ANALYSIS, _SCORE_TURN.label("score_turn"))
    .select_from(
        Response.__table__.outerjoin(ResponseAnalysis.__table__, _A.response_id == _R.id)
    )  # fmt: skip
    .where(_R.invitation_id == bindparam("invitation_id"))
)
RESPONSE_LOCKED = RESPONSE.with_for_update(of=Response.__table__)


def survey_parts(row: Any) -> tuple[LinkInvitation, LinkProgram, LinkContact]:
    """The three parts of a SURVEY row, by position."""
    i, p = len(_INVITATION), len(_INVITATION) + len(_PROGRAM)
    return (
        LinkInvitation(*row[:i]),
        LinkProgram(*row[i:p]),
        LinkContact(*row[p : p + len(_CONTACT)]),
    )


def response_from(row: Any) -> tuple[LinkResponse, bool]:
    """A RESPONSE row as (response with its analysis, whether the thread has a score turn)."""
    n = len(_RESPONSE)
    analysis = None
    if row[n] is not None:
        analysis = LinkAnalysis(*row[n + 1 : n + len(_ANALYSIS)])
    return LinkResponse(*row[:n], analysis=analysis), bool(row[-1])


def read_response(
    connection: Connection, invitation_id: int, *, locked: bool
) -> tuple[LinkResponse | None, bool | None]:
    """The invitation's response and whether its thread has a score turn; (None, None) when
    it has no response yet."""
    query = RESPONSE_LOCKED if locked else RESPONSE
    row = connection.execute(query, {"invitation_id": invitation_id}).first()
    return response_from(row) if row is not None else (None, None)


def response_values(response: LinkResponse) -> dict[str, Any]:
    """The parameters of the `response_update` part."""
    return {"r_id": response.id, **{f"r_{name}": getattr(response, name) for name in CHANGEABLE}}


# Every part a request may write, with parameter names of its own (the parts are sent
# together, so they share one set of parameters).
def _change() -> Any:
    t = ScoreChange.__table__
    return insert(t).values(
        invitation_id=bindparam("b_invitation"),
        score=bindparam("c_score"),
        source=bindparam("c_source"),
        counted=bindparam("c_counted"),
        reason=bindparam("c_reason"),
        user_agent=bindparam("c_user_agent"),
        created_at=bindparam("b_now"),
    )


def _responded() -> Any:
    t = Invitation.__table__
    stamped = update(t).where(t.c.id == bindparam("b_invitation"))
    return stamped.values(responded_at=bindparam("b_now"))


def _turns(count: int) -> Any:
    """`count` inbound turns in one INSERT, in order (their ids follow the rows). Several
    rows come from a SELECT .. UNION ALL, not a multi-row VALUES, which SQLAlchemy would
    compile anew on every request."""
    t = Message.__table__

    def row(k: int) -> dict[str, Any]:
        """The columns services.thread_turns gives a turn, bound by name, typed as stored."""
        values = thread_turns.turn(
            bindparam("b_invitation"), "inbound", bindparam(f"t{k}_kind"),
            bindparam(f"t{k}_channel"), bindparam(f"t{k}_body"), bindparam("b_now"),
        )  # fmt: skip
        # A page's turns have no author or outbox email: those columns are left to be NULL.
        return {
            name: type_coerce(value, t.c[name].type)
            for name, value in values.items()
            if value is not None
        }

    if count == 1:
        return insert(t).values(**row(0))
    names = list(row(0))
    rows = [select(*(value.label(name) for name, value in row(k).items())) for k in range(count)]
    return insert(t).from_select(names, union_all(*rows))


def _mismatch() -> Any:
    t = ResponseAnalysis.__table__
    return (
        update(t)
        .where(t.c.response_id == bindparam("r_id"))
        .values(mismatch=bindparam("a_mismatch"), mismatch_reason=bindparam("a_reason"))
    )


def _response_insert(dialect: str) -> Any:
    """The response, created unless another writer did: RETURNING its id (none then)."""
    t = Response.__table__
    dml = postgresql.insert if dialect == "postgresql" else sqlite.insert
    names = ("program_id", "contact_id", "account_id", "scale", "score", "category")
    return (
        dml(t)
        .values(
            invitation_id=bindparam("b_invitation"),
            status="provisional",
            answered_at=bindparam("b_now"),
            updated_at=bindparam("b_now"),
            analysis_pending=False,
            **{name: bindparam(f"r_{name}") for name in names},
        )
        .on_conflict_do_nothing(index_elements=["invitation_id"])
        .returning(t.c.id)
    )


def _response_update() -> Any:
    t = Response.__table__
    return (
        update(t)
        .where(t.c.id == bindparam("r_id"))
        .values(**{name: bindparam(f"r_{name}") for name in CHANGEABLE})
    )


_PARTS = {
    "change": _change,
    "responded": _responded,
    "cancel_reminders": lambda: reminders.cancelling_reminders(bindparam("b_invitation")),
    "turns1": lambda: _turns(1),
    "turns2": lambda: _turns(2),
    "turns3": lambda: _turns(3),
    "mismatch": _mismatch,
    "response_update": _response_update,
}


@cache
def _statements(dialect: str, parts: tuple[str, ...]) -> tuple[Any, ...]:
    """The statements that send `parts` in order: one on PostgreSQL, one each on SQLite."""
    built = [
        _response_insert(dialect) if part == "response_insert" else _PARTS[part]() for part in parts
    ]
    return dialects.writes_together(dialect, built)


def turns_part(count: int) -> str:
    return f"turns{count}"


def send(session: Session, parts: list[str], params: dict[str, Any]) -> Any:
    """Send the writes named by `parts` with `params`; the result of the last statement.

    Callers pass only writes to different rows whose results nobody reads but the last's
    (on PostgreSQL they share one snapshot and none sees another's change)."""
    if not parts:
        return None
    connection = session.connection()
    result = None
    for statement in _statements(connection.dialect.name, tuple(parts)):
        result = connection.execute(statement, params)
    return result
