"""Which account a contact belongs to ("keys must join your data").

An explicit CRM external id always wins; otherwise the email's domain is looked up among the
domains accounts are known to own. Free-mail domains never match: half the world's contacts
share gmail.com, and attaching them all to one account would poison its health score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com",
        "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru", "qq.com",
        "163.com", "zoho.com", "fastmail.com", "hey.com",
    }
)  # fmt: skip


@dataclass(frozen=True)
class AccountMatch:
    account_id: int | None
    matched_by: str  # "external_id", "domain", or "none"
    detail: str


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower().rstrip(".")


def normalise_domain(domain: str) -> str:
    """Lower-case, without a leading '@' or 'www.', so admins may paste either form."""
    domain = domain.strip().lower().lstrip("@").rstrip(".")
    return domain[4:] if domain.startswith("www.") else domain


def is_free_mail(domain: str) -> bool:
    return normalise_domain(domain) in FREE_MAIL_DOMAINS


def match_account(
    email: str,
    account_external_id: str | None,
    ids_by_external_id: Mapping[str, int],
    ids_by_domain: Mapping[str, int],
) -> AccountMatch:
    """Match by external id, else by email domain (a sub-domain matches its parent)."""
    if account_external_id:
        account_id = ids_by_external_id.get(account_external_id)
        if account_id is None:
            return AccountMatch(None, "none", f"no account has external id {account_external_id!r}")
        return AccountMatch(account_id, "external_id", f"external id {account_external_id!r}")
    domain = email_domain(email)
    if is_free_mail(domain):
        return AccountMatch(None, "none", f"{domain} is a free-mail domain")
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in ids_by_domain:
            return AccountMatch(ids_by_domain[candidate], "domain", f"email domain {candidate}")
    return AccountMatch(None, "none", f"no account owns the domain {domain}")
