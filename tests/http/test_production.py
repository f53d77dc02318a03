"""Production mode: security headers, request ids and JSON logs, readiness, and gunicorn
stopping on a wrong setting instead of respawning workers."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask import g

from feedback import logs
from feedback.models import WorkerHeartbeat
from feedback.services import readiness
from feedback.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- security headers


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS


def test_hsts_only_over_tls(client):
    response = client.get("/login", base_url="https://feedback.example.com")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_proxy_headers_are_ignored_unless_trusted(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_a_trusted_proxy_says_the_request_came_over_tls(database_url, engine):
    app = make_app(database_url, TRUSTED_PROXIES=1)
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


def test_no_page_template_has_inline_script_or_style():
    """The CSP refuses inline code and styles, so a page that had any would break."""
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "email" not in path.relative_to(ROOT / "templates").parts  # emails are not pages
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert offending == []


# ---------------------------------------------------------------- request ids and logs


def test_each_response_names_its_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    sent = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert sent.headers["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get("/healthz", headers={"X-Request-ID": "x level=fake <b>"})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_scheduler_runs_are_logged_in_production_only(app):
    runs = logging.getLogger(logs.SCHEDULER_RUNS)
    logs.init_app(app)  # testing, like the demo: a run every few seconds would flood the console
    assert not runs.isEnabledFor(logging.INFO) and runs.isEnabledFor(logging.ERROR)
    app.config["ENV"] = "production"
    try:
        logs.init_app(app)
        assert runs.isEnabledFor(logging.INFO)
    finally:
        app.config["ENV"] = "testing"
        logs.init_app(app)


def test_production_logs_are_json_lines_with_the_request_id(app):
    app.config["ENV"] = "production"
    try:
        logs.init_app(app)
        handler = next(h for h in logging.getLogger().handlers if getattr(h, "_feedback", 0))
        with app.test_request_context("/"):
            g.request_id = "req-0123456789"
            record = logging.LogRecord("feedback.test", logging.WARNING, __file__, 1,
                                       "refused %s", ("a post",), None)  # fmt: skip
            assert handler.filter(record)
            line = handler.format(record)
    finally:
        app.config["ENV"] = "testing"
        logs.init_app(app)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "refused a post"
    assert entry["level"] == "WARNING" and entry["logger"] == "feedback.test"
    assert entry["request_id"] == "req-0123456789"
    assert "time" in entry


# ---------------------------------------------------------------- readiness


def test_readyz_wants_a_worker_heartbeat(client, session):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["reason"] == "No worker has started; run the worker process."
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"


def test_readyz_is_ready_after_the_worker_beats_and_not_when_it_stops(app, client, session):
    from jobs.worker import record_heartbeat

    record_heartbeat(app)  # what the worker's scheduler runs every HEARTBEAT_EVERY
    assert session.query(WorkerHeartbeat).count() == 1
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok"}

    long_ago = datetime.now(UTC) - readiness.HEARTBEAT_MAX_AGE - timedelta(seconds=5)
    session.query(WorkerHeartbeat).update({"beat_at": long_ago})
    session.commit()
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.get_json()["reason"] == "The worker's heartbeat is too old; is it running?"


def test_a_heartbeat_updates_its_row(session):
    now = datetime.now(UTC)
    readiness.record_heartbeat(session, "host:1", now - timedelta(seconds=30))
    readiness.record_heartbeat(session, "host:1", now)
    rows = session.query(WorkerHeartbeat).all()
    assert [(r.worker, r.beat_at) for r in rows] == [("host:1", now)]


def test_readyz_says_when_migrations_are_behind(app, client, session, monkeypatch):
    readiness.record_heartbeat(session, "host:1", datetime.now(UTC))
    session.commit()
    monkeypatch.setattr(readiness, "migration_heads", lambda: frozenset({"f00dcafe1234"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["reason"] == "The database is not at the newest migration; run: db upgrade."
    assert "code at f00dcafe1234" in body["checks"]["migrations"]


def test_readyz_503_when_the_database_is_unreachable(database_url, engine):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "The database cannot be reached."


# ---------------------------------------------------------------- gunicorn


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        ({}, "FEEDBACK_SECRET_KEY: required in production"),
        (
            {
                "FEEDBACK_SECRET_KEY": "k" * 64,
                "FEEDBACK_DATABASE_URL": "postgresql://feedback@127.0.0.1/feedback",
                "FEEDBACK_MAIL_BACKEND": "sendgrid",
                "FEEDBACK_SENDGRID_API_KEY": "SG.x",
            },
            "FEEDBACK_MAIL_FROM: 'feedback@localhost' has no real domain",
        ),
    ],
)
def test_gunicorn_exits_with_the_line_instead_of_respawning_workers(tmp_path, settings, line):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GUNICORN_BIND": "127.0.0.1:0",
        "FEEDBACK_ENV": "production",
        **settings,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,  # the bug was a master respawning workers forever
    )  # fmt: skip
    assert result.returncode != 0
    assert f"feedback: configuration error: {line}" in result.stderr
    assert "Booting worker" not in result.stderr


@pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="production refuses SQLite; runs in the PostgreSQL pass of `python3 dev.py test`",
)
def test_gunicorn_serves_in_production_on_postgresql(tmp_path, database_url, engine):
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": "k" * 64,
        "FEEDBACK_DATABASE_URL": database_url,
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
        assert health.status_code == 200
        assert health.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 503  # no worker has beaten in this database
        assert ready.json()["checks"] == {
            "database": "ok", "migrations": "ok", "worker": "no heartbeat recorded"
        }  # fmt: skip
    finally:
        server.terminate()
        # More than gunicorn's own graceful timeout (30 s): on a loaded machine a worker still
        # loading the language detector finishes that before it exits.
        _, errors = server.communicate(timeout=60)
    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]  # all JSON
    assert any(entry["message"].startswith("Booting worker") for entry in lines)


def _get_when_up(url: str, server: subprocess.Popen) -> requests.Response:
    for _ in range(120):  # a bounded wait for the workers to boot, not a timing assertion
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            time.sleep(0.5)
    raise AssertionError("gunicorn did not answer within a minute")
