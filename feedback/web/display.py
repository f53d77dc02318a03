"""The Jinja filters staff pages word values with; the wording itself is feedback.display.

`{{ t.status | label('status') }}`, `{{ hours | duration }}`, `{{ t.due_at | local_time }}`:
the last one shows the instant in the signed-in person's zone (their setting, else their team's,
else UTC), so no template formats a time or a code on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup, escape

from feedback import display


def viewer_zone() -> str:
    """The signed-in person's zone (ZoneInfo caches the zones, the session the user's team).

    Worked out once a request (a queue page shows fifty times): kept in `g` beside what it was
    worked out from, so a zone changed during the request is still seen."""
    user = current_user._get_current_object()  # noqa: SLF001
    signed_in = user is not None and user.is_authenticated
    key = (id(user), getattr(user, "time_zone", None), getattr(user, "team_id", None))
    known = g.get("viewer_zone")
    if signed_in and known is not None and known[0] == key:
        return known[1]
    own = team = None
    if signed_in:
        own = getattr(user, "time_zone", None)
        team = user.team.timezone if user.team is not None else None
    zone = display.viewer_zone(own, team)
    if signed_in:
        g.viewer_zone = (key, zone)
    return zone


def _local_time(moment: datetime | None) -> Markup:
    if moment is None:
        return Markup("—")
    # An f-string of escaped parts: Markup.format's escaping formatter cost more than the rest
    # of a queue row.
    shown = escape(display.local_time(moment, viewer_zone()))
    return Markup(f'<time datetime="{escape(moment.isoformat())}">{shown}</time>')


def _local_date(moment: datetime | None) -> str:
    return display.local_date(moment, viewer_zone())


def _duration(value: float | timedelta | None) -> str:
    return display.duration(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(display.label, "label")
    app.add_template_filter(_duration, "duration")
    app.add_template_filter(display.points, "points")
    app.add_template_filter(display.count_of, "count_of")
    app.add_template_filter(_local_time, "local_time")
    app.add_template_filter(_local_date, "local_date")
    app.add_template_global(viewer_zone, "viewer_zone")
