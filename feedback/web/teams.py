"""Team and department administration pages: create, rename, re-lead, re-zone, set business
hours, archive.

The API (api/teams.py) calls the same services, so both are audited alike."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db, display, sla
from feedback.access import current_staff, roles
from feedback.roles import Role
from feedback.services import audit, departments, org
from feedback.services.errors import ServiceError

bp = Blueprint("teams", __name__, url_prefix="/admin")


def _active_people() -> list[Any]:
    return org.people_by_name(db.session())


def _optional_id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _team_form(form: Any) -> dict[str, Any]:
    data = {
        "name": form.get("name", ""),
        "department": form.get("department", ""),
        "timezone": form.get("timezone", "").strip() or "UTC",
        "lead_user_id": _optional_id(form.get("lead_user_id")),
    }
    if "business_start" in form or "business_end" in form:
        # The hours fieldset was on the page. No box ticked sends no day at all, which the
        # service refuses ("choose at least one") rather than keeping the old days.
        data["business_days"] = form.getlist("business_days")
        data["business_start"] = form.get("business_start", "")
        data["business_end"] = form.get("business_end", "")
    return data


def _typed(form: Any) -> dict[str, Any]:
    """What was typed, to show again beside the errors (the days are a list of boxes)."""
    return {**form.to_dict(), "business_days": form.getlist("business_days")}


def _hours_values(hours: sla.BusinessHours) -> dict[str, Any]:
    return {"business_days": hours.day_names, "business_start": f"{hours.start:%H:%M}",
            "business_end": f"{hours.end:%H:%M}"}  # fmt: skip


def _teams_page(values: dict[str, Any], errors: dict[str, list[str]], status: int) -> Any:
    teams = org.teams_for_admin(db.session())
    return render_template("admin/teams.html", teams=teams, values=values, errors=errors,
                           **_choices()), status  # fmt: skip


def _choices() -> dict[str, Any]:
    return {"people": _active_people(), "zones": sorted(display.known_zones()),
            "day_names": sla.DAY_NAMES,
            "departments": [d for d in departments.list_departments(db.session())
                            if d.archived_at is None]}  # fmt: skip


@bp.get("/teams")
@roles(Role.ADMIN)
def team_list() -> Any:
    return _teams_page({"timezone": "UTC", **_hours_values(sla.STANDARD)}, {}, 200)


@bp.post("/teams")
@roles(Role.ADMIN)
def team_create() -> Any:
    try:
        with db.transaction() as session:
            team = org.create_team(session, _team_form(request.form), actor=current_staff())
    except ServiceError as exc:
        return _teams_page(_typed(request.form), exc.fields or {"": [exc.message]}, exc.status)
    flash(f"Team “{team.name}” is created.", "success")
    return redirect(url_for("teams.team_edit", team_id=team.id), code=303)


def _team_edit_page(team: Any, values: dict[str, Any], errors: dict[str, list[str]],
                    status: int) -> Any:  # fmt: skip
    events, _ = audit.list_events(db.session(), 1, 20, target_type="team", target_id=team.id)
    return render_template("admin/team.html", team=team, values=values, errors=errors,
                           events=events, **_choices()), status  # fmt: skip


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def team_edit(team_id: int) -> Any:
    try:
        team = org.get_team(db.session(), team_id)
    except ServiceError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    if request.method == "GET":
        values = {"name": team.name, "department": team.department, "timezone": team.timezone,
                  "lead_user_id": str(team.lead_user_id or ""),
                  **_hours_values(team.business_hours)}  # fmt: skip
        return _team_edit_page(team, values, {}, 200)
    try:
        with db.transaction() as session:
            org.update_team(session, team_id, _team_form(request.form), actor=current_staff())
    except ServiceError as exc:
        db.session().refresh(team)
        return _team_edit_page(team, _typed(request.form), exc.fields or {"": [exc.message]},
                               exc.status)  # fmt: skip
    flash("Saved.", "success")
    return redirect(url_for("teams.team_edit", team_id=team_id), code=303)


@bp.post("/teams/<int:team_id>/archive")
@roles(Role.ADMIN)
def team_archive(team_id: int) -> Any:
    archived = request.form.get("archived") == "1"
    try:
        with db.transaction() as session:
            team = org.update_team(session, team_id, {"archived": archived},
                                   actor=current_staff())  # fmt: skip
    except ServiceError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    flash(f"Team “{team.name}” is {'archived' if archived else 'restored'}.", "success")
    return redirect(url_for("teams.team_edit", team_id=team_id), code=303)


def _department_form(form: Any) -> dict[str, Any]:
    return {"name": form.get("name", ""), "head_user_id": _optional_id(form.get("head_user_id"))}


def _departments_page(values: dict[str, Any], errors: dict[str, list[str]], status: int) -> Any:
    session = db.session()
    return render_template(
        "admin/departments.html",
        departments=departments.list_departments(session),
        counts=departments.team_counts(session),
        people=_active_people(),
        values=values,
        errors=errors,
    ), status


@bp.get("/departments")
@roles(Role.ADMIN)
def department_list() -> Any:
    return _departments_page({}, {}, 200)


@bp.post("/departments")
@roles(Role.ADMIN)
def department_create() -> Any:
    try:
        with db.transaction() as session:
            department = departments.create_department(
                session, _department_form(request.form), actor=current_staff()
            )
    except ServiceError as exc:
        return _departments_page(request.form.to_dict(), exc.fields or {"": [exc.message]},
                                 exc.status)  # fmt: skip
    flash(f"Department “{department.name}” is created.", "success")
    return redirect(url_for("teams.department_list"), code=303)


@bp.post("/departments/<int:department_id>")
@roles(Role.ADMIN)
def department_edit(department_id: int) -> Any:
    """Rename (its teams follow) or change the head; the list page holds the forms."""
    data = _department_form(request.form)
    if "archived" in request.form:
        data = {"archived": request.form.get("archived") == "1"}
    try:
        with db.transaction() as session:
            department = departments.update_department(session, department_id, data,
                                                       actor=current_staff())  # fmt: skip
    except ServiceError as exc:
        errors = {f"{department_id}.{k}": v for k, v in exc.fields.items()}
        return _departments_page({}, errors or {"": [exc.message]}, exc.status)
    flash(f"Department “{department.name}” is saved.", "success")
    return redirect(url_for("teams.department_list"), code=303)
