"""The JSON API v1: one blueprint per resource, documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from feedback.api import (
    accounts,
    backlog,
    common,
    contacts,
    invitations,
    jobs,
    metrics,
    nps,
    programs,
    responses,
    tasks,
    teams,
    users,
)
from feedback.extensions import csrf

RESOURCES = (
    teams,
    users,
    accounts,
    contacts,
    programs,
    invitations,
    responses,
    metrics,
    nps,
    tasks,
    backlog,
    jobs,
)


def init_app(app: Flask) -> None:
    common.init_app(app)
    for module in RESOURCES:
        # Bearer tokens, not cookies, authenticate the API, so there is no CSRF to defend.
        csrf.exempt(module.blp)
        common.api.register_blueprint(module.blp)
