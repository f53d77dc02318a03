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

    from feedback import api, cli, db, errors
    from feedback import config as settings
    from feedback.access import enforce_access, role_groups
    from feedback.extensions import csrf, limiter
    from feedback.web import register_blueprints
    from feedback.web.auth import login_manager

    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        template_folder=str(root / "templates"),
        static_folder=str(root / "feedback" / "static"),
    )
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_prefixed_env("FEEDBACK")
    if config:
        app.config.update(config)
    settings.validate(app.config, app.instance_path)
    app.config.setdefault("RATELIMIT_ENABLED", app.config["ENV"] != "testing")
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    app.before_request(enforce_access)
    app.context_processor(role_groups)
    register_blueprints(app)
    api.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
