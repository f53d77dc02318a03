"""Languages: which locale codes are real, and which language we write to a customer in.

`customer_locale` is the one rule, used by emails and pages alike: the contact's own locale
wins, then their account's, then the program's default; each is reduced to its base language
("fr-CA" -> "fr") and taken only when we have a complete catalogue for it
(feedback/translations/). English is the last resort. `is_known_locale` lets Babel's CLDR data
decide what a stored locale may be, so 'de', 'pt-BR' and 'pt_BR' pass and 'klingon' does not.
Pure: strings in, strings out.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

#: Languages with a complete customer catalogue. English is the msgid language.
SUPPORTED: tuple[str, ...] = ("en", "de", "fr", "es", "nl")
DEFAULT = "en"


def is_known_locale(value: str) -> bool:
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def base_language(locale: str | None) -> str | None:
    """ "de_AT" and "de-at" -> "de"; None or "" -> None."""
    if not locale or not locale.strip():
        return None
    return locale.strip().replace("_", "-").split("-")[0].lower()


def customer_locale(
    contact_locale: str | None,
    account_locale: str | None = None,
    program_default: str | None = None,
) -> str:
    """The supported language to write in: contact's, else account's, else program's."""
    for candidate in (contact_locale, account_locale, program_default):
        base = base_language(candidate)
        if base in SUPPORTED:
            return base
    return DEFAULT
