"""What every command shares: one way to stop with a message a person can act on."""

from __future__ import annotations

import click


def fail(message: str) -> None:
    """Stop a command with one line a person can act on, and exit status 1."""
    raise click.ClickException(message)
