"""/api/v1/teams: the teams tasks are routed to, and the department each belongs to."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from feedback import db, sla
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema, PageArgs, page_body, page_schema
from feedback.roles import STAFF, Role
from feedback.services import org

blp = Blueprint("api_teams", __name__, url_prefix="/api/v1/teams", description="Teams")


class WorkingDays(fields.List):
    """Working days as names ("mon" ... "sun"); the team keeps them as "mon,tue" text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields.String(validate=validate.OneOf(sla.DAY_NAMES)),
            validate=validate.Length(min=1, error="Choose at least one working day."),
            **kwargs,
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = [day for day in value.split(",") if day]
        return super()._serialize(value, attr, obj, **kwargs)


class TeamSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    department = fields.String(required=True)
    timezone = fields.String(metadata={"description": "IANA zone for business-hour SLAs"})
    lead_user_id = fields.Integer(allow_none=True, metadata={"description": "The team lead"})
    archived = fields.Boolean(
        metadata={"description": "An archived team takes no new members; send false to restore"}
    )
    business_days = WorkingDays(
        metadata={
            "description": "Working days the SLA clocks count (default mon to fri)",
            "example": ["sun", "mon", "tue", "wed", "thu"],
        }
    )
    business_start = fields.Time(
        format="%H:%M",
        metadata={"description": "Opening time on each working day, HH:MM (default 09:00)"},
    )
    business_end = fields.Time(
        format="%H:%M",
        metadata={"description": "Closing time, after the opening time, HH:MM (default 17:00)"},
    )
    archived_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class TeamUpdateSchema(TeamSchema):
    name = fields.String()
    department = fields.String()


@blp.route("")
class Teams(MethodView):
    @roles(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(TeamSchema))
    def get(self, args: dict[str, int]) -> dict[str, Any]:
        """List teams."""
        items, total = org.list_teams(db.session(), args["page"], args["per_page"])
        return page_body(items, total, args)

    @roles(Role.ADMIN)
    @blp.arguments(TeamSchema)
    @blp.response(201, TeamSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a team."""
        with db.transaction() as session:
            return org.create_team(session, data, actor=current_staff())


@blp.route("/<int:team_id>")
class TeamById(MethodView):
    @roles(*STAFF)
    @blp.response(200, TeamSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, team_id: int) -> Any:
        """Get one team."""
        return org.get_team(db.session(), team_id)

    @roles(Role.ADMIN)
    @blp.arguments(TeamUpdateSchema)
    @blp.response(200, TeamSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], team_id: int) -> Any:
        """Rename a team, move it, change its zone, lead or business hours, archive or restore
        it. Business hours are checked as a whole: a new closing time must come after the
        opening time the team keeps."""
        with db.transaction() as session:
            return org.update_team(session, team_id, data, actor=current_staff())

    @roles(Role.ADMIN)
    @blp.response(204)
    def delete(self, team_id: int) -> None:
        """Delete a team; its members stay, without a team."""
        with db.transaction() as session:
            org.delete_team(session, team_id, actor=current_staff())
