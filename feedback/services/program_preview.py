"""What a program will send, before it sends: its email and survey page per language, a test
email to the admin, and how many contacts it would reach.

The email is rendered by render_invitation, the function dispatch uses; the test send queues
it through the outbox like any email; the audience numbers come from the dispatch planner
(services/invitations.plan_invitations) run without writing, so the preview is what dispatch
then does.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import locales, questions
from feedback.mail import catalogue, words
from feedback.mail.render import GREETING, NAME, REPLY_TOKEN, TOKEN, RenderedEmail, html_key
from feedback.mail.substitutions import apply_substitutions
from feedback.models import Contact, Invitation, Response, SurveyProgram
from feedback.services import capture, invitations, outbox, programs
from feedback.services.errors import InvalidInput
from feedback.services.invitation_email import render_invitation

#: The link token of previews and test emails: no invitation has it, so its links answer
#: "this link is not valid" instead of recording an answer.
PREVIEW_TOKEN = "preview"
TEST_EMAIL_KIND = "program_test"


def first_question(program: SurveyProgram) -> tuple[str, str | None]:
    """The question kind and milestone of the program's first email (what a preview shows)."""
    if program.kind != "onboarding" or not program.triggers:
        return questions.kind_for(program.kind, program.triggers, None).name, None
    milestone = program.triggers[0].get("milestone")
    return questions.kind_for(program.kind, program.triggers, milestone).name, milestone


def _locale(locale: str) -> str:
    if locale not in locales.SUPPORTED:
        raise InvalidInput(
            f"{locale!r} is not a language we write in.",
            {"locale": [f"One of {', '.join(locales.SUPPORTED)}."]},
        )
    return locale


def _sample_substitutions(locale: str, name: str) -> dict[str, str]:
    first = name.split(" ")[0]
    with catalogue.writing_in(locale):
        greeting = catalogue.say(words.GREETING_NAMED, name=first)
    return {
        TOKEN: PREVIEW_TOKEN,
        REPLY_TOKEN: PREVIEW_TOKEN,
        NAME: first,
        html_key(NAME): html.escape(first),
        GREETING: greeting,
        html_key(GREETING): html.escape(greeting),
    }


def render_email(program: SurveyProgram, locale: str, config: Mapping[str, Any]) -> RenderedEmail:
    """The program's first email in `locale`, exactly as dispatch renders it."""
    question, _ = first_question(program)
    return render_invitation(
        program, _locale(locale), question, config, reminder=False, with_success=False
    )


def preview_email(
    program: SurveyProgram, locale: str, config: Mapping[str, Any], name: str = "Ann Example"
) -> RenderedEmail:
    """The email as a recipient named `name` would read it (their name and greeting filled in)."""
    email = render_email(program, locale, config)
    values = _sample_substitutions(locale, name)
    return RenderedEmail(
        email.from_email,
        email.from_name,
        email.reply_to,
        apply_substitutions(email.subject, values),
        apply_substitutions(email.html, values),
        apply_substitutions(email.text, values),
    )


def preview_survey(program: SurveyProgram, locale: str, score: int | None = None) -> capture.Survey:
    """A survey as the survey pages take it, answered with `score` when given (the thank-you
    page's case), for no one: nothing is added to the session."""
    question, milestone = first_question(program)
    invitation = Invitation(locale=_locale(locale), milestone=milestone)
    contact = Contact(email="ann@example.com", name="Ann Example", locale=locale)
    response = None
    if score is not None:
        kind = questions.kind(question)
        if not kind.on_scale(score):
            raise InvalidInput(
                f"{score} is not on the {kind.name} scale.",
                {"score": [f"A score from {kind.low} to {kind.high}."]},
            )
        response = Response(scale=kind.name, score=score, category=kind.category(score))
    return capture.Survey(
        invitation=invitation, program=program, contact=contact, response=response
    )


def sample_scores(program: SurveyProgram) -> dict[str, int]:
    """One score per answer category of the program's first question, for the thank-you
    previews (each category is told something different)."""
    kind = questions.kind(first_question(program)[0])
    samples: dict[str, int] = {}
    for score in reversed(kind.scores):
        samples.setdefault(kind.category(score), score)
    return samples


def send_test(
    session: Session,
    config: Mapping[str, Any],
    program_id: int,
    locale: str,
    to_email: str,
    to_name: str | None,
) -> int:
    """Queue the program's email in `locale` to the admin, through the outbox; its outbox id."""
    program = programs.get_program(session, program_id)
    email = render_email(program, locale, config)
    content = outbox.content_for(session, email)
    row = outbox.enqueue(
        session,
        kind=TEST_EMAIL_KIND,
        content=content,
        to_email=to_email,
        to_name=to_name,
        substitutions=_sample_substitutions(locale, to_name or to_email.split("@")[0]),
    )
    session.flush()
    return row.id


@dataclass
class AudiencePreview:
    """How many contacts a program reaches now, and why the others would not hear from it."""

    matched: int = 0  # in the audience (plan, region, stage, attributes) and on an active account
    due: int = 0  # of those, due a survey from this program now (cadence or milestone)
    invited: int = 0  # would be invited by a dispatch run now
    skipped: Counter[str] = field(default_factory=Counter)
    # Of the whole audience (due now or later): who can never get a survey as things stand.
    suppressed: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "due": self.due,
            "invited": self.invited,
            "skipped": dict(self.skipped),
            "suppressed": dict(self.suppressed),
        }


def audience_preview(
    session: Session, program_id: int, now: datetime | None = None
) -> AudiencePreview:
    """What a dispatch run now would do for this program, as if it were active; writes nothing.

    The other active programs take part as in a real run (a contact due from a more important
    one hears from that one first), so the numbers are the ones dispatch then produces.
    """
    now = now or datetime.now(UTC)
    program = programs.get_program(session, program_id)
    others = session.scalars(
        select(SurveyProgram).where(SurveyProgram.active.is_(True), SurveyProgram.id != program.id)
    )
    active = sorted([program, *others], key=lambda p: (p.priority, p.id))
    result = AudiencePreview()
    plan = invitations.plan_invitations(session, active, now)
    for candidate in plan.candidates:
        if invitations.in_program_audience(program, candidate):
            result.matched += 1
            reason = invitations.suppression_of(candidate)
            if reason is not None:
                result.suppressed[reason] += 1
    for step in plan:
        if step.program.id != program.id:
            continue
        result.due += 1
        if step.decision.eligible:
            result.invited += 1
        else:
            result.skipped[str(step.decision.reason)] += 1
    return result
