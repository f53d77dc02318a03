"""Admin pages for follow-up playbooks: the sets, a draft's rules, its dry run, activation.

Thin views over services.playbook_admin; a rule's conditions and action are JSON textareas,
checked on save, with everything typed kept on the page when something is wrong (422).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from feedback import db, playbooks
from feedback.access import roles
from feedback.roles import Role
from feedback.services import playbook_admin
from feedback.services.errors import ServiceError

bp = Blueprint("playbooks", __name__, url_prefix="/admin/playbooks")


def _get(set_id: int) -> Any:
    try:
        return playbook_admin.get_set(db.session(), set_id)
    except ServiceError:
        abort(404)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


def _rows_of(playbook_set: Any) -> list[dict[str, str]]:
    return [
        {
            "name": r.name,
            "conditions": _pretty(r.conditions),
            "action": _pretty(r.action),
            "stop": "on" if r.stop else "",
            "active": "on" if r.active else "",
            "position": str(r.position),
        }
        for r in sorted(playbook_set.rules, key=lambda r: r.position)
    ]


def _rows_from_form() -> list[dict[str, str]]:
    """The rules as typed, in the positions asked for; the blank 'new rule' row is skipped."""
    form = request.form
    count = int(form.get("rule_count", "0") or 0)
    rows = []
    for i in range(count + 1):
        prefix = f"rule-{i}-"
        row = {k: form.get(prefix + k, "") for k in ("name", "conditions", "action", "position")}
        row["stop"] = "on" if form.get(prefix + "stop") else ""
        row["active"] = "on" if form.get(prefix + "active") else ""
        if form.get(prefix + "delete"):
            continue
        if i == count and not (
            row["name"].strip() or row["conditions"].strip() or row["action"].strip()
        ):
            continue
        rows.append(row)

    def order(pair: tuple[int, dict[str, str]]) -> tuple[float, int]:
        try:
            return float(pair[1]["position"]), pair[0]
        except ValueError:
            return float(pair[0] + 1), pair[0]

    return [row for _, row in sorted(enumerate(rows), key=order)]


@bp.route("")
@roles(Role.ADMIN)
def set_list():
    sets = playbook_admin.list_sets(db.session())
    return render_template("playbooks/list.html", sets=sets)


@bp.route("/new", methods=["POST"])
@roles(Role.ADMIN)
def set_new():
    from_id = request.form.get("from_set_id", type=int)
    try:
        with db.transaction() as session:
            draft = playbook_admin.create_draft(session, current_user, from_set_id=from_id)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("playbooks.set_list"))
    flash(
        f"Draft “{draft.name}” created from the rules it copies. Edit, dry-run, then activate.",
        "info",
    )
    return redirect(url_for("playbooks.set_edit", set_id=draft.id))


@bp.route("/<int:set_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def set_edit(set_id: int):
    playbook_set = _get(set_id)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        name = request.form.get("name", "")
        rows = _rows_from_form()
        try:
            with db.transaction() as session:
                playbook_admin.update_rules(session, set_id, name, rows)
            flash("Saved. Dry-run the draft to see what it would change before activating.", "info")
            return redirect(url_for("playbooks.set_edit", set_id=set_id))
        except ServiceError as exc:
            errors = exc.fields or {"": [exc.message]}
            if not exc.fields:
                errors[""] = [exc.message]
            status = 409 if exc.status == 409 else 422
            playbook_set = _get(set_id)
    else:
        name, rows = playbook_set.name, _rows_of(playbook_set)
    return render_template(
        "playbooks/edit.html",
        playbook_set=playbook_set,
        name=name,
        rows=rows,
        errors=errors,
        conditions=playbooks.CONDITIONS,
        task_types=playbooks.TASK_TYPES,
    ), status


@bp.route("/<int:set_id>/dry-run")
@roles(Role.ADMIN)
def set_dry_run(set_id: int):
    _get(set_id)
    result = playbook_admin.dry_run(db.session(), set_id)
    show_all = request.args.get("all") == "1"
    return render_template("playbooks/dry_run.html", result=result, show_all=show_all)


@bp.route("/<int:set_id>/activate", methods=["POST"])
@roles(Role.ADMIN)
def set_activate(set_id: int):
    _get(set_id)
    try:
        with db.transaction() as session:
            playbook_set = playbook_admin.activate(session, set_id, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("playbooks.set_edit", set_id=set_id))
    flash(f"“{playbook_set.name}” is now the active playbook set; new responses follow it.", "info")
    return redirect(url_for("playbooks.set_list"))


@bp.route("/<int:set_id>/delete", methods=["POST"])
@roles(Role.ADMIN)
def set_delete(set_id: int):
    _get(set_id)
    try:
        with db.transaction() as session:
            playbook_admin.delete_draft(session, set_id)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("playbooks.set_edit", set_id=set_id))
    flash("Draft deleted.", "info")
    return redirect(url_for("playbooks.set_list"))
