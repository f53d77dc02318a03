"""Server-rendered pages, one blueprint per audience and area."""

from __future__ import annotations

from flask import Flask

from feedback.web import (  # conversation: replies, webhooks
    accounts,
    admin,
    auth,
    backlog,
    dashboard,
    display,
    home,
    imports,
    inbound,
    me,
    people,
    playbooks,
    programs,
    queue,
    resolution,
    responses,
    sso,
    survey,
    teams,
    theme_insight,
    themes,
    thread,
    tokens,
    unsubscribe,
    webhooks,
    webhooks_out,
)


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        auth.bp,
        sso.bp,
        home.bp,
        dashboard.bp,
        survey.bp,
        unsubscribe.bp,
        webhooks.bp,
        programs.bp,  # the admin blueprint (web/admin.py) with the program pages on it
        admin.dev,
        imports.bp,
        *(inbound.bp, thread.bp, webhooks_out.bp),
        themes.bp,
        theme_insight.bp,
        queue.bp,
        me.bp,
        *(people.bp, teams.bp, tokens.bp),  # people admin: users, teams, API tokens
        *(playbooks.bp, resolution.bp),  # inner loop: playbook admin, "did we resolve it?"
        backlog.bp,  # outer loop: the departments' backlog
        responses.bp,  # the responses explorer and the CSV exports
        accounts.bp,  # accounts, contacts, health, retention
    ):
        app.register_blueprint(blueprint)
    display.init_app(app)
    sso.init_app(app)
