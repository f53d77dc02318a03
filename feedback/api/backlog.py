"""/api/v1/backlog: the outer loop's items, their status workflow and their evidence.

The same service calls and checks as the backlog pages: department heads change their own
department's items, admins any; CSMs and leads read, raise and link. A status move the
workflow does not allow is 409 with the reason; a move without a note is 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from feedback import backlog_digest, backlog_impact, db
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema, PageArgs, money, page_schema
from feedback.roles import ADMINS, STAFF
from feedback.services import (
    backlog,
    backlog_digests,
    backlog_evidence,
    backlog_notices,
    backlog_responsiveness,
)

blp = Blueprint(
    "api_backlog", __name__, url_prefix="/api/v1/backlog",
    description="Outer-loop backlog items: ranked by ARR at risk, then NPS points",
)  # fmt: skip


class BacklogEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "created, status, edited, linked, ranked ..."})
    actor_user_id = fields.Integer(allow_none=True)
    from_value = fields.String(allow_none=True)
    to_value = fields.String(allow_none=True)
    body = fields.String(allow_none=True, metadata={"description": "the note of a status move"})
    created_at = fields.DateTime()


class BacklogItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    description = fields.String()
    department = fields.String()
    team_id = fields.Integer(allow_none=True)
    theme_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": ", ".join(backlog_impact.STATUSES)})
    decline_reason = fields.String(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    target_date = fields.Date(allow_none=True)
    source = fields.String(metadata={"description": ", ".join(backlog_impact.SOURCES)})
    raised_by_id = fields.Integer(allow_none=True)
    rank_position = fields.Integer(
        allow_none=True, metadata={"description": "hand-set place in the department's list"}
    )
    responses_linked = fields.Integer()
    detractors = fields.Integer()
    passives = fields.Integer()
    accounts = fields.Integer()
    arr = money("ARR of the accounts behind the item")
    arr_at_risk = money("ARR of accounts whose latest NPS answer is a detractor")
    nps_points = fields.Float(
        metadata={"description": "NPS without the responses behind the item minus overall NPS"}
    )
    trend = fields.List(fields.Integer(), metadata={"description": "mentions per week, 12"})
    impact_at = fields.DateTime(allow_none=True)
    customer_note = fields.String(
        allow_none=True, metadata={"description": "what the customers who asked are told"}
    )
    customers_told = fields.Integer()
    status_changed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BacklogItemDetailSchema(BacklogItemSchema):
    events = fields.List(fields.Nested(BacklogEventSchema))
    response_ids = fields.List(fields.Integer())
    task_ids = fields.List(fields.Integer())


class BacklogListArgs(PageArgs):
    department = fields.String(
        metadata={"description": "a department head always gets their own department"}
    )
    status = fields.List(
        fields.String(validate=validate.OneOf(backlog_impact.STATUSES)),
        load_default=list,
        metadata={"description": "repeat for several; default: every status"},
    )
    theme_id = fields.Integer()


class BacklogCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    department = fields.String(validate=validate.Length(max=120))
    team_id = fields.Integer(allow_none=True)
    theme_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    target_date = fields.Date(allow_none=True)
    response_id = fields.Integer(metadata={"description": "link this response as evidence"})
    task_id = fields.Integer(metadata={"description": "link this task (and its response)"})
    note = fields.String(validate=validate.Length(max=backlog_impact.MAX_NOTE))


class BacklogPatchSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String()
    department = fields.String(validate=validate.Length(min=1, max=120))
    team_id = fields.Integer(allow_none=True)
    theme_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    target_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(backlog_impact.STATUSES))
    note = fields.String(
        allow_none=True,
        validate=validate.Length(max=backlog_impact.MAX_NOTE),
        metadata={"description": "required with status; kept in the history"},
    )
    customer_note = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "for a shipped item: emailed in the week after it shipped"},
    )
    move = fields.String(
        validate=validate.OneOf(("pin", "up", "down")),
        metadata={"description": "re-rank by hand within the department's open items"},
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Send at least one field to change; nothing was changed.")


class LinkResponseSchema(Schema):
    response_id = fields.Integer(required=True)


class LinkTaskSchema(Schema):
    task_id = fields.Integer(required=True)


class DepartmentFiguresSchema(Schema):
    department = fields.String()
    proposed = fields.Integer(metadata={"description": "every item the department was given"})
    accepted = fields.Integer(metadata={"description": "items that ever reached accepted"})
    shipped = fields.Integer()
    declined = fields.Integer()
    open = fields.Integer()
    days_to_accept = fields.Float(
        allow_none=True, metadata={"description": "median days from proposal to acceptance"}
    )
    days_to_ship = fields.Float(
        allow_none=True, metadata={"description": "median days from proposal to shipping"}
    )
    past_target = fields.Integer(metadata={"description": "open items past their target date"})
    customers_told = fields.Integer()


class ResponsivenessSchema(Schema):
    departments = fields.List(fields.Nested(DepartmentFiguresSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())


class ChatWebhookSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(
        load_default="slack",
        validate=validate.OneOf(backlog_digest.CHAT_KINDS),
        metadata={"description": "slack ({text}) or teams (MessageCard)"},
    )
    url = fields.String(
        required=True,
        metadata={"description": "the incoming webhook's https URL; empty removes it"},
    )


class ChatWebhookListSchema(Schema):
    items = fields.List(fields.Nested(ChatWebhookSchema))


class _Detail:
    """An item with its linked ids, for the detail schema to dump."""

    def __init__(self, item: Any) -> None:
        session = db.session()
        session.refresh(item)
        self._item = item
        self.response_ids = backlog_evidence.linked_response_ids(session, item)
        self.task_ids = [t.id for t in backlog_evidence.linked_tasks(session, item)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)


def _detail(item: Any) -> _Detail:
    return _Detail(item)


@blp.route("")
class BacklogItems(MethodView):
    @roles(*STAFF)
    @blp.arguments(BacklogListArgs, location="query")
    @blp.response(200, page_schema(BacklogItemSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List items in ranked order (hand order first, then ARR at risk, then NPS points)."""
        items = backlog.list_items(
            db.session(),
            current_staff(),
            department=args.get("department"),
            status=args.get("status") or (),
            theme_id=args.get("theme_id"),
        )
        start = (args["page"] - 1) * args["per_page"]
        return {"items": items[start : start + args["per_page"]], "page": args["page"],
                "per_page": args["per_page"], "total": len(items)}  # fmt: skip

    @roles(*STAFF)
    @blp.arguments(BacklogCreateSchema)
    @blp.response(201, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Raise a proposed item, optionally from a response or a task."""
        actor = current_staff()
        response_id, task_id = data.pop("response_id", None), data.pop("task_id", None)
        with db.transaction() as session:
            item = backlog.create_item(session, data, actor)
            if response_id is not None:
                backlog.link_response(session, item.id, response_id, actor)
            if task_id is not None:
                backlog.link_task(session, item.id, task_id, actor)
        return _detail(item)


@blp.route("/responsiveness")
class Responsiveness(MethodView):
    @roles(*ADMINS)
    @blp.response(200, ResponsivenessSchema)
    def get(self) -> dict[str, Any]:
        """Per department: items proposed, accepted, shipped, declined, median days, past
        target, customers told (admins)."""
        today = datetime.now(UTC).date()
        rows, totals = backlog_responsiveness.department_figures(db.session(), today)
        return {"departments": rows, "totals": totals}


@blp.route("/chat")
class ChatWebhooks(MethodView):
    @roles(*ADMINS)
    @blp.response(200, ChatWebhookListSchema)
    def get(self) -> dict[str, Any]:
        """Departments whose backlog digest also goes to a Slack or Teams channel (admins)."""
        endpoints = backlog_digests.chat_endpoints(db.session())
        return {"items": [{"department": d, "kind": e.kind, "url": e.url}
                          for d, e in sorted(endpoints.items())]}  # fmt: skip

    @roles(*ADMINS)
    @blp.arguments(ChatWebhookSchema)
    @blp.response(200, ChatWebhookSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set a department's Slack/Teams incoming webhook (https), or remove it (empty url)."""
        with db.transaction() as session:
            endpoint = backlog_digests.set_chat(
                session, data["department"], data["kind"], data["url"]
            )
        if endpoint is None:
            return {"department": data["department"], "kind": data["kind"], "url": ""}
        return {"department": endpoint.department, "kind": endpoint.kind, "url": endpoint.url}


@blp.route("/<int:item_id>")
class BacklogItemById(MethodView):
    @roles(*STAFF)
    @blp.response(200, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, item_id: int) -> Any:
        """One item with its history and linked responses and tasks."""
        return _detail(backlog.get_item(db.session(), item_id, current_staff()))

    @roles(*STAFF)
    @blp.arguments(BacklogPatchSchema)
    @blp.response(200, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], item_id: int) -> Any:
        """Edit an item, move its status (with a note), or re-rank it by hand."""
        actor = current_staff()
        status, note, action = (
            data.pop("status", None),
            data.pop("note", None),
            data.pop("move", None),
        )
        customer_note = data.pop("customer_note", None)
        with db.transaction() as session:
            if data:
                backlog.update_item(session, item_id, actor, data)
            if status is not None:
                backlog.transition(session, item_id, actor, status, note)
            if action is not None:
                backlog.move(session, item_id, actor, action)
            if customer_note is not None:
                backlog_notices.set_customer_note(session, item_id, actor, customer_note)
            item = backlog.get_item(session, item_id)
        return _detail(item)


@blp.route("/<int:item_id>/responses")
class BacklogResponses(MethodView):
    @roles(*STAFF)
    @blp.arguments(LinkResponseSchema)
    @blp.response(200, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any], item_id: int) -> Any:
        """Link a response as evidence (linking it again changes nothing)."""
        with db.transaction() as session:
            item, _ = backlog.link_response(session, item_id, data["response_id"], current_staff())
        return _detail(item)


@blp.route("/<int:item_id>/responses/<int:response_id>")
class BacklogResponseLink(MethodView):
    @roles(*STAFF)
    @blp.response(200, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def delete(self, item_id: int, response_id: int) -> Any:
        """Unlink a response (whoever linked it, the department head or an admin)."""
        with db.transaction() as session:
            item = backlog.unlink_response(session, item_id, response_id, current_staff())
        return _detail(item)


@blp.route("/<int:item_id>/tasks")
class BacklogTasks(MethodView):
    @roles(*STAFF)
    @blp.arguments(LinkTaskSchema)
    @blp.response(200, BacklogItemDetailSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any], item_id: int) -> Any:
        """Link an inner-loop task (typically closed as product_gap) and its response."""
        with db.transaction() as session:
            item, _ = backlog.link_task(session, item_id, data["task_id"], current_staff())
        return _detail(item)
