"""Data commands: contacts import and the demo tenant (filled in by the data-loading work)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
