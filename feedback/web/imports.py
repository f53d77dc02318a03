"""Admin pages for CSV imports: upload a contacts or accounts file, check the preview (the
column mapping, editable, and every line's errors), start the import, follow its progress.

Nothing is written to contacts or accounts before "Import": the upload keeps the file, the
preview only reads it. The import itself runs in the run-imports job; the progress page
refreshes itself with a <meta> refresh (no script: the CSP allows none inline).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from feedback import db
from feedback.access import current_staff, roles
from feedback.roles import Role
from feedback.services import csv_imports
from feedback.services.errors import Conflict, InvalidInput

bp = Blueprint("imports", __name__, url_prefix="/admin/contacts/import")
REFRESH_SECONDS = 2


def _upload_page(errors: dict[str, list[str]] | None = None, kind: str = "contacts",
                 status: int = 200) -> Any:  # fmt: skip
    return (
        render_template(
            "admin/import_upload.html",
            recent=csv_imports.recent(db.session()),
            kinds=csv_imports.KINDS,
            kind=kind,
            errors=errors or {},
        ),
        status,
    )


@bp.get("")
@roles(Role.ADMIN)
def upload_form() -> Any:
    return _upload_page(kind=request.args.get("kind", "contacts"))


@bp.post("")
@roles(Role.ADMIN)
def upload() -> Any:
    kind = request.form.get("kind", "contacts")
    file = request.files.get("file")
    raw = file.read() if file else b""
    try:
        with db.transaction() as session:
            row = csv_imports.upload(
                session, kind, file.filename if file else "", raw, current_staff().id
            )
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _upload_page(exc.fields, kind, status=422)
    return redirect(url_for("imports.show", import_id=row.id), code=303)


@bp.get("/<int:import_id>")
@roles(Role.ADMIN)
def show(import_id: int) -> Any:
    return _show(import_id)


def _show(import_id: int, errors: dict[str, list[str]] | None = None, status: int = 200) -> Any:
    session = db.session()
    row = csv_imports.get(session, import_id)
    if row.status == "uploaded":
        return (
            render_template(
                "admin/import_preview.html",
                preview=csv_imports.preview(session, import_id),
                form_errors=errors or {},
            ),  # fmt: skip
            status,
        )
    following = row.status in ("queued", "running")
    return render_template(
        "admin/import_progress.html",
        upload=row,
        percent=csv_imports.percent(row),
        refresh=REFRESH_SECONDS if following else None,
    )


@bp.post("/<int:import_id>/mapping")
@roles(Role.ADMIN)
def mapping(import_id: int) -> Any:
    try:
        with db.transaction() as session:
            csv_imports.set_mapping(session, import_id, request.form.getlist("column"))
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _show(import_id, exc.fields, status=422)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("imports.show", import_id=import_id), code=303)
    flash("Columns changed; the preview below reads the file with them.", "success")
    return redirect(url_for("imports.show", import_id=import_id), code=303)


@bp.post("/<int:import_id>/start")
@roles(Role.ADMIN)
def start(import_id: int) -> Any:
    try:
        with db.transaction() as session:
            row = csv_imports.start(session, import_id)
    except (InvalidInput, Conflict) as exc:
        flash(exc.message, "error")
        return redirect(url_for("imports.show", import_id=import_id), code=303)
    flash(f"Import of {row.total_rows:,} rows started; this page follows it.", "success")
    return redirect(url_for("imports.show", import_id=import_id), code=303)
