"""The customer catalogue: gettext .po/.mo files per language under feedback/translations/.

Flask-Babel looks the words up; this module binds it to the app, picks the language of the
request (a customer page sets it from the invitation, staff pages stay English), renders
emails in the recipient's language, and turns a service's Text into the customer's words.

The compiled .mo files are committed beside their .po sources so a fresh clone works
without a build step; tests/unit/test_catalogue.py fails when they are out of date
(recompile with `pybabel compile -d feedback/translations`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g, has_request_context
from flask_babel import Babel, force_locale, format_decimal, gettext, refresh

from feedback.locales import DEFAULT, customer_locale
from feedback.wording import N_, Text  # noqa: F401  (N_ re-exported for pages)

babel = Babel()


def _selected_locale() -> str:
    """The language of this request: the customer's once a customer page has chosen it."""
    if has_request_context():
        return g.get("customer_locale", DEFAULT)
    return DEFAULT


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_selected_locale)
    app.jinja_env.filters["say"] = say
    app.jinja_env.filters["say_number"] = format_decimal


def use_customer_locale(locale: str | None) -> str:
    """Answer this request in the customer's language (call before rendering)."""
    chosen = customer_locale(locale)
    g.customer_locale = chosen
    # Flask-Babel keeps the first locale it was asked for in this context: a page that has
    # already translated something (a staff page rendering a preview) must forget it.
    refresh()
    return chosen


@contextmanager
def writing_in(locale: str | None) -> Iterator[None]:
    """Render an email in the recipient's language, outside any request's own language."""
    with force_locale(customer_locale(locale)):
        yield


def _shown(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value)
    return value


def say(text: str | None, **values: Any) -> str:
    """The customer's words for a msgid or a service's Text (its values filled in by locale)."""
    if text is None:
        return ""
    if isinstance(text, Text):
        values = {**text.values, **values}
        text = text.msgid
    return gettext(text, **{k: _shown(v) for k, v in values.items()})
