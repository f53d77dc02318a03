"""Customer-facing text that is translated where it is shown, not where it is decided.

Services and pure modules do not know the customer's language (and import no Flask), yet
they decide what to tell the customer ("Choose a score from 1 to 7"). They return a Text:
a str holding the English rendering (what logs, the API and the English page show), which
also carries its msgid and values so the page can render it from the customer's catalogue.
"""

from __future__ import annotations

from typing import Any


def N_(text: str) -> str:
    """Marks a msgid for `pybabel extract`; translation happens where the text is shown."""
    return text


class Text(str):
    """An English sentence that remembers its msgid and its %(name)s values."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Text:
        english = {k: f"{v:,}" if _is_int(v) else v for k, v in values.items()}
        self = super().__new__(cls, msgid % english if values else msgid)
        self.msgid = msgid
        self.values = values
        return self


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
