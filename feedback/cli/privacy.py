"""Privacy commands on the `contacts` group: `contacts export EMAIL` and `contacts erase EMAIL`.

The work and the audit row are services.privacy's; the command names the operator (their OS
login) as the actor, prints, and asks before an erasure that cannot be undone.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from feedback import db
from feedback.cli.common import fail
from feedback.cli.data import contacts_cli
from feedback.services import privacy
from feedback.services.errors import ServiceError


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli:unknown"


@contacts_cli.command("export")
@click.argument("email")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here instead of to standard output.")  # fmt: skip
def contacts_export(email: str, output: Path | None) -> None:
    """Everything held about the person with this EMAIL, as JSON (a subject access request)."""
    try:
        with db.transaction() as session:
            contact = privacy.contact_by_email(session, email)
            data = privacy.export_contact(session, contact, actor=_actor(), channel="cli")
    except ServiceError as exc:
        fail(exc.message)
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"{output} cannot be written: {exc.strerror or exc}.")
    click.echo(f"Wrote the data of {email} to {output}.", err=True)


@contacts_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def contacts_erase(email: str, yes: bool) -> None:
    """Erase the person with this EMAIL: name, address, comments, thread and reply mail go,
    their scores stay as anonymous statistics, and the address is never surveyed again."""
    if not yes:
        click.confirm(f"Erase everything that identifies {email}? This cannot be undone",
                      abort=True)  # fmt: skip
    try:
        with db.transaction() as session:
            contact = privacy.contact_by_email(session, email)
            summary = privacy.erase_contact(session, contact, actor=_actor(), channel="cli")
    except ServiceError as exc:
        fail(exc.message)
    counts = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in summary.items())
    click.echo(f"Erased {email} (contact {contact.id}). {counts}.")


COMMANDS: list[click.Command] = []  # the commands join the `contacts` group of cli.data
