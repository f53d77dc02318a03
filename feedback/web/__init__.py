"""Server-rendered pages, one blueprint per audience and area."""

from __future__ import annotations

from flask import Flask

from feedback.web import (  # conversation: replies, webhooks
    admin,
    auth,
    backlog,
    display,
    home,
    imports,
    inbound,
    me,
    playbooks,
    queue,
    resolution,
    sso,
    survey,
    themes,
    thread,
    unsubscribe,
    webhooks,
    webhooks_out,
)


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        auth.bp,
        sso.bp,
        home.bp,
        survey.bp,
        unsubscribe.bp,
        webhooks.bp,
        admin.bp,
        admin.dev,
        imports.bp,
        *(inbound.bp, thread.bp, webhooks_out.bp),
        themes.bp,
        queue.bp,
        me.bp,
        *(playbooks.bp, resolution.bp),  # inner loop: playbook admin, "did we resolve it?"
        backlog.bp,  # outer loop: the departments' backlog
    ):
        app.register_blueprint(blueprint)
    display.init_app(app)
    sso.init_app(app)
