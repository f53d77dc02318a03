"""The fields of accounts and contacts: which exist, and how each raw value is checked.

Every door a customer record comes in by (API, CSV import, demo seed, staff sign-up) checks
an email, a date or a time zone here, so the same value gets the same answer and the same
message. Pure: plain values in; each checker records a person-readable message under the
field's name and returns None for a bad value, so a row reports all its problems at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

ACCOUNT_STATUSES = ("active", "churned")
ACCOUNT_FIELDS = (
    "external_id", "name", "plan", "region", "industry", "arr", "lifecycle_stage",
    "customer_since", "renewal_date", "status", "timezone", "owner_email", "attributes", "domains",
)  # fmt: skip
CONTACT_FIELDS = (
    "email", "name", "account_external_id", "timezone", "locale", "signed_up_on", "attributes",
    "unsubscribed", "bounced",
)  # fmt: skip


class FieldErrors(dict[str, list[str]]):
    """Messages by field name, so one row reports every problem it has, not only the first."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def normalise_email(raw: Any) -> str:
    """Validated, lower-cased address; raises ValueError with a person-readable reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("An email address is required.")
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{raw.strip()!r} is not a valid email address: {exc}") from None
    return checked.normalized.lower()


def text_field(errors: FieldErrors, name: str, value: Any, max_len: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(name, "Must be text.")
        return None
    value = value.strip()
    if len(value) > max_len:
        errors.add(name, f"At most {max_len} characters.")
        return None
    return value or None


def date_field(errors: FieldErrors, name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not a date; use YYYY-MM-DD.")
        return None


def timezone_field(errors: FieldErrors, name: str, value: Any) -> str | None:
    text = text_field(errors, name, value, 64)
    if text is None:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add(name, f"{text!r} is not a known time zone; use an IANA name like Europe/Berlin.")
        return None
    return text


def bool_field(errors: FieldErrors, name: str, value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    errors.add(name, f"{value!r} is not yes/no.")
    return None


def attributes_field(errors: FieldErrors, name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(name, "Must be an object of attribute names to values.")
        return None
    return value


def unknown_fields(errors: FieldErrors, data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for key in data:
        if key not in allowed:
            errors.add(key, "Unknown field.")
