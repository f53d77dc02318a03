"""The feedback service: NPS and onboarding surveys by email, and the loops they start."""

from __future__ import annotations

from typing import Any

from flask import Flask

from feedback.config import ConfigError

__all__ = ["ConfigError", "create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, extensions, blueprints, error pages and CLI.

    `config` overrides the FEEDBACK_* environment (tests pass their database here).
    Migrations are a deploy step (`flask --app wsgi db upgrade`), never run from here.
    """
    from pathlib import Path

    from feedback import api, cli, db, errors, logs
    from feedback import config as settings
    from feedback.access import enforce_access, role_groups
    from feedback.extensions import csrf, limiter
    from feedback.mail import catalogue
    from feedback.web import input_policy, register_blueprints
    from feedback.web.auth import login_manager
    from feedback.web.security import init_security

    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "feedback" / "static"),
    )
    app.config.from_mapping(settings.FLASK_DEFAULTS)
    if config:
        app.config.update(config)
    app.config.update(settings.load(app.instance_path, config))
    app.config.setdefault("RATELIMIT_ENABLED", app.config["ENV"] != "testing")
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True

    logs.init_app(app)
    init_security(app)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    catalogue.init_app(app)
    login_manager.init_app(app)
    input_policy.init_app(app)
    app.before_request(enforce_access)
    app.context_processor(role_groups)
    register_blueprints(app)
    api.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
