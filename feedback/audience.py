"""Whether a contact is in a program's audience (plan, region, lifecycle stage, attributes).

Pure: the service passes plain facts. An empty or missing filter means "everyone".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AUDIENCE_KEYS = ("plan", "region", "lifecycle_stage", "contact_attributes")


def in_audience(
    audience: Mapping[str, Any],
    *,
    plan: str | None,
    region: str | None,
    lifecycle_stage: str | None,
    contact_attributes: Mapping[str, Any],
) -> bool:
    for key, value in (("plan", plan), ("region", region), ("lifecycle_stage", lifecycle_stage)):
        wanted = audience.get(key) or []
        if wanted and value not in wanted:
            return False
    for name, wanted in (audience.get("contact_attributes") or {}).items():
        have = contact_attributes.get(name)
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(have) not in {str(o) for o in options}:
            return False
    return True


def validate_audience(audience: Any) -> list[str]:
    """Problems with an audience filter, in words an admin can act on (empty when fine)."""
    if audience is None:
        return []
    if not isinstance(audience, Mapping):
        return ["Must be an object with plan, region, lifecycle_stage or contact_attributes."]
    problems = [f"Unknown filter {key!r}." for key in audience if key not in AUDIENCE_KEYS]
    for key in ("plan", "region", "lifecycle_stage"):
        value = audience.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            problems.append(f"{key} must be a list of names.")
    attrs = audience.get("contact_attributes")
    if attrs is not None and not isinstance(attrs, Mapping):
        problems.append("contact_attributes must map attribute names to a value or a list.")
    return problems
