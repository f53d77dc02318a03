"""A wrong setting stops start-up with one line naming the variable; production refuses more."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.config import ENV_PREFIX, ConfigError, Settings, load, readme_table

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 64


def _public_key() -> str:
    """A verification key as SendGrid shows one: base64 DER of a P-256 public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


PUBLIC_KEY = _public_key()
PRODUCTION = {
    "FEEDBACK_ENV": "production",
    "FEEDBACK_SECRET_KEY": GOOD_KEY,
    "FEEDBACK_DATABASE_URL": "postgresql://feedback@127.0.0.1/feedback",
}
PRODUCTION_SENDGRID = {
    **PRODUCTION,
    "FEEDBACK_MAIL_BACKEND": "sendgrid",
    "FEEDBACK_SENDGRID_API_KEY": "SG.x",
    "FEEDBACK_MAIL_FROM": "Customer Success <feedback@acme.com>",
    "FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY": PUBLIC_KEY,
    "FEEDBACK_INBOUND_SECRET": "s3cret-Path_part",
}

# One bad value for every setting (with what else it needs to be checked at all).
DISCOVERY = "https://idp.example/.well-known/openid-configuration"
BAD_VALUES: dict[str, dict[str, str]] = {
    "ENV": {"FEEDBACK_ENV": "staging"},
    "DATABASE_URL": {"FEEDBACK_DATABASE_URL": "mysql://x@y/z"},
    "SECRET_KEY": {**PRODUCTION, "FEEDBACK_SECRET_KEY": "short"},
    "PUBLIC_URL": {"FEEDBACK_PUBLIC_URL": "feedback.example.com"},
    "MAIL_BACKEND": {"FEEDBACK_MAIL_BACKEND": "carrier-pigeon"},
    "MAIL_FROM": {"FEEDBACK_MAIL_FROM": "not an address"},
    "INBOUND_DOMAIN": {"FEEDBACK_INBOUND_DOMAIN": "in bound!"},
    "SENDGRID_API_KEY": {"FEEDBACK_MAIL_BACKEND": "sendgrid", "FEEDBACK_SENDGRID_API_KEY": ""},
    "SENDGRID_HOST": {"FEEDBACK_SENDGRID_HOST": "ftp://x"},
    "SENDGRID_TIMEOUT": {"FEEDBACK_SENDGRID_TIMEOUT": "abc"},
    "SENDGRID_WEBHOOK_PUBLIC_KEY": {"FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY": "bm90IGEga2V5"},
    "SENDGRID_WEBHOOK_MAX_AGE": {"FEEDBACK_SENDGRID_WEBHOOK_MAX_AGE": "5 minutes"},
    "INBOUND_SECRET": {"FEEDBACK_INBOUND_SECRET": "has spaces/and a slash"},
    "API_MAX_BULK": {"FEEDBACK_API_MAX_BULK": "0"},
    "BACKLOG_NOTIFY_ARR_AT_RISK": {"FEEDBACK_BACKLOG_NOTIFY_ARR_AT_RISK": "-5"},
    "BACKLOG_PROPOSAL_THRESHOLD": {"FEEDBACK_BACKLOG_PROPOSAL_THRESHOLD": "0"},
    "BACKLOG_PROPOSAL_WINDOW_DAYS": {"FEEDBACK_BACKLOG_PROPOSAL_WINDOW_DAYS": "a month"},
    "RATELIMIT_STORAGE_URI": {"FEEDBACK_RATELIMIT_STORAGE_URI": "mysql://x"},
    "LOGIN_ACCOUNT_LIMIT": {"FEEDBACK_LOGIN_ACCOUNT_LIMIT": "lots"},
    "LOGIN_ADDRESS_LIMIT": {"FEEDBACK_LOGIN_ADDRESS_LIMIT": "often"},
    "PASSWORD_RESET_LIMIT": {"FEEDBACK_PASSWORD_RESET_LIMIT": "sometimes"},
    "LOGIN_GUARD_KEY_PREFIX": {"FEEDBACK_LOGIN_GUARD_KEY_PREFIX": "a b"},
    "INBOUND_MAX_BYTES": {"FEEDBACK_INBOUND_MAX_BYTES": "big"},
    "MAX_JSON_BYTES": {"FEEDBACK_MAX_JSON_BYTES": "12"},
    "MAX_JSON_DEPTH": {"FEEDBACK_MAX_JSON_DEPTH": "-1"},
    "TRUSTED_PROXIES": {"FEEDBACK_TRUSTED_PROXIES": "yes"},
    "OIDC_DISCOVERY_URL": {"FEEDBACK_OIDC_DISCOVERY_URL": "accounts.google.com"},
    "OIDC_CLIENT_ID": {
        "FEEDBACK_OIDC_DISCOVERY_URL": DISCOVERY,
        "FEEDBACK_OIDC_CLIENT_SECRET": "s",
    },
    "OIDC_CLIENT_SECRET": {
        "FEEDBACK_OIDC_DISCOVERY_URL": DISCOVERY,
        "FEEDBACK_OIDC_CLIENT_ID": "c",
    },
    "OIDC_PROVIDER_NAME": {"FEEDBACK_OIDC_PROVIDER_NAME": "x" * 41},
    "OIDC_REQUIRE_SSO": {"FEEDBACK_OIDC_REQUIRE_SSO": "true"},  # without SSO set up
    "HEALTH_WEIGHTS": {"FEEDBACK_HEALTH_WEIGHTS": '{"vibes": 10}'},
    "HEALTH_DROP": {"FEEDBACK_HEALTH_DROP": "0"},
}


@pytest.fixture
def environ(monkeypatch):
    """A clean FEEDBACK_* environment that a test fills in."""
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)

    def set_all(values: dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_all


def test_every_setting_has_a_bad_value_under_test():
    assert set(BAD_VALUES) == set(Settings.model_fields)


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, environ, name):
    environ(BAD_VALUES[name])
    with pytest.raises(ConfigError) as error:
        load(str(tmp_path))
    message = str(error.value)
    assert message.startswith(f"{ENV_PREFIX}{name}: ")
    assert "\n" not in message


def test_the_message_says_what_is_expected(tmp_path, environ):
    environ({"FEEDBACK_SENDGRID_TIMEOUT": "abc"})
    with pytest.raises(ConfigError) as error:
        load(str(tmp_path))
    assert str(error.value) == (
        "FEEDBACK_SENDGRID_TIMEOUT: 'abc' is not valid; expected a number of seconds above 0 "
        "and at most 300, such as 10"
    )


def test_values_are_parsed_to_their_types(tmp_path, environ):
    environ({
        "FEEDBACK_SENDGRID_TIMEOUT": "2.5",
        "FEEDBACK_API_MAX_BULK": "50",
        "FEEDBACK_MAIL_BACKEND": "Console",
        "FEEDBACK_LOGIN_ACCOUNT_LIMIT": "5/minute;50/hour",
        "FEEDBACK_PUBLIC_URL": "https://feedback.acme.com/",
    })  # fmt: skip
    config = load(str(tmp_path))
    assert config["SENDGRID_TIMEOUT"] == 2.5
    assert config["API_MAX_BULK"] == 50
    assert config["MAIL_BACKEND"] == "console"
    assert config["LOGIN_ACCOUNT_LIMIT"] == "5/minute;50/hour"
    assert config["PUBLIC_URL"] == "https://feedback.acme.com"


def test_overrides_win_over_the_environment_and_are_checked_too(tmp_path, environ):
    environ({"FEEDBACK_API_MAX_BULK": "50"})
    assert load(str(tmp_path), {"API_MAX_BULK": 7, "TESTING": True})["API_MAX_BULK"] == 7
    with pytest.raises(ConfigError, match="^FEEDBACK_LOGIN_ACCOUNT_LIMIT: 'lots'"):
        load(str(tmp_path), {"LOGIN_ACCOUNT_LIMIT": "lots"})


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"FEEDBACK_SECRET_KEY": ""}, "FEEDBACK_SECRET_KEY"),
        ({"FEEDBACK_DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "FEEDBACK_DATABASE_URL"),
        ({"FEEDBACK_MAIL_FROM": "feedback@localhost"}, "FEEDBACK_MAIL_FROM"),
        ({"FEEDBACK_MAIL_FROM": "Team <feedback@intranet>"}, "FEEDBACK_MAIL_FROM"),
        ({"FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY": ""}, "FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY"),
        ({"FEEDBACK_INBOUND_SECRET": ""}, "FEEDBACK_INBOUND_SECRET"),
    ],
)
def test_production_refuses_to_start_wrong(tmp_path, environ, change, variable):
    environ({**PRODUCTION_SENDGRID, **change})
    with pytest.raises(ConfigError) as error:
        load(str(tmp_path))
    assert str(error.value).startswith(variable + ": ")
    assert "\n" not in str(error.value)


def test_a_complete_production_configuration_starts(tmp_path, environ):
    environ(PRODUCTION_SENDGRID)
    config = load(str(tmp_path))
    assert config["ENV"] == "production"
    assert config["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_development_defaults_still_start(tmp_path, environ):
    config = load(str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    assert config["MAIL_FROM"] == "Customer Success <feedback@localhost>"


def test_secret_key_is_generated_once_and_kept(tmp_path, environ):
    first = load(str(tmp_path))
    second = load(str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_urls_use_psycopg3(tmp_path, environ):
    config = load(str(tmp_path), {"DATABASE_URL": "postgresql://postgres@127.0.0.1/test"})
    assert config["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_the_readme_table_is_the_definition():
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if re.match(r"^\| `FEEDBACK_", line)]
    assert "\n".join(rows) == "\n".join(readme_table().splitlines()[2:])
    assert readme_table() in readme


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "FEEDBACK_MAIL_BACKEND",
            "smtp",
            "FEEDBACK_MAIL_BACKEND: 'smtp' is not valid; expected console or sendgrid",
        ),
        (
            "FEEDBACK_LOGIN_ACCOUNT_LIMIT",
            "lots",
            "FEEDBACK_LOGIN_ACCOUNT_LIMIT: 'lots' is not valid; expected a rate such as "
            "'5 per 15 minutes' or '5/minute;20/hour'",
        ),
    ],
)
def test_start_up_fails_with_one_clear_line(tmp_path, variable, value, line):
    env = {"PATH": "/usr/bin:/bin", variable: value, "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"feedback: configuration error: {line}"]


def test_a_misspelt_variable_stops_production_naming_the_setting_it_resembles(tmp_path, environ):
    environ({**PRODUCTION_SENDGRID, "FEEDBACK_SENDGRID_API_KEYS": "SG.x"})
    with pytest.raises(ConfigError) as error:
        load(str(tmp_path))
    assert str(error.value) == (
        "FEEDBACK_SENDGRID_API_KEYS: no setting has this name, so it is ignored; "
        "did you mean FEEDBACK_SENDGRID_API_KEY?"
    )


def test_a_misspelt_variable_is_a_warning_in_development(tmp_path, environ, caplog):
    environ({"FEEDBACK_DATABSE_URL": "postgresql://x@y/z", "FEEDBACK_TEST_DATABASE_URL": "x"})
    config = load(str(tmp_path))
    assert config["DATABASE_URL"].startswith("sqlite")  # the typo did not take effect...
    assert "FEEDBACK_DATABSE_URL: no setting has this name" in caplog.text  # ...and it says so
    assert "did you mean FEEDBACK_DATABASE_URL?" in caplog.text
    assert "FEEDBACK_TEST_DATABASE_URL" not in caplog.text  # the test suite's own variable
