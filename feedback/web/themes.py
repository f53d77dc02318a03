"""Admin pages for the theme taxonomy: list, edit, and the emerging-theme proposals.

Thin views over services.taxonomy and services.theme_proposals; an edit of keywords marks a
re-tag pending, which the retag-responses job (or `flask --app wsgi analyze --all`) carries
out.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import roles
from feedback.roles import Role
from feedback.services import org, taxonomy, theme_insight, theme_proposals
from feedback.services.errors import ServiceError
from feedback.web import charts

bp = Blueprint("themes", __name__, url_prefix="/admin/themes")


def _teams() -> list[Any]:
    teams, _ = org.list_teams(db.session(), 1, 1000)
    return teams


@bp.route("")
@roles(Role.ADMIN)
def theme_list():
    session = db.session()
    themes = taxonomy.list_themes(session)
    progress = taxonomy.retag_status(session)
    return render_template(
        "themes/list.html",
        themes=themes,
        progress=progress,
        proposals=len(theme_proposals.list_proposals(session)),
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:theme_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def theme_edit(theme_id: int | None = None):
    theme = taxonomy.get_theme(db.session(), theme_id) if theme_id else None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        data = {
            "name": values.get("name", ""),
            "owner_team_id": values.get("owner_team_id") or None,
            "keywords": values.get("keywords", ""),
            "active": values.get("active") == "on",
        }
        try:
            with db.transaction() as session:
                if theme is None:
                    theme = taxonomy.create_theme(session, data)
                else:
                    taxonomy.update_theme(session, theme.id, data)
            flash(f"Saved “{theme.name}”. Responses are re-tagged in the background.", "info")
            return redirect(url_for("themes.theme_edit", theme_id=theme.id))
        except ServiceError as exc:
            errors = exc.fields or {"": [exc.message]}
            if theme_id is None:
                theme = None
        status = 422
    else:
        status = 200
        values = {
            "name": theme.name if theme else "",
            "owner_team_id": str(theme.owner_team_id or "") if theme else "",
            "keywords": "\n".join(theme.keywords) if theme else "",
            "active": "on" if (theme is None or theme.active) else "",
        }
    return render_template(
        "themes/edit.html", theme=theme, values=values, errors=errors, teams=_teams()
    ), status


@bp.route("/proposals")
@roles(Role.ADMIN)
def proposals():
    return _proposals_page({}, {}, 200)


def _proposals_page(errors: dict[int, dict[str, list[str]]], values: dict[int, Any], status: int):
    session = db.session()
    proposed = theme_proposals.list_proposals(session)
    trends = theme_insight.proposal_trends(session, proposed)
    return render_template(
        "themes/proposals.html",
        proposals=proposed,
        trends=trends,
        trend_charts={
            pid: charts.bar_chart(
                [(f"w{i + 1}", float(c)) for i, c in enumerate(t.weekly)], height=70
            )
            for pid, t in trends.items()
        },
        dismissed=theme_proposals.list_proposals(session, "dismissed"),
        themes=taxonomy.list_themes(session),
        teams=_teams(),
        errors=errors,
        values=values,
    ), status


@bp.route("/proposals/<int:proposal_id>/accept", methods=["POST"])
@roles(Role.ADMIN)
def proposal_accept(proposal_id: int):
    values = request.form.to_dict()
    data = {
        "name": values.get("name", "").strip(),
        "owner_team_id": values.get("owner_team_id") or None,
        "theme_id": values.get("theme_id") or None,
    }
    try:
        with db.transaction() as session:
            theme = theme_proposals.accept_proposal(session, proposal_id, data)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        return _proposals_page({proposal_id: exc.fields or {"": [exc.message]}},
                               {proposal_id: values}, 422)  # fmt: skip
    flash(f"Accepted into “{theme.name}”. Responses are re-tagged in the background.", "info")
    return redirect(url_for("themes.proposals"))


@bp.route("/proposals/<int:proposal_id>/dismiss", methods=["POST"])
@roles(Role.ADMIN)
def proposal_dismiss(proposal_id: int):
    try:
        with db.transaction() as session:
            theme_proposals.dismiss_proposal(session, proposal_id)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("themes.proposals"))
    flash("Dismissed; it will not be proposed again.", "info")
    return redirect(url_for("themes.proposals"))
