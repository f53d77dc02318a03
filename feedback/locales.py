"""Which locale codes are real languages: Babel's CLDR data decides, so 'de', 'pt-BR' and
'pt_BR' pass and 'klingon' does not. Pure: a string in, a yes or no out."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError


def is_known_locale(value: str) -> bool:
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True
