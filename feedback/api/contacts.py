"""/api/v1/contacts: the people we survey, keyed by email and matched to their account."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_load

from feedback import db
from feedback.access import current_staff, roles
from feedback.api.common import (
    ApiErrorSchema,
    PageArgs,
    check_bulk_size,
    page_body,
    page_schema,
    prefix_fields,
)
from feedback.roles import STAFF, Role
from feedback.services import contacts, privacy
from feedback.services.errors import InvalidInput

blp = Blueprint("api_contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts")

MATCH_DOC = (
    "The CRM id of the contact's account. Without it the contact is matched by email domain "
    "(a sub-domain matches its parent); free-mail addresses are never matched."
)


class ContactSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    account_external_id = fields.String(
        attribute="account.external_id", dump_default=None, allow_none=True
    )
    timezone = fields.String(allow_none=True)
    locale = fields.String(allow_none=True)
    signed_up_on = fields.Date(allow_none=True)
    attributes = fields.Dict(keys=fields.String())
    unsubscribed = fields.Boolean()
    bounced = fields.Boolean()
    spam_reported = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# Email and date are plain strings: the service validates them with a message that says why.
class ContactUpsertSchema(Schema):
    """The fields of an upsert by email: the address itself comes from the URL."""

    name = fields.String(allow_none=True)
    account_external_id = fields.String(allow_none=True, metadata={"description": MATCH_DOC})
    timezone = fields.String(allow_none=True, metadata={"description": "IANA zone name"})
    locale = fields.String(allow_none=True, metadata={"description": "e.g. en or pt-BR"})
    signed_up_on = fields.String(allow_none=True, metadata={"format": "date"})
    attributes = fields.Dict(keys=fields.String(), allow_none=True)
    unsubscribed = fields.Boolean(allow_none=True)
    bounced = fields.Boolean(allow_none=True)


class ContactUpdateSchema(ContactUpsertSchema):
    email = fields.String()


class ContactCreateSchema(ContactUpsertSchema):
    email = fields.String(required=True)


class ContactsBulkSchema(Schema):
    contacts = fields.List(fields.Nested(ContactCreateSchema), required=True)

    @pre_load
    def _limit(self, data: Any, **_kwargs: Any) -> Any:
        check_bulk_size(data, "contacts")
        return data


class ContactRowResultSchema(Schema):
    index = fields.Integer()
    email = fields.String(attribute="key")
    status = fields.String(metadata={"enum": ["created", "updated"]})


class ContactsBulkResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    results = fields.List(fields.Nested(ContactRowResultSchema))


class ContactDeleteArgs(Schema):
    erase = fields.Boolean(
        load_default=False,
        metadata={"description": "Erase the person's data but keep their scores anonymous"},
    )


class ContactExportSchema(Schema):
    """A person's data; the sections are described in services.privacy."""

    format = fields.Integer()
    exported_at = fields.String(metadata={"format": "date-time"})
    contact = fields.Dict(keys=fields.String())
    surveys = fields.List(fields.Dict(keys=fields.String()))
    emails_sent = fields.List(fields.Dict(keys=fields.String()))
    email_events = fields.List(fields.Dict(keys=fields.String()))
    lifecycle_events = fields.List(fields.Dict(keys=fields.String()))
    follow_ups = fields.List(fields.Dict(keys=fields.String()))


class ContactListArgs(PageArgs):
    account_id = fields.Integer()


@blp.route("")
class Contacts(MethodView):
    @roles(*STAFF)
    @blp.arguments(ContactListArgs, location="query")
    @blp.response(200, page_schema(ContactSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List contacts, optionally only one account's."""
        items, total = contacts.list_contacts(
            db.session(), args["page"], args["per_page"], args.get("account_id")
        )
        return page_body(items, total, args)

    @roles(Role.ADMIN)
    @blp.arguments(ContactCreateSchema)
    @blp.response(201, ContactSchema)
    @blp.alt_response(409, schema=ApiErrorSchema, description="The email already exists")
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a contact; 409 if one has this email (use the upsert call to update)."""
        with db.transaction() as session:
            return contacts.create_contact(session, data)


@blp.route("/<int:contact_id>")
class ContactById(MethodView):
    @roles(*STAFF)
    @blp.response(200, ContactSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, contact_id: int) -> Any:
        """Get one contact."""
        return contacts.get_contact(db.session(), contact_id)

    @roles(Role.ADMIN)
    @blp.arguments(ContactUpdateSchema)
    @blp.response(200, ContactSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(409, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def patch(self, data: dict[str, Any], contact_id: int) -> Any:
        """Change some of a contact's fields."""
        with db.transaction() as session:
            contact = contacts.update_contact(session, contact_id, data)
        return contact

    @roles(Role.ADMIN)
    @blp.arguments(ContactDeleteArgs, location="query")
    @blp.response(204)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def delete(self, args: dict[str, Any], contact_id: int) -> None:
        """Delete a contact, or with `erase=true` erase the person (a privacy request).

        A plain delete removes the contact and its responses with it. An erasure keeps the
        scores as anonymous statistics and removes name, email, comments, thread text, reply
        mail and the addresses of emails sent; the address is never surveyed again. Audited.
        """
        with db.transaction() as session:
            if args.get("erase"):
                user = current_staff()
                privacy.erase_contact(
                    session, privacy.contact_by_id(session, contact_id),
                    actor=user.email, actor_user_id=user.id, channel="api",
                )  # fmt: skip
            else:
                contacts.delete_contact(session, contact_id)


@blp.route("/<int:contact_id>/export")
class ContactExport(MethodView):
    @roles(Role.ADMIN)
    @blp.response(200, ContactExportSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    def get(self, contact_id: int) -> Any:
        """Everything held about this person, as JSON (a subject access request). Audited."""
        user = current_staff()
        with db.transaction() as session:
            return privacy.export_contact(
                session, privacy.contact_by_id(session, contact_id),
                actor=user.email, actor_user_id=user.id, channel="api",
            )  # fmt: skip


@blp.route("/by-email/<email>")
class ContactByEmail(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(ContactUpsertSchema)
    @blp.response(200, ContactSchema, description="Updated")
    @blp.alt_response(201, schema=ContactSchema, description="Created", success=True)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def put(self, data: dict[str, Any], email: str) -> Any:
        """Create or update the contact with this email (201 created, 200 updated)."""
        try:
            with db.transaction() as session:
                contact, created = contacts.upsert_contact(session, {**data, "email": email})
        except InvalidInput as exc:
            # upsert_contact runs a batch of one: its fields come as "0.email"; name them plainly.
            raise InvalidInput(
                "The contact was not saved: some fields are invalid.",
                {name.removeprefix("0."): msgs for name, msgs in exc.fields.items()},
            ) from None
        return contact, 201 if created else 200


@blp.route("/bulk")
class ContactsBulk(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(ContactsBulkSchema)
    @blp.response(200, ContactsBulkResultSchema)
    @blp.alt_response(413, schema=ApiErrorSchema, description="More rows than API_MAX_BULK")
    @blp.alt_response(422, schema=ApiErrorSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create or update up to 10,000 contacts by email, all or nothing.

        One invalid row refuses the whole batch; `fields` names each bad row as
        `contacts.<index>.<field>`.
        """
        try:
            with db.transaction() as session:
                results = contacts.upsert_contacts(session, data["contacts"], all_or_nothing=True)
        except InvalidInput as exc:
            raise prefix_fields(exc, "contacts") from None
        return {
            "created": sum(r.status == "created" for r in results),
            "updated": sum(r.status == "updated" for r in results),
            "results": results,
        }
