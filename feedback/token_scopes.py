"""What an API token may do: read only or read and write, on which resources.

One rule for the API door (feedback.access) and the token pages: a request is allowed when the
token opens the endpoint's resource and, for a method that changes something, the token is
read-write. A token made before scopes existed is read-write on "*" (everything), so machines
that already use one keep working. Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable

READ = "read"
WRITE = "write"
ACCESS_LEVELS: tuple[str, ...] = (READ, WRITE)
ALL = "*"
# The API's resources, one per blueprint of feedback.api ("api_<resource>"), as a token form
# lists them. A resource missing here is open only to tokens on "*".
RESOURCES: tuple[str, ...] = (
    "responses",
    "contacts",
    "accounts",
    "tasks",
    "backlog",
    "programs",
    "metrics",
    "teams",
    "users",
    "invitations",
    "jobs",
    "nps",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BLUEPRINT_PREFIX = "api_"


class ScopeError(ValueError):
    """A scope a person chose that does not exist."""


def resource_of(endpoint: str) -> str | None:
    """The resource of an API endpoint ("api_tasks.TaskById" → "tasks"); None for endpoints
    that belong to no resource (the API description), which any token may read."""
    blueprint, _, _ = endpoint.partition(".")
    if not blueprint.startswith(BLUEPRINT_PREFIX):
        return None
    return blueprint[len(BLUEPRINT_PREFIX) :]


def parse_resources(value: str) -> frozenset[str]:
    """The stored comma-separated list as a set ("*" stays "*")."""
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def clean_scope(access: str, resources: Iterable[str]) -> tuple[str, str]:
    """Check a chosen scope; returns (access, stored resources). Raises ScopeError."""
    if access not in ACCESS_LEVELS:
        raise ScopeError(f"Access must be one of: {', '.join(ACCESS_LEVELS)}.")
    chosen = {r.strip() for r in resources if r and r.strip()}
    if not chosen:
        raise ScopeError("Choose at least one resource (or all of them).")
    if ALL in chosen:
        return access, ALL
    unknown = sorted(chosen - set(RESOURCES))
    if unknown:
        raise ScopeError(
            f"Unknown resource {', '.join(unknown)}; choose from: {', '.join(RESOURCES)}."
        )
    if chosen == set(RESOURCES):
        return access, ALL
    return access, ",".join(r for r in RESOURCES if r in chosen)


def refusal(access: str, resources: str, endpoint: str, method: str) -> str | None:
    """Why a token with this scope may not call `method endpoint`, or None when it may."""
    resource = resource_of(endpoint)
    opened = parse_resources(resources)
    if resource is not None and ALL not in opened and resource not in opened:
        shown = ", ".join(sorted(opened)) or "none"
        return f"This token does not open '{resource}' (it opens: {shown})."
    if method.upper() not in READ_METHODS and access != WRITE:
        return "This token is read-only; create a read-write token to change anything."
    return None


def describe(access: str, resources: str) -> str:
    """A scope in words, for token lists: "read-only: tasks, responses"."""
    opened = parse_resources(resources)
    what = "all resources" if ALL in opened else ", ".join(r for r in RESOURCES if r in opened)
    return f"{'read-write' if access == WRITE else 'read-only'}: {what}"
