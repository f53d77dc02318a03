"""The department responsiveness page and API: figures from the items' status history,
admins only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from feedback.services import backlog
from tests.http.api_helpers import error

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def history(session, world):
    """Finance: one item shipped (accepted after 2 days, shipped after 10, 4 customers told),
    one accepted after 4 days and past its target; Customer Success: one declined proposal."""
    admin = world.admin
    shipped = backlog.create_item(session, {"title": "VAT", "department": "Finance"}, admin, now=T0)
    late = backlog.create_item(
        session,
        {"title": "Refunds", "department": "Finance", "target_date": "2026-01-20"},
        admin,
        now=T0,
    )
    no = backlog.create_item(session, {"title": "Chat", "department": "Customer Success"}, admin,
                             now=T0)  # fmt: skip
    for item, status, days in (
        (shipped, "accepted", 2),
        (shipped, "in_progress", 3),
        (shipped, "shipped", 10),
        (late, "accepted", 4),
        (no, "declined", 1),
    ):
        backlog.transition(
            session, item.id, admin, status, "because", now=T0 + timedelta(days=days)
        )
    shipped.customers_told = 4
    session.commit()


def _row(page, department):
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{department}</a></th>(.*?)</tr>", page,
                    re.S).group(1)  # fmt: skip
    return re.findall(r"<td>(?:<strong>)?([^<]*)", row)


def test_the_page_shows_each_departments_figures(client, login, world, history):
    login(world.admin)
    answer = client.get("/backlog/responsiveness")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    # proposed, accepted, shipped, declined, open, days to accept, days to ship, past, told
    assert _row(page, "Finance") == ["2", "2", "1", "0", "1", "3.0", "10.0", "1", "4"]
    assert _row(page, "Customer Success") == ["1", "0", "0", "1", "0", "—", "—", "0", "0"]
    assert '<a href="/backlog/responsiveness">Responsiveness</a>' in page


def test_the_api_gives_the_same_figures(client, session, world, history, api_headers):
    body = client.get("/api/v1/backlog/responsiveness", headers=api_headers("admin")).get_json()
    finance = next(d for d in body["departments"] if d["department"] == "Finance")
    assert (finance["days_to_accept"], finance["days_to_ship"], finance["past_target"]) == (
        3.0,
        10.0,
        1,
    )
    assert body["totals"]["proposed"] == 3 and body["totals"]["customers_told"] == 4


@pytest.mark.parametrize("role", ["csm", "team_lead", "department_head"])
def test_only_admins_see_it(client, login, make_user, world, api_headers, role):
    login(make_user(role, team_id=world.finance.id))
    assert client.get("/backlog/responsiveness").status_code == 403
    error(client.get("/api/v1/backlog/responsiveness", headers=api_headers(role)), 403)


def test_an_empty_backlog_says_so(client, login, world):
    login(world.admin)
    page = client.get("/backlog/responsiveness").get_data(as_text=True)
    assert "No backlog items yet" in page
