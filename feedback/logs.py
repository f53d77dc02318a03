"""Logging: readable lines in development, one JSON object per line in production.

Every record logged while a request is handled carries that request's id (the proxy's
X-Request-ID when it sends a sane one, else a fresh one), and the response returns it, so an
operator can find every line of one failing request.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
SCHEDULER_RUNS = "apscheduler.executors.default"  # "Running job …", "… executed successfully"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")  # a client must not inject log lines


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def init_app(app: Flask) -> None:
    """Install the handler on the root logger once, and the request id on every request."""
    root = logging.getLogger()
    if not any(getattr(h, "_feedback", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._feedback = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        if getattr(handler, "_feedback", False):
            handler.setFormatter(
                json_formatter()
                if app.config["ENV"] == "production"
                else logging.Formatter(TEXT_FORMAT)
            )
    # The demo's scheduler runs jobs every few seconds: two lines a run would bury the sign-in
    # line dev.py prints within a minute. A failing job still logs its error, and every run
    # is kept in job_runs (GET /api/v1/jobs, `flask --app wsgi jobs`). Production keeps them.
    quiet = app.config["ENV"] != "production"
    logging.getLogger(SCHEDULER_RUNS).setLevel(logging.WARNING if quiet else logging.NOTSET)
    # Flask's own handler would print each record a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.before_request(_assign_request_id)
    app.after_request(_return_request_id)


def _assign_request_id() -> None:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = sent if _SANE_ID.match(sent) else uuid.uuid4().hex


def _return_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response
