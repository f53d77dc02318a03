"""Per-recipient values in a shared email: the outbox stores one text with %%placeholders%%
and each row's own values; SendGrid fills them in (personalizations), and so do the console
backend and the dev mailbox with this one function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def apply_substitutions(text: str, substitutions: Mapping[str, Any]) -> str:
    """What the recipient sees: the shared text with their own values put in (as SendGrid does)."""
    for key, value in substitutions.items():
        text = text.replace(key, str(value))
    return text
