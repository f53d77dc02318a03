"""A wrong setting stops start-up with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feedback.config import ConfigError, defaults, validate

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path, **overrides):
    config = defaults(str(tmp_path))
    config.update(overrides)
    return config


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"MAIL_BACKEND": "carrier-pigeon"}, "FEEDBACK_MAIL_BACKEND"),
        ({"DATABASE_URL": "not a url"}, "FEEDBACK_DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "FEEDBACK_DATABASE_URL"),
        ({"PUBLIC_URL": "feedback.example.com"}, "FEEDBACK_PUBLIC_URL"),
        ({"SENDGRID_HOST": "ftp://x"}, "FEEDBACK_SENDGRID_HOST"),
        ({"MAIL_BACKEND": "sendgrid"}, "FEEDBACK_SENDGRID_API_KEY"),
        ({"ENV": "production"}, "FEEDBACK_SECRET_KEY"),
        ({"ENV": "staging"}, "FEEDBACK_ENV"),
    ],
)
def test_wrong_values_name_the_variable(tmp_path, overrides, variable):
    with pytest.raises(ConfigError) as error:
        validate(_settings(tmp_path, **overrides), str(tmp_path))
    assert str(error.value).startswith(variable)
    assert "\n" not in str(error.value)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = _settings(tmp_path)
    validate(first, str(tmp_path))
    second = _settings(tmp_path)
    validate(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_urls_use_psycopg3(tmp_path):
    config = _settings(tmp_path, DATABASE_URL="postgresql://postgres@127.0.0.1/test")
    validate(config, str(tmp_path))
    assert config["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_start_up_fails_with_one_clear_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FEEDBACK_MAIL_BACKEND": "smtp", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "feedback: configuration error: FEEDBACK_MAIL_BACKEND: unknown backend 'smtp'; "
        "use one of console, sendgrid"
    ]
