"""Data commands: `contacts import FILE.csv`, `seed-defaults` and `seed-demo`.

The commands do the I/O (reading the file, the progress bar, printing); parsing, checking and
writing are in services.imports and feedback.demo.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from feedback import db
from feedback.cli.common import fail, progress
from feedback.demo import data as demo_data
from feedback.demo import seed as demo_seed
from feedback.services import defaults, imports

contacts_cli = AppGroup("contacts", help="Customer contacts.")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file.")
    except IsADirectoryError:
        fail(f"{path} is a directory; give the path of a .csv file.")
    except OSError as exc:
        fail(f"{path} cannot be read: {exc.strerror or exc}.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(
            f"{path} is not a UTF-8 text file (byte {exc.start + 1} is not UTF-8). "
            "Save it as 'CSV UTF-8' and try again."
        )
    raise AssertionError("unreachable")


@contacts_cli.command("import")
@click.argument("path", metavar="FILE.csv", type=click.Path(path_type=Path))
def contacts_import(path: Path) -> None:
    """Create or update contacts from a CSV file, keeping valid rows and listing bad ones.

    Columns: email (required), name, account_external_id, timezone, locale, signed_up_on
    (YYYY-MM-DD), unsubscribed, bounced; any other column becomes a contact attribute.
    Comma or semicolon separated; the first line names the columns. Exits with status 1 when
    any row was rejected, so a script that imports nightly notices.
    """
    try:
        parsed = imports.parse_contacts_csv(_read_text(path))
    except imports.ImportFileError as exc:
        fail(f"{path}: {exc.message}")
    for warning in parsed.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not parsed.rows and not parsed.errors:
        fail(f"{path} has a header line but no contacts below it.")

    summary = imports.ImportSummary(errors=list(parsed.errors))
    stopped: str | None = None
    stopped_at: int | None = None
    with progress(
        len(parsed.rows),
        f"Importing {len(parsed.rows):,} row{'' if len(parsed.rows) == 1 else 's'}",
    ) as bar:
        for chunk in imports.chunks(parsed.rows):
            try:
                with db.transaction() as session:
                    summary.add(imports.import_chunk(session, chunk))
            except SQLAlchemyError as exc:
                # Chunks before this one are committed; say where the import stopped.
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                stopped_at = chunk[0].line
                stopped = (
                    f"The import stopped at line {chunk[0].line}: the database refused the rows "
                    f"({reason}). Lines before it were saved; run the import again to continue."
                )
                break
            bar.update(len(chunk))

    rejected_lines = {error.line for error in summary.errors}
    summary.errors.extend(imports.duplicate_errors(parsed.duplicates, rejected_lines, stopped_at))
    for error in sorted(summary.errors, key=lambda e: e.line):
        click.echo(str(error))
    click.echo(summary.summary_line())
    if stopped:
        fail(stopped)
    if summary.imported == 0:
        fail("No contacts were imported: every row had errors. Fix them and run it again.")
    rejected = len({error.line for error in summary.errors})
    if rejected:
        fail(
            f"{rejected:,} row{' was' if rejected == 1 else 's were'} rejected (listed above) "
            "and not imported. Fix them and import the file again; rows already imported are "
            "updated, not added twice."
        )


@click.command("seed-defaults")
@with_appcontext
def seed_defaults() -> None:
    """Add the default theme taxonomy and playbook set where they are missing (safe to repeat).

    Run it after `flask db upgrade`; pages and reads never seed (a GET does not write).
    """
    with db.transaction() as session:
        seeded = defaults.seed_defaults(session)
    click.echo(f"Default themes added: {seeded.themes}.")
    click.echo(
        "Default playbook set added and active."
        if seeded.playbook_set
        else "A playbook set was already active; left as it is."
    )


@click.command("seed-demo")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--reset", is_flag=True, help="Delete the demo data from an earlier run first.")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and succeed) when the database has data."
)
@with_appcontext
def seed_demo(seed: int, reset: bool, if_empty: bool) -> None:
    """Fill the database with a demo tenant: teams, staff, accounts, contacts, a year of NPS."""
    if current_app.config["ENV"] == "production":
        fail("seed-demo does not run with FEEDBACK_ENV=production; it is for demos and local use.")
    started = time.perf_counter()
    try:
        with (
            progress(
                len(demo_seed.STEPS), "Seeding the demo", item_show_func=lambda s: s or ""
            ) as bar,
            db.transaction() as session,
        ):
            result = demo_seed.seed(
                session,
                seed=seed,
                now=datetime.now(UTC),
                reset=reset,
                step=lambda name: bar.update(1, name),
            )
    except demo_seed.DatabaseNotEmpty as exc:
        if if_empty:
            click.echo("The database already has data; demo data not loaded again.")
            sign_in = f"{demo_data.ADMIN_EMAIL} / {demo_data.PASSWORD}"
            click.echo(f"Demo sign-in (if this is the demo): {sign_in}")
            return
        fail(exc.message)
    elapsed = time.perf_counter() - started
    for line in result.describe():
        click.echo(line)
    click.echo(f"Done in {elapsed:.1f} s (seed {seed}).")
    others = ", ".join(u for u in result.user_emails if u != demo_data.ADMIN_EMAIL)
    click.echo(
        f"Sign in at {current_app.config['PUBLIC_URL'].rstrip('/')}/login as "
        f"{demo_data.ADMIN_EMAIL} / {demo_data.PASSWORD} (also {others}, same password)."
    )


COMMANDS: list[click.Command] = [contacts_cli, seed_defaults, seed_demo]
