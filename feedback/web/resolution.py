"""The customer's "Did we resolve it?" page, reached from the link in the question's email.

Public: the unguessable token is the customer's key (and exempt from CSRF for the same reason
as the survey pages). Opening the link records nothing, because mail scanners open links too;
the answer is recorded when the customer presses Yes or No.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from feedback import db
from feedback.access import public
from feedback.extensions import csrf
from feedback.locales import SUPPORTED
from feedback.mail.catalogue import use_customer_locale
from feedback.services import resolution_checks
from feedback.services.errors import InvalidInput, NotFound

bp = Blueprint("resolution", __name__, url_prefix="/resolved")
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _missing(exc: NotFound):
    if "customer_locale" not in g:
        use_customer_locale(request.accept_languages.best_match(SUPPORTED))
    return render_template("survey/link_error.html", message=exc.message), 404, HEADERS


def _render(page, **context):  # type: ignore[no-untyped-def]
    """The page in the customer's language (the one their survey was in)."""
    use_customer_locale(page.locale)
    return render_template("resolution/check.html", page=page, **context)


@bp.route("/<token>", methods=["GET"])
@public
def show(token: str):
    try:
        page = resolution_checks.open_resolution_check(db.session(), token)
    except NotFound as exc:
        return _missing(exc)
    chosen = request.args.get("answer") if request.args.get("answer") in ("yes", "no") else None
    return (
        _render(
            page,
            chosen=chosen or page.check.answer,
            comment=page.check.comment or "",
            errors={},
            done=False,
        ),
        200,
        HEADERS,
    )


@bp.route("/<token>", methods=["POST"])
@csrf.exempt
@public
def answer(token: str):
    chosen = request.form.get("answer") or None
    comment = request.form.get("comment", "")
    try:
        with db.transaction() as session:
            page = resolution_checks.answer_resolution_check(session, token, chosen, comment)
    except NotFound as exc:
        return _missing(exc)
    except InvalidInput as exc:
        page = resolution_checks.open_resolution_check(db.session(), token)
        return (
            _render(
                page,
                chosen=chosen,
                comment=comment,
                errors=exc.fields,
                done=False,
            ),
            422,
            HEADERS,
        )
    return (
        _render(
            page,
            chosen=page.check.answer,
            comment=page.check.comment or "",
            errors={},
            done=True,
        ),
        200,
        HEADERS,
    )
