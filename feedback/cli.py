"""`flask --app wsgi ...` commands for operators: database, users, tokens, data."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from feedback import db, migrate
from feedback.roles import ROLE_VALUES
from feedback.services import org
from feedback.services.errors import ServiceError

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
users_cli = AppGroup("users", help="Staff users.")
tokens_cli = AppGroup("tokens", help="API tokens for machines.")


def fail(message: str) -> None:
    """Stop a command with one line a person can act on, and exit status 1."""
    raise click.ClickException(message)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (default: one step; 'base' empties it)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_cli.command("check")
def db_check() -> None:
    """Fail when the models and the migrations differ."""
    migrate.check(current_app.config["DATABASE_URL"])
    click.echo("Models and migrations agree.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLE_VALUES))
@click.option("--team", default=None, help="Name of an existing team.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create(email: str, name: str, role: str, team: str | None, password: str) -> None:
    """Create a staff user who can sign in."""
    try:
        with db.transaction() as session:
            user = org.create_user(
                session,
                {"email": email, "name": name, "role": role, "team": team, "password": password},
            )
    except ServiceError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        fail(f"{exc.message} {details}".strip())
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@tokens_cli.command("create")
@click.option("--email", required=True, help="The staff user the token acts as.")
@click.option("--name", default="", help="What the token is for, e.g. 'CRM sync'.")
def tokens_create(email: str, name: str) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    try:
        with db.transaction() as session:
            row, token = org.create_api_token(session, email, name)
    except ServiceError as exc:
        fail(exc.message)
    click.echo(token)
    click.echo(
        f"Token {row.prefix}… for {email}. Store it now: it cannot be shown again.", err=True
    )


def init_app(app: Flask) -> None:
    from feedback import cli_analytics, cli_data

    for command in (db_cli, users_cli, tokens_cli, jobs_cli, worker, serve, *cli_data.COMMANDS):
        app.cli.add_command(command)
    for command in cli_analytics.COMMANDS:
        app.cli.add_command(command)


jobs_cli = AppGroup("jobs", help="Scheduled jobs: list them, or run one once.")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The jobs the worker runs, and how often."""
    from jobs.registry import JOBS, describe_every

    width = max(len(name) for name in JOBS) + 2
    for job in JOBS.values():
        click.echo(f"{job.name:<{width}}{describe_every(job.every_seconds):<18}{job.description}")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run the job NAME once, now."""
    from jobs.registry import JOBS, describe_summary, run_job

    if name not in JOBS:
        fail(f"Unknown job {name!r}; known jobs: {', '.join(JOBS)}.")
    summary = run_job(current_app._get_current_object(), name, manual=True)  # type: ignore[attr-defined]
    click.echo(f"{name}: {describe_summary(summary)}")


@click.command("worker")
def worker() -> None:
    """Run the scheduler in this process (one per deployment; never inside web workers)."""
    from jobs.registry import JOBS
    from jobs.worker import build_scheduler

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
        from jobs.worker import build_scheduler, parse_intervals

        try:
            intervals = parse_intervals(every)
        except ValueError as exc:
            fail(str(exc))
        build_scheduler(app, background=True, intervals=intervals).start()
    elif every:
        fail("--every needs --with-worker: without it no job runs in this process.")
    from werkzeug.serving import run_simple

    # Flask's app.run() refuses to block a CLI command, so serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)
