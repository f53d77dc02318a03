"""Capturing answers: one-click scores, the survey page, and the conversation they start.

One response per invitation, whatever happens: double clicks, two tabs and fifty concurrent
requests all meet at an INSERT .. ON CONFLICT DO NOTHING on the unique invitation_id, then a
row lock for the update. Scanner hits are kept as evidence and never count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam, exists, insert, inspect, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from feedback import questions, scanners
from feedback.db import utcnow
from feedback.models import Contact, Invitation, Message, Response, ScoreChange, SurveyProgram
from feedback.services import analytics, dialects, reminders, thread_turns, webhooks_out
from feedback.services.errors import InvalidInput, NotFound, ServiceError
from feedback.tokens import hash_token, looks_like_token
from feedback.wording import N_, Text

MAX_COMMENT = 5000
RECENT_HITS = 20
# The link's latest hits, newest first, as plain rows: what the scanner verdict weighs.
_SCORE_CHANGES = ScoreChange.__table__.c
_RECENT = (
    select(
        _SCORE_CHANGES.id,
        _SCORE_CHANGES.score,
        _SCORE_CHANGES.source,
        _SCORE_CHANGES.counted,
        _SCORE_CHANGES.created_at,
    )
    .where(_SCORE_CHANGES.invitation_id == bindparam("invitation_id"))
    .order_by(_SCORE_CHANGES.id.desc())
    .limit(RECENT_HITS)
)


class LinkNotFound(NotFound):
    code = "link_not_found"


class LinkExpired(ServiceError):
    code = "link_expired"
    status = 410


class ScoreNotOnScale(ServiceError):
    """A one-click link whose score this survey does not offer (an edited or mangled link):
    no such answer option, hence 404, with a message that says so rather than "not complete"."""

    code = "score_not_on_scale"
    status = 404


LINK_INCOMPLETE = N_("This survey link is not complete. Please use the link in your email.")
LINK_UNKNOWN = N_("We could not find this survey. Please use the link in your email.")
LINK_CLOSED = N_(
    "This survey has closed. Thank you for wanting to answer; you can always reply to our "
    "email instead."
)
CHOOSE_SCORE = N_("Choose a score from %(low)s to %(high)s.")
NOT_ON_SCALE = N_(
    "%(score)s is not on this survey's scale. Please choose a score from %(low)s to %(high)s."
)
NOT_SENT = N_("Your answer was not sent yet.")


@dataclass(frozen=True)
class Survey:
    """What a survey page needs to know about the invitation behind a link."""

    invitation: Invitation
    program: SurveyProgram
    contact: Contact
    response: Response | None
    #: Whether the thread has a score turn, when read with the locked response (else None).
    has_score_turn: bool | None = None
    #: Whether any webhook endpoint could hear of a change, read with the lock (else None).
    any_webhook: bool | None = None

    @property
    def kind(self) -> questions.QuestionKind:
        """The question this invitation asks; a stored answer keeps the kind it was given."""
        if self.response is not None:
            return questions.kind(self.response.scale)
        return kind_of(self.program, self.invitation)

    @property
    def scale(self) -> str:
        return self.kind.name

    @property
    def scores(self) -> list[int]:
        return self.kind.scores


def kind_of(program: SurveyProgram, invitation: Invitation) -> questions.QuestionKind:
    return questions.kind_for(program.kind, program.triggers, invitation.milestone)


def category_for(scale: str, score: int) -> str:
    return questions.kind(scale).category(score)


# The statements of every request, built once (bound per request by name).
_SURVEY = (
    select(Invitation, SurveyProgram, Contact)
    .join(SurveyProgram, SurveyProgram.id == Invitation.program_id)
    .join(Contact, Contact.id == Invitation.contact_id)
    .where(Invitation.token_hash == bindparam("token_hash"))
)
_SURVEY_LOCKED = (
    _SURVEY.add_columns(webhooks_out.any_endpoint())
    .with_for_update(of=Invitation)
    .execution_options(populate_existing=True)
)
_RESPONSE = select(Response).where(Response.invitation_id == bindparam("invitation_id"))


@cache
def _response_with_turn() -> Any:
    """Built at first use: `Response.analysis` exists once the mappers are configured."""
    return (
        select(
            Response,
            exists()
            .where(Message.invitation_id == bindparam("invitation_id"), Message.kind == "score")
            .label("score_turn"),
        )
        .where(Response.invitation_id == bindparam("invitation_id"))
        .options(joinedload(Response.analysis))  # type: ignore[attr-defined]
        .execution_options(populate_existing=True)
    )


def open_survey(
    session: Session,
    token: str,
    now: datetime | None = None,
    *,
    lock: bool = False,
) -> Survey:
    """The invitation behind a link; LinkNotFound (404) or LinkExpired (410) otherwise.

    One statement reads the invitation with its program and contact (three lazy loads
    before); `lock` takes the invitation's row lock, which every writer of its response takes
    first, so the response read next (a statement of its own, after the lock, hence current)
    is locked with it. A writer's first read also asks whether any webhook endpoint exists,
    so announcing a change to nobody costs no statement of its own.
    """
    now = now or datetime.now(UTC)
    if not looks_like_token(token):
        raise LinkNotFound(Text(LINK_INCOMPLETE))
    query = _SURVEY_LOCKED if lock else _SURVEY
    row = session.execute(query, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise LinkNotFound(Text(LINK_UNKNOWN))
    invitation, program, contact = row[:3]
    if invitation.expires_at <= now:
        raise LinkExpired(Text(LINK_CLOSED))
    if not lock:
        response = session.scalar(_RESPONSE, {"invitation_id": invitation.id})
        return Survey(invitation, program, contact, response)
    response, has_score_turn = _locked_response(session, invitation.id)
    return Survey(invitation, program, contact, response, has_score_turn, bool(row[3]))


def _locked_response(session: Session, invitation_id: int) -> tuple[Response | None, bool | None]:
    """The invitation's response, locked, with what a writer reads next in the same statement:
    its analysis (a score change re-decides the mismatch) and whether the thread already has
    a score turn. Theme tags are the analysis job's, so they are not read here."""
    query = dialects.locked(session, _response_with_turn(), of=Response)
    row = session.execute(query, {"invitation_id": invitation_id}).first()
    return (row[0], bool(row[1])) if row else (None, None)


def _check_score(survey: Survey, score: int) -> None:
    kind = survey.kind
    if not kind.on_scale(score):
        raise ScoreNotOnScale(Text(NOT_ON_SCALE, score=score, low=kind.low, high=kind.high))


def _response_row(
    session: Session, survey: Survey, score: int, now: datetime, writes: list[Any]
) -> tuple[Response, bool]:
    """The one response of this invitation, created if missing, locked: (row, created).

    `survey` was opened with the invitation locked, so its response (if loaded) is current
    and locked. A missing one is inserted with INSERT .. ON CONFLICT DO NOTHING RETURNING the
    whole row: one statement that also tells whether this call created it, and carries the
    `writes` still waiting (sent together); the invitation's own writes join `writes`.
    """
    response = survey.response
    created = False
    if response is None:
        values = {
            "invitation_id": survey.invitation.id,
            "program_id": survey.program.id,
            "contact_id": survey.contact.id,
            "account_id": survey.contact.account_id,
            "scale": survey.scale,
            "score": score,
            "category": category_for(survey.scale, score),
            "status": "provisional",
            "answered_at": now,
            "updated_at": now,
            # Given, not left to the column's default: a default is not applied to an INSERT
            # sent with CTEs (services.dialects.write_together).
            "analysis_pending": False,
        }
        upsert = (
            dialects.insert_for(session)(Response)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["invitation_id"])
            .returning(Response)
            .execution_options(populate_existing=True)
        )
        response = dialects.write_together(session, [*writes, upsert]).scalar()
        writes.clear()
        if response is None:  # another writer got there first (none takes the lock late)
            response, _ = _locked_response(session, survey.invitation.id)
            assert response is not None
        else:
            created = True
            # A new row has no analysis yet: say so instead of asking the database.
            set_committed_value(response, "analysis", None)
    if survey.invitation.responded_at is None:
        # Statements rather than a dirty object: sent with the request's other writes.
        writes.append(
            update(Invitation.__table__)
            .where(Invitation.__table__.c.id == survey.invitation.id)
            .values(responded_at=now)
        )
        set_committed_value(survey.invitation, "responded_at", now)
        writes.append(reminders.cancelling_reminders(survey.invitation.id))
    return response, created


def _announce(
    session: Session, survey: Survey, response: Response, created: bool, now: datetime
) -> None:
    """Tell subscribed systems (outgoing webhooks, through the outbox) what changed."""
    webhooks_out.emit(
        session,
        "response.created" if created else "response.updated",
        {
            "response_id": response.id,
            "invitation_id": survey.invitation.id,
            "program_id": survey.program.id,
            "contact_email": survey.contact.email,
            "account_id": response.account_id,
            "scale": response.scale,
            "score": response.score,
            "category": response.category,
            "status": response.status,
            "comment": response.comment,
            "answered_at": response.answered_at,
        },
        now,
        anyone=survey.any_webhook,
    )


def said(survey: Survey, kind: str, channel: str, body: str, now: datetime) -> dict[str, Any]:
    """The customer said something: one inbound turn of the invitation's thread, as values.

    A request's turns go in with its other writes (`_add_turns`): nothing reads
    a turn back, so no object waits in the unit of work for them."""
    return thread_turns.turn(survey.invitation.id, "inbound", kind, channel, body, now)


def _add_turns(session: Session, writes: list[Any], turns: list[dict[str, Any]]) -> None:
    """The request's turns, in order: one joins `writes` (a single-row INSERT, whose compiled
    form is cached); several are sent now, as one INSERT listing them in order (a statement
    with several VALUES rows is compiled anew each time, so it stays out of `writes`)."""
    if len(turns) == 1:
        writes.append(insert(Message.__table__).values(**turns[0]))
    elif turns:
        thread_turns.add_turns(session, turns)


def _row_update(response: Response) -> Any | None:
    """The response's changed columns as one UPDATE, for `write_together`; they are marked
    as stored, so the unit of work does not write them a second time."""
    state = inspect(response)
    changes = {}
    for attr in state.mapper.column_attrs:
        added = state.attrs[attr.key].history.added
        if added:
            changes[attr.columns[0].name] = added[0]
    if not changes:
        return None
    # The column's onupdate, given here: a default is not applied to a statement sent with
    # CTEs (services.dialects.write_together).
    changes.setdefault("updated_at", utcnow())
    for attr in state.mapper.column_attrs:
        if attr.columns[0].name in changes:
            set_committed_value(response, attr.key, changes[attr.columns[0].name])
    table = Response.__table__
    return update(table).where(table.c.id == response.id).values(**changes)


def _write(session: Session, writes: list[Any], response: Response | None) -> None:
    """Send the request's writes and the response's changes, in one round trip on
    PostgreSQL (services.dialects.write_together)."""
    row = _row_update(response) if response is not None else None
    dialects.write_together(session, [*writes, *([row] if row is not None else [])])
    writes.clear()


def _has_score_turn(session: Session, survey: Survey) -> bool:
    if survey.has_score_turn is not None:
        return survey.has_score_turn
    query = select(Message.id).where(
        Message.invitation_id == survey.invitation.id, Message.kind == "score"
    )
    return session.scalar(query.limit(1)) is not None


def _set_score(
    session: Session,
    survey: Survey,
    response: Response,
    score: int,
    channel: str,
    now: datetime,
    turns: list[dict[str, Any]],
    *,
    first_change: bool = False,
) -> None:
    """Set the score; the thread gets a score turn (added to `turns`) when it changed or has
    none yet.

    `first_change`: the invitation had no score change before this one, so its thread has no
    score turn (only a counted change writes one) and need not be asked.
    """
    if first_change or response.score != score or not _has_score_turn(session, survey):
        turns.append(said(survey, "score", channel, str(score), now))
    with session.no_autoflush:  # loading the analysis must not flush the row half-changed
        response.score = score
        response.category = category_for(survey.scale, score)
        response.updated_at = now
        analytics.recheck_mismatch(response)  # a flag must not outlive the score it was about


def record_click(
    session: Session,
    token: str,
    score: int,
    *,
    user_agent: str | None,
    headers: Mapping[str, str],
    now: datetime | None = None,
) -> tuple[Survey, bool]:
    """A GET of a score link: count it if a person made it; keep it as evidence either way.

    Returns the survey (with its current response) and whether this hit counted.
    """
    now = now or datetime.now(UTC)
    survey = open_survey(session, token, now, lock=True)
    _check_score(survey, score)
    recent = session.execute(_RECENT, {"invitation_id": survey.invitation.id}).all()
    hits = [scanners.Hit(c.score, c.created_at, c.counted) for c in recent if c.source == "click"]
    verdict = scanners.judge(
        score=score,
        at=now,
        user_agent=user_agent,
        headers=headers,
        delivered_at=survey.invitation.delivered_at,
        recent_hits=hits,
    )
    writes: list[Any] = [
        _change(
            invitation_id=survey.invitation.id,
            score=score,
            source="click",
            counted=verdict.human,
            reason=verdict.reason,
            user_agent=(user_agent or "")[:400],
            created_at=now,
        )
    ]
    response = survey.response
    if verdict.human:
        response, created = _response_row(session, survey, score, now, writes)
        if created or response.score != score:
            turns: list[dict[str, Any]] = []
            _set_score(
                session, survey, response, score, "click", now, turns, first_change=not recent
            )
            _add_turns(session, writes, turns)
            _write(session, writes, response)
            _announce(session, survey, response, created, now)
    elif verdict.reason.startswith("burst"):
        _write(session, writes, None)
        _take_back_burst(session, survey, score, now, recent)
        response = session.scalar(
            select(Response).where(Response.invitation_id == survey.invitation.id)
        )
    _write(session, writes, None)
    session.flush()
    return Survey(survey.invitation, survey.program, survey.contact, response), verdict.human


def _change(**values: Any) -> Any:
    """One score change, as evidence: a plain INSERT (nothing reads the row back), sent with
    the request's other writes."""
    values.setdefault("user_agent", None)
    return insert(ScoreChange.__table__).values(**values)


def _take_back_burst(
    session: Session, survey: Survey, score: int, now: datetime, recent: Sequence[Row[Any]]
) -> None:
    """A burst shows the earlier counted clicks were a scanner's: undo what they recorded."""
    window = timedelta(seconds=scanners.BURST_SECONDS)
    victims = [
        c for c in recent if c.counted and c.source == "click" and now - c.created_at < window
    ]
    if not victims:
        return
    session.execute(
        update(ScoreChange.__table__)
        .where(ScoreChange.__table__.c.id.in_([c.id for c in victims]))
        .values(counted=False, reason="taken back: part of a burst of different scores")
    )
    response = survey.response
    if response is None or response.status == "confirmed":
        return  # a person's confirmed answer is never undone by a scanner
    taken_back = {c.id for c in victims}
    earlier_human = [c for c in recent if c.counted and c.id not in taken_back]
    if earlier_human:
        response.score = earlier_human[0].score
        response.category = category_for(survey.scale, response.score)
        analytics.recheck_mismatch(response)
    else:
        session.delete(response)
        survey.invitation.responded_at = None


def submit_answer(
    session: Session,
    token: str,
    *,
    score: int | None,
    comment: str | None,
    success_definition: str | None = None,
    now: datetime | None = None,
) -> Survey:
    """The survey page was sent by a person: confirm the score and keep the comment."""
    now = now or datetime.now(UTC)
    survey = open_survey(session, token, now, lock=True)
    fields: dict[str, list[str]] = {}
    comment = (comment or "").strip()
    success_definition = (success_definition or "").strip()
    if len(comment) > MAX_COMMENT:
        fields["comment"] = [
            Text(
                N_(
                    "Please keep it under %(limit)s characters; yours has %(length)s. "
                    "Your text is still in the box."
                ),
                limit=MAX_COMMENT,
                length=len(comment),
            )
        ]
    if len(success_definition) > MAX_COMMENT:
        fields["success_definition"] = [
            Text(N_("Please keep it under %(limit)s characters."), limit=MAX_COMMENT)
        ]
    if score is None:
        score = survey.response.score if survey.response else None
    if score is None or not survey.kind.on_scale(score):
        fields["score"] = [Text(CHOOSE_SCORE, low=survey.kind.low, high=survey.kind.high)]
    if fields:
        raise InvalidInput(Text(NOT_SENT), fields)
    assert score is not None
    writes: list[Any] = [
        _change(
            invitation_id=survey.invitation.id,
            score=score,
            source="page",
            counted=True,
            reason="",
            created_at=now,
        )
    ]
    response, created = _response_row(session, survey, score, now, writes)
    turns: list[dict[str, Any]] = []
    if response.score != score or response.status != "confirmed":
        _set_score(session, survey, response, score, "page", now, turns)
    # Every change of the row is made before the next flush: one UPDATE, not one per field.
    response.status = "confirmed"
    response.confirmed_at = response.confirmed_at or now
    if comment and comment != (response.comment or ""):
        turns.append(said(survey, "comment", "page", comment, now))
        response.comment = comment  # the latest words; every earlier one stays in the thread
        # Language, sentiment and themes are the analyze-responses job's (create-followups
        # runs it first for what it plans): the customer waits for the answer to be stored.
        response.analysis_pending = True
    if success_definition:
        response.success_definition = success_definition
        turns.append(said(survey, "success_definition", "page", success_definition, now))
    _add_turns(session, writes, turns)
    _write(session, writes, response)  # every change of the row is made: one UPDATE
    session.flush()
    _announce(session, survey, response, created, now)
    return Survey(survey.invitation, survey.program, survey.contact, response)


def thread(session: Session, invitation_id: int) -> list[Message]:
    """The conversation of one invitation, oldest first."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.invitation_id == invitation_id)
            .order_by(Message.created_at, Message.id)
        )
    )
