"""The survey invitation email: one rendering per (program, language, question kind).

Every word comes from the customer catalogue of the invitation's language, except the subject
and intro a program wrote for that language itself; the question, its scale and its end labels
come from the question kind (feedback/questions.py), the same definition the survey page uses.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import cadence, locales, questions
from feedback.mail import catalogue, words
from feedback.mail.addresses import bare_address
from feedback.mail.render import (
    GREETING,
    NAME,
    REPLY_TOKEN,
    TOKEN,
    RenderedEmail,
    html_key,
    render,
)
from feedback.models import EmailContent, Invitation, SurveyProgram
from feedback.services import dialects, outbox, programs, thread_turns
from feedback.services.bulk_rows import RowWriter
from feedback.tokens import hash_token, token_stream

#: The customer's own definition of success, substituted per recipient.
SUCCESS = "%%success%%"


class Recipient(Protocol):
    """Who an invitation goes to: the contact's facts the email needs."""

    @property
    def contact_id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def account_locale(self) -> str | None: ...


def default_words(program_kind: str, locale: str, product: str) -> dict[str, str]:
    """The catalogue's subject and intro in `locale`: what a program that wrote none says."""
    with catalogue.writing_in(locale):
        return {
            "subject": catalogue.say(programs.DEFAULT_SUBJECT[program_kind], product=product),
            "intro": catalogue.say(programs.DEFAULT_INTRO[program_kind]),
        }


def render_invitation(
    program: SurveyProgram,
    locale: str,
    question: str,
    config: Mapping[str, Any],
    *,
    reminder: bool,
    with_success: bool,
) -> RenderedEmail:
    """The invitation (or its reminder) in `locale`, asking the `question` kind."""
    public = config["PUBLIC_URL"]
    kind = questions.kind(question)
    own = programs.own_words(program, locale)
    product = program.product_name
    with catalogue.writing_in(locale):
        text = (
            catalogue.say(kind.question_with_success, success=SUCCESS)
            if with_success and kind.question_with_success
            else catalogue.say(kind.question, product=product)
        )
        default = default_words(program.kind, locale, product)
        subject = own.get("subject") or default["subject"]
        intro = own.get("intro") or default["intro"]
        if reminder:
            subject = catalogue.say(words.REMINDER_SUBJECT, subject=subject)
        return render(
            "survey",
            subject=subject.replace("{product}", product),
            from_email=program.sender_email or bare_address(config["MAIL_FROM"]),
            from_name=program.sender_name,
            reply_to=f"reply+{REPLY_TOKEN}@{config['INBOUND_DOMAIN']}",
            locale=locale,
            reminder=reminder,
            intro=intro.replace("{product}", product),
            question=text,
            scores=kind.scores,
            low_label=catalogue.say(kind.low_label),
            high_label=catalogue.say(kind.high_label),
            success_quote=None,
            score_url=lambda s: f"{public}/r/{TOKEN}/{s}",
            open_url=f"{public}/r/{TOKEN}",
            unsubscribe_url=f"{public}/u/{TOKEN}",
            sender_name=program.sender_name,
            logo_url=program.logo_url,
            accent=program.accent_color,
            footer_text=program.footer_text,
        )


class InvitationComposer:
    """Renders each distinct email once per run and queues one outbox row per recipient."""

    def __init__(self, session: Session, config: Mapping[str, Any]) -> None:
        self.session = session
        self.config = config
        self.contents: dict[tuple[Any, ...], EmailContent] = {}
        self.pending: list[QueuedInvitation] = []
        self.greetings: dict[tuple[str, str], str] = {}
        self.writer = RowWriter(session)
        self.tokens = token_stream()

    def content(
        self,
        program: SurveyProgram,
        locale: str,
        question: str,
        *,
        reminder: bool,
        with_success: bool,
    ) -> EmailContent:
        key = (program.id, locale, question, reminder, with_success)
        if key not in self.contents:
            email = self._render(program, locale, question, reminder, with_success)
            self.contents[key] = outbox.content_for(self.session, email)
        return self.contents[key]

    def _render(
        self, program: SurveyProgram, locale: str, question: str, reminder: bool, with_success: bool
    ) -> RenderedEmail:
        return render_invitation(
            program, locale, question, self.config, reminder=reminder, with_success=with_success
        )

    def queue(
        self,
        program: SurveyProgram,
        candidate: Recipient,
        due: cadence.Due,
        now: datetime,
        success: str | None = None,
    ) -> QueuedInvitation:
        """Note the invitation; finish() writes it and its emails, in bulk."""
        locale = locales.customer_locale(
            candidate.locale, candidate.account_locale, program.default_locale
        )
        token, reply_token = next(self.tokens), next(self.tokens)
        values = {
            "program_id": program.id,
            "contact_id": candidate.contact_id,
            "wave_key": due.wave_key,
            "milestone": due.milestone,
            "token_hash": hash_token(token),
            "reply_token_hash": hash_token(reply_token),
            "locale": locale,
            "created_at": now,
            "expires_at": now + timedelta(days=program.response_window_days),
        }
        item = QueuedInvitation(values, program, candidate, due, token, reply_token, success)
        self.pending.append(item)
        return item

    def finish(self, now: datetime, *, wait: bool = True) -> None:
        """Write the invitations, then their emails and thread openings, a page at a time.

        PostgreSQL: COPY (bulk_rows), the invitations' ids taken from their sequence
        beforehand; with `wait=False` the page is written in a thread while the caller plans
        the next one, and the caller calls `wait()` before its transaction ends. SQLite: a
        plain executemany, the ids read back by the invitations' unique token hashes.
        """
        self.writer.wait()
        pending, self.pending = self.pending, []
        if not pending:
            return
        ids = dialects.reserve_ids(self.session, Invitation.__table__, len(pending))
        if ids is not None:
            for item, invitation_id in zip(pending, ids, strict=True):
                item.id = item.values["id"] = invitation_id
            self.writer.add(Invitation.__table__, [item.values for item in pending])
        else:
            dialects.insert_rows(self.session, Invitation.__table__, [i.values for i in pending])
            self._read_ids(pending)
        public = self.config["PUBLIC_URL"]
        emails: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for item in pending:
            program, candidate, token = item.program, item.candidate, item.token
            first_name = (candidate.name or "").split(" ")[0]
            greeting = self._greeting(item.values["locale"], first_name)
            substitutions = {
                TOKEN: token,
                REPLY_TOKEN: item.reply_token,
                NAME: first_name,
                html_key(NAME): html.escape(first_name),
                GREETING: greeting,
                html_key(GREETING): html.escape(greeting),
            }
            if item.success:
                substitutions[SUCCESS] = item.success[:300]
                substitutions[html_key(SUCCESS)] = html.escape(item.success[:300])
            headers = {
                "List-Unsubscribe": f"<{public}/u/{token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            # The invitation goes now; its one reminder waits ("held") for its day.
            sends = [("invitation", "queued", now)]
            if program.reminder_after_days:
                sends.append(
                    ("reminder", "held", now + timedelta(days=program.reminder_after_days))
                )
            for kind, status, due_at in sends:
                content = self.content(
                    program,
                    item.values["locale"],
                    item.due.question,
                    reminder=kind == "reminder",
                    with_success=bool(item.success),
                )
                if kind == "invitation":
                    subject = content.subject
                emails.append(
                    {
                        "kind": kind,
                        "content_id": content.id,
                        "to_email": candidate.email,
                        "to_name": candidate.name,
                        "substitutions": substitutions,
                        "headers": headers,
                        "invitation_id": item.id,
                        "contact_id": candidate.contact_id,
                        "status": status,
                        "next_attempt_at": due_at,
                    }
                )
            messages.append(
                thread_turns.turn(item.id, "outbound", "invitation", "email", subject, now)
            )
        outbox.enqueue_many(self.session, emails, self.writer)
        thread_turns.add_turns(self.session, messages, self.writer)
        self.writer.start()
        if wait:
            self.writer.wait()

    def wait(self) -> None:
        """Block until every page is written (see finish)."""
        self.writer.wait()

    def _greeting(self, locale: str, first_name: str) -> str:
        """The greeting line in `locale`; first names repeat, so each is worded once a run."""
        key = (locale, first_name)
        if key not in self.greetings:
            with catalogue.writing_in(locale):
                self.greetings[key] = (
                    catalogue.say(words.GREETING_NAMED, name=first_name)
                    if first_name
                    else catalogue.say(words.GREETING_UNNAMED)
                )
        return self.greetings[key]

    def _read_ids(self, pending: list[QueuedInvitation]) -> None:
        by_hash = {item.values["token_hash"]: item for item in pending}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 500):  # well under SQLite's variable limit
            chunk = hashes[start : start + 500]
            for invitation_id, token_hash in self.session.execute(
                select(Invitation.id, Invitation.token_hash).where(Invitation.token_hash.in_(chunk))
            ):
                by_hash[token_hash].id = invitation_id


@dataclass
class QueuedInvitation:
    """An invitation noted by InvitationComposer.queue(); `id` is known once finish() has run."""

    values: dict[str, Any]
    program: SurveyProgram
    candidate: Recipient
    due: cadence.Due
    token: str
    reply_token: str
    success: str | None
    id: int | None = None
