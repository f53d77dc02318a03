"""Use cases for accounts and contacts: create, upsert, bulk upsert, update, delete.

Every path (API, CSV import, demo seed) goes through here, so an email or a time zone is
checked the same way whichever door it came in by. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback.locales import is_known_locale
from feedback.matching import is_free_mail, match_account, normalise_domain
from feedback.models import Account, AccountDomain, Contact, User
from feedback.models.customers import ACCOUNT_STATUSES
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.paging import paginate

ACCOUNT_FIELDS = (
    "external_id", "name", "plan", "region", "industry", "arr", "lifecycle_stage",
    "customer_since", "renewal_date", "status", "timezone", "owner_email", "attributes", "domains",
)  # fmt: skip
CONTACT_FIELDS = (
    "email", "name", "account_external_id", "timezone", "locale", "signed_up_on", "attributes",
    "unsubscribed", "bounced",
)  # fmt: skip
CHUNK = 500  # rows per IN (...) lookup: well under SQLite's variable limit


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def normalise_email(raw: Any) -> str:
    """Validated, lower-cased address; raises ValueError with a person-readable reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("An email address is required.")
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{raw.strip()!r} is not a valid email address: {exc}") from None
    return checked.normalized.lower()


def _text(errors: _Errors, name: str, value: Any, max_len: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(name, "Must be text.")
        return None
    value = value.strip()
    if len(value) > max_len:
        errors.add(name, f"At most {max_len} characters.")
        return None
    return value or None


def _date(errors: _Errors, name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(name, f"{value!r} is not a date; use YYYY-MM-DD.")
        return None


def _timezone(errors: _Errors, name: str, value: Any) -> str | None:
    text = _text(errors, name, value, 64)
    if text is None:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add(name, f"{text!r} is not a known time zone; use an IANA name like Europe/Berlin.")
        return None
    return text


def _bool(errors: _Errors, name: str, value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    errors.add(name, f"{value!r} is not yes/no.")
    return None


def _attributes(errors: _Errors, name: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(name, "Must be an object of attribute names to values.")
        return None
    return value


def _unknown(errors: _Errors, data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for key in data:
        if key not in allowed:
            errors.add(key, "Unknown field.")


# ---------------------------------------------------------------- accounts


def _clean_account(session: Session, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    errors = _Errors()
    _unknown(errors, data, ACCOUNT_FIELDS)
    clean: dict[str, Any] = {}
    if "name" in data or not partial:
        name = _text(errors, "name", data.get("name"), 200)
        if not name and "name" not in errors:
            errors.add("name", "A name is required.")
        clean["name"] = name
    for key, max_len in (("external_id", 120), ("plan", 60), ("region", 60), ("industry", 120),
                         ("lifecycle_stage", 60)):  # fmt: skip
        if key in data:
            clean[key] = _text(errors, key, data[key], max_len)
    if "arr" in data:
        raw = data["arr"]
        if raw is None or raw == "":
            clean["arr"] = None
        else:
            try:
                arr = Decimal(str(raw))
                if not arr.is_finite() or arr < 0:
                    raise InvalidOperation
                clean["arr"] = arr.quantize(Decimal("0.01"))
            except InvalidOperation:
                errors.add("arr", f"{raw!r} is not an amount of money of 0 or more.")
    for key in ("customer_since", "renewal_date"):
        if key in data:
            clean[key] = _date(errors, key, data[key])
    if "status" in data:
        status = data["status"] or "active"
        if status not in ACCOUNT_STATUSES:
            errors.add("status", f"Must be one of {', '.join(ACCOUNT_STATUSES)}.")
        clean["status"] = status
    if "timezone" in data:
        clean["timezone"] = _timezone(errors, "timezone", data["timezone"])
    if "attributes" in data:
        clean["attributes"] = _attributes(errors, "attributes", data["attributes"]) or {}
    if "owner_email" in data:
        clean["owner_id"] = None
        if data["owner_email"]:
            owner = session.scalar(
                select(User).where(User.email == str(data["owner_email"]).strip().lower())
            )
            if owner is None:
                errors.add("owner_email", f"No staff user has the email {data['owner_email']!r}.")
            else:
                clean["owner_id"] = owner.id
    if "domains" in data:
        domains = data["domains"] or []
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            errors.add("domains", "Must be a list of domain names.")
        else:
            clean["domains"] = []
            for raw in domains:
                domain = normalise_domain(raw)
                if "." not in domain or " " in domain:
                    errors.add("domains", f"{raw!r} is not a domain name.")
                elif is_free_mail(domain):
                    errors.add(
                        "domains",
                        f"{domain} is a free-mail domain and cannot identify one account.",
                    )  # noqa: E501
                elif domain not in clean["domains"]:
                    clean["domains"].append(domain)
    if errors:
        raise InvalidInput("The account was not saved: some fields are invalid.", dict(errors))
    return clean


def _apply_account(session: Session, account: Account, clean: dict[str, Any]) -> None:
    domains = clean.pop("domains", None)
    if clean.get("external_id") and clean["external_id"] != account.external_id:
        other = session.scalar(select(Account).where(Account.external_id == clean["external_id"]))
        if other is not None and other is not account:
            raise Conflict(
                f"Another account ({other.name}) already has external id {clean['external_id']!r}.",
                {"external_id": ["Already used by another account."]},
            )
    for key, value in clean.items():
        setattr(account, key, value)
    if domains is not None:
        taken = session.scalars(
            select(AccountDomain).where(AccountDomain.domain.in_(domains))
        ).all()
        clash = [d.domain for d in taken if d.account is not account]
        if clash:
            raise Conflict(
                f"Domain {clash[0]} already belongs to another account.",
                {"domains": [f"{d} already belongs to another account." for d in clash]},
            )
        keep = {d.domain: d for d in account.domains}
        account.domains = [keep.get(d) or AccountDomain(domain=d) for d in domains]


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account with id {account_id}.")
    return account


def create_account(session: Session, data: Mapping[str, Any]) -> Account:
    clean = _clean_account(session, data, partial=False)
    account = Account(attributes={})
    # Added only once filled in: _apply_account's lookups autoflush, and a nameless row fails.
    _apply_account(session, account, clean)
    session.add(account)
    session.flush()
    return account


def update_account(session: Session, account_id: int, data: Mapping[str, Any]) -> Account:
    account = get_account(session, account_id)
    _apply_account(session, account, _clean_account(session, data, partial=True))
    session.flush()
    session.refresh(account)  # the related owner follows the owner_id just set
    return account


def upsert_account(
    session: Session, external_id: str, data: Mapping[str, Any]
) -> tuple[Account, bool]:  # noqa: E501
    """Create or update the account with this CRM id; returns (account, created)."""
    data = {**data, "external_id": external_id}
    account = session.scalar(select(Account).where(Account.external_id == external_id))
    if account is None:
        account, created = create_account(session, data), True
    else:
        _apply_account(session, account, _clean_account(session, data, partial=True))
        session.flush()
        created = False
    session.refresh(account)  # the related owner follows the owner_id just set
    return account, created


def delete_account(session: Session, account_id: int) -> None:
    session.delete(get_account(session, account_id))
    session.flush()


def list_accounts(
    session: Session, page: int, per_page: int, filters: Mapping[str, Any] | None = None
) -> tuple[list[Account], int]:
    """Accounts by id, optionally only one plan, region or status."""
    query = select(Account).options(selectinload(Account.domains), selectinload(Account.owner))
    for key in ("plan", "region", "status"):
        if (filters or {}).get(key):
            query = query.where(getattr(Account, key) == filters[key])
    return paginate(session, query.order_by(Account.id), page, per_page)


# ---------------------------------------------------------------- contacts


@dataclass
class _Lookups:
    """Accounts by external id and by domain, loaded once for a batch of contacts."""

    by_external_id: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)

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
        return lookups


def _clean_contact(data: Mapping[str, Any], lookups: _Lookups, *, partial: bool) -> dict[str, Any]:
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise InvalidInput("Each contact must be an object.", {"": ["Must be an object."]})
    _unknown(errors, data, CONTACT_FIELDS)
    clean: dict[str, Any] = {}
    if "email" in data or not partial:
        try:
            clean["email"] = normalise_email(data.get("email"))
        except ValueError as exc:
            errors.add("email", str(exc))
    if "name" in data:
        clean["name"] = _text(errors, "name", data["name"], 200)
    if "timezone" in data:
        clean["timezone"] = _timezone(errors, "timezone", data["timezone"])
    if "locale" in data:
        locale = _text(errors, "locale", data["locale"], 16)
        if locale and not is_known_locale(locale):
            errors.add("locale", f"{locale!r} is not a known locale; use one such as en or pt-BR.")
        clean["locale"] = locale
    if "signed_up_on" in data:
        clean["signed_up_on"] = _date(errors, "signed_up_on", data["signed_up_on"])
    if "attributes" in data:
        clean["attributes"] = _attributes(errors, "attributes", data["attributes"]) or {}
    for key in ("unsubscribed", "bounced"):
        if key in data:
            value = _bool(errors, key, data[key])
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


@dataclass(frozen=True)
class RowResult:
    """What happened to one row of a bulk upsert or import, by its position."""

    index: int
    status: str  # "created", "updated" or "invalid"
    email: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


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
    if all_or_nothing and results:
        fields = {f"{r.index}.{k}": v for r in results for k, v in r.errors.items()}
        raise InvalidInput(
            f"{len(results)} of {len(results) + len(cleaned)} contacts are invalid; "
            "nothing was saved.",
            fields,
        )
    existing: dict[str, Contact] = {}
    emails = [clean["email"] for _, clean, _ in cleaned]
    for start in range(0, len(emails), CHUNK):
        for contact in session.scalars(
            select(Contact).where(Contact.email.in_(emails[start : start + CHUNK]))
        ):
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
    contact = session.scalar(select(Contact).where(Contact.email == result.email))
    assert contact is not None
    session.refresh(contact)  # the bulk upsert wrote past the identity map; the account follows
    return contact, result.status == "created"


# ---------------------------------------------------------------- bulk accounts


@dataclass(frozen=True)
class AccountRowResult:
    """What happened to one account row of a bulk upsert, by its position."""

    index: int
    status: str  # "created", "updated" or "invalid"
    external_id: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def upsert_accounts(
    session: Session, rows: Sequence[Mapping[str, Any]], *, all_or_nothing: bool
) -> list[AccountRowResult]:
    """Create or update accounts by external id, looking rows up in chunks, not one by one.

    upsert_account in a loop takes tens of seconds for 10,000 rows (a flush and several
    queries per row); this checks every row first, then writes with one flush. With
    all_or_nothing, one invalid row refuses the whole batch before anything is written.
    """
    results: list[AccountRowResult] = []
    cleaned: list[tuple[int, str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            results.append(AccountRowResult(index, "invalid", None, {"": ["Must be an object."]}))
            continue
        raw_id = row.get("external_id")
        external_id = raw_id.strip() if isinstance(raw_id, str) else ""
        try:
            clean = _clean_account(session, row, partial=True)
        except InvalidInput as exc:
            errors = dict(exc.fields)
        else:
            errors = {}
        if not external_id:
            errors.setdefault("external_id", []).append("An external id is required to upsert.")
        elif external_id in seen:
            errors.setdefault("external_id", []).append(
                f"Repeats row {seen[external_id] + 1}'s external id in the same batch."
            )
        if errors:
            results.append(AccountRowResult(index, "invalid", external_id or None, errors))
            continue
        seen[external_id] = index
        cleaned.append((index, external_id, clean))

    existing: dict[str, Account] = {}
    ids = [external_id for _, external_id, _ in cleaned]
    for start in range(0, len(ids), CHUNK):
        for account in session.scalars(
            select(Account).options(selectinload(Account.domains))
            .where(Account.external_id.in_(ids[start : start + CHUNK]))
        ):  # fmt: skip
            existing[account.external_id or ""] = account
    wanted = sorted({d for _, _, clean in cleaned for d in clean.get("domains") or ()})
    owner_of: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        for domain, account_id in session.execute(
            select(AccountDomain.domain, AccountDomain.account_id)
            .where(AccountDomain.domain.in_(wanted[start : start + CHUNK]))
        ):  # fmt: skip
            owner_of[domain] = account_id

    claimed: dict[str, int] = {}
    ready: list[tuple[int, str, dict[str, Any]]] = []
    for index, external_id, clean in cleaned:
        account = existing.get(external_id)
        errors = _Errors()
        if account is None and not clean.get("name"):
            errors.add("name", "A name is required to create an account.")
        for domain in clean.get("domains") or ():
            owner = owner_of.get(domain)
            if owner is not None and (account is None or owner != account.id):
                errors.add("domains", f"{domain} already belongs to another account.")
            elif domain in claimed:
                errors.add("domains", f"{domain} is also given in row {claimed[domain] + 1}.")
            else:
                claimed[domain] = index
        if errors:
            results.append(AccountRowResult(index, "invalid", external_id, dict(errors)))
        else:
            ready.append((index, external_id, clean))
    if all_or_nothing and results:
        fields = {
            f"{r.index}.{k}" if k else str(r.index): v for r in results for k, v in r.errors.items()
        }
        raise InvalidInput(
            f"{len(results)} of {len(rows)} accounts are invalid; nothing was saved.", fields
        )

    for index, external_id, clean in ready:
        clean["external_id"] = external_id
        domains = clean.pop("domains", None)
        account = existing.get(external_id)
        created = account is None
        if account is None:
            account = Account(attributes={})
        for key, value in clean.items():
            setattr(account, key, value)
        if domains is not None:
            keep = {d.domain: d for d in account.domains}
            account.domains = [keep.get(d) or AccountDomain(domain=d) for d in domains]
        if created:
            session.add(account)
        results.append(AccountRowResult(index, "created" if created else "updated", external_id))
    session.flush()
    return sorted(results, key=lambda r: r.index)
