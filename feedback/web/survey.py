"""The customer's survey pages: one-click scores, the comment page, the thank-you page.

Public: the unguessable token in the link is the customer's key. The forms are exempt from
CSRF for the same reason (a forged post would need the token), and because customers open
these pages from mail apps whose in-app browsers may drop the session cookie.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from feedback import branding, db, questions
from feedback.access import public
from feedback.extensions import csrf
from feedback.locales import SUPPORTED
from feedback.mail.catalogue import use_customer_locale
from feedback.services import capture, capture_requests, programs
from feedback.services.errors import InvalidInput, ServiceError
from feedback.web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("survey", __name__, url_prefix="/r")


@bp.after_request
def _allow_the_logo(response: Response) -> Response:
    """A branded page shows the program's logo: its host, and only it, is added to img-src."""
    origin = g.get("logo_origin")
    if origin:
        response.headers["Content-Security-Policy"] = branding.with_image_origin(
            CONTENT_SECURITY_POLICY, origin
        )
    return response


@bp.route("/brand/<int:program_id>.css")
@public
def brand_stylesheet(program_id: int):
    """The program's accent colour as a stylesheet: the pages' policy forbids inline style."""
    program = programs.get_program(db.session(), program_id)
    css = branding.accent_stylesheet(program.accent_color)
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


def _branded(survey: capture.Survey) -> None:
    g.logo_origin = branding.logo_origin(survey.program.logo_url)


def _link_error(exc: ServiceError):
    """A link we cannot serve: in the customer's language when we know it, else the browser's."""
    if "customer_locale" not in g:
        use_customer_locale(request.accept_languages.best_match(SUPPORTED))
    return render_template("survey/link_error.html", message=exc.message), exc.status


def _open(session, token: str) -> capture.Survey:  # type: ignore[no-untyped-def]
    survey = capture.open_survey(session, token)
    use_customer_locale(survey.invitation.locale)
    return survey


def answer_page(
    survey: capture.Survey,
    *,
    score: int | None,
    comment: str = "",
    success_definition: str = "",
    errors: dict | None = None,
    status: int = 200,
    link_token: str | None = None,
):
    """The answer page; the program editor's preview renders it too, with a preview token."""
    use_customer_locale(survey.invitation.locale)
    _branded(survey)
    kind = survey.kind
    category = kind.category(score) if score is not None and kind.on_scale(score) else None
    return render_template(
        "survey/answer.html",
        survey=survey,
        kind=kind,
        product=survey.program.product_name,
        score=score,
        category=category,
        question=kind.follow_up(category),
        asks_success=survey.invitation.milestone == "week1",
        success_question=questions.SUCCESS_QUESTION,
        success_hint=questions.SUCCESS_HINT,
        comment=comment,
        success_definition=success_definition,
        errors=errors or {},
        max_comment=capture.MAX_COMMENT,
        link_token=link_token or request.view_args["token"],
    ), status


@bp.route("/<token>/<int:score>")
@public
def click(token: str, score: int):
    try:
        with db.transaction() as session:
            survey, _counted = capture.record_click(
                session,
                token,
                score,
                user_agent=request.headers.get("User-Agent"),
                headers=dict(request.headers),
            )
    except capture.ScoreNotOnScale as exc:
        _open(db.session(), token)  # the message is in the language of the survey it came from
        return _link_error(exc)
    except (capture.LinkNotFound, capture.LinkExpired) as exc:
        return _link_error(exc)
    # Show the score that was clicked even when the hit did not count (it may have been a
    # person misjudged as a scanner): any choice on this page confirms it.
    response = answer_page(
        survey, score=score, comment=survey.response.comment or "" if survey.response else ""
    )
    return response[0], response[1], {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@bp.route("/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def answer(token: str):
    try:
        if request.method == "GET":
            survey = _open(db.session(), token)
            score = survey.response.score if survey.response else None
            return answer_page(
                survey,
                score=score,
                comment=(survey.response.comment or "") if survey.response else "",
            )  # noqa: E501
        raw_score = request.form.get("score", "").strip()
        comment = request.form.get("comment", "")
        success = request.form.get("success_definition", "")
        try:
            score = int(raw_score) if raw_score else None
        except ValueError:
            score = -1
        try:
            with db.transaction() as session:
                capture.submit_answer(
                    session, token, score=score, comment=comment, success_definition=success
                )
        except InvalidInput as exc:
            survey = _open(db.session(), token)
            return answer_page(
                survey,
                score=score if score is not None and score >= 0 else None,
                comment=comment,
                success_definition=success,
                errors=exc.fields,
                status=422,
            )
        return redirect(url_for("survey.thanks", token=token), code=303)
    except (capture.LinkNotFound, capture.LinkExpired) as exc:
        return _link_error(exc)


@bp.route("/<token>/thanks")
@public
def thanks(token: str):
    try:
        survey = _open(db.session(), token)
    except (capture.LinkNotFound, capture.LinkExpired) as exc:
        return _link_error(exc)
    return thanks_page(survey)


def thanks_page(
    survey: capture.Survey,
    *,
    errors: dict | None = None,
    form: dict | None = None,
    sent: str | None = None,
    status: int = 200,
    link_token: str | None = None,
):
    """The thank-you page; the program editor's preview renders it too."""
    use_customer_locale(survey.invitation.locale)
    _branded(survey)
    kind = survey.kind
    category = survey.response.category if survey.response else None
    return render_template(
        "survey/thanks.html",
        survey=survey,
        kind=kind,
        product=survey.program.product_name,
        category=category,
        thanks_text=kind.thanks_text(category),
        errors=errors or {},
        form=form or {},
        sent=sent,
        link_token=link_token or request.view_args["token"],
    ), status


def _follow_up_form(token: str, sent: str, record) -> object:  # type: ignore[no-untyped-def]
    """A form on the thank-you page: record it, or show it again with its errors and text."""
    form = request.form.to_dict()
    try:
        with db.transaction() as session:
            survey = record(session, token, form)
    except InvalidInput as exc:
        survey = _open(db.session(), token)
        return thanks_page(survey, errors=exc.fields, form=form, status=422)
    except (capture.LinkNotFound, capture.LinkExpired) as exc:
        return _link_error(exc)
    return thanks_page(survey, sent=sent)


@bp.route("/<token>/callback", methods=["POST"])
@csrf.exempt
@public
def callback(token: str):
    return _follow_up_form(
        token,
        "callback",
        lambda session, token, form: capture_requests.request_callback(
            session, token, phone=form.get("phone", ""), best_time=form.get("best_time", "")
        ),
    )


@bp.route("/<token>/referral", methods=["POST"])
@csrf.exempt
@public
def referral(token: str):
    return _follow_up_form(
        token,
        "referral",
        lambda session, token, form: capture_requests.refer_peer(
            session,
            token,
            name=form.get("name", ""),
            email=form.get("email", ""),
            note=form.get("note", ""),
        ),
    )
