#!/usr/bin/env python3
"""One-command developer entry points, needing only python3 and git on a fresh clone.

    python3 dev.py demo   set up, migrate, seed demo data, serve http://127.0.0.1:5000
    python3 dev.py test   set up, then run the whole suite on SQLite and on PostgreSQL
                          (when one answers at 127.0.0.1:5432)

Set-up means: a virtualenv in .venv with the project and its test extra installed; it is
redone only when pyproject.toml changes. Standard library only: this runs before the venv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
PG_URL = os.environ.get("FEEDBACK_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = "feedback_test"
# The demo's in-process scheduler follows an answer up and sends an email within seconds, so
# the README's walk-through shows each step while one watches.
DEMO_SERVE = (
    "serve",
    "--with-worker",
    "--every",
    "create-followups=5",
    "--every",
    "deliver-email=5",
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def setup() -> None:
    """Create .venv and install the project when missing or when pyproject.toml changed."""
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and PY.exists():
        return
    if not PY.exists():
        say("creating virtualenv .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing the project and its test tools (first run takes a minute)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    stamp.write_text(wanted)


def flask(*args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    return run(BIN / "flask", "--app", "wsgi", *args, env=env, check=check)


def demo() -> None:
    setup()
    env = {**os.environ, "FEEDBACK_ENV": os.environ.get("FEEDBACK_ENV", "development")}
    say("migrating the database (SQLite under instance/ unless FEEDBACK_DATABASE_URL is set)")
    flask("db", "upgrade", env=env)
    say("loading demo data (skipped when the database already has data)")
    flask("seed-demo", "--if-empty", env=env)
    say("adding the default themes and playbook set where missing (pages never seed them)")
    flask("seed-defaults", env=env)
    say("serving on http://127.0.0.1:5000 with the scheduler in-process (Ctrl+C stops)")
    os.execve(BIN / "flask", [str(BIN / "flask"), "--app", "wsgi", *DEMO_SERVE], env)


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def ensure_browser() -> None:
    """Browser tests drive Debian's chromium; install it when we can (root on Debian)."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests")
        run("apt-get", "update", "-qq", check=False)
        run("apt-get", "install", "-y", "-qq", "chromium", check=False)


def create_test_database() -> str:
    code = (
        "import psycopg, sys\n"
        f"with psycopg.connect({PG_URL!r}, autocommit=True) as c:\n"
        f'    q = "SELECT 1 FROM pg_database WHERE datname = %s"\n'
        f"    if not c.execute(q, ({PG_TEST_DB!r},)).fetchone():\n"
        f"        c.execute('CREATE DATABASE {PG_TEST_DB}')\n"
    )
    run(PY, "-c", code)
    return PG_URL.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"


def test(extra: list[str]) -> None:
    setup()
    ensure_browser()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
    say("running the tests on SQLite")
    failed = run(PY, "-m", "pytest", *extra, env=env, check=False) != 0
    if postgres_answers():
        url = create_test_database()
        say(f"running the tests on PostgreSQL ({url})")
        pg_env = {**env, "FEEDBACK_TEST_DATABASE_URL": url}
        failed |= run(PY, "-m", "pytest", *extra, env=pg_env, check=False) != 0
    else:
        say("no PostgreSQL at 127.0.0.1:5432: PostgreSQL run skipped")
    sys.exit(1 if failed else 0)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command == "demo":
        demo()
    elif command == "test":
        test(sys.argv[2:])
    elif command == "setup":
        setup()
    else:
        print(__doc__)
        sys.exit(0 if command in ("help", "-h", "--help") else 2)


if __name__ == "__main__":
    main()
