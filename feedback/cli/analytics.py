"""`flask --app wsgi analyze`: analyse one response's comment, or every comment again.

The pass over every comment is resumable: progress is kept in the database after each chunk,
so Ctrl+C (or a killed process) and running the command again continues where it stopped.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

import click
from flask.cli import with_appcontext

from feedback import db, response_analysis
from feedback.cli.common import fail, progress
from feedback.services import analytics
from feedback.services.errors import ServiceError


@click.command("analyze")
@click.option("--all", "all_", is_flag=True, help="Every comment (resumes an unfinished pass).")
@click.option("--response", "response_id", type=int, help="Only the response with this id.")
@click.option("--restart", is_flag=True, help="With --all: start over from the first response.")
@click.option("--chunk", default=500, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def analyze(all_: bool, response_id: int | None, restart: bool, chunk: int) -> None:
    """Sentiment, language, themes and mismatch flags of survey comments.

    After the theme taxonomy changes, `analyze --all` re-tags old responses (the
    retag-responses job does the same on its own).
    """
    if all_ == (response_id is not None):
        fail("Give either --all or --response ID.")
    if response_id is not None:
        try:
            with db.transaction() as session:
                analysis = analytics.analyze_by_id(session, response_id)
                body = response_analysis.exposure(analysis.response) if analysis else None
        except ServiceError as exc:
            fail(exc.message)
        if body is None:
            click.echo(f"Response {response_id} has no comment; nothing to analyse.")
            return
        sentiment = body["sentiment"]
        click.echo(f"Response {response_id}: language {body['language'] or 'unknown'}")
        if sentiment:
            drivers = ", ".join(d["phrase"] for d in sentiment["drivers"]) or "none"
            click.echo(f"  sentiment {sentiment['label']} ({sentiment['polarity']:+.2f}); "
                       f"drivers: {drivers}")  # fmt: skip
        else:
            click.echo(f"  {body['state']}")
        for theme in body["themes"]:
            click.echo(f"  theme {theme['name']}: {theme['sentiment']['label']}")
        if body["mismatch"]["flag"]:
            click.echo(f"  mismatch: {body['mismatch']['reason']}")
        return

    bars = ExitStack()
    state: dict[str, Any] = {"bar": None}

    def advance(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None:
            bar = state["bar"] = bars.enter_context(progress(total, "Analysing comments"))
        bar.length = max(bar.length or 0, total)
        bar.update(done - bar.pos)  # a resumed pass starts where it stopped

    try:
        with bars:
            result = analytics.reanalyze_all(
                db.database().sessionmaker, advance, chunk=chunk, restart=restart
            )
    except KeyboardInterrupt:
        click.echo("\nInterrupted. Finished chunks are saved; run the same command to continue.")
        sys.exit(130)
    note = f" (restarted {result.restarted}x: the taxonomy changed)" if result.restarted else ""
    click.echo(f"Analysed {result.analyzed:,} comments of {result.total:,}{note}.")


COMMANDS: list[click.Command] = [analyze]
