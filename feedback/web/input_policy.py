"""One input policy at the edge: what a request may carry before any view or service sees it.

Why here and not in each form: PostgreSQL refuses a NUL byte in text and an id above 2**31-1
in an integer column, and a deeply nested JSON body overflows the parser's recursion. Each of
those used to surface as a 500 from whichever query met it first. Checked once, before the
views run, they answer 400 (or 404 for an id that cannot exist) with a message a person or a
client can act on, and nothing is written.

The Inbound Parse webhook is the one exception: mail clients do put control characters in
headers and bodies, and SendGrid drops a post we refuse, so there they are stripped instead
(`strip_controls`), never refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from feedback import db
from feedback.access import api_error, is_api_request
from feedback.errors import CUSTOMER_CONTROL_CHARACTER, CUSTOMER_MESSAGES, error_page

MAX_DB_INT = 2**31 - 1  # PostgreSQL `integer`: every id column
MAX_JSON_INT = 2**53  # beyond this a JSON number is not exact in most clients, nor in SQLite
DEFAULT_MAX_JSON_DEPTH = 32
DEFAULT_MAX_JSON_BYTES = 8 * 1024 * 1024
# Endpoints that strip control characters instead of refusing them (see the module docstring).
STRIPPING_ENDPOINTS = frozenset({"inbound.sendgrid_inbound"})
# A customer link with a control character in it was mangled on its way from the email.
CUSTOMER_BROKEN_LINK = CUSTOMER_MESSAGES[404]

# Text may hold tab, newline and carriage return; nothing else below 0x20, no DEL, and no lone
# surrogate (it cannot be encoded to UTF-8 for the database).
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# A URL path holds no control character at all.
_PATH_CONTROLS = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_DIGITS = re.compile(r"[+-]?\d+")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only ids the database can hold: a larger one is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def strip_controls(text: str) -> str:
    """The text without the characters the database or a page cannot hold."""
    return _TEXT_CONTROLS.sub("", text)


def has_controls(text: str) -> bool:
    return _TEXT_CONTROLS.search(text) is not None


def _refuse(
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    customer: str | None = None,
):
    """The refusal as the API's error shape, a staff page, or a customer page in the
    customer's words (`customer`, a catalogue msgid; else the status's)."""
    current_app.logger.info("input policy refused %s %s: %s", request.method, request.path, code)
    if is_api_request():
        return api_error(status, code, message, fields)
    return error_page(status, message, customer)


def _walk_json(value: Any, max_depth: int) -> Iterator[tuple[str, str]]:
    """(field path, problem) for every string with control characters, every number out of
    range and every level past `max_depth`; iterative, so depth cannot overflow the stack."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            yield path or "body", f"Nested more than {max_depth} levels deep."
            continue
        if isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}" if path else str(key)
                if has_controls(str(key)):
                    yield name, "Field names may not contain control characters."
                stack.append((sub, name, depth + 1))
        elif isinstance(item, list):
            stack.extend((sub, f"{path}.{i}" if path else str(i), depth + 1)
                         for i, sub in enumerate(item))  # fmt: skip
        elif isinstance(item, str) and has_controls(item):
            yield path or "body", "Contains a control character (such as NUL); remove it."
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_JSON_INT:
            yield path or "body", f"Number out of range (at most {MAX_JSON_INT})."


def _check_json() -> Any:
    limit = int(current_app.config.get("MAX_JSON_BYTES") or DEFAULT_MAX_JSON_BYTES)
    if request.content_length is not None and request.content_length > limit:
        return _refuse(413, "too_large", f"A JSON body may be at most {limit} bytes.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return _refuse(400, "invalid_json", "The JSON body is nested too deeply; nothing changed.")
    if body is None:
        return None  # not JSON at all: the API's own check answers with its message
    max_depth = int(current_app.config.get("MAX_JSON_DEPTH") or DEFAULT_MAX_JSON_DEPTH)
    problems: dict[str, list[str]] = {}
    for name, problem in _walk_json(body, max_depth):
        problems.setdefault(name, []).append(problem)
        if len(problems) >= 20:
            break
    if problems:
        return _refuse(400, "invalid_input", "Some values cannot be accepted; nothing changed.",
                       problems)  # fmt: skip
    return None


def check_request() -> Any:
    """The before-request hook: refuse what no view can store, before any view runs."""
    if _PATH_CONTROLS.search(request.path):
        return _refuse(400, "bad_request", "The address contains a control character.",
                       customer=CUSTOMER_BROKEN_LINK)  # fmt: skip
    stripping = request.endpoint in STRIPPING_ENDPOINTS
    for key, value in request.args.items(multi=True):
        if has_controls(key) or has_controls(value):
            return _refuse(400, "bad_request",
                           f"The address parameter {key!r} contains a control character.",
                           {key: ["Contains a control character (such as NUL)."]},
                           customer=CUSTOMER_BROKEN_LINK)  # fmt: skip
        if _DIGITS.fullmatch(value.strip()) and abs(int(value)) > MAX_DB_INT:
            return _refuse(400, "bad_request", f"The number in {key!r} is too large.",
                           {key: [f"Must be at most {MAX_DB_INT}."]})  # fmt: skip
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not stripping:
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, value in request.form.items(multi=True):
                if has_controls(key) or has_controls(value):
                    return _refuse(
                        400, "bad_request",
                        "A field you sent contains a control character (such as NUL); "
                        "remove it and send the form again.",
                        {key: ["Contains a control character."]},
                        customer=CUSTOMER_CONTROL_CHARACTER,
                    )  # fmt: skip
        elif request.is_json:
            return _check_json()
    return None


def _data_error(exc: DataError) -> Any:
    """The database refused a value (a number out of range, a string it cannot encode): the
    client's input, so a 400 and a rollback, never a 500."""
    db.session().rollback()
    current_app.logger.warning("database refused a value: %s", exc.orig)
    return _refuse(400, "invalid_input", "A value you sent is out of range or cannot be stored.")


def init_app(app: Flask) -> None:
    """Install the policy; call before blueprints are registered (the converter binds then)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.setdefault("MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES)
    app.config.setdefault("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
    app.before_request(check_request)
    app.register_error_handler(DataError, _data_error)
