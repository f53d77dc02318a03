"""/api/v1/accounts: customer accounts from the CRM, keyed by their external id."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_load

from feedback import db
from feedback.access import roles
from feedback.api.common import (
    ApiErrorSchema,
    PageArgs,
    check_bulk_size,
    money,
    page_body,
    page_schema,
    prefix_fields,
)
from feedback.customer_fields import ACCOUNT_STATUSES
from feedback.roles import STAFF, Role
from feedback.services import accounts
from feedback.services.errors import InvalidInput

blp = Blueprint("api_accounts", __name__, url_prefix="/api/v1/accounts", description="Accounts")

DATE_DOC = {"format": "date", "description": "YYYY-MM-DD"}


class SortedList(fields.List):
    """A list shown in sorted order, as the database returns it on a later read."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        items = super()._serialize(value, attr, obj, **kwargs)
        return sorted(items) if items is not None else None


class AccountSchema(Schema):
    id = fields.Integer()
    external_id = fields.String(allow_none=True, metadata={"description": "The CRM's id"})
    name = fields.String()
    plan = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    arr = money("Annual recurring revenue", allow_none=True)
    lifecycle_stage = fields.String(allow_none=True)
    customer_since = fields.Date(allow_none=True)
    renewal_date = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(ACCOUNT_STATUSES)})
    timezone = fields.String(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    owner_email = fields.String(attribute="owner.email", dump_default=None, allow_none=True)
    attributes = fields.Dict(keys=fields.String())
    domains = SortedList(
        fields.String(),
        attribute="domain_names",
        metadata={"description": "Email domains contacts are matched by"},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# Dates, emails and time zones are plain strings here: the service checks them and says
# what is wrong ("'2024-13-01' is not a date; use YYYY-MM-DD.").
class AccountUpsertSchema(Schema):
    """The fields of an upsert by external id: the id itself comes from the URL."""

    name = fields.String()
    plan = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    arr = fields.Decimal(allow_none=True, metadata={"description": "0 or more"})
    lifecycle_stage = fields.String(allow_none=True)
    customer_since = fields.String(allow_none=True, metadata=DATE_DOC)
    renewal_date = fields.String(allow_none=True, metadata=DATE_DOC)
    status = fields.String(allow_none=True, metadata={"enum": list(ACCOUNT_STATUSES)})
    timezone = fields.String(allow_none=True, metadata={"description": "IANA zone name"})
    owner_email = fields.String(allow_none=True, metadata={"description": "A staff user's email"})
    attributes = fields.Dict(keys=fields.String(), allow_none=True)
    domains = fields.List(fields.String(), allow_none=True)


class AccountUpdateSchema(AccountUpsertSchema):
    external_id = fields.String(allow_none=True)


class AccountCreateSchema(AccountUpdateSchema):
    name = fields.String(required=True)


class AccountBulkRowSchema(AccountUpsertSchema):
    external_id = fields.String(required=True)


class AccountsBulkSchema(Schema):
    accounts = fields.List(fields.Nested(AccountBulkRowSchema), required=True)

    @pre_load
    def _limit(self, data: Any, **_kwargs: Any) -> Any:
        check_bulk_size(data, "accounts")
        return data


class AccountRowResultSchema(Schema):
    index = fields.Integer()
    external_id = fields.String(attribute="key")
    status = fields.String(metadata={"enum": ["created", "updated"]})


class AccountsBulkResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    results = fields.List(fields.Nested(AccountRowResultSchema))


class AccountListArgs(PageArgs):
    plan = fields.String()
    region = fields.String()
    status = fields.String(metadata={"enum": list(ACCOUNT_STATUSES)})


@blp.route("")
class Accounts(MethodView):
    @roles(*STAFF)
    @blp.arguments(AccountListArgs, location="query")
    @blp.response(200, page_schema(AccountSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List accounts, optionally only one plan, region or status."""
        items, total = accounts.list_accounts(db.session(), args["page"], args["per_page"], args)
        return page_body(items, total, args)

    @roles(Role.ADMIN)
    @blp.arguments(AccountCreateSchema)
    @blp.response(201, AccountSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an account."""
        with db.transaction() as session:
            return accounts.create_account(session, data)


@blp.route("/<int:account_id>")
class AccountById(MethodView):
    @roles(*STAFF)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, account_id: int) -> Any:
        """Get one account."""
        return accounts.get_account(db.session(), account_id)

    @roles(Role.ADMIN)
    @blp.arguments(AccountUpdateSchema)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], account_id: int) -> Any:
        """Change some of an account's fields; `domains` replaces the whole list."""
        with db.transaction() as session:
            account = accounts.update_account(session, account_id, data)
        return account

    @roles(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def delete(self, account_id: int) -> None:
        """Delete an account; its contacts stay, without an account."""
        with db.transaction() as session:
            accounts.delete_account(session, account_id)


@blp.route("/by-external-id/<external_id>")
class AccountByExternalId(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(AccountUpsertSchema)
    @blp.response(200, AccountSchema, description="Updated")
    @blp.alt_response(201, schema=AccountSchema, description="Created", success=True)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def put(self, data: dict[str, Any], external_id: str) -> Any:
        """Create or update the account with this CRM id (201 created, 200 updated)."""
        with db.transaction() as session:
            account, created = accounts.upsert_account(session, external_id, data)
        return account, 201 if created else 200


@blp.route("/bulk")
class AccountsBulk(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(AccountsBulkSchema)
    @blp.response(200, AccountsBulkResultSchema)
    @blp.alt_response(413, schema=ApiErrorSchema, description="More rows than API_MAX_BULK")
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create or update up to 10,000 accounts by external id, all or nothing.

        One invalid row refuses the whole batch; `fields` names each bad row as
        `accounts.<index>.<field>`.
        """
        try:
            with db.transaction() as session:
                results = accounts.upsert_accounts(session, data["accounts"], all_or_nothing=True)
        except InvalidInput as exc:
            raise prefix_fields(exc, "accounts") from None
        return {
            "created": sum(r.status == "created" for r in results),
            "updated": sum(r.status == "updated" for r in results),
            "results": results,
        }
