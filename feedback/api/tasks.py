"""/api/v1/tasks: follow-up tasks, their status changes and reassignment.

Every read and change asks the access rule (feedback.access_rules) through the services, as
the queue pages do: a token acts as its user, lists hold only the tasks that user may see, one
task they may not see is 403, and a task is handed only to someone whose work they see. A move
the task's status does not allow is 409 with the reason.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from feedback import db, task_states
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema, PageArgs, page_body, page_schema
from feedback.playbooks import TASK_TYPES
from feedback.roles import STAFF
from feedback.services import followup, product_gaps

blp = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks", description="Follow-up tasks")


class TaskEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    actor_user_id = fields.Integer(allow_none=True)
    from_value = fields.String(allow_none=True)
    to_value = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TaskSchema(Schema):
    id = fields.Integer(dump_only=True)
    type = fields.String(metadata={"description": "recover, convert, advocate or review"})
    status = fields.String()
    priority = fields.Integer(metadata={"description": "1 low, 2 normal, 3 high, 4 urgent"})
    title = fields.String()
    response_id = fields.Integer(allow_none=True)
    invitation_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    routing_reason = fields.String(metadata={"description": "why the task went to its owner"})
    severity_note = fields.String(allow_none=True)
    sla_business_hours = fields.Integer()
    due_at = fields.DateTime()
    overdue_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    first_contact_at = fields.DateTime(allow_none=True)
    resolution_code = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TaskDetailSchema(TaskSchema):
    events = fields.List(fields.Nested(TaskEventSchema))


class TaskListArgs(PageArgs):
    status = fields.List(
        fields.String(validate=validate.OneOf(task_states.STATUSES)),
        load_default=list,
        metadata={"description": "repeat for several; default: every status"},
    )
    owner_id = fields.Integer()
    team_id = fields.Integer()
    overdue = fields.Boolean(metadata={"description": "true: open and past due; false: not"})
    response_id = fields.Integer()
    contact_id = fields.Integer()
    type = fields.String(validate=validate.OneOf(TASK_TYPES))


class TaskPatchSchema(Schema):
    status = fields.String(validate=validate.OneOf(task_states.STATUSES))
    resolution_code = fields.String(
        allow_none=True, metadata={"description": ", ".join(task_states.RESOLUTION_CODES)}
    )
    root_cause = fields.String(
        allow_none=True, metadata={"description": ", ".join(task_states.ROOT_CAUSES)}
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=task_states.MAX_NOTE))
    owner_id = fields.Integer(metadata={"description": "reassign to this user"})
    comment = fields.String(validate=validate.Length(min=1, max=followup.MAX_COMMENT))
    backlog_item_id = fields.Integer(
        allow_none=True,
        metadata={"description": "closing as product_gap: the open backlog item that fixes it"},
    )
    backlog_title = fields.String(
        allow_none=True,
        validate=validate.Length(max=300),
        metadata={"description": "closing as product_gap: propose a new backlog item instead"},
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not {"status", "owner_id", "comment"} & set(data):
            raise ValidationError("Send status, owner_id or comment; nothing was changed.")


@blp.route("")
class Tasks(MethodView):
    @roles(*STAFF)
    @blp.arguments(TaskListArgs, location="query")
    @blp.response(200, page_schema(TaskSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List tasks, soonest due first."""
        items, total = followup.list_tasks(
            db.session(),
            viewer=current_staff(),
            status=args.get("status") or (),
            owner_id=args.get("owner_id"),
            team_id=args.get("team_id"),
            overdue=args.get("overdue"),
            response_id=args.get("response_id"),
            contact_id=args.get("contact_id"),
            type=args.get("type"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return page_body(items, total, args)


@blp.route("/<int:task_id>")
class TaskById(MethodView):
    @roles(*STAFF)
    @blp.response(200, TaskDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, task_id: int) -> Any:
        """One task with its trail of events."""
        return followup.get_task(db.session(), task_id, current_staff())

    @roles(*STAFF)
    @blp.arguments(TaskPatchSchema)
    @blp.response(200, TaskDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], task_id: int) -> Any:
        """Reassign, comment on, or move a task (closing needs a resolution_code; closing as
        product_gap also needs backlog_item_id or backlog_title, and links the task)."""
        actor = current_staff()
        with db.transaction() as session:
            return product_gaps.change_task(session, task_id, actor, data)
