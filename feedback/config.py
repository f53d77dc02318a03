"""Settings from FEEDBACK_* environment variables, parsed and checked once at start-up.

One typed definition (`Settings`) says every setting's type, default and what a good value
looks like; the README's configuration table is generated from it (`python -m feedback.config`)
and a test keeps the two equal. A wrong value stops start-up with one line naming the variable,
because a service that starts with a typo in its mail backend fails much later, on a customer's
email. Production adds the checks that only matter there (`check_production`).
"""

from __future__ import annotations

import difflib
import logging
import os
import secrets
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from feedback import health

MAIL_BACKENDS = ("console", "sendgrid")
SENDGRID_DEFAULT_HOST = "https://api.sendgrid.com"
ENV_PREFIX = "FEEDBACK_"

# Flask's own settings that are not operator choices; create_app applies them as they are.
FLASK_DEFAULTS: dict[str, Any] = {
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
}


# FEEDBACK_* variables that belong to the tools around the service (the test suite, dev.py),
# not to the service: never reported as unknown.
TOOL_VARIABLES = frozenset({"FEEDBACK_TEST_DATABASE_URL", "FEEDBACK_PG_ADMIN_URL"})


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the FEEDBACK_* variable."""


def _setting(default: Any, expected: str, doc: str, shown_default: str | None = None) -> Any:
    """A field with what the error says is expected, and the README's default and meaning."""
    return Field(
        default,
        description=doc,
        json_schema_extra={
            "expected": expected,
            "shown_default": shown_default if shown_default is not None else f"`{default}`",
        },
    )


class Settings(BaseSettings):
    """Every FEEDBACK_* setting. Field X is read from the variable FEEDBACK_X."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, case_sensitive=True, extra="ignore", validate_default=False
    )

    ENV: Literal["development", "production", "testing"] = _setting(
        "development",
        "development, production or testing",
        "`production` requires a secret key, PostgreSQL, a real sender domain and the webhook "
        "secrets with sendgrid; it turns on secure cookies and JSON logs",
    )
    DATABASE_URL: str | None = _setting(
        None,
        "a SQLAlchemy URL such as postgresql://user@host/db or sqlite:///path/to/file.sqlite3",
        "SQLAlchemy URL; `postgresql://…` uses psycopg 3",
        "`sqlite:///instance/feedback.sqlite3`",
    )
    SECRET_KEY: str | None = _setting(
        None,
        "a long random string",
        "Session and CSRF signing key; required in production",
        "generated into `instance/secret_key`",
    )
    PUBLIC_URL: str = _setting(
        "http://127.0.0.1:5000",
        "an http(s) URL such as https://feedback.example.com",
        "Base of the links in emails",
    )
    MAIL_BACKEND: Literal["console", "sendgrid"] = _setting(
        "console", "console or sendgrid", "`console` (kept for `/dev/mailbox`) or `sendgrid`"
    )
    MAIL_FROM: str = _setting(
        "Customer Success <feedback@localhost>",
        "an address such as 'Customer Success <feedback@example.com>'",
        "Sender address; with sendgrid in production it needs a real domain",
    )
    INBOUND_DOMAIN: str = _setting(
        "inbound.localhost",
        "a host name such as inbound.example.com",
        "Domain of reply addresses (SendGrid Inbound Parse)",
    )
    SENDGRID_API_KEY: str | None = _setting(
        None, "the API key SendGrid shows", "Required with the sendgrid backend", "—"
    )
    SENDGRID_HOST: str = _setting(
        SENDGRID_DEFAULT_HOST,
        "an http(s) URL such as https://api.sendgrid.com",
        "Tests point it at a fake on 127.0.0.1",
    )
    SENDGRID_TIMEOUT: float = _setting(
        10.0,
        "a number of seconds above 0 and at most 300, such as 10",
        "Seconds per SendGrid call",
        "`10`",
    )
    SENDGRID_WEBHOOK_PUBLIC_KEY: str | None = _setting(
        None,
        "the Event Webhook verification key as SendGrid shows it (base64 DER)",
        "Verification key of the signed Event Webhook (base64 DER); unset refuses every event "
        "post; required with sendgrid in production",
        "—",
    )
    SENDGRID_WEBHOOK_MAX_AGE: int = _setting(
        300,
        "a whole number of seconds from 1 to 86400, such as 300",
        "Seconds an event post's signed timestamp may be old (or ahead)",
    )
    INBOUND_SECRET: str | None = _setting(
        None,
        "a random string of letters, digits, '-' or '_'",
        "Secret of the Inbound Parse webhook: `/webhooks/sendgrid/inbound/<secret>` or the "
        "basic-auth password; unset refuses every reply post; required with sendgrid in "
        "production",
        "—",
    )
    API_MAX_BULK: int = _setting(
        10_000,
        "a whole number from 1 to 100000, such as 10000",
        "Most rows in one bulk upsert call",
        "`10000`",
    )
    BACKLOG_PROPOSAL_THRESHOLD: int = _setting(
        5,
        "a whole number from 1 to 100000, such as 5",
        "Detractor and passive answers about one theme, within the window below, that make "
        "`refresh-backlog` propose a backlog item (when no open item covers the theme)",
    )
    BACKLOG_PROPOSAL_WINDOW_DAYS: int = _setting(
        28,
        "a whole number of days from 1 to 3660, such as 28",
        "The window, in days, in which those answers are counted",
    )
    BACKLOG_NOTIFY_ARR_AT_RISK: int = _setting(
        50_000,
        "a whole amount of at least 0, such as 50000",
        "ARR at risk from which a backlog item is news for its department head's daily digest",
        "`50000`",
    )
    RATELIMIT_STORAGE_URI: str = _setting(
        "memory://",
        "a Flask-Limiter storage URI such as memory:// or redis://127.0.0.1:6379",
        "Flask-Limiter storage; use `redis://…` with several web processes",
    )
    LOGIN_ACCOUNT_LIMIT: str = _setting(
        "5 per 15 minutes",
        "a rate such as '5 per 15 minutes' or '5/minute;20/hour'",
        "Failed sign-ins per account, then it is locked and its owner gets an unlock link by email",
    )
    LOGIN_ADDRESS_LIMIT: str = _setting(
        "50 per 15 minutes",
        "a rate such as '50 per 15 minutes'",
        "Failed sign-ins per client address (any account)",
    )
    PASSWORD_RESET_LIMIT: str = _setting(
        "5 per hour",
        "a rate such as '5 per hour'",
        '"Forgot password?" requests per client address and per email address',
    )
    LOGIN_GUARD_KEY_PREFIX: str = _setting(
        "feedback",
        "a short word of letters, digits, '-' or '_'",
        "Prefix of the sign-in counters' keys in the rate-limit storage",
    )
    INBOUND_MAX_BYTES: int = _setting(
        40 * 1024 * 1024,
        "a whole number of bytes from 1048576 to 104857600",
        "Largest Inbound Parse post (SendGrid posts messages up to 30 MB); other routes keep "
        "a 25 MB limit",
        "`41943040`",
    )
    MAX_JSON_BYTES: int = _setting(
        8 * 1024 * 1024,
        "a whole number of bytes from 1024 to 26214400",
        "Largest JSON body (413 beyond it)",
        "`8388608`",
    )
    MAX_JSON_DEPTH: int = _setting(
        32, "a whole number from 2 to 256", "Deepest nesting of a JSON body (400 beyond it)"
    )
    TRUSTED_PROXIES: int = _setting(
        0,
        "a whole number from 0 to 5: how many proxies in front set X-Forwarded-* headers",
        "Proxies in front whose `X-Forwarded-For/Proto/Host` are trusted (HSTS, client "
        "address); 0 trusts none",
    )
    OIDC_DISCOVERY_URL: str | None = _setting(
        None,
        "the provider's https URL ending in /.well-known/openid-configuration",
        "Single sign-on with OpenID Connect: the provider's discovery document (Google "
        "Workspace: `https://accounts.google.com/.well-known/openid-configuration`; Entra ID and "
        "Okta show theirs); unset turns SSO off",
        "—",
    )
    OIDC_CLIENT_ID: str | None = _setting(
        None, "the client id the provider shows", "Required with SSO", "—"
    )
    OIDC_CLIENT_SECRET: str | None = _setting(
        None, "the client secret the provider shows", "Required with SSO", "—"
    )
    OIDC_PROVIDER_NAME: str = _setting(
        "SSO",
        "a short name such as Google, Microsoft or Okta",
        "The sign-in button says “Sign in with <name>”",
    )
    OIDC_REQUIRE_SSO: bool = _setting(
        False,
        "true or false",
        "Refuse password sign-in for everyone but admins (their password is the way in when the "
        "provider is down); staff sign in with SSO",
    )

    HEALTH_WEIGHTS: str = _setting(
        "",
        'a JSON object of health part weights such as {"usage": 30, "billing": 0}',
        "Weights of the account health parts (nps_latest, nps_trend, sentiment, "
        "open_detractor_tasks, response_rate, usage, support, billing); the parts named "
        "replace the defaults",
        "the defaults of `feedback/health.py`",
    )
    HEALTH_DROP: int = _setting(
        15,
        "a whole number of points from 1 to 100, such as 15",
        "A fall in account health of more than this many points between two runs opens a "
        "`recover` task through the playbooks' `health_drop` rule",
    )

    @field_validator("ENV", "MAIL_BACKEND", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("cannot parse") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {url.get_backend_name()!r}")
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
        return url.render_as_string(hide_password=False)

    @field_validator("PUBLIC_URL", "SENDGRID_HOST")
    @classmethod
    def _http_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("MAIL_FROM")
    @classmethod
    def _address(cls, value: str) -> str:
        name, address = parseaddr(value)
        local, at, domain = address.partition("@")
        if not (local and at and domain) or any(c.isspace() for c in address):
            raise ValueError("not an email address")
        return value.strip()

    @field_validator("INBOUND_DOMAIN")
    @classmethod
    def _host_name(cls, value: str) -> str:
        labels = value.strip().lower().split(".")
        if not all(label and label.replace("-", "").isalnum() for label in labels):
            raise ValueError("not a host name")
        return ".".join(labels)

    @field_validator("OIDC_PROVIDER_NAME")
    @classmethod
    def _provider_name(cls, value: str) -> str:
        if not 1 <= len(value.strip()) <= 40:
            raise ValueError("not a short name")
        return value.strip()

    @field_validator("OIDC_DISCOVERY_URL")
    @classmethod
    def _discovery_url(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        return value.strip()

    @field_validator("SECRET_KEY", "SENDGRID_API_KEY", "INBOUND_SECRET", "OIDC_CLIENT_ID",
                     "OIDC_CLIENT_SECRET")  # fmt: skip
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None  # an empty variable means "not set", as the README says
        return value

    @field_validator("INBOUND_SECRET")
    @classmethod
    def _url_safe(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError("must fit in a URL")  # it is a path segment of the webhook URL
        return value

    @field_validator("SENDGRID_WEBHOOK_PUBLIC_KEY")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from feedback.mail.webhook_signature import load_public_key

        load_public_key(value.strip())  # KeyInvalid is a ValueError: a key that cannot verify
        return value.strip()

    @field_validator("SENDGRID_TIMEOUT")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 0 < value <= 300:
            raise ValueError("out of range")
        return value

    # Whole-number settings and the range each must fall in (inclusive).
    _RANGES: ClassVar[dict[str, tuple[int, int]]] = {
        "SENDGRID_WEBHOOK_MAX_AGE": (1, 86_400),
        "API_MAX_BULK": (1, 100_000),
        "BACKLOG_PROPOSAL_THRESHOLD": (1, 100_000),
        "BACKLOG_NOTIFY_ARR_AT_RISK": (0, 10**12),
        "BACKLOG_PROPOSAL_WINDOW_DAYS": (1, 3660),
        "INBOUND_MAX_BYTES": (1024 * 1024, 100 * 1024 * 1024),
        "MAX_JSON_BYTES": (1024, 25 * 1024 * 1024),
        "MAX_JSON_DEPTH": (2, 256),
        "TRUSTED_PROXIES": (0, 5),
        "HEALTH_DROP": (1, 100),
    }

    @field_validator(*_RANGES)
    @classmethod
    def _in_range(cls, value: int, info: ValidationInfo) -> int:
        low, high = cls._RANGES[info.field_name]
        if not low <= value <= high:
            raise ValueError("out of range")
        return value

    @field_validator("LOGIN_GUARD_KEY_PREFIX")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value or len(value) > 40 or not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError("not a short word")
        return value

    @field_validator("HEALTH_WEIGHTS")
    @classmethod
    def _health_weights(cls, value: str) -> str:
        health.parse_weights(value)  # ValueError names the part that is wrong
        return value

    @field_validator("RATELIMIT_STORAGE_URI")
    @classmethod
    def _storage(cls, value: str) -> str:
        from limits.storage import SCHEMES

        if value.split("://", 1)[0] not in SCHEMES or "://" not in value:
            raise ValueError("unknown storage")
        return value

    @field_validator("LOGIN_ACCOUNT_LIMIT", "LOGIN_ADDRESS_LIMIT", "PASSWORD_RESET_LIMIT")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # raises ValueError for 'lots'
        return value


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting, from the environment with `overrides` on top (tests pass theirs here).

    Raises ConfigError with one line naming the first wrong variable.
    """
    known = {k: v for k, v in (overrides or {}).items() if k in Settings.model_fields}
    try:
        settings = Settings(**known)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    config = settings.model_dump()
    for problem in unknown_variables(os.environ):
        if config["ENV"] == "production":
            raise ConfigError(problem)
        logging.getLogger("feedback").warning("%s", problem)
    config["DATABASE_URL"] = config["DATABASE_URL"] or (
        f"sqlite:///{Path(instance_path) / 'feedback.sqlite3'}"
    )
    check(config)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _stored_secret_key(Path(instance_path))
    return config


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line for each FEEDBACK_* variable no setting reads, naming the one it resembles.

    A misspelt FEEDBACK_DATABSE_URL would otherwise be ignored without a word and the service
    would start on the default database: production refuses to start, development warns.
    """
    names = [f"{ENV_PREFIX}{name}" for name in Settings.model_fields]
    problems = []
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX) or variable in TOOL_VARIABLES:
            continue
        if variable in names:
            continue
        close = difflib.get_close_matches(variable, names, n=1, cutoff=0.75)
        hint = (
            f"; did you mean {close[0]}?"
            if close
            else "; the settings are listed by: python -m feedback.config"
        )
        problems.append(f"{variable}: no setting has this name, so it is ignored{hint}")
    return problems


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else "?"
    field = Settings.model_fields.get(name)
    expected = (field.json_schema_extra or {}).get("expected") if field else None  # type: ignore[union-attr]
    shown = str(error.get("input"))
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return f"{ENV_PREFIX}{name}: {shown!r} is not valid; expected {expected}"


def check(config: dict[str, Any]) -> None:
    """The rules between settings, and production's own; raise ConfigError naming one."""
    if config["MAIL_BACKEND"] == "sendgrid" and not config.get("SENDGRID_API_KEY"):
        raise ConfigError("FEEDBACK_SENDGRID_API_KEY: required when FEEDBACK_MAIL_BACKEND=sendgrid")
    if config.get("OIDC_DISCOVERY_URL") or config.get("OIDC_CLIENT_ID"):
        for name in ("OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
            if not config.get(name):
                raise ConfigError(
                    f"FEEDBACK_{name}: required for single sign-on (FEEDBACK_OIDC_DISCOVERY_URL, "
                    "FEEDBACK_OIDC_CLIENT_ID and FEEDBACK_OIDC_CLIENT_SECRET go together)"
                )
    if config.get("OIDC_REQUIRE_SSO") and not config.get("OIDC_DISCOVERY_URL"):
        raise ConfigError(
            "FEEDBACK_OIDC_REQUIRE_SSO: needs single sign-on set up (FEEDBACK_OIDC_DISCOVERY_URL, "
            "FEEDBACK_OIDC_CLIENT_ID, FEEDBACK_OIDC_CLIENT_SECRET); without it nobody but admins "
            "could sign in"
        )
    if config["ENV"] == "production":
        check_production(config)


def check_production(config: dict[str, Any]) -> None:
    """What a development default gets away with but production must not start with."""
    import email_validator

    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "FEEDBACK_SECRET_KEY: required in production (FEEDBACK_ENV=production); "
            "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigError(
            "FEEDBACK_SECRET_KEY: too short for production; use at least 32 random characters, "
            "e.g. from: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if make_url(config["DATABASE_URL"]).get_backend_name() == "sqlite":
        raise ConfigError(
            "FEEDBACK_DATABASE_URL: SQLite is for development; production needs PostgreSQL "
            "(postgresql://user@host/db) so several processes can share it"
        )
    if config["MAIL_BACKEND"] != "sendgrid":
        return
    address = parseaddr(config["MAIL_FROM"])[1]
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise ConfigError(
            f"FEEDBACK_MAIL_FROM: {address!r} has no real domain; with sendgrid in production "
            "the sender must be an address of a domain you verified at SendGrid"
        ) from None
    for name, why in (
        ("SENDGRID_WEBHOOK_PUBLIC_KEY", "bounces and unsubscribes would never be recorded"),
        ("INBOUND_SECRET", "customers' replies would be refused"),
    ):
        if not config.get(name):
            raise ConfigError(
                f"FEEDBACK_{name}: required with sendgrid in production; without it {why}"
            )


def readme_table() -> str:
    """The README's configuration table, generated from the definition."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        shown = (field.json_schema_extra or {})["shown_default"]  # type: ignore[index]
        lines.append(f"| `{ENV_PREFIX}{name}` | {shown} | {field.description} |")
    return "\n".join(lines)


def _stored_secret_key(instance: Path) -> str:
    """A key generated on first run and kept, so logins survive a restart in development."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


if __name__ == "__main__":
    print(readme_table())
