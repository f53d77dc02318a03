"""Render emails from templates/email/ once per (program, locale), with per-recipient keys.

The per-recipient parts (the link token, the reply token, the name) are placeholders such as
`%%token%%`; the backend substitutes them, so SendGrid can send 1,000 recipients in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from feedback.mail import catalogue
from feedback.mail.words import words_for

TOKEN = "%%token%%"
REPLY_TOKEN = "%%reply_token%%"
NAME = "%%name%%"
# The whole greeting line ("Hi Ann," / "Bonjour Ann," / "Hello,"), per recipient and language.
GREETING = "%%greeting%%"
# Values a customer typed go into the text part as they are and into the HTML part escaped,
# so each has its own key in the HTML: "%%name%%" there becomes "%%name_html%%".
TEXT_VALUE_KEYS = (NAME, GREETING, "%%success%%")


def html_key(key: str) -> str:
    return key[:-2] + "_html%%"


@dataclass(frozen=True)
class RenderedEmail:
    from_email: str
    from_name: str
    reply_to: str | None
    subject: str
    html: str
    text: str


def render(template: str, *, subject: str, from_email: str, from_name: str,
           reply_to: str | None, **context: Any) -> RenderedEmail:  # fmt: skip
    """Render templates/email/<template>.html and .txt with the same context."""
    context = {
        "subject": subject,
        "TOKEN": TOKEN,
        "NAME": NAME,
        "GREETING": GREETING,
        "t": words_for(context.get("locale")),
        **context,
    }
    with catalogue.writing_in(context.get("locale")):
        html = render_template(f"email/{template}.html", **context)
        text = render_template(f"email/{template}.txt", **context)
    for key in TEXT_VALUE_KEYS:
        html = html.replace(key, html_key(key))
    return RenderedEmail(from_email, from_name, reply_to, subject, html, text)
