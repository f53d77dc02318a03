"""The Jinja filters staff pages word values with; the wording itself is feedback.display.

`{{ t.status | label('status') }}`, `{{ hours | duration }}`, `{{ t.due_at | local_time }}`:
the last one shows the instant in the signed-in person's zone (their setting, else their team's,
else UTC), so no template formats a time or a code on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask_login import current_user
from markupsafe import Markup, escape

from feedback import display


def viewer_zone() -> str:
    """The signed-in person's zone (ZoneInfo caches the zones, the session the user's team)."""
    own = team = None
    if current_user and current_user.is_authenticated:
        own = getattr(current_user, "time_zone", None)
        team = current_user.team.timezone if current_user.team is not None else None
    return display.viewer_zone(own, team)


def _local_time(moment: datetime | None) -> Markup:
    if moment is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), escape(display.local_time(moment, viewer_zone()))
    )


def _local_date(moment: datetime | None) -> str:
    return display.local_date(moment, viewer_zone())


def _duration(value: float | timedelta | None) -> str:
    return display.duration(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(display.label, "label")
    app.add_template_filter(_duration, "duration")
    app.add_template_filter(_local_time, "local_time")
    app.add_template_filter(_local_date, "local_date")
    app.add_template_global(viewer_zone, "viewer_zone")
