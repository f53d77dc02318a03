"""Operator commands: database migrations, staff users and API tokens."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from feedback import db, migrate, token_scopes
from feedback.cli.common import fail
from feedback.roles import ROLE_VALUES
from feedback.services import org
from feedback.services.errors import ServiceError

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
users_cli = AppGroup("users", help="Staff users.")
tokens_cli = AppGroup("tokens", help="API tokens for machines.")


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
@click.option("--read-only", is_flag=True, help="Refuse every write (POST, PATCH, DELETE...).")
@click.option(
    "--resource",
    "resources",
    multiple=True,
    type=click.Choice(token_scopes.RESOURCES),
    help="A resource it may use (repeat it); without any, every resource.",
)
def tokens_create(email: str, name: str, read_only: bool, resources: tuple[str, ...]) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    access = token_scopes.READ if read_only else token_scopes.WRITE
    try:
        with db.transaction() as session:
            row, token = org.create_api_token(
                session, email, name, access, resources or (token_scopes.ALL,)
            )
    except ServiceError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        fail(f"{exc.message} {details}".strip())
    click.echo(token)
    click.echo(
        f"Token {row.prefix}… for {email} ({token_scopes.describe(row.access, row.resources)}). "
        "Store it now: it cannot be shown again.",
        err=True,
    )


COMMANDS: list[click.Command] = [db_cli, users_cli, tokens_cli]
