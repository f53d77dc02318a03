"""/api/v1/invitations: the surveys sent, filtered by program, contact, status and date, each
with its outbox emails and the delivery events the mail provider reported."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from feedback import db
from feedback.access import roles
from feedback.api.common import ApiErrorSchema, PageArgs, page_body, page_schema
from feedback.roles import STAFF
from feedback.services import invitation_list

blp = Blueprint(
    "api_invitations",
    __name__,
    url_prefix="/api/v1/invitations",
    description="Survey invitations and their delivery",
)


class InvitationEmailSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "invitation or reminder"})
    status = fields.String(metadata={"enum": list(invitation_list.EMAIL_STATUSES)})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    provider_message_id = fields.String(
        allow_none=True, metadata={"description": "SendGrid's X-Message-Id"}
    )
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryEventSchema(Schema):
    id = fields.Integer()
    event = fields.String(
        metadata={
            "description": "SendGrid's event: processed, delivered, open, click, bounce, "
            "dropped, deferred, spamreport, unsubscribe; or resubscribe"
        }  # fmt: skip
    )
    source = fields.String(metadata={"enum": ["webhook", "link", "one-click", "staff"]})
    outbox_email_id = fields.Integer(allow_none=True)
    occurred_at = fields.DateTime()
    bounce_type = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class InvitationSchema(Schema):
    id = fields.Integer()
    program_id = fields.Integer()
    contact_id = fields.Integer()
    contact_email = fields.Function(lambda v: v.invitation.contact.email)
    wave_key = fields.String()
    milestone = fields.String(allow_none=True)
    locale = fields.String()
    status = fields.String(
        metadata={
            "enum": list(invitation_list.STATUSES),
            "description": "responded, else expired, else delivered, sent or pending (queued)",
        }
    )
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    emails = fields.List(fields.Nested(InvitationEmailSchema))
    events = fields.List(fields.Nested(DeliveryEventSchema))


class InvitationFilterArgs(PageArgs):
    program_id = fields.Integer()
    contact_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(invitation_list.STATUSES))
    since = fields.AwareDateTime(metadata={"description": "created at or after (ISO 8601)"})
    until = fields.AwareDateTime(metadata={"description": "created before (ISO 8601)"})


@blp.route("")
class Invitations(MethodView):
    @roles(*STAFF)
    @blp.arguments(InvitationFilterArgs, location="query")
    @blp.response(200, page_schema(InvitationSchema))
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List invitations, newest first, with their emails and delivery events."""
        filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
        items, total = invitation_list.list_invitations(
            db.session(), page=args["page"], per_page=args["per_page"], **filters
        )
        return page_body(items, total, args)
