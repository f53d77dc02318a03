"""Real processes for the process-level tests: gunicorn serving the app and `flask worker`
running the scheduler, on the test database, with their logs in files (a full pipe would
block them). Used with tests/committed.py, in the PostgreSQL pass."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET = "k" * 64


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(tmp_path: Path, database_url: str, **settings: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
        "FEEDBACK_ENV": "production", "FEEDBACK_SECRET_KEY": SECRET,
        "FEEDBACK_DATABASE_URL": database_url, **settings,
    }  # fmt: skip


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def gunicorn(
    tmp_path: Path, database_url: str, *, name: str = "web", workers: int = 2, **settings: str
) -> Iterator[Server]:
    """`gunicorn wsgi:app` as the README runs it, on a free port; stopped at the end."""
    port = free_port()
    env = base_env(tmp_path, database_url, GUNICORN_BIND=f"127.0.0.1:{port}",
                   WEB_CONCURRENCY=str(workers), **settings)  # fmt: skip
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=out)  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_up(server)
        yield server
    finally:
        stop(process)


@contextmanager
def worker(tmp_path: Path, database_url: str, *, name: str, **settings: str) -> Iterator[Server]:
    """`flask --app wsgi worker` (the scheduler process), stopped at the end."""
    log = tmp_path / f"{name}.log"
    env = base_env(tmp_path, database_url, **settings)
    with open(log, "wb") as out:
        process = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker"], cwd=ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield Server(process, "", log)
    finally:
        stop(process)


def wait_until_up(server: Server) -> None:
    for _ in range(240):  # a bounded wait for the workers to boot, not a timing assertion
        try:
            requests.get(f"{server.url}/healthz", timeout=10)
            return
        except requests.ConnectionError:
            assert server.process.poll() is None, server.log_text()
            time.sleep(0.25)
    raise AssertionError(f"gunicorn did not answer within a minute:\n{server.log_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
