"""/api/v1/responses: answers with filters, and one answer with its conversation.

The access rule (feedback.access_rules) applies as on the thread page: a list holds only the
responses the token's user may see (filtered, never refused); one response, its thread and a
reply to it are 403 when the rule keeps them from that user.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from feedback import db, questions, response_analysis
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema, PageArgs, page_body, page_schema
from feedback.roles import STAFF
from feedback.services import analytics, conversation, responses

blp = Blueprint(
    "api_responses",
    __name__,
    url_prefix="/api/v1/responses",
    description="Survey responses and their conversations",
)

CATEGORIES = [c for kind in questions.KINDS.values() for c in kind.categories]


class ResponseSchema(Schema):
    id = fields.Integer()
    invitation_id = fields.Integer()
    program_id = fields.Integer()
    contact_id = fields.Integer()
    contact_email = fields.Function(lambda r: r.contact.email)
    account_id = fields.Integer(allow_none=True)
    scale = fields.String(
        metadata={"enum": list(questions.KINDS), "description": "The question kind answered"}
    )
    score = fields.Integer(allow_none=True)
    category = fields.String(allow_none=True, metadata={"enum": CATEGORIES})
    status = fields.String(metadata={"enum": ["provisional", "confirmed"]})
    comment = fields.String(allow_none=True)
    success_definition = fields.String(allow_none=True)
    answered_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    # Comment analytics (feedback.services.analytics): null sentiment for non-English comments.
    sentiment = fields.Function(
        lambda r: response_analysis.exposure(r)["sentiment"],
        allow_none=True,
        metadata={"description": "{polarity (-1..1), label, drivers [{phrase, contribution}]}"},
    )
    language = fields.Function(
        lambda r: response_analysis.exposure(r)["language"],
        allow_none=True,
        metadata={"description": "ISO 639-1 code of the comment; null when unknown"},
    )
    themes = fields.Function(
        lambda r: response_analysis.exposure(r)["themes"],
        metadata={"description": "[{key, name, spans [{start, end, keyword}], sentiment}]"},
    )
    mismatch = fields.Function(
        lambda r: response_analysis.exposure(r)["mismatch"],
        metadata={"description": "{flag, reason}: score and comment clearly disagree"},
    )


class MessageSchema(Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"enum": ["outbound", "inbound"]})
    kind = fields.String()
    channel = fields.String()
    author_user_id = fields.Integer(allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()


class ResponseWithThreadSchema(ResponseSchema):
    thread = fields.List(fields.Nested(MessageSchema))


class ResponseFilterArgs(PageArgs):
    program_id = fields.Integer()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    status = fields.String(validate=validate.OneOf(["provisional", "confirmed"]))
    account_id = fields.Integer()
    contact_id = fields.Integer()
    since = fields.AwareDateTime(metadata={"description": "answered at or after (ISO 8601)"})
    until = fields.AwareDateTime(metadata={"description": "answered before (ISO 8601)"})
    plan = fields.String()
    region = fields.String()
    industry = fields.String()
    lifecycle_stage = fields.String()


@blp.route("")
class Responses(MethodView):
    @roles(*STAFF)
    @blp.arguments(ResponseFilterArgs, location="query")
    @blp.response(200, page_schema(ResponseSchema))
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List responses, newest first, by program, category, dates, account, contact, segment."""
        items, total = responses.list_responses(
            db.session(), args, args["page"], args["per_page"], viewer=current_staff()
        )
        analytics.preload(db.session(), items)
        return page_body(items, total, args)


@blp.route("/<int:response_id>")
class ResponseById(MethodView):
    @roles(*STAFF)
    @blp.response(200, ResponseWithThreadSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, response_id: int) -> Any:
        """One response with its whole conversation thread."""
        response, thread = responses.get_response(db.session(), response_id, viewer=current_staff())
        return _WithThread(response, thread)


class _WithThread:
    """A response and its thread, dumped in one pass (a pre-dumped dict has no .contact)."""

    def __init__(self, response: Any, thread: list[Any]) -> None:
        self.response, self.thread = response, thread

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)


class ReplySchema(Schema):
    body = fields.String(
        required=True,
        metadata={
            "description": "Plain text, up to 10,000 characters. The email carries exactly "
            "this text: no greeting or signature is added, so include them."
        },
    )


@blp.route("/<int:response_id>/replies")
class ResponseReplies(MethodView):
    @roles(*STAFF)
    @blp.arguments(ReplySchema)
    @blp.response(201, MessageSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any], response_id: int) -> Any:
        """Reply to the customer in this response's thread; emailed through the outbox.

        The email's body is the given text as is: nothing is added to it.
        """
        with db.transaction() as session:
            return conversation.reply_as_staff(
                session, current_app.config, response_id, current_staff(), data["body"]
            )
