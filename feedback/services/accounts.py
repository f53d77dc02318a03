"""Use cases for accounts: create, upsert by the CRM's external id, bulk upsert, update,
delete, list.

Every path (API, demo seed) goes through here, so a domain or a time zone is checked the
same way whichever door it came in by. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feedback.customer_fields import (
    ACCOUNT_FIELDS,
    ACCOUNT_STATUSES,
    FieldErrors,
    attributes_field,
    date_field,
    text_field,
    timezone_field,
    unknown_fields,
)
from feedback.matching import is_free_mail, normalise_domain
from feedback.models import Account, AccountDomain, User
from feedback.services.bulk_upsert import RowResult, chunks, refuse_invalid
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.services.paging import paginate


def _clean_account(session: Session, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    errors = FieldErrors()
    unknown_fields(errors, data, ACCOUNT_FIELDS)
    clean: dict[str, Any] = {}
    if "name" in data or not partial:
        name = text_field(errors, "name", data.get("name"), 200)
        if not name and "name" not in errors:
            errors.add("name", "A name is required.")
        clean["name"] = name
    for key, max_len in (("external_id", 120), ("plan", 60), ("region", 60), ("industry", 120),
                         ("lifecycle_stage", 60)):  # fmt: skip
        if key in data:
            clean[key] = text_field(errors, key, data[key], max_len)
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
            clean[key] = date_field(errors, key, data[key])
    if "status" in data:
        status = data["status"] or "active"
        if status not in ACCOUNT_STATUSES:
            errors.add("status", f"Must be one of {', '.join(ACCOUNT_STATUSES)}.")
        clean["status"] = status
    if "timezone" in data:
        clean["timezone"] = timezone_field(errors, "timezone", data["timezone"])
    if "attributes" in data:
        clean["attributes"] = attributes_field(errors, "attributes", data["attributes"]) or {}
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


# ---------------------------------------------------------------- bulk


def upsert_accounts(
    session: Session, rows: Sequence[Mapping[str, Any]], *, all_or_nothing: bool
) -> list[RowResult]:
    """Create or update accounts by external id, looking rows up in chunks, not one by one.

    upsert_account in a loop takes tens of seconds for 10,000 rows (a flush and several
    queries per row); this checks every row first, then writes with one flush. With
    all_or_nothing, one invalid row refuses the whole batch before anything is written.
    """
    results, ready, existing = _checked(session, rows)
    if all_or_nothing:
        refuse_invalid(results, len(rows), "accounts")

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
        results.append(RowResult(index, "created" if created else "updated", external_id))
    session.flush()
    return sorted(results, key=lambda r: r.index)


def _checked(
    session: Session, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[RowResult], list[tuple[int, str, dict[str, Any]]], dict[str, Account]]:
    """Every row checked, nothing written: the invalid rows' results, the rows ready to
    write, and the stored accounts they update."""
    results: list[RowResult] = []
    cleaned: list[tuple[int, str, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            results.append(RowResult(index, "invalid", None, {"": ["Must be an object."]}))
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
            results.append(RowResult(index, "invalid", external_id or None, errors))
            continue
        seen[external_id] = index
        cleaned.append((index, external_id, clean))

    existing: dict[str, Account] = {}
    ids = [external_id for _, external_id, _ in cleaned]
    for chunk in chunks(ids):
        for account in session.scalars(
            select(Account).options(selectinload(Account.domains))
            .where(Account.external_id.in_(chunk))
        ):  # fmt: skip
            existing[account.external_id or ""] = account
    wanted = sorted({d for _, _, clean in cleaned for d in clean.get("domains") or ()})
    owner_of: dict[str, int] = {}
    for chunk in chunks(wanted):
        for domain, account_id in session.execute(
            select(AccountDomain.domain, AccountDomain.account_id)
            .where(AccountDomain.domain.in_(chunk))
        ):  # fmt: skip
            owner_of[domain] = account_id

    claimed: dict[str, int] = {}
    ready: list[tuple[int, str, dict[str, Any]]] = []
    for index, external_id, clean in cleaned:
        account = existing.get(external_id)
        errors = FieldErrors()
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
            results.append(RowResult(index, "invalid", external_id, dict(errors)))
        else:
            ready.append((index, external_id, clean))
    return results, ready, existing


def check_accounts(
    session: Session, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[int, dict[str, list[str]]]]:
    """The errors upsert_accounts would report, by row index, without writing (CSV preview)."""
    results, _, _ = _checked(session, rows)
    return [(r.index, r.errors) for r in results if r.status == "invalid"]
