"""Use cases for contacts: create, upsert by email, bulk upsert, update, delete, list; each
contact matched to its account by external id or email domain.

Every path (API, CSV import, demo seed) goes through here, so an email or a time zone is
checked the same way whichever door it came in by. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.customer_fields import (
    CONTACT_FIELDS,
    FieldErrors,
    attributes_field,
    bool_field,
    date_field,
    normalise_email,
    text_field,
    timezone_field,
    unknown_fields,
)
from feedback.locales import is_known_locale
from feedback.matching import match_account
from feedback.models import Account, AccountDomain, Contact, LifecycleEvent
from feedback.models.privacy import ErasedEmail
from feedback.privacy import email_hash
from feedback.services.bulk_upsert import RowResult, chunks, refuse_invalid
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.paging import paginate


@dataclass
class _Lookups:
    """Accounts by external id and by domain, loaded once for a batch of contacts."""

    by_external_id: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)
    # Hashes of erased people's addresses (services.privacy): few, so loaded whole.
    erased: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> _Lookups:
        lookups = cls()
        for account_id, external_id in session.execute(
            select(Account.id, Account.external_id).where(Account.external_id.is_not(None))
        ):
            lookups.by_external_id[external_id] = account_id
        for account_id, domain in session.execute(
            select(AccountDomain.account_id, AccountDomain.domain)
        ):
            lookups.by_domain[domain] = account_id
        lookups.erased = set(session.scalars(select(ErasedEmail.email_hash)))
        return lookups


def _clean_contact(data: Mapping[str, Any], lookups: _Lookups, *, partial: bool) -> dict[str, Any]:
    errors = FieldErrors()
    if not isinstance(data, Mapping):
        raise InvalidInput("Each contact must be an object.", {"": ["Must be an object."]})
    unknown_fields(errors, data, CONTACT_FIELDS)
    clean: dict[str, Any] = {}
    if "email" in data or not partial:
        try:
            clean["email"] = normalise_email(data.get("email"))
        except ValueError as exc:
            errors.add("email", str(exc))
    if "name" in data:
        clean["name"] = text_field(errors, "name", data["name"], 200)
    if "timezone" in data:
        clean["timezone"] = timezone_field(errors, "timezone", data["timezone"])
    if "locale" in data:
        locale = text_field(errors, "locale", data["locale"], 16)
        if locale and not is_known_locale(locale):
            errors.add("locale", f"{locale!r} is not a known locale; use one such as en or pt-BR.")
        clean["locale"] = locale
    if "signed_up_on" in data:
        clean["signed_up_on"] = date_field(errors, "signed_up_on", data["signed_up_on"])
    if "attributes" in data:
        clean["attributes"] = attributes_field(errors, "attributes", data["attributes"]) or {}
    for key in ("unsubscribed", "bounced"):
        if key in data:
            value = bool_field(errors, key, data[key])
            if value is not None:
                clean[key] = value
    external_id = data.get("account_external_id")
    if external_id is not None and not isinstance(external_id, str):
        errors.add("account_external_id", "Must be text.")
    elif "email" in clean and ("account_external_id" in data or not partial):
        match = match_account(
            clean["email"], (external_id or "").strip() or None,
            lookups.by_external_id, lookups.by_domain,
        )  # fmt: skip
        if external_id and match.account_id is None:
            errors.add("account_external_id", f"No account has the external id {external_id!r}.")
        clean["account_id"] = match.account_id
    if errors:
        raise InvalidInput("The contact was not saved: some fields are invalid.", dict(errors))
    if "email" in clean and email_hash(clean["email"]) in lookups.erased:
        # This person asked to be erased: a sync that brings the address back may store it,
        # but it is never surveyed again, whatever the row says.
        clean["unsubscribed"] = True
    return clean


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"There is no contact with id {contact_id}.")
    return contact


def create_contact(session: Session, data: Mapping[str, Any]) -> Contact:
    clean = _clean_contact(data, _Lookups.load(session), partial=False)
    if session.scalar(select(Contact.id).where(Contact.email == clean["email"])) is not None:
        raise Conflict(
            f"A contact with the email {clean['email']} already exists; "
            "update it or use the upsert call instead.",
            {"email": ["Already exists."]},
        )
    contact = Contact(**{"attributes": {}, **clean})
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, contact_id: int, data: Mapping[str, Any]) -> Contact:
    contact = get_contact(session, contact_id)
    data = dict(data)
    if "email" not in data:
        data["email"] = contact.email
    clean = _clean_contact(data, _Lookups.load(session), partial=True)
    if clean["email"] != contact.email and session.scalar(
        select(Contact.id).where(Contact.email == clean["email"])
    ):
        raise Conflict(f"Another contact already has the email {clean['email']}.",
                       {"email": ["Already used by another contact."]})  # fmt: skip
    for key, value in clean.items():
        setattr(contact, key, value)
    session.flush()
    session.refresh(contact)  # the related account follows the account_id just set
    return contact


def delete_contact(session: Session, contact_id: int) -> None:
    session.delete(get_contact(session, contact_id))
    session.flush()


def list_contacts(
    session: Session, page: int, per_page: int, account_id: int | None = None
) -> tuple[list[Contact], int]:
    query = select(Contact)
    if account_id is not None:
        query = query.where(Contact.account_id == account_id)
    return paginate(session, query.order_by(Contact.id), page, per_page)


def check_contacts(
    session: Session, rows: Iterable[Mapping[str, Any]]
) -> list[tuple[int, dict[str, list[str]]]]:
    """The errors upsert_contacts would report, by row index, without writing (CSV preview)."""
    lookups = _Lookups.load(session)
    found: list[tuple[int, dict[str, list[str]]]] = []
    for index, row in enumerate(rows):
        try:
            _clean_contact(row, lookups, partial=False)
        except InvalidInput as exc:
            found.append((index, exc.fields))
    return found


def upsert_contacts(
    session: Session, rows: Iterable[Mapping[str, Any]], *, all_or_nothing: bool
) -> list[RowResult]:
    """Create or update contacts by email, loading existing rows in chunks, not one by one.

    With all_or_nothing (the API), one invalid row refuses the whole batch before anything is
    written; without it (CSV import), valid rows are kept and each invalid row is reported.
    """
    lookups = _Lookups.load(session)
    cleaned: list[tuple[int, dict[str, Any], bool]] = []
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        try:
            clean = _clean_contact(row, lookups, partial=False)
        except InvalidInput as exc:
            results.append(RowResult(index, "invalid", None, exc.fields))
            continue
        if clean["email"] in seen:
            results.append(RowResult(index, "invalid", clean["email"], {
                "email": [f"Repeats row {seen[clean['email']] + 1}'s email in the same batch."]
            }))  # fmt: skip
            continue
        seen[clean["email"]] = index
        cleaned.append((index, clean, "account_external_id" in row))
    if all_or_nothing:
        refuse_invalid(results, len(results) + len(cleaned), "contacts")
    existing: dict[str, Contact] = {}
    emails = [clean["email"] for _, clean, _ in cleaned]
    for chunk in chunks(emails):
        for contact in session.scalars(select(Contact).where(Contact.email.in_(chunk))):
            existing[contact.email] = contact
    for index, clean, explicit_account in cleaned:
        contact = existing.get(clean["email"])
        if contact is not None and not explicit_account and contact.account_id is not None:
            clean.pop("account_id", None)  # keep a match made earlier by external id
        if contact is None:
            session.add(Contact(**{"attributes": {}, **clean}))
            results.append(RowResult(index, "created", clean["email"]))
        else:
            for key, value in clean.items():
                setattr(contact, key, value)
            results.append(RowResult(index, "updated", clean["email"]))
    session.flush()
    return sorted(results, key=lambda r: r.index)


def upsert_contact(session: Session, data: Mapping[str, Any]) -> tuple[Contact, bool]:
    """Create or update one contact by email; returns (contact, created)."""
    result = upsert_contacts(session, [data], all_or_nothing=True)[0]
    contact = session.scalar(select(Contact).where(Contact.email == result.key))
    assert contact is not None
    session.refresh(contact)  # the bulk upsert wrote past the identity map; the account follows
    return contact, result.status == "created"


def record_event(session: Session, data: Mapping[str, Any]) -> LifecycleEvent:
    """A lifecycle event of a contact (signed up, upgraded …) that may start a check-in."""
    try:
        email = normalise_email(data.get("email"))
    except ValueError as exc:
        raise InvalidInput("The event was not recorded.", {"email": [str(exc)]}) from None
    contact_id = session.scalar(select(Contact.id).where(Contact.email == email))
    if contact_id is None:
        raise NotFound(
            f"No contact has the email {email}; add it first.", {"email": ["Unknown contact."]}
        )
    occurred = data.get("occurred_at") or datetime.now(UTC)
    if occurred.tzinfo is None:
        raise InvalidInput(
            "The event was not recorded.",
            {"occurred_at": ["Include a time zone, e.g. 2026-05-01T10:00:00Z."]},
        )
    event = LifecycleEvent(
        contact_id=contact_id,
        name=str(data["name"]).strip(),
        occurred_at=occurred,
        properties=dict(data.get("properties") or {}),
    )
    session.add(event)
    session.flush()
    return event
