"""What every API resource shares: the Api object, pagination, bulk limits and the error shape.

Errors are always `{"error": {"code", "message", "fields"}}` with a 4xx status, whether they
come from marshmallow (shape), a service (meaning) or Flask (routing).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_smorest import Api
from marshmallow import Schema, fields, validate

from feedback.access import api_error
from feedback.services.errors import InvalidInput, ServiceError

MAX_PAGE = 100_000


class TooManyRows(ServiceError):
    code = "too_large"
    status = 413


def check_bulk_size(data: Any, key: str) -> None:
    """Refuse an oversized batch before its rows are read, naming the limit."""
    limit = current_app.config["API_MAX_BULK"]
    rows = data.get(key) if isinstance(data, dict) else None
    if isinstance(rows, list) and len(rows) > limit:
        raise TooManyRows(
            f"{len(rows)} {key} sent; a batch may hold at most {limit}. "
            "Split it into several calls; nothing was saved.",
            {key: [f"At most {limit} rows per call."]},
        )


def prefix_fields(exc: InvalidInput, key: str) -> InvalidInput:
    """A service's row errors ("3.name") under the body's list ("accounts.3.name")."""
    fields_ = {f"{key}.{name}" if name else key: msgs for name, msgs in exc.fields.items()}
    return InvalidInput(exc.message, fields_)


class PageArgs(Schema):
    # Bounded so the OFFSET stays a number the database can use (a huge page was a 500).
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ApiErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiErrorSchema(Schema):
    error = fields.Nested(ApiErrorBody, required=True)


class FeedbackApi(Api):
    """flask-smorest's Api without its app-wide error handlers (pages keep HTML errors),
    documenting our own error shape."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:  # noqa: D401
        return None


api = FeedbackApi()


def page_schema(item: type[Schema]) -> type[Schema]:
    """A list envelope for one item schema: items plus where this page sits."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=f"{item.__name__.removesuffix('Schema')}PageSchema",
    )


def page_body(items: list[Any], total: int, args: dict[str, int]) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"a.0.b": ["..."]}, the shape our clients read."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix
            for sub, msgs in flatten_messages(value, name).items():
                out.setdefault(sub, []).extend(msgs)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix] = list(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(flatten_messages(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix] = [str(messages)]
    return out


def require_json_body() -> Any:
    """Refuse a write whose body is not JSON before any view runs, with a clear message."""
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not request.is_json:
        return api_error(
            415, "unsupported_media_type",
            "Send the body as JSON with the header 'Content-Type: application/json'.",
        )  # fmt: skip
    if request.get_json(silent=True) is None:
        return api_error(400, "invalid_json", "The body is not valid JSON; nothing was changed.")
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Feedback service API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API token from /me/tokens. Its scope is checked "
                        "after the role: a read-only token gets 403 `insufficient_scope` on "
                        "every POST, PUT, PATCH and DELETE, and a token without a resource "
                        "(the path's first segment after /api/v1/) gets 403 on its routes.",
                    },
                }
            },
            "security": [{"bearerAuth": []}],
        },
    )
    app.before_request(require_json_body)


def money(description: str, **options: Any) -> fields.Decimal:
    """An amount of money: sent as an exact decimal string, so documented as one."""
    return fields.Decimal(
        as_string=True,
        metadata={"description": description, "type": "string", "format": "decimal"},
        **options,
    )
