"""People administration pages: staff users (create, edit, deactivate, end their sessions)
and the audit log of every such change. The API (api/users.py) calls the same services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import current_staff, roles
from feedback.roles import ROLE_VALUES, Role
from feedback.services import audit, org
from feedback.services.errors import ServiceError

bp = Blueprint("people", __name__, url_prefix="/admin")
PER_PAGE = 50


def _form_to_user(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": form.get("email", ""),
        "name": form.get("name", ""),
        "role": form.get("role", ""),
    }
    team_id = form.get("team_id", "").strip()
    data["team_id"] = int(team_id) if team_id.isdigit() else None
    password = form.get("password", "")
    if password:
        data["password"] = password
    return data


def _edit_page(user: Any, values: dict[str, Any], errors: dict[str, list[str]],
               status: int) -> Any:  # fmt: skip
    events = []
    if user is not None:
        events, _ = audit.list_events(db.session(), 1, 20, target_type="user", target_id=user.id)
    teams = org.current_teams(db.session())
    return render_template("admin/person.html", person=user, values=values, errors=errors,
                           teams=teams, roles=ROLE_VALUES, events=events), status  # fmt: skip


@bp.get("/people")
@roles(Role.ADMIN)
def people() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    users, total = org.list_users(db.session(), page, PER_PAGE)
    return render_template("admin/people.html", users=users, total=total, page=page,
                           per_page=PER_PAGE)  # fmt: skip


@bp.route("/people/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_person() -> Any:
    if request.method == "GET":
        return _edit_page(None, {"role": Role.CSM}, {}, 200)
    data = _form_to_user(request.form)
    try:
        with db.transaction() as session:
            user = org.create_user(session, data, actor=current_staff())
    except ServiceError as exc:
        return _edit_page(None, request.form.to_dict(), exc.fields or {"": [exc.message]},
                          exc.status)  # fmt: skip
    flash(f"{user.name} ({user.email}) can now sign in"
          f"{'' if data.get('password') else ' once they set a password with “Forgot password?”'}.",
          "success")  # fmt: skip
    return redirect(url_for("people.person", user_id=user.id), code=303)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def person(user_id: int) -> Any:
    try:
        user = org.get_user(db.session(), user_id)
    except ServiceError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    if request.method == "GET":
        values = {"email": user.email, "name": user.name, "role": user.role,
                  "team_id": str(user.team_id or "")}  # fmt: skip
        return _edit_page(user, values, {}, 200)
    try:
        with db.transaction() as session:
            org.update_user(session, user_id, _form_to_user(request.form),
                            actor=current_staff())  # fmt: skip
    except ServiceError as exc:
        db.session().refresh(user)
        return _edit_page(user, request.form.to_dict(), exc.fields or {"": [exc.message]},
                          exc.status)  # fmt: skip
    flash(f"Saved {user.email}.", "success")
    return redirect(url_for("people.person", user_id=user_id), code=303)


@bp.post("/people/<int:user_id>/active")
@roles(Role.ADMIN)
def set_active(user_id: int) -> Any:
    """Deactivate (signs them out everywhere: the session loader refuses inactive users) or
    reactivate a person."""
    active = request.form.get("active") == "1"
    try:
        with db.transaction() as session:
            user = org.update_user(session, user_id, {"active": active}, actor=current_staff())
    except ServiceError as exc:
        return _refused(user_id, exc)
    flash(f"{user.email} is {'active again' if active else 'deactivated and signed out'}.",
          "success")  # fmt: skip
    return redirect(url_for("people.person", user_id=user_id), code=303)


@bp.post("/people/<int:user_id>/sessions")
@roles(Role.ADMIN)
def end_sessions(user_id: int) -> Any:
    try:
        with db.transaction() as session:
            org.end_sessions(session, user_id, actor=current_staff())
    except ServiceError as exc:
        return _refused(user_id, exc)
    flash("Every session of this person has ended; they must sign in again.", "success")
    return redirect(url_for("people.person", user_id=user_id), code=303)


def _refused(user_id: int, exc: ServiceError) -> Any:
    """A refused action answers on the person's page with its status (404, 409...)."""
    try:
        user = org.get_user(db.session(), user_id)
    except ServiceError:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    db.session().refresh(user)
    values = {"email": user.email, "name": user.name, "role": user.role,
              "team_id": str(user.team_id or "")}  # fmt: skip
    return _edit_page(user, values, {"": [exc.message]}, exc.status)


@bp.get("/audit")
@roles(Role.ADMIN)
def audit_log() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    actor = request.args.get("actor", type=int)
    target_type = request.args.get("target_type") or None
    if target_type not in (None, *audit.TARGET_TYPES):
        target_type = None
    target_id = request.args.get("target_id", type=int)
    events, total = audit.list_events(db.session(), page, PER_PAGE, actor_user_id=actor,
                                      target_type=target_type, target_id=target_id)  # fmt: skip
    args = {k: v for k, v in (("actor", actor), ("target_type", target_type),
                              ("target_id", target_id)) if v is not None}  # fmt: skip
    actors = org.people_by_name(db.session(), active_only=False)
    return render_template("admin/audit.html", events=events, total=total, page=page,
                           per_page=PER_PAGE, args=args, actors=actors,
                           target_types=audit.TARGET_TYPES)  # fmt: skip
