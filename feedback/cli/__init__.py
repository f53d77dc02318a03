"""`flask --app wsgi ...` commands for operators, one module per capability: admin (database,
staff users, API tokens), data (contacts import, seed-demo), privacy (contacts export and
erase), analytics (analyze) and jobs
(jobs, worker, serve). Each command does the I/O and asks a service for the work.
"""

from __future__ import annotations

from flask import Flask

from feedback.cli import admin, analytics, data, jobs, privacy


def init_app(app: Flask) -> None:
    """Register every command on the app's `flask` CLI."""
    for module in (admin, jobs, data, privacy, analytics):
        for command in module.COMMANDS:
            app.cli.add_command(command)
