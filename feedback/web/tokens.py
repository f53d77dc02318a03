"""API tokens in the browser: my tokens (make, scope, revoke) and, for admins, everyone's.

A new token is shown once, in the answer to the form that made it (never put in the session
cookie or a redirect), and stored only as a hash.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db, token_scopes
from feedback.access import current_staff, roles
from feedback.roles import STAFF, Role
from feedback.services import api_tokens
from feedback.services.errors import ServiceError

bp = Blueprint("tokens", __name__)
PER_PAGE = 50


def _mine(form: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
          new_token: str | None = None, status: int = 200) -> Any:  # fmt: skip
    user = current_staff()
    return render_template(
        "me/tokens.html",
        tokens=api_tokens.tokens_of(db.session(), user.id),
        resources=token_scopes.RESOURCES,
        describe=token_scopes.describe,
        form=form or {"access": token_scopes.READ, "resources": []},
        errors=errors or {},
        new_token=new_token,
    ), status


@bp.get("/me/tokens")
@roles(*STAFF)
def mine() -> Any:
    return _mine()


@bp.post("/me/tokens")
@roles(*STAFF)
def create() -> Any:
    form = {
        "name": request.form.get("name", ""),
        "access": request.form.get("access", ""),
        "resources": request.form.getlist("resources"),
    }
    user = current_staff()
    try:
        with db.transaction() as session:
            _, token = api_tokens.create_token(
                session, user, form["name"], form["access"], form["resources"], actor=user
            )
    except ServiceError as exc:
        return _mine(form, exc.fields or {"": [exc.message]}, status=exc.status)
    return _mine(new_token=token, status=201)


@bp.post("/me/tokens/<int:token_id>/revoke")
@roles(*STAFF)
def revoke_mine(token_id: int) -> Any:
    return _revoke(token_id, url_for("tokens.mine"))


@bp.get("/admin/tokens")
@roles(Role.ADMIN)
def everyone() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    tokens, total = api_tokens.all_tokens(db.session(), page, PER_PAGE)
    return render_template("admin/tokens.html", tokens=tokens, total=total, page=page,
                           per_page=PER_PAGE, describe=token_scopes.describe)  # fmt: skip


@bp.post("/admin/tokens/<int:token_id>/revoke")
@roles(Role.ADMIN)
def revoke_any(token_id: int) -> Any:
    return _revoke(token_id, url_for("tokens.everyone"))


def _revoke(token_id: int, back: str) -> Any:
    try:
        with db.transaction() as session:
            row = api_tokens.revoke(session, token_id, current_staff())
    except ServiceError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    flash(f"Token “{row.name or row.prefix}” is revoked; calls with it now get 401.", "success")
    return redirect(back, code=303)
