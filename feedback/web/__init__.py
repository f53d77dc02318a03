"""Server-rendered pages, one blueprint per audience and area."""

from __future__ import annotations

from flask import Flask

from feedback.web import admin, auth, home, survey, unsubscribe, webhooks
from feedback.web import inbound, thread, webhooks_out  # conversation: replies, webhooks


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        auth.bp,
        home.bp,
        survey.bp,
        unsubscribe.bp,
        webhooks.bp,
        admin.bp,
        admin.dev,
        *(inbound.bp, thread.bp, webhooks_out.bp),
    ):
        app.register_blueprint(blueprint)
