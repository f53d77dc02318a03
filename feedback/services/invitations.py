"""Invitations: who is due, whether they may be asked, and queueing the emails.

The decisions live in pure modules (cadence: when; eligibility: whether and which program
first; audience: whom); this module gathers the facts for them in a few set-based queries and
writes invitations and their outbox emails in the caller's transaction (through the
invitation composer), so both exist or neither does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from feedback import audience as audiences
from feedback import cadence, eligibility
from feedback.customer_fields import normalise_email
from feedback.models import (
    Account,
    Contact,
    Invitation,
    LifecycleEvent,
    Response,
    SurveyProgram,
    Task,
)
from feedback.services import dialects, programs
from feedback.services.invitation_email import InvitationComposer


@dataclass(frozen=True)
class Candidate:
    """The facts about one contact that the pure modules need."""

    contact_id: int
    email: str
    name: str | None
    locale: str | None
    timezone: str | None
    signed_up_on: date | None
    attributes: Mapping[str, Any]
    unsubscribed: bool
    bounced: bool
    spam_reported: bool
    account_timezone: str | None
    account_locale: str | None
    plan: str | None
    region: str | None
    lifecycle_stage: str | None
    renewal_date: date | None

    @property
    def dates(self) -> cadence.ContactDates:
        return cadence.ContactDates(self.contact_id, self.signed_up_on, self.renewal_date)

    def facts(self, in_conversation: bool) -> eligibility.ContactFacts:
        return eligibility.ContactFacts(
            contact_id=self.contact_id,
            unsubscribed=self.unsubscribed,
            bounced=self.bounced,
            spam_reported=self.spam_reported,
            timezone=self.timezone,
            account_timezone=self.account_timezone,
            has_open_recover_task=in_conversation,
        )


@dataclass
class DispatchStats:
    invited: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"invited": self.invited, "skipped": {str(k): v for k, v in self.skipped.items()}}


T = TypeVar("T")

#: Contacts read, decided and queued per step of a dispatch run: memory holds one page.
PAGE = 5000


def _candidates(
    session: Session,
    contact_ids: Iterable[int] | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> list[Candidate]:
    """The candidates with these ids, or those after contact id `after` (a page of `limit`)."""
    query = (
        select(
            Contact.id,
            Contact.email,
            Contact.name,
            Contact.locale,
            Contact.timezone,
            Contact.signed_up_on,
            Contact.attributes,
            Contact.unsubscribed,
            Contact.bounced,
            Contact.spam_reported,
            Account.timezone,
            Account.locale,
            Account.plan,
            Account.region,
            Account.lifecycle_stage,
            Account.renewal_date,
        )
        .outerjoin(Account, Contact.account_id == Account.id)
        .where((Account.id.is_(None)) | (Account.status == "active"))
        .order_by(Contact.id)
    )
    if contact_ids is not None:
        query = query.where(Contact.id.in_(list(contact_ids)))
    if after is not None:
        query = query.where(Contact.id > after)
    if limit is not None:
        query = query.limit(limit)
    return [Candidate(*row) for row in session.execute(query)]


def _paged(
    session: Session, about: Callable[[list[Candidate]], T]
) -> Iterator[tuple[Candidate, T]]:
    """Every candidate in contact id order, read a page at a time (keyset, not OFFSET), each
    with what `about` read for its page.

    The next page (and `about` it) is read before the last candidate of this one is handed
    over: dispatch writes a page when it queues that candidate, and deciding the next page then
    needs no query, so it overlaps the write (bulk_rows)."""
    page = _candidates(session, after=0, limit=PAGE)
    if not page:
        return
    facts = about(page)
    while page:
        for candidate in page[:-1]:
            yield candidate, facts
        following = (
            _candidates(session, after=page[-1].contact_id, limit=PAGE) if len(page) == PAGE else []
        )
        ahead = about(following) if following else facts
        yield page[-1], facts
        page, facts = following, ahead


def _all_candidates(session: Session) -> Iterator[Candidate]:
    """Every candidate in contact id order, a page at a time (see _paged)."""
    return (candidate for candidate, _ in _paged(session, lambda page: None))


@dataclass
class History:
    """What was already sent (cadence's view) plus today's counts and open conversations."""

    sent: cadence.SentHistory
    sent_today: Counter[int]
    in_conversation: set[int]  # contacts with an open recover task

    def record(self, program_id: int, contact_id: int, wave_key: str, now: datetime) -> None:
        self.sent.record(program_id, contact_id, wave_key, now)
        self.sent_today[program_id] += 1


def _sent_history(
    session: Session, of_contacts: Callable[[Any], ColumnElement[bool]]
) -> cadence.SentHistory:
    """What was sent to some contacts (cadence's view) and their latest lifecycle events.

    Only those contacts': read for every invitation ever sent, it grew with the history, in
    time and memory, on every run. `of_contacts(column)` says which, given a contact id column.
    """
    sent = cadence.SentHistory()
    earliest = datetime.min.replace(tzinfo=UTC)
    for program_id, contact_id, wave_key, created_at in session.execute(
        select(
            Invitation.program_id, Invitation.contact_id, Invitation.wave_key, Invitation.created_at
        ).where(of_contacts(Invitation.contact_id))
    ):
        sent.waves.add((program_id, contact_id, wave_key))
        if created_at > sent.last_survey_at.get(contact_id, earliest):
            sent.last_survey_at[contact_id] = created_at
        key = (program_id, contact_id)
        if created_at > sent.last_invited.get(key, earliest):
            sent.last_invited[key] = created_at
    sent.events = {
        (contact_id, name): occurred
        for contact_id, name, occurred in session.execute(
            select(
                LifecycleEvent.contact_id,
                LifecycleEvent.name,
                func.max(LifecycleEvent.occurred_at),
            )
            .where(of_contacts(LifecycleEvent.contact_id))
            .group_by(LifecycleEvent.contact_id, LifecycleEvent.name)
        )
    }
    return sent


def _page_history(session: Session, page: list[Candidate]) -> cadence.SentHistory:
    """The sent history of a page's contacts: those with ids in its range (a page is in id
    order; the range may hold contacts of inactive accounts too, which cost a few rows)."""
    first, last = page[0].contact_id, page[-1].contact_id
    return _sent_history(session, lambda column: column.between(first, last))


def _load_history(session: Session, now: datetime, sent: cadence.SentHistory) -> History:
    """The run's counts (sent today per program, open conversations) around `sent`."""
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = Counter(
        dict(
            session.execute(
                select(Invitation.program_id, func.count())
                .where(Invitation.created_at >= day_start)
                .group_by(Invitation.program_id)
            ).all()
        )
    )
    # Open recover tasks: bounded by the open work, not by the history, so read whole.
    in_conversation = set(
        session.scalars(
            select(Task.contact_id).where(
                Task.type == "recover", Task.status != "closed", Task.contact_id.is_not(None)
            )
        )
    )
    return History(sent, sent_today, in_conversation)


def timing(program: SurveyProgram) -> cadence.ProgramTiming:
    """The program's schedule as the pure cadence module takes it."""
    return cadence.ProgramTiming(
        program_id=program.id,
        kind=program.kind,
        cadence_days=program.cadence_days,
        fatigue_days=program.fatigue_days,
        triggers=tuple(program.triggers or ()),
    )


def _rules(program: SurveyProgram, history: History, *, send_now: bool) -> eligibility.ProgramRules:
    return eligibility.ProgramRules(
        program_id=program.id,
        priority=program.priority,
        fatigue_days=program.fatigue_days,
        sample_percent=program.sample_percent,
        daily_cap=None if send_now else program.daily_cap,
        sent_today=history.sent_today[program.id],
    )


def _past(
    history: History, contact_id: int, waves: Iterable[tuple[int, str]]
) -> eligibility.SurveyHistory:
    return eligibility.SurveyHistory(
        last_sent_at=history.sent.last_survey_at.get(contact_id),
        invited_waves=frozenset(
            (program_id, wave)
            for program_id, wave in waves
            if (program_id, contact_id, wave) in history.sent.waves
        ),
    )


def _success_definitions(session: Session) -> dict[int, str]:
    """Each contact's own words for success, from their first-week answer, to quote back.

    Every contact who gave some (a few, next to the contacts): one query, no list of ids."""
    rows = session.execute(
        select(Response.contact_id, Response.success_definition, Response.answered_at)
        .where(Response.success_definition.is_not(None))
        .order_by(Response.answered_at)
    )
    return {contact_id: text for contact_id, text, _ in rows if text and text.strip()}


def in_program_audience(program: SurveyProgram, candidate: Candidate) -> bool:
    """The audience filter as dispatch applies it (the pure audience module decides)."""
    return audiences.in_audience(
        program.audience,
        plan=candidate.plan,
        region=candidate.region,
        lifecycle_stage=candidate.lifecycle_stage,
        contact_attributes=candidate.attributes or {},
    )


def suppression_of(candidate: Candidate) -> str | None:
    """Why this contact may get no survey at all (unsubscribed, bounced, spam), or None."""
    reason = eligibility.suppression(
        candidate.unsubscribed, candidate.bounced, candidate.spam_reported
    )
    return None if reason is None else str(reason)


@dataclass(frozen=True)
class PlannedStep:
    """One contact due from one program in this run, and eligibility's decision about it."""

    program: SurveyProgram
    candidate: Candidate
    wave: cadence.Due
    decision: eligibility.Decision


class Plan:
    """A dispatch run's decisions, contact by contact, without writing anything.

    Iterating it yields each (contact, due program) pair with its decision and notes each
    "yes" in the in-memory history, so later contacts see the daily cap used up exactly as in
    the run. dispatch_due_surveys queues the "yes" steps; the program editor's audience
    preview only counts them: one planner, so the preview is what dispatch does.
    """

    def __init__(self, session: Session, active: list[SurveyProgram], now: datetime) -> None:
        self.now = now
        self.active = active
        self.session = session
        # `sent` is each page's own, swapped in as the pages go by (see __iter__).
        self.history = _load_history(session, now, cadence.SentHistory())
        self.timings = {program.id: timing(program) for program in active}

    @property
    def candidates(self) -> Iterator[Candidate]:
        """Every candidate, streamed a page at a time (each pass reads them again)."""
        return _all_candidates(self.session)

    def __iter__(self) -> Iterator[PlannedStep]:
        """One pass over the candidates, each page decided on its own contacts' history: a
        contact is in one page only, and what the run records for it stays in that page's."""
        history, now = self.history, self.now
        pages = _paged(self.session, lambda page: _page_history(self.session, page))
        for candidate, sent in pages:
            history.sent = sent
            due: dict[int, tuple[SurveyProgram, cadence.Due]] = {}
            for program in self.active:
                if not in_program_audience(program, candidate):
                    continue
                for wave in cadence.due_surveys(
                    self.timings[program.id], candidate.dates, history.sent, now
                )[:1]:
                    due[program.id] = (program, wave)
            if not due:
                continue
            waves = [(program_id, wave.wave_key) for program_id, (_, wave) in due.items()]
            decisions = eligibility.choose_program(
                candidate.facts(candidate.contact_id in history.in_conversation),
                _past(history, candidate.contact_id, waves),
                [
                    (_rules(program, history, send_now=False), wave.wave_key)
                    for program, wave in due.values()
                ],
                now,
            )
            for rules, decision in decisions:
                program, wave = due[rules.program_id]
                if decision.eligible:
                    history.record(program.id, candidate.contact_id, wave.wave_key, now)
                yield PlannedStep(program, candidate, wave, decision)


def plan_invitations(session: Session, active: list[SurveyProgram], now: datetime) -> Plan:
    """The decisions a dispatch run at `now` over these programs makes (most important first)."""
    return Plan(session, active, now)


def dispatch_due_surveys(
    session: Session, config: Mapping[str, Any], now: datetime | None = None
) -> DispatchStats:
    """Invite every contact who is due and eligible, most important program first.

    One survey per contact per run, chosen by eligibility.choose_program: when two programs
    are due, the more important one goes and the other stays due, so it waits for the fatigue
    window instead of being lost.
    """
    now = now or datetime.now(UTC)
    stats = DispatchStats()
    active = list(
        session.scalars(
            select(SurveyProgram)
            .where(SurveyProgram.active.is_(True))
            .order_by(SurveyProgram.priority, SurveyProgram.id)
        )
    )
    plan = plan_invitations(session, active, now)
    composer = InvitationComposer(session, config)
    successes: dict[int, str] | None = None
    for step in plan:
        if not step.decision.eligible:
            stats.skipped[step.decision.reason] += 1
            continue
        success = None
        if step.wave.question == "closeness":
            if successes is None:
                successes = _success_definitions(session)
            success = successes.get(step.candidate.contact_id)
        composer.queue(step.program, step.candidate, step.wave, now, success)
        stats.invited += 1
        if len(composer.pending) >= PAGE:
            composer.finish(now, wait=False)  # written while the next page is planned
    composer.finish(now)
    return stats


def _not_invited(email: str, reason: str, detail: str) -> dict[str, Any]:
    return {
        "email": email,
        "status": "not_invited",
        "reason": str(reason),
        "detail": detail,
        "invitation_id": None,
    }


def invite_now(
    session: Session,
    config: Mapping[str, Any],
    program_id: int,
    emails: list[str],
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """An admin's "send now": skips the send window and cadence, never suppression or fatigue.

    Answers one result per email given, in the order given.
    """
    now = now or datetime.now(UTC)
    program = programs.get_program(session, program_id)
    results: dict[str, dict[str, Any]] = {}
    wanted: dict[str, str] = {}
    for raw in emails:
        try:
            wanted[raw] = normalise_email(raw)
        except ValueError as exc:
            results[raw] = _not_invited(raw, "invalid_email", str(exc))
    ids = dict(
        session.execute(
            select(Contact.email, Contact.id).where(Contact.email.in_(list(wanted.values())))
        ).all()
    )
    candidates = {c.email: c for c in _candidates(session, ids.values())}
    known = list(ids.values())
    history = _load_history(
        session, now, _sent_history(session, lambda column: dialects.one_of(session, column, known))
    )
    composer = InvitationComposer(session, config)
    schedule = timing(program)
    queued: dict[str, Any] = {}
    for raw, email in wanted.items():
        candidate = candidates.get(email)
        if candidate is None:
            results[raw] = _not_invited(
                raw, "unknown_contact", f"No contact has the email {email}; add it first."
            )
            continue
        due = (cadence.due_surveys(schedule, candidate.dates, history.sent, now) or [None])[0]
        if program.kind == "nps" or due is None:
            wave = cadence.wave_key(program.id, candidate.contact_id, program.cadence_days, now)
            due = cadence.Due(
                wave if program.kind == "nps" else f"manual:{now.date().isoformat()}",
                None,
                "nps" if program.kind == "nps" else "closeness",
            )
        decision = eligibility.decide(
            candidate.facts(candidate.contact_id in history.in_conversation),
            _past(history, candidate.contact_id, [(program.id, due.wave_key)]),
            _rules(program, history, send_now=True),
            due.wave_key,
            now,
            ignore_send_window=True,
            ignore_cadence=True,
        )
        if not decision.eligible:
            results[raw] = _not_invited(raw, decision.reason, decision.detail)
            continue
        queued[raw] = composer.queue(program, candidate, due, now)
        history.record(program.id, candidate.contact_id, due.wave_key, now)
    composer.finish(now)
    for raw, invitation in queued.items():
        results[raw] = {
            "email": raw,
            "status": "invited",
            "reason": "ok",
            "detail": "Queued for sending now.",
            "invitation_id": invitation.id,
        }
    return [results[raw] for raw in dict.fromkeys(emails)]
