"""Error answers: JSON for the API, a page a person can act on everywhere else."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from feedback import db, locales
from feedback.access import api_error, is_api_request
from feedback.api.common import flatten_messages
from feedback.mail import catalogue
from feedback.services.errors import ServiceError
from feedback.wording import N_

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in first.",
    403: "Your account is not allowed to open this page.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    409: "That conflicts with the current state; reload and try again.",
    410: "This link has expired.",
    413: "What you sent is too large.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    422: "Some fields are invalid.",
    429: "Too many attempts; wait a minute and try again.",
    500: "Something went wrong on our side; the error is logged.",
    503: "The database cannot be reached for a moment; try again in a few seconds.",
}
# Seconds a client is asked to wait after a 503: the pool reconnects on the next checkout
# (pool_pre_ping), so a lost connection costs the requests that were using it, not longer.
RETRY_AFTER = 5


# Customer pages: what a customer reaches from an email (survey, unsubscribe, "did we resolve
# it?"). Their errors speak the customer's language and never mention requests or sign-in.
CUSTOMER_PATHS = ("/r/", "/u/", "/resolved/")
CUSTOMER_MESSAGES = {
    400: N_("We could not read what was sent. Please go back and try again."),
    404: N_("This link does not work. Please open it again from the email, in full."),
    405: N_("We could not read what was sent. Please go back and try again."),
    409: N_("Your answer changed at the same moment elsewhere. Please reload the page."),
    410: N_("This link has expired."),
    413: N_("What you sent is too long. Please shorten it and send it again."),
    429: N_("Too many attempts in a short time. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. Please try again in a few minutes."),
    503: N_(
        "We cannot record answers for a moment. Please go back and send yours again in a minute."
    ),
}
CUSTOMER_EXPIRED_FORM = N_("This page has expired. Please reload it and send your answer again.")
CUSTOMER_CONTROL_CHARACTER = N_(
    "What you typed contains a control character (an invisible character) that we cannot "
    "store. Please remove it and send it again."
)


def is_customer_request() -> bool:
    return request.path.startswith(CUSTOMER_PATHS)


def error_page(status: int, message: str, customer_message: str | None = None) -> Any:
    """An error as a page: the staff wording, or on a customer page the customer's words for
    it (`customer_message`, else the status's) in the customer's language."""
    if not is_customer_request():
        return render_template("error.html", status=status, message=message), status
    if "customer_locale" not in g:  # refused before the page could read the invitation
        best = request.accept_languages.best_match(locales.SUPPORTED)
        catalogue.use_customer_locale(best)
    text = customer_message or CUSTOMER_MESSAGES.get(status, CUSTOMER_MESSAGES[400])
    return render_template("survey/link_error.html", message=text, status=status), status


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    message = MESSAGES.get(status, exc.description or "Error")
    if is_api_request():
        data = getattr(exc, "data", None) or {}
        fields = flatten_messages(data.get("messages", {}).get("json", data.get("messages", {})))
        if isinstance(exc, CSRFError):
            message = "Missing or invalid CSRF token."
        return api_error(status, _code(status), message, fields)
    if isinstance(exc, CSRFError):
        message = (
            "This form has expired or was sent from another site. Go back, reload it and try again."  # noqa: E501
        )
        return error_page(status, message, CUSTOMER_EXPIRED_FORM)
    return error_page(status, message)


def _code(status: int) -> str:
    return {
        400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
        405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
        415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
        503: "unavailable",
    }.get(status, "error")  # fmt: skip


def _service_error(exc: ServiceError) -> Any:
    db.session().rollback()
    if is_api_request():
        return api_error(exc.status, exc.code, exc.message, exc.fields)
    return error_page(exc.status, exc.message)


def _integrity_error(exc: IntegrityError) -> Any:
    # Two requests raced past a service's uniqueness check; the database kept one.
    db.session().rollback()
    message = "That conflicts with a record saved at the same moment; reload and try again."
    if is_api_request():
        return api_error(409, "conflict", message)
    return error_page(409, message)


def _database_error(exc: DBAPIError) -> Any:
    """503 when the database went away under a request (a restart, a failover, a backend
    terminated by an operator); any other database error is a bug and answers 500."""
    lost = isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
    if not lost:
        raise exc  # a bug, not an outage: Flask's usual 500 path logs and answers it
    from flask import current_app

    current_app.logger.warning("database unavailable: %s", str(exc.orig or exc).splitlines()[0])
    try:
        db.session().rollback()  # resets the session; the dead connection is discarded
    except DBAPIError:
        pass
    headers = {"Retry-After": str(RETRY_AFTER)}
    if is_api_request():
        answer = api_error(503, "unavailable", MESSAGES[503])
        answer.headers.update(headers)
        return answer
    page, status = error_page(503, MESSAGES[503])
    return page, status, headers


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    request_id = id(request)
    from flask import current_app

    current_app.logger.exception("unhandled error (ref %s)", request_id)
    db.session().rollback()
    if is_api_request():
        return api_error(500, "internal_error", MESSAGES[500])
    return error_page(500, MESSAGES[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(DBAPIError, _database_error)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, _unexpected)
