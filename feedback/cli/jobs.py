"""Commands that run the jobs: list them, run one now, the worker, and `serve` (the app with
the scheduler in-process, for local use and the demo).

The schedule and the jobs themselves are in jobs/; this module only starts them. jobs/ never
imports the CLI.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from feedback.cli.common import fail
from jobs.registry import JOBS, describe_every, describe_summary, run_job
from jobs.worker import build_scheduler, parse_intervals

jobs_cli = AppGroup("jobs", help="Scheduled jobs: list them, or run one once.")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The jobs the worker runs, and how often."""
    width = max(len(name) for name in JOBS) + 2
    for job in JOBS.values():
        click.echo(f"{job.name:<{width}}{describe_every(job.every_seconds):<18}{job.description}")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run the job NAME once, now."""
    if name not in JOBS:
        fail(f"Unknown job {name!r}; known jobs: {', '.join(JOBS)}.")
    summary = run_job(current_app._get_current_object(), name, manual=True)  # type: ignore[attr-defined]
    click.echo(f"{name}: {describe_summary(summary)}")


@click.command("worker")
def worker() -> None:
    """Run the scheduler in this process (one per deployment; never inside web workers)."""
    click.echo("Worker started; jobs: " + ", ".join(sorted(JOBS)))
    build_scheduler(current_app._get_current_object()).start()  # type: ignore[attr-defined]


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--with-worker", is_flag=True, help="Also run the scheduler in this process.")
@click.option(
    "--every",
    multiple=True,
    metavar="JOB=SECONDS",
    help="Run JOB at this interval instead of its own (with --with-worker; the demo's).",
)
def serve(host: str, port: int, with_worker: bool, every: tuple[str, ...]) -> None:
    """Serve the app for local use, optionally with the scheduler in-process (the demo)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if with_worker:
        try:
            intervals = parse_intervals(every)
        except ValueError as exc:
            fail(str(exc))
        build_scheduler(app, background=True, intervals=intervals).start()
    elif every:
        fail("--every needs --with-worker: without it no job runs in this process.")
    # Flask's app.run() refuses to block a CLI command, so serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)


COMMANDS: list[click.Command] = [jobs_cli, worker, serve]
