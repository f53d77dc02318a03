"""What every command shares: one way to stop with a message a person can act on, and one way
to show progress (a bar on a terminal, nothing in a pipe, a log or cron's mail)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import click


def fail(message: str) -> None:
    """Stop a command with one line a person can act on, and exit status 1."""
    raise click.ClickException(message)


class Progress(Protocol):
    def update(self, n_steps: int, current_item: Any = None) -> None: ...


class _Quiet:
    """The bar's stand-in off a terminal: click's own bar would still print its label."""

    pos = 0
    length = 0

    def update(self, n_steps: int, current_item: Any = None) -> None:
        self.pos += n_steps


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(length: int, label: str, **options: Any) -> Iterator[Any]:
    """click's progress bar on stderr when it is a terminal; silence when it is not."""
    if not on_terminal():
        yield _Quiet()
        return
    with click.progressbar(
        length=length, label=label, file=sys.stderr, show_pos=True, **options
    ) as bar:
        yield bar
