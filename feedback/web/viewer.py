"""What every staff page reads of its request: who is looking, and whole numbers from the
address (a page number or a size that is not a number falls back to the default, never a 500)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user


def signed_in_user() -> Any:
    """The User row of the session, not Flask-Login's proxy (services compare and store it)."""
    return current_user._get_current_object()  # noqa: SLF001


def whole_number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
