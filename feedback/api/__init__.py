"""The JSON API v1: one blueprint per resource, documented at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from feedback.api import common, teams


def init_app(app: Flask) -> None:
    common.init_app(app)
    for module in (teams,):
        common.api.register_blueprint(module.blp)
