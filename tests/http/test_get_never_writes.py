"""A GET never writes: every staff page, opened on an empty database, leaves every table as it
was; the defaults (taxonomy, playbook set) come from `flask seed-defaults` instead."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter, Rule

from feedback.access import PUBLIC, access_rule
from feedback.db import Base


def _row_counts(session: Any) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _staff_pages(app: Any) -> list[str]:
    return sorted(
        _url(rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and rule.endpoint != "static"
        and access_rule(app, rule.endpoint, "GET") not in (None, PUBLIC)
    )


@pytest.mark.parametrize("role", ["admin", "csm", "team_lead", "department_head"])
def test_no_staff_page_writes_on_an_empty_database(app, client, session, make_user, login, role):
    login(make_user(role))
    session.commit()
    before = _row_counts(session)
    pages = _staff_pages(app)
    assert "/admin/themes" in pages and "/admin/playbooks" in pages
    for url in pages:
        status = client.get(url).status_code
        assert status < 500, url
        assert _row_counts(session) == before, f"GET {url} wrote to the database"


def test_the_theme_and_playbook_pages_show_nothing_before_the_defaults_are_seeded(
    client, session, make_user, login
):
    login(make_user("admin"))
    themes = client.get("/admin/themes").get_data(as_text=True)
    assert "Billing &amp; pricing" not in themes
    playbooks = client.get("/admin/playbooks").get_data(as_text=True)
    assert "Default playbooks" not in playbooks


def test_seed_defaults_adds_the_taxonomy_and_playbook_set_once(
    app, client, session, make_team, make_user, login
):
    make_team(name="Engineering", department="Engineering")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-defaults"], catch_exceptions=False)
    assert first.exit_code == 0
    assert "Default themes added: 10." in first.output
    assert "Default playbook set added and active." in first.output
    again = runner.invoke(args=["seed-defaults"], catch_exceptions=False)
    assert "Default themes added: 0." in again.output
    assert "already active" in again.output
    login(make_user("admin"))
    themes = client.get("/admin/themes").get_data(as_text=True)
    assert "Billing &amp; pricing" in themes and "Engineering" in themes
    playbooks = client.get("/admin/playbooks").get_data(as_text=True)
    assert playbooks.count("Default playbooks") == 1
