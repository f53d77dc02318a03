"""Server-rendered pages, one blueprint per audience and area."""

from __future__ import annotations

from flask import Flask

from feedback.web import auth, home, unsubscribe, webhooks


def register_blueprints(app: Flask) -> None:
    for module in (auth, home):
        app.register_blueprint(module.bp)
    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(webhooks.bp)
