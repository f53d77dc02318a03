"""/api/v1/users: staff members, their role and team. Password hashes never leave the service."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from feedback import db
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema, PageArgs, page_body, page_schema
from feedback.roles import ROLE_VALUES, STAFF, Role
from feedback.services import org

blp = Blueprint("api_users", __name__, url_prefix="/api/v1/users", description="Staff users")

ROLE_DOC = {"enum": list(ROLE_VALUES)}


class UserSchema(Schema):
    """A user as the API shows it: no password hash, ever."""

    id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String()
    role = fields.String(metadata=ROLE_DOC)
    team_id = fields.Integer(allow_none=True)
    team = fields.String(
        attribute="team.name",
        dump_default=None,
        allow_none=True,
        metadata={"description": "The team's name"},
    )
    active = fields.Boolean()
    created_at = fields.DateTime(dump_only=True)


# Emails, roles and passwords are strings here; the service checks their meaning, so its
# messages ("'x' is not a valid email address: ...") reach the caller.
class UserCreateSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata=ROLE_DOC)
    team_id = fields.Integer(allow_none=True, metadata={"description": "Or give `team`"})
    team = fields.String(allow_none=True, metadata={"description": "A team's name, for team_id"})
    password = fields.String(
        load_only=True,
        allow_none=True,
        metadata={
            "description": f"At least {org.MIN_PASSWORD_LENGTH} characters; "
            "without one the user cannot sign in to the pages"
        },
    )
    active = fields.Boolean()


class UserUpdateSchema(UserCreateSchema):
    email = fields.String()
    name = fields.String()
    role = fields.String(metadata=ROLE_DOC)


@blp.route("")
class Users(MethodView):
    @roles(*STAFF)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args: dict[str, int]) -> dict[str, Any]:
        """List staff users, by email."""
        items, total = org.list_users(db.session(), args["page"], args["per_page"])
        return page_body(items, total, args)

    @roles(Role.ADMIN)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a staff user."""
        with db.transaction() as session:
            return org.create_user(session, data, actor=current_staff())


@blp.route("/<int:user_id>")
class UserById(MethodView):
    @roles(*STAFF)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, user_id: int) -> Any:
        """Get one staff user."""
        return org.get_user(db.session(), user_id)

    @roles(Role.ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Change a user's email, name, role, team, password or active flag.

        409 when the change would leave no active admin (demoting or deactivating the last)."""
        with db.transaction() as session:
            user = org.update_user(session, user_id, data, actor=current_staff())
        return user

    @roles(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    def delete(self, user_id: int) -> None:
        """Delete a user and their API tokens; accounts they owned keep no owner."""
        with db.transaction() as session:
            org.delete_user(session, user_id, actor=current_staff())
