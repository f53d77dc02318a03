"""The README's operating and production instructions stay true: the commands use the
project's environment, the Procfile and the systemd units point at things that exist."""

from __future__ import annotations

import configparser
import getpass
import re
import shutil
import subprocess
import sys
from pathlib import Path

from jobs.registry import JOBS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
VENV_BIN = Path(sys.executable).parent


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    return README[start : README.index("\n## ", start + 3)]


def test_operating_commands_use_the_projects_flask():
    """A bare `flask` may be another installation on the PATH, without this project."""
    operating = _section("Operating it")
    calls = {call.split("=")[-1] for call in re.findall(r"(\S*flask) --app wsgi", operating)}
    assert calls == {".venv/bin/flask", "/srv/feedback/.venv/bin/flask"}
    gunicorns = {g.split("=")[-1] for g in re.findall(r"\S*gunicorn wsgi:app", operating)}
    assert gunicorns == {
        ".venv/bin/gunicorn wsgi:app",
        "/srv/feedback/.venv/bin/gunicorn wsgi:app",
    }
    for name in re.findall(r"jobs run ([\w-]+)", README):
        assert name in JOBS


def test_jobs_list_runs_as_the_readme_says(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "jobs", "list"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dispatch-surveys" in result.stdout and "every 15 minutes" in result.stdout


def test_the_procfile_runs_the_projects_programs():
    entries = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert entries == {
        "release": ".venv/bin/flask --app wsgi db upgrade",
        "web": ".venv/bin/gunicorn wsgi:app",
        "worker": ".venv/bin/flask --app wsgi worker",
    }
    assert (VENV_BIN / "gunicorn").exists() and (VENV_BIN / "flask").exists()
    assert (ROOT / "gunicorn.conf.py").exists()


def test_the_systemd_units_are_valid(tmp_path):
    units = re.findall(r"```ini\n# /etc/systemd/system/(\S+)\n(.*?)```", README, re.S)
    assert [name for name, _ in units] == ["feedback-web.service", "feedback-worker.service"]
    env_file = tmp_path / "production.env"
    env_file.write_text("FEEDBACK_ENV=production\n")
    paths = []
    for name, body in units:
        text = (
            body.replace("/srv/feedback/production.env", str(env_file))
            .replace("/srv/feedback", str(ROOT))
            .replace("User=feedback", f"User={getpass.getuser()}")
        )
        parser = configparser.ConfigParser(strict=True, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)
        service = parser["Service"]
        for key in ("ExecStart", "ExecStartPre"):
            if key in service:
                program = Path(service[key].split()[0])
                assert program.parent == ROOT / ".venv" / "bin" and program.name in (
                    "flask", "gunicorn"
                )  # fmt: skip
        assert service["WorkingDirectory"] == str(ROOT)
        assert service["RestartPreventExitStatus"] == "1"  # a config error is not retried
        path = tmp_path / name
        path.write_text(text)
        paths.append(str(path))
    analyze = shutil.which("systemd-analyze")
    if analyze:  # present on this machine; the parse above holds everywhere
        result = subprocess.run(
            [analyze, "verify", "--man=no", *paths], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
