"""/api/v1/programs: survey programs, "send now" invitations; /api/v1/events for triggers."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from feedback import db, locales
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema
from feedback.roles import STAFF, Role
from feedback.services import contacts, invitations, program_preview, programs

blp = Blueprint(
    "api_programs", __name__, url_prefix="/api/v1", description="Survey programs and invitations"
)


class ProgramSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["nps", "onboarding"]})
    active = fields.Boolean()
    priority = fields.Integer(metadata={"description": "Lower goes first when two are due"})
    product_name = fields.String()
    sender_name = fields.String()
    description = fields.String(allow_none=True)
    audience = fields.Dict(
        metadata={"description": "plan/region/lifecycle_stage lists, contact_attributes map"}
    )
    cadence_days = fields.Integer(metadata={"description": "NPS: days between surveys"})
    fatigue_days = fields.Integer(metadata={"description": "At most one survey per window"})
    sample_percent = fields.Integer()
    daily_cap = fields.Integer(allow_none=True)
    reminder_after_days = fields.Integer(allow_none=True)
    response_window_days = fields.Integer()
    triggers = fields.List(fields.Dict(), metadata={"description": "Onboarding milestones"})
    content = fields.Dict(metadata={"description": "Per-locale subject and intro"})
    review_url = fields.String(allow_none=True)
    referral_enabled = fields.Boolean()
    sender_email = fields.String(
        allow_none=True, metadata={"description": "From address (default: the site's MAIL_FROM)"}
    )
    logo_url = fields.String(allow_none=True, metadata={"description": "https link to a logo"})
    accent_color = fields.String(
        allow_none=True,
        metadata={"description": "#rrggbb; white text on it must reach a 4.5:1 contrast"},
    )
    footer_text = fields.String(
        allow_none=True, metadata={"description": "Shown under emails and survey pages"}
    )
    default_locale = fields.String(
        metadata={
            "enum": list(locales.SUPPORTED),
            "description": "Language of contacts whose own and account's language is unknown",
        }
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProgramUpdateSchema(ProgramSchema):
    name = fields.String()
    kind = fields.String()


class ProgramListSchema(Schema):
    items = fields.List(fields.Nested(ProgramSchema))


class InviteSchema(Schema):
    emails = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=1000))


class InviteResultSchema(Schema):
    email = fields.String()
    status = fields.String(metadata={"enum": ["invited", "not_invited"]})
    reason = fields.String()
    detail = fields.String()
    invitation_id = fields.Integer(allow_none=True)


class InviteResultsSchema(Schema):
    results = fields.List(fields.Nested(InviteResultSchema))


class EventSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    occurred_at = fields.AwareDateTime(load_default=None, default_timezone=None)
    properties = fields.Dict(load_default=dict)


class EventOutSchema(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    name = fields.String()
    occurred_at = fields.DateTime()


@blp.route("/programs")
class Programs(MethodView):
    @roles(*STAFF)
    @blp.response(200, ProgramListSchema)
    def get(self) -> dict[str, Any]:
        """List survey programs, most important first."""
        return {"items": programs.list_programs(db.session())}

    @roles(Role.ADMIN)
    @blp.arguments(ProgramSchema)
    @blp.response(201, ProgramSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a survey program (inactive until `active` is true)."""
        with db.transaction() as session:
            return programs.create_program(session, data)


@blp.route("/programs/<int:program_id>")
class ProgramById(MethodView):
    @roles(*STAFF)
    @blp.response(200, ProgramSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, program_id: int) -> Any:
        """Get one survey program."""
        return programs.get_program(db.session(), program_id)

    @roles(Role.ADMIN)
    @blp.arguments(ProgramUpdateSchema)
    @blp.response(200, ProgramSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], program_id: int) -> Any:
        """Change a survey program."""
        with db.transaction() as session:
            return programs.update_program(session, program_id, data)


@blp.route("/programs/<int:program_id>/invitations")
class ProgramInvitations(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(InviteSchema)
    @blp.response(200, InviteResultsSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any], program_id: int) -> dict[str, Any]:
        """Invite these contacts now: skips the send window and cadence, never suppression or
        fatigue. Answers per contact whether it was invited, or why not."""
        with db.transaction() as session:
            results = invitations.invite_now(
                session, current_app.config, program_id, data["emails"]
            )
        return {"results": results}


class AudiencePreviewSchema(Schema):
    matched = fields.Integer(metadata={"description": "Contacts in the audience (active accounts)"})
    due = fields.Integer(metadata={"description": "Of those, due a survey from it now"})
    invited = fields.Integer(metadata={"description": "Would be invited by a dispatch run now"})
    skipped = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Due but not invited now, by eligibility reason"},
    )
    suppressed = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "In the audience but never surveyed: unsubscribed, bounced..."},
    )


@blp.route("/programs/<int:program_id>/audience")
class ProgramAudience(MethodView):
    @roles(Role.ADMIN)
    @blp.response(200, AudiencePreviewSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, program_id: int) -> dict[str, Any]:
        """What a dispatch run now would do for this program, as if it were active; sends
        nothing. The same planner as dispatch, so these are the numbers it then produces."""
        preview = program_preview.audience_preview(db.session(), program_id)
        return preview.as_dict()


class TestSendSchema(Schema):
    locale = fields.String(
        load_default="en", validate=validate.OneOf(locales.SUPPORTED), metadata={"example": "fr"}
    )


class TestSendResultSchema(Schema):
    outbox_id = fields.Integer()
    to_email = fields.String()
    locale = fields.String()


@blp.route("/programs/<int:program_id>/test-send")
class ProgramTestSend(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(TestSendSchema)
    @blp.response(201, TestSendResultSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any], program_id: int) -> dict[str, Any]:
        """Send the program's first email in one language to the caller's own address, through
        the outbox. Its links are previews: they record no answer."""
        me = current_staff()
        with db.transaction() as session:
            outbox_id = program_preview.send_test(
                session, current_app.config, program_id, data["locale"], me.email, me.name
            )
        return {"outbox_id": outbox_id, "to_email": me.email, "locale": data["locale"]}


@blp.route("/events")
class Events(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(EventSchema)
    @blp.response(201, EventOutSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Record a lifecycle event for a contact (e.g. onboarding_completed)."""
        with db.transaction() as session:
            return contacts.record_event(session, data)
