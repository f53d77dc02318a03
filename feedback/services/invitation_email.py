"""The survey invitation email: one rendering per (program, language, question kind).

Every word comes from the customer catalogue of the invitation's language, except the subject
and intro a program wrote for that language itself; the question, its scale and its end labels
come from the question kind (feedback/questions.py), the same definition the survey page uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedback import questions
from feedback.mail import catalogue, words
from feedback.mail.render import REPLY_TOKEN, TOKEN, RenderedEmail, render
from feedback.models import SurveyProgram
from feedback.services import programs

#: The customer's own definition of success, substituted per recipient.
SUCCESS = "%%success%%"


def _address(mail_from: str) -> str:
    """The bare address of 'Name <address>'."""
    return mail_from.rsplit("<", 1)[-1].rstrip(">").strip()


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
        subject = own.get("subject") or catalogue.say(
            programs.DEFAULT_SUBJECT[program.kind], product=product
        )
        intro = own.get("intro") or catalogue.say(programs.DEFAULT_INTRO[program.kind])
        if reminder:
            subject = catalogue.say(words.REMINDER_SUBJECT, subject=subject)
        return render(
            "survey",
            subject=subject.replace("{product}", product),
            from_email=_address(config["MAIL_FROM"]),
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
        )
