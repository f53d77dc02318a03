"""Limits on failed sign-ins, per account and per client address, counted in shared storage.

Why two counters and why only failures: keyed on the address alone, 30 wrong passwords for one
account from three addresses were never limited, while a colleague behind the same office
address was refused with the right password. So a failure counts against the account (a low
limit, then the account is locked and its owner gets an unlock link by email) and against the
address (a higher limit, against one machine trying many accounts); a success counts nothing
and clears the account's failures. Another account on the same address is only affected when
that address itself has crossed its own, much higher, limit.

The counts live in `FEEDBACK_RATELIMIT_STORAGE_URI` (the `limits` library's storage, shared with
Flask-Limiter): `memory://` is per process and fine for one process; with several gunicorn
workers or hosts use `redis://host:6379`, or each worker counts on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

EXTENSION = "feedback.signin_guard"


@dataclass(frozen=True)
class Verdict:
    """Why a sign-in attempt is refused before its password is checked, if it is."""

    account_locked: bool = False
    address_limited: bool = False

    @property
    def refused(self) -> bool:
        return self.account_locked or self.address_limited


class SigninGuard:
    def __init__(self, storage: Storage, prefix: str, per_account: str, per_address: str):
        self.limiter = FixedWindowRateLimiter(storage)
        self.prefix = prefix
        self.per_account: RateLimitItem = parse(per_account)
        self.per_address: RateLimitItem = parse(per_address)

    def _account(self, email: str) -> tuple[str, str, str]:
        return (self.prefix, "signin-account", email.strip().lower())

    def _address(self, address: str) -> tuple[str, str, str]:
        return (self.prefix, "signin-address", address or "unknown")

    def check(self, email: str, address: str) -> Verdict:
        """Whether this attempt may have its password checked at all (counts nothing)."""
        return Verdict(
            account_locked=not self.limiter.test(self.per_account, *self._account(email)),
            address_limited=not self.limiter.test(self.per_address, *self._address(address)),
        )

    def failed(self, email: str, address: str) -> bool:
        """Count a failed attempt; True when this one locked the account (send the unlock)."""
        self.limiter.hit(self.per_address, *self._address(address))
        self.limiter.hit(self.per_account, *self._account(email))
        return not self.limiter.test(self.per_account, *self._account(email))

    def succeeded(self, email: str) -> None:
        self.limiter.clear(self.per_account, *self._account(email))

    def unlock(self, email: str) -> None:
        self.limiter.clear(self.per_account, *self._account(email))


def guard() -> SigninGuard:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    app.config.setdefault("LOGIN_GUARD_KEY_PREFIX", "feedback")
    storage = storage_from_string(str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))
    app.extensions[EXTENSION] = SigninGuard(
        storage,
        str(app.config["LOGIN_GUARD_KEY_PREFIX"]),
        str(app.config["LOGIN_ACCOUNT_LIMIT"]),
        str(app.config["LOGIN_ADDRESS_LIMIT"]),
    )
