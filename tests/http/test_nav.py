"""The navigation bar reads the role groups of feedback.roles: each role sees exactly the links
whose pages it may open."""

from __future__ import annotations

import re

import pytest

from feedback.roles import ADMINS, LEADS, ROLE_VALUES


@pytest.mark.parametrize("role", ROLE_VALUES)
def test_the_nav_links_are_the_pages_the_role_may_open(client, login, make_team, make_user, role):
    team = make_team()
    login(make_user(role, team_id=team.id))
    page = client.get("/queue").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', nav)
    assert "/queue" in links  # every staff role has the queue
    assert ("/metrics" in links) is (role in LEADS)
    assert ("/admin/programs" in links or any(p.startswith("/admin") for p in links)) is (
        role in ADMINS
    )
    for link in links:
        assert client.get(link, follow_redirects=True).status_code == 200, link
