"""The unsubscribe page behind every survey email's link and List-Unsubscribe header.

GET only shows a button (link scanners and previews fetch URLs; they must not unsubscribe
anyone). A POST of the form unsubscribes, with the usual CSRF token. A mailbox provider's
RFC 8058 one-click POST carries exactly `List-Unsubscribe=One-Click` and no token, so the view
is exempt from the global CSRF check and checks the token itself for every other body.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from feedback import db, eligibility
from feedback.access import public
from feedback.extensions import csrf
from feedback.locales import SUPPORTED
from feedback.mail import catalogue
from feedback.services import suppression
from feedback.services.errors import NotFound

bp = Blueprint("unsubscribe", __name__)
DONE = catalogue.N_("You are unsubscribed.")


def mask_email(email: str) -> str:
    """Enough for a person to recognise their address, not enough to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


@bp.after_request
def _private(response: Any) -> Any:
    # The token in the URL is a credential for this contact's consent: keep it out of caches,
    # search engines and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/u/<token>")
@public
def show(token: str) -> Any:
    invitation = suppression.find_invitation(db.session(), token)
    if invitation is None:
        return _missing()
    template = "survey/unsubscribe_done.html" if invitation.contact.unsubscribed else None
    return _page(template or "survey/unsubscribe.html", token, invitation)


@bp.post("/u/<token>")
@csrf.exempt
@public
def unsubscribe(token: str) -> Any:
    one_click = _is_one_click()
    if not one_click and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # validate_csrf on the form's token; raises CSRFError (400)
    try:
        with db.transaction() as session:
            invitation = suppression.unsubscribe_by_token(
                session, token, source="one-click" if one_click else "link"
            )
    except NotFound:
        return _missing()
    if one_click:
        catalogue.use_customer_locale(invitation.locale)
        return (
            catalogue.say(DONE) + "\n",
            200,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    return _page("survey/unsubscribe_done.html", token, invitation)


@bp.post("/u/<token>/resubscribe")
@public
def resubscribe(token: str) -> Any:
    try:
        with db.transaction() as session:
            invitation = suppression.resubscribe_by_token(session, token)
    except NotFound:
        return _missing()
    return _page("survey/unsubscribe.html", token, invitation, resubscribed=True)


def _is_one_click() -> bool:
    """RFC 8058: the body is exactly List-Unsubscribe=One-Click (urlencoded or multipart)."""
    form = request.form
    return list(form.keys()) == ["List-Unsubscribe"] and form.getlist("List-Unsubscribe") == [
        "One-Click"
    ]


def _page(template: str, token: str, invitation: Any, **extra: Any) -> Any:
    catalogue.use_customer_locale(invitation.locale)
    contact = invitation.contact
    return render_template(
        template,
        token=token,
        email=mask_email(contact.email),
        # Suppressed apart from the unsubscribe this page is about: a bounce or a spam report.
        still_suppressed=eligibility.is_suppressed(
            contact.unsubscribed, contact.bounced, contact.spam_reported, personal=True
        ),
        **extra,
    )


def _missing() -> Any:
    catalogue.use_customer_locale(request.accept_languages.best_match(SUPPORTED))
    return render_template("survey/unsubscribe_missing.html"), 404
