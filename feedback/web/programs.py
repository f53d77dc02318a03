"""Admin pages for survey programs: list, the editor, send now, previews, test send, audience.

Routes sit on the admin blueprint (web/admin.py) so their URLs and names stay /admin/programs
and admin.program_*.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from feedback import branding, db, locales
from feedback.access import current_staff, roles
from feedback.roles import Role
from feedback.services import invitations, program_preview, programs
from feedback.services.errors import ServiceError
from feedback.services.invitation_email import default_words
from feedback.web import program_form
from feedback.web.admin import bp
from feedback.web.security import CONTENT_SECURITY_POLICY
from feedback.web.survey import answer_page, thanks_page

LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "nl": "Nederlands",
}
# Previews are pages of this site framed by the editor's preview page, and nowhere else.
FRAMED_BY_SELF = {"X-Frame-Options": "SAMEORIGIN"}
FRAMED_PAGE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors 'self'"
)


@bp.route("/programs")
@roles(Role.ADMIN)
def program_list():
    return render_template("admin/programs.html", programs=programs.list_programs(db.session()))


def _placeholders(product: str) -> dict[str, dict[str, dict[str, str]]]:
    """Each kind's and language's catalogue words, shown greyed in the fields they would fill."""
    return {
        kind: {locale: default_words(kind, locale, product) for locale in locales.SUPPORTED}
        for kind in ("nps", "onboarding")
    }


def _editor(program: Any, values: dict[str, Any], rows: list, errors: dict, status: int):
    product = str(values.get("product_name") or "") or "{product}"
    return render_template(
        "admin/program_edit.html",
        program=program,
        values=values,
        rows=rows or ([] if values.get("kind") != "onboarding" else [program_form.MilestoneRow()]),
        errors=errors,
        languages=LANGUAGE_NAMES,
        placeholders=_placeholders(product),
        starts=program_form.STARTS,
        milestone_questions=programs.MILESTONE_QUESTIONS,
        regions=programs.known_regions(db.session()),
    ), status


@bp.route("/programs/new", methods=["GET", "POST"])
@bp.route("/programs/<int:program_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def program_edit(program_id: int | None = None):
    program = programs.get_program(db.session(), program_id) if program_id else None
    if request.method == "GET":
        values, rows = program_form.program_values(program)
        return _editor(program, values, rows, {}, 200)
    values = request.form.to_dict()
    rows = program_form.milestone_rows(request.form)
    moved = program_form.apply_row_action(rows, request.form.get("action", "save"))
    if moved is not None:  # a row button: the same form back with the change, nothing saved
        return _editor(program, values, moved, {}, 200)
    data, errors = program_form.form_to_program(request.form)
    try:
        with db.transaction() as session:
            # The service checks even when parsing failed, so every field's problem shows.
            programs.validate_program(session, data, program.id if program else None)
            if not errors:
                if program is None:
                    program = programs.create_program(session, data)
                else:
                    programs.update_program(session, program.id, data)
    except ServiceError as exc:
        for key, messages in (exc.fields or {"": [exc.message]}).items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
    if errors:
        return _editor(program, values, rows, errors, 422)
    flash(f"Saved “{program.name}”.", "info")
    if request.form.get("action") == "save_preview":
        return redirect(url_for("admin.program_preview_page", program_id=program.id))
    return redirect(url_for("admin.program_edit", program_id=program.id))


@bp.route("/programs/<int:program_id>/send-now", methods=["POST"])
@roles(Role.ADMIN)
def program_send_now(program_id: int):
    program = programs.get_program(db.session(), program_id)
    raw = request.form.get("emails", "")
    emails = [e.strip() for e in raw.replace(",", "\n").splitlines() if e.strip()]
    if not emails:
        flash("Enter at least one contact email, one per line.", "error")
        return redirect(url_for("admin.program_edit", program_id=program_id))
    with db.transaction() as session:
        results = invitations.invite_now(session, current_app.config, program_id, emails)
    return render_template("admin/send_now.html", program=program, results=results)


def _language(locale: str | None) -> str:
    return locale if locale in locales.SUPPORTED else locales.DEFAULT


@bp.route("/programs/<int:program_id>/preview")
@roles(Role.ADMIN)
def program_preview_page(program_id: int):
    program = programs.get_program(db.session(), program_id)
    locale = _language(request.args.get("lang", program.default_locale))
    email = program_preview.preview_email(program, locale, current_app.config)
    return render_template(
        "admin/program_preview.html",
        program=program,
        locale=locale,
        languages=LANGUAGE_NAMES,
        email=email,
        me=current_staff(),
        samples=program_preview.sample_scores(program),
    )


@bp.route("/programs/<int:program_id>/preview/<locale>/email")
@roles(Role.ADMIN)
def program_preview_email(program_id: int, locale: str):
    program = programs.get_program(db.session(), program_id)
    email = program_preview.preview_email(program, locale, current_app.config)
    page = email.html.replace("<head>", '<head><base target="_top">', 1)
    # An email is not a page: its inline styles are allowed (as in the dev mailbox), never a
    # script; only this site's preview page may frame it.
    headers = {
        "Content-Security-Policy": "script-src 'none'; frame-ancestors 'self'",
        **FRAMED_BY_SELF,
    }
    return page, 200, headers


@bp.route("/programs/<int:program_id>/preview/<locale>/survey")
@roles(Role.ADMIN)
def program_preview_survey(program_id: int, locale: str):
    program = programs.get_program(db.session(), program_id)
    survey = program_preview.preview_survey(program, locale)
    body, status = answer_page(survey, score=None, link_token=program_preview.PREVIEW_TOKEN)
    policy = branding.with_image_origin(FRAMED_PAGE_POLICY, branding.logo_origin(program.logo_url))
    return body, status, {"Content-Security-Policy": policy, **FRAMED_BY_SELF}


@bp.route("/programs/<int:program_id>/preview/<locale>/thanks/<int:score>")
@roles(Role.ADMIN)
def program_preview_thanks(program_id: int, locale: str, score: int):
    program = programs.get_program(db.session(), program_id)
    survey = program_preview.preview_survey(program, locale, score)
    body, status = thanks_page(survey, link_token=program_preview.PREVIEW_TOKEN)
    policy = branding.with_image_origin(FRAMED_PAGE_POLICY, branding.logo_origin(program.logo_url))
    return body, status, {"Content-Security-Policy": policy, **FRAMED_BY_SELF}


@bp.route("/programs/<int:program_id>/test-send", methods=["POST"])
@roles(Role.ADMIN)
def program_test_send(program_id: int):
    locale = _language(request.form.get("lang"))
    me = current_staff()
    with db.transaction() as session:
        program_preview.send_test(
            session, current_app.config, program_id, locale, me.email, me.name
        )
    flash(
        f"Sent the {LANGUAGE_NAMES[locale]} email to {me.email} through the outbox. Its links "
        "are previews: they record no answer.",
        "info",
    )
    return redirect(url_for("admin.program_preview_page", program_id=program_id, lang=locale))


@bp.route("/programs/<int:program_id>/audience")
@roles(Role.ADMIN)
def program_audience(program_id: int):
    session = db.session()
    program = programs.get_program(session, program_id)
    preview = program_preview.audience_preview(session, program_id)
    return render_template("admin/program_audience.html", program=program, preview=preview)
