"""Server-rendered pages, one blueprint per audience and area."""

from __future__ import annotations

from flask import Flask

from feedback.web import (  # conversation: replies, webhooks
    admin,
    auth,
    backlog,
    dashboard,
    display,
    home,
    inbound,
    me,
    playbooks,
    queue,
    resolution,
    survey,
    theme_insight,
    themes,
    thread,
    unsubscribe,
    webhooks,
    webhooks_out,
)


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        auth.bp,
        home.bp,
        dashboard.bp,
        survey.bp,
        unsubscribe.bp,
        webhooks.bp,
        admin.bp,
        admin.dev,
        *(inbound.bp, thread.bp, webhooks_out.bp),
        themes.bp,
        theme_insight.bp,
        queue.bp,
        me.bp,
        *(playbooks.bp, resolution.bp),  # inner loop: playbook admin, "did we resolve it?"
        backlog.bp,  # outer loop: the departments' backlog
    ):
        app.register_blueprint(blueprint)
    display.init_app(app)
