"""My settings: what a signed-in staff member sets for themselves: the zone times are shown in
and their password (the current one required; every other session ends)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from feedback import db, display
from feedback.access import roles
from feedback.roles import STAFF
from feedback.services import org, password_reset
from feedback.services.errors import InvalidInput
from feedback.web import carry

bp = Blueprint("me", __name__)


def _page(typed: str | None = None, errors: dict[str, list[str]] | None = None, status: int = 200,
          password_errors: dict[str, list[str]] | None = None) -> Any:  # fmt: skip
    user = current_user
    team_zone = user.team.timezone if user.team is not None else None
    return (
        render_template(
            "me/settings.html",
            typed=(user.time_zone or "") if typed is None else typed,
            errors=errors or {},
            team_zone=team_zone,
            shown_zone=display.viewer_zone(user.time_zone, team_zone),
            zones=sorted(display.known_zones()),
            password_errors=password_errors or {},
        ),
        status,
    )


@bp.get("/me/settings")
@roles(*STAFF)
def settings() -> Any:
    carried = carry.take(request.path)
    if carried is None:
        return _page()
    return _page(carried["form"].get("time_zone", ""), carried["errors"])


@bp.post("/me/settings")
@roles(*STAFF)
def save_settings() -> Any:
    typed = request.form.get("time_zone", "")
    try:
        with db.transaction() as session:
            user = org.set_time_zone(session, current_user.id, typed)
    except InvalidInput as exc:
        page = url_for("me.settings")
        if carry.keep(page, "settings", exc.fields, exc.message, {"time_zone": typed}):
            return redirect(page, code=303)
        return _page(typed, exc.fields, 422)
    zone = user.time_zone
    flash(f"Times are now shown in {zone}." if zone else "Times now follow your team's zone.",
          "success")  # fmt: skip
    return redirect(url_for("me.settings"), code=303)


@bp.post("/me/password")
@roles(*STAFF)
def change_password() -> Any:
    form = request.form
    try:
        with db.transaction() as session:
            user = password_reset.change_own_password(
                session, current_user.id, form.get("current_password", ""),
                form.get("new_password", ""), form.get("confirm", ""),
            )  # fmt: skip
    except InvalidInput as exc:
        return _page(password_errors=exc.fields or {"": [exc.message]}, status=422)
    login_user(user)  # this session continues under the new epoch; every other one has ended
    flash("Your password is changed; you were signed out everywhere else.", "success")
    return redirect(url_for("me.settings"), code=303)
