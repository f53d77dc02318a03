"""Capturing answers: one-click scores, the survey page, and the conversation they start.

One response per invitation, whatever happens: double clicks, two tabs and fifty concurrent
requests all meet at an INSERT .. ON CONFLICT DO NOTHING on the unique invitation_id, then a
row lock for the update. Scanner hits are kept as evidence and never count.

Capture reads and writes plain rows through statements built once (services.capture_rows),
not ORM entities: a click and an answer are the busiest requests there are, and the ORM's
Python cost per request was larger than the database's work (bench/capture.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.orm import Session

from feedback import questions, scanners
from feedback.models import Contact, Invitation, Message, Response, ScoreChange, SurveyProgram
from feedback.services import analytics, thread_turns, webhooks_out
from feedback.services import capture_rows as rows
from feedback.services.capture_rows import LinkContact, LinkInvitation, LinkProgram, LinkResponse
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
    """What a survey page needs to know about the invitation behind a link.

    Capture reads plain rows (services.capture_rows); the program editor's previews pass
    unsaved model objects with the same attributes."""

    invitation: LinkInvitation | Invitation
    program: LinkProgram | SurveyProgram
    contact: LinkContact | Contact
    response: LinkResponse | Response | None
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


def kind_of(program: Any, invitation: Any) -> questions.QuestionKind:
    return questions.kind_for(program.kind, program.triggers, invitation.milestone)


def category_for(scale: str, score: int) -> str:
    return questions.kind(scale).category(score)


def open_survey(
    session: Session,
    token: str,
    now: datetime | None = None,
    *,
    lock: bool = False,
) -> Survey:
    """The invitation behind a link; LinkNotFound (404) or LinkExpired (410) otherwise.

    One statement reads the invitation with its program and contact; `lock` takes the
    invitation's row lock, which every writer of its response takes first, so the response
    read next (a statement of its own, after the lock, hence current) is locked with it. A
    writer's read of the response also tells whether the thread has a score turn, and its
    first read whether any webhook endpoint exists, so announcing a change to nobody costs
    no statement of its own.
    """
    now = now or datetime.now(UTC)
    if not looks_like_token(token):
        raise LinkNotFound(Text(LINK_INCOMPLETE))
    connection = session.connection()
    query = rows.SURVEY_LOCKED if lock else rows.SURVEY
    row = connection.execute(query, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise LinkNotFound(Text(LINK_UNKNOWN))
    invitation, program, contact = rows.survey_parts(row)
    if invitation.expires_at <= now:
        raise LinkExpired(Text(LINK_CLOSED))
    response, has_score_turn = rows.read_response(connection, invitation.id, locked=lock)
    if not lock:
        return Survey(invitation, program, contact, response)
    return Survey(invitation, program, contact, response, has_score_turn, bool(row[-1]))


def _check_score(survey: Survey, score: int) -> None:
    kind = survey.kind
    if not kind.on_scale(score):
        raise ScoreNotOnScale(Text(NOT_ON_SCALE, score=score, low=kind.low, high=kind.high))


@dataclass
class _Writes:
    """A request's writes: the parts (services.capture_rows) and their parameters, sent
    together (`_send`)."""

    session: Session
    parts: list[str]
    params: dict[str, Any]


def _writes(session: Session, survey: Survey, now: datetime) -> _Writes:
    return _Writes(session, [], {"b_invitation": survey.invitation.id, "b_now": now})


def _change(writes: _Writes, score: int, source: str, counted: bool, reason: str,
            user_agent: str | None = None) -> None:  # fmt: skip
    """One score change, as evidence (nothing reads the row back)."""
    writes.parts.append("change")
    writes.params.update(c_score=score, c_source=source, c_counted=counted, c_reason=reason,
                         c_user_agent=user_agent)  # fmt: skip


def _responded(survey: Survey, writes: _Writes, now: datetime) -> None:
    """The invitation is answered: stamp it and cancel its reminders."""
    if survey.invitation.responded_at is None:
        writes.parts += ["responded", "cancel_reminders"]
        survey.invitation.responded_at = now


def _new_response(survey: Survey, score: int, now: datetime, writes: _Writes) -> LinkResponse:
    """Create the invitation's response with the request's other writes: one statement.

    `survey` was opened with the invitation locked and had no response, and every writer of
    a response takes that lock first, so the INSERT .. ON CONFLICT DO NOTHING finds no row
    of another writer; if it ever did, the response read again is that writer's."""
    scale = survey.scale
    values = {
        "program_id": survey.program.id, "contact_id": survey.contact.id,
        "account_id": survey.contact.account_id, "scale": scale, "score": score,
        "category": category_for(scale, score),
    }  # fmt: skip
    writes.params.update({f"r_{name}": value for name, value in values.items()})
    response_id = _send(writes, "response_insert").scalar()
    if response_id is None:
        connection = writes.session.connection()
        response, _ = rows.read_response(connection, survey.invitation.id, locked=True)
        assert response is not None
        return response
    return LinkResponse(
        id=response_id, invitation_id=survey.invitation.id, status="provisional",
        comment=None, success_definition=None, answered_at=now, confirmed_at=None,
        updated_at=now, analysis_pending=False, **values,
    )  # fmt: skip


def _send(writes: _Writes, last: str | None = None) -> Any:
    """Send the waiting parts (and `last`, whose result is returned) in one round trip on
    PostgreSQL."""
    parts = writes.parts + ([last] if last else [])
    writes.parts = []
    return rows.send(writes.session, parts, writes.params)


def _has_score_turn(session: Session, survey: Survey) -> bool:
    """Whether the thread has a score turn: read with the locked response, asked here only
    when there was no response (a scanner's take-back may have left one)."""
    if survey.has_score_turn is not None:
        return survey.has_score_turn
    query = select(Message.id).where(
        Message.invitation_id == survey.invitation.id, Message.kind == "score"
    )
    return session.scalar(query.limit(1)) is not None


def _announce(survey: Survey, response: LinkResponse, created: bool, now: datetime,
              session: Session) -> None:  # fmt: skip
    """Tell subscribed systems (outgoing webhooks, through the outbox) what changed."""
    if survey.any_webhook is False:
        return  # read with the lock: nobody listens, so no payload to build
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
    """The customer said something: one inbound turn of the invitation's thread, as values
    (services.thread_turns.add_turns writes them)."""
    return thread_turns.turn(survey.invitation.id, "inbound", kind, channel, body, now)


def _add_turns(writes: _Writes, turns: list[tuple[str, str, str]]) -> None:
    """The request's turns (kind, channel, body), in order, as one INSERT with its writes."""
    if not turns:
        return
    writes.parts.append(rows.turns_part(len(turns)))
    for k, (kind, channel, body) in enumerate(turns):
        writes.params.update({f"t{k}_kind": kind, f"t{k}_channel": channel, f"t{k}_body": body})


def _recheck_mismatch(response: LinkResponse, writes: _Writes) -> None:
    """A flag must not outlive the score it was about: re-decide it, written if it changed."""
    analysis = response.analysis
    if analysis is None:
        return
    flag = analytics.mismatch_of(
        response.category, response.score, analysis.sentiment_polarity,
        analysis.sentiment_drivers,
    )  # fmt: skip
    if (flag.flag, flag.reason) != (analysis.mismatch, analysis.mismatch_reason):
        analysis.mismatch, analysis.mismatch_reason = flag.flag, flag.reason
        writes.parts.append("mismatch")
        writes.params.update(a_mismatch=flag.flag, a_reason=flag.reason)


def _set_score(
    survey: Survey,
    response: LinkResponse,
    score: int,
    channel: str,
    now: datetime,
    writes: _Writes,
    turns: list[tuple[str, str, str]],
) -> None:
    """Set the score; the thread gets a score turn (added to `turns`) when it changed or has
    none yet (`survey.has_score_turn` was read with the locked response)."""
    if response.score != score or not survey.has_score_turn:
        turns.append(("score", channel, str(score)))
    response.score = score
    response.category = category_for(response.scale, score)
    response.updated_at = now
    _recheck_mismatch(response, writes)


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
    recent = session.connection().execute(_RECENT, {"invitation_id": survey.invitation.id}).all()
    hits = [scanners.Hit(c.score, c.created_at, c.counted) for c in recent if c.source == "click"]
    verdict = scanners.judge(
        score=score,
        at=now,
        user_agent=user_agent,
        headers=headers,
        delivered_at=survey.invitation.delivered_at,
        recent_hits=hits,
    )
    writes = _writes(session, survey, now)
    _change(writes, score, "click", verdict.human, verdict.reason, (user_agent or "")[:400])
    response = survey.response
    if verdict.human and response is None:
        # The first counted click: the response, its score turn and the invitation's stamp,
        # in one statement. A thread without earlier hits has no score turn.
        _responded(survey, writes, now)
        if not recent or not _has_score_turn(session, survey):
            _add_turns(writes, [("score", "click", str(score))])
        response = _new_response(survey, score, now, writes)
        _announce(survey, response, True, now, session)
    elif verdict.human and response.score != score:
        turns: list[tuple[str, str, str]] = []
        _responded(survey, writes, now)
        _set_score(survey, response, score, "click", now, writes, turns)
        _add_turns(writes, turns)
        writes.params.update(rows.response_values(response))
        _send(writes, "response_update")
        _announce(survey, response, False, now, session)
    elif verdict.reason.startswith("burst"):
        _send(writes)
        response = _take_back_burst(session, survey, now, recent)
    _send(writes)
    return Survey(survey.invitation, survey.program, survey.contact, response), verdict.human


def _take_back_burst(
    session: Session, survey: Survey, now: datetime, recent: Sequence[Row[Any]]
) -> LinkResponse | None:
    """A burst shows the earlier counted clicks were a scanner's: undo what they recorded.
    Returns the response as it is now."""
    response = survey.response
    window = timedelta(seconds=scanners.BURST_SECONDS)
    victims = [
        c for c in recent if c.counted and c.source == "click" and now - c.created_at < window
    ]
    if not victims:
        return response
    changes = ScoreChange.__table__
    session.execute(
        update(changes)
        .where(changes.c.id.in_([c.id for c in victims]))
        .values(counted=False, reason="taken back: part of a burst of different scores")
    )
    if response is None or response.status == "confirmed":
        return response  # a person's confirmed answer is never undone by a scanner
    taken_back = {c.id for c in victims}
    earlier_human = [c for c in recent if c.counted and c.id not in taken_back]
    writes = _writes(session, survey, now)
    if earlier_human:
        response.score = earlier_human[0].score
        response.category = category_for(response.scale, response.score)
        _recheck_mismatch(response, writes)
        writes.params.update(rows.response_values(response))
        _send(writes, "response_update")
        return response
    invitations = Invitation.__table__
    session.execute(delete(Response.__table__).where(Response.__table__.c.id == response.id))
    unanswered = update(invitations).where(invitations.c.id == survey.invitation.id)
    session.execute(unanswered.values(responded_at=None))
    survey.invitation.responded_at = None
    return None


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
    writes = _writes(session, survey, now)
    _change(writes, score, "page", True, "")
    turns: list[tuple[str, str, str]] = []
    response = survey.response
    created = response is None
    _responded(survey, writes, now)
    if response is None:
        if not _has_score_turn(session, survey):
            turns.append(("score", "page", str(score)))
        response = _new_response(survey, score, now, writes)
    elif response.score != score or response.status != "confirmed":
        _set_score(survey, response, score, "page", now, writes, turns)
    assert isinstance(response, LinkResponse)
    response.status = "confirmed"
    response.confirmed_at = response.confirmed_at or now
    response.updated_at = now
    if comment and comment != (response.comment or ""):
        turns.append(("comment", "page", comment))
        response.comment = comment  # the latest words; every earlier one stays in the thread
        # Language, sentiment and themes are the analyze-responses job's (create-followups
        # runs it first for what it plans): the customer waits for the answer to be stored.
        response.analysis_pending = True
    if success_definition:
        response.success_definition = success_definition
        turns.append(("success_definition", "page", success_definition))
    _add_turns(writes, turns)
    writes.params.update(rows.response_values(response))
    _send(writes, "response_update")  # every change of the row: one UPDATE
    _announce(survey, response, created, now, session)
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
