"""Settings from FEEDBACK_* environment variables, checked once at start-up.

A wrong value stops start-up with one line naming the variable, because a service that starts
with a typo in its mail backend fails much later, on a customer's email.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MAIL_BACKENDS = ("console", "sendgrid")
SENDGRID_DEFAULT_HOST = "https://api.sendgrid.com"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the FEEDBACK_* variable."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Safe local defaults: an embedded SQLite file and mail printed to the console."""
    return {
        "ENV": "development",
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'feedback.sqlite3'}",
        "SECRET_KEY": None,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "MAIL_BACKEND": "console",
        "MAIL_FROM": "Customer Success <feedback@localhost>",
        "INBOUND_DOMAIN": "inbound.localhost",
        "SENDGRID_API_KEY": None,
        "SENDGRID_HOST": SENDGRID_DEFAULT_HOST,
        "SENDGRID_TIMEOUT": 10.0,
        # The event webhook's verification key, base64 DER as SendGrid shows it; None refuses
        # every event post. Posts older than MAX_AGE seconds (or as far ahead) are refused.
        "SENDGRID_WEBHOOK_PUBLIC_KEY": None,
        "SENDGRID_WEBHOOK_MAX_AGE": 300,
        # The Inbound Parse webhook's shared secret (in its URL or as the basic-auth password);
        # None refuses every inbound post.
        "INBOUND_SECRET": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Failed sign-ins: per account (then locked, unlock link emailed) and per address.
        "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
        "LOGIN_ADDRESS_LIMIT": "50 per 15 minutes",
        "API_MAX_BULK": 10_000,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    }


def validate(config: dict[str, Any], instance_path: str) -> None:
    """Check and normalise settings in place; raise ConfigError naming the variable."""
    env = str(config.get("ENV") or "development").lower()
    if env not in ("development", "production", "testing"):
        raise ConfigError(
            f"FEEDBACK_ENV: unknown value {env!r}; use development, production or testing"
        )
    config["ENV"] = env

    try:
        url = make_url(str(config["DATABASE_URL"]))
    except ArgumentError:
        raise ConfigError(
            f"FEEDBACK_DATABASE_URL: cannot parse {config['DATABASE_URL']!r}; expected e.g. "
            "postgresql+psycopg://user@host/db or sqlite:///path/to/file.sqlite3"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"FEEDBACK_DATABASE_URL: unsupported database {url.get_backend_name()!r}; "
            "use postgresql or sqlite"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    config["DATABASE_URL"] = url.render_as_string(hide_password=False)

    backend = str(config.get("MAIL_BACKEND") or "").lower()
    if backend not in MAIL_BACKENDS:
        raise ConfigError(
            f"FEEDBACK_MAIL_BACKEND: unknown backend {config.get('MAIL_BACKEND')!r}; "
            f"use one of {', '.join(MAIL_BACKENDS)}"
        )
    config["MAIL_BACKEND"] = backend
    if backend == "sendgrid" and not config.get("SENDGRID_API_KEY"):
        raise ConfigError("FEEDBACK_SENDGRID_API_KEY: required when FEEDBACK_MAIL_BACKEND=sendgrid")

    for name in ("PUBLIC_URL", "SENDGRID_HOST"):
        parts = urlsplit(str(config.get(name) or ""))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"FEEDBACK_{name}: {config.get(name)!r} is not an http(s) URL "
                "such as https://feedback.example.com"
            )
        config[name] = str(config[name]).rstrip("/")

    if not config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "FEEDBACK_SECRET_KEY: required in production (FEEDBACK_ENV=production); "
                "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        config["SECRET_KEY"] = _stored_secret_key(Path(instance_path))


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
