"""Accounts list, account page, contact page and the retention section, through the client:
sorting, search, what each page shows, the links between them, and the access rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feedback.models import AccountHealth, BacklogItem, BacklogResponse
from tests.builders import add_response, add_task, contact_of


def _world(session, make_team, make_user, make_account, make_contact):
    now = datetime.now(UTC)
    team = make_team()
    csm = make_user("csm", team_id=team.id)
    stranger = make_user("csm", team_id=make_team().id)
    big = make_account(name="Big Co", arr="500000", renewal_date="2027-03-01",
                       owner_email=csm.email)  # fmt: skip
    small = make_account(name="Small Co", arr="1000", renewal_date="2027-01-01",
                         owner_email=csm.email)  # fmt: skip
    foreign = make_account(name="Foreign Co", owner_email=stranger.email)
    dana = contact_of(session, make_contact, big, name="Dana")
    sam = contact_of(session, make_contact, small, name="Sam")
    bad = add_response(session, dana, score=2, comment="Export keeps failing",
                       answered_at=now - timedelta(days=3))  # fmt: skip
    add_response(session, sam, score=10, answered_at=now - timedelta(days=2))
    open_task = add_task(session, owner=csm, response=bad, title="Recover Dana")
    closed = add_task(session, owner=csm, contact=dana, status="closed", title="Old one",
                      closed_at=now - timedelta(days=30))  # fmt: skip
    session.add(AccountHealth(account_id=big.id, score=41, previous_score=70, computed_at=now,
                              parts={"usage": {"score": 20, "weight": 20,
                                               "detail": "2 of 10 seats active"}}))  # fmt: skip
    item = BacklogItem(title="Faster exports", description="", department="Product",
                       status="accepted", source="manual")  # fmt: skip
    session.add(item)
    session.flush()
    session.add(BacklogResponse(item_id=item.id, response_id=bad.id))
    session.commit()
    return {"csm": csm, "stranger": stranger, "big": big, "small": small, "foreign": foreign,
            "dana": dana, "bad": bad, "open": open_task, "closed": closed}  # fmt: skip


def names(body):
    return re.findall(r'href="/accounts/\d+">([^<]+)</a>', body)


def test_the_list_sorts_and_searches_what_the_csm_sees(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    login(w["csm"])
    body = client.get("/accounts").get_data(as_text=True)
    assert names(body) == ["Big Co", "Small Co"]  # Foreign Co is another team's
    assert names(client.get("/accounts?sort=arr&dir=asc").get_data(as_text=True)) == [
        "Small Co", "Big Co"]  # fmt: skip
    assert names(client.get("/accounts?sort=nps").get_data(as_text=True)) == [
        "Small Co", "Big Co"]  # +100 before -100  # fmt: skip
    assert names(client.get("/accounts?sort=renewal").get_data(as_text=True)) == [
        "Small Co", "Big Co"]  # fmt: skip
    health_sorted = client.get("/accounts?sort=health").get_data(as_text=True)
    assert names(health_sorted) == ["Big Co", "Small Co"]  # scored before not yet scored
    assert "41" in health_sorted and "(-29)" in health_sorted
    assert names(client.get("/accounts?q=small").get_data(as_text=True)) == ["Small Co"]
    wrong = client.get("/accounts?sort=vibes")
    assert wrong.status_code == 400 and "Sort by one of" in wrong.get_data(as_text=True)


def test_the_account_page_shows_its_360(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    login(w["csm"])
    page = client.get(f"/accounts/{w['big'].id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="/contacts/{w["dana"].id}"' in body
    assert f'href="/responses/{w["bad"].id}/thread"' in body and "Export keeps failing" in body
    assert f'href="/tasks/{w["open"].id}"' in body and f'href="/tasks/{w["closed"].id}"' in body
    assert "Faster exports" in body  # linked through its response
    assert "41</strong> of 100" in body and "2 of 10 seats active" in body
    assert "<svg" in body and 'role="img"' in body  # the score trend, inline
    assert f"/responses?account_id={w['big'].id}" in body


def test_the_contact_page_shows_their_history(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    login(w["csm"])
    body = client.get(f"/contacts/{w['dana'].id}").get_data(as_text=True)
    assert "Export keeps failing" in body and "Recover Dana" in body and "Old one" in body
    assert f'href="/accounts/{w["big"].id}"' in body


def test_the_task_page_links_to_the_account_and_contact(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    login(w["csm"])
    body = client.get(f"/tasks/{w['open'].id}").get_data(as_text=True)
    assert f'href="/accounts/{w["big"].id}"' in body
    assert f'href="/contacts/{w["dana"].id}"' in body


def test_other_teams_accounts_and_contacts_are_refused(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    login(w["stranger"])
    assert client.get(f"/accounts/{w['big'].id}").status_code == 403
    assert client.get(f"/contacts/{w['dana'].id}").status_code == 403
    assert client.get(f"/accounts/{w['foreign'].id}").status_code == 200
    assert client.get("/accounts/999999").status_code == 404


def test_the_retention_section(client, login, session, make_user, make_account, make_contact):
    admin = make_user("admin")
    account = make_account(status="churned", renewal_date="2026-01-01")
    contact = contact_of(session, make_contact, account)
    add_response(session, contact, score=1, answered_at=datetime(2025, 12, 1, tzinfo=UTC))
    login(admin)
    body = client.get("/accounts/retention").get_data(as_text=True)
    assert "Renewal and churn by latest NPS category" in body
    assert "100% <span" in body and "1 of 1" in body  # the detractor churned


def test_the_contacts_list_searches_what_the_csm_sees(
    client, login, session, make_team, make_user, make_account, make_contact
):
    w = _world(session, make_team, make_user, make_account, make_contact)
    contact_of(session, make_contact, w["foreign"], name="Foreign Fay")
    login(w["csm"])
    body = client.get("/contacts").get_data(as_text=True)
    listed = re.findall(r'href="/contacts/\d+">([^<]+)</a>', body)
    assert listed == ["Dana", "Sam"]  # Fay belongs to another team's account
    assert "2 contacts" in body and ">Big Co</a>" in body and "never answered" not in body
    searched = client.get("/contacts?q=big+co").get_data(as_text=True)  # by account name
    assert re.findall(r'href="/contacts/\d+">([^<]+)</a>', searched) == ["Dana"]
    by_email = client.get(f"/contacts?q={w['dana'].email[:5]}").get_data(as_text=True)
    assert "Dana" in by_email
    assert "No contacts match" in client.get("/contacts?q=nobody").get_data(as_text=True)
