"""Who may call which endpoint: deny by default, declared on each view.

Every view says either `@public` or `@roles(...)`. A before-request hook enforces the
declaration, so a new route that forgets to declare one is refused rather than open, and a test
walks the URL map to prove each endpoint has one.

This is the door of pages and API alike, so it lives beside them rather than inside `web/`.
Which role groups exist is `feedback.roles`; what a person may see once in (which teams'
tasks and responses) is `feedback.access_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user

from feedback import db, token_scopes
from feedback.roles import GROUPS, ROLE_VALUES, STAFF
from feedback.services import api_tokens

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"
# Endpoints registered by libraries, whose views we do not decorate ourselves.
LIBRARY_ENDPOINTS: dict[str, str | frozenset[str]] = {
    "static": PUBLIC,
    "api-docs.openapi_json": STAFF,  # the API description, for staff and their machines
}


def public(view: F) -> F:
    """Anyone may call it: survey pages, login, health, signed webhooks."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles(*allowed: str) -> Callable[[F], F]:
    """Only signed-in staff with one of these roles."""
    unknown = set(allowed) - set(ROLE_VALUES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")

    def mark(view: F) -> F:
        view._access = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def access_rule(app: Flask, endpoint: str, method: str) -> str | frozenset[str] | None:
    """The declared rule of an endpoint for one HTTP method, or None when it declares none."""
    if endpoint in LIBRARY_ENDPOINTS:
        return LIBRARY_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        rule = getattr(handler, "_access", None)
        return rule if rule is not None else getattr(view_class, "_access", None)
    return getattr(view, "_access", None)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Any:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def current_staff() -> Any:
    """The signed-in user: a bearer token's owner for the API, the session's user for pages."""
    return g.get("api_user") or current_user


def enforce_access() -> Any:
    if request.endpoint is None or request.method == "OPTIONS":
        return None  # 404 / 405 / CORS pre-flight answer on their own
    rule = access_rule(current_app, request.endpoint, request.method)
    if rule == PUBLIC:
        return None
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        if is_api_request():
            return api_error(403, "forbidden", "This endpoint is not open to anyone.")
        abort(403)
    user = _authenticate()
    if user is None:
        if is_api_request():
            return api_error(
                401,
                "unauthorized",
                "Send an API token as 'Authorization: Bearer <token>' "
                "(create one on your 'API tokens' page, /me/tokens).",
            )
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if user.role not in rule:
        if is_api_request():
            return api_error(
                403, "forbidden", f"Your role ({user.role}) may not do this; "
                f"it needs one of: {', '.join(sorted(rule))}."
            )  # fmt: skip
        abort(403)
    token = g.get("api_token")
    if token is not None:
        refused = token_scopes.refusal(
            token.access, token.resources, request.endpoint, request.method
        )
        if refused:
            return api_error(403, "insufficient_scope", refused)
    return None


def role_groups() -> dict[str, Any]:
    """Template context: `in_group('leads')` says whether the signed-in person's role is in a
    group of feedback.roles, so the nav shows exactly the links the routes would open."""

    def in_group(name: str) -> bool:
        return current_user.is_authenticated and current_user.role in GROUPS[name]

    return {"in_group": in_group}


def _authenticate() -> Any:
    header = request.headers.get("Authorization", "")
    if is_api_request():
        if not header.lower().startswith("bearer "):
            return None
        with db.transaction() as session:  # the token's last_used_at
            token = api_tokens.live_token(session, header[7:].strip())
        if token is None:
            return None
        g.api_token = token
        g.api_user = token.user
        return token.user
    return current_user if current_user.is_authenticated else None
