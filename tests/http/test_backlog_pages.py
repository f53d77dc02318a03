"""The backlog pages per role: a department head's home, ranked list with its order, board,
item page with quotes and history, status changes (refusals flashed, never a 500), raising."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feedback.models import BacklogItem
from feedback.services import backlog


@pytest.fixture
def head(make_user, world):
    return make_user("department_head", name="Fin Head", team_id=world.finance.id)


@pytest.fixture
def items(session, world, respond, head):
    r = respond(
        2,
        account=world.big,
        comment="The invoice shows the wrong VAT every month",
        themes=(world.billing,),
    )
    vat = backlog.create_item(
        session, {"title": "VAT on invoices", "theme_id": world.billing.id}, head
    )
    portal = backlog.create_item(session, {"title": "Billing portal login"}, head)
    other = backlog.create_item(
        session, {"title": "Onboarding calls", "department": "Customer Success"}, world.admin
    )
    backlog.link_response(session, vat.id, r.id, head)
    portal.arr_at_risk = Decimal("10")
    session.commit()
    return {"vat": vat, "portal": portal, "other": other, "response": r}


def page(client, url):
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def test_a_department_heads_home_is_their_ranked_backlog(login, head, items):
    client = login(head)
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/backlog")
    html = page(client, "/backlog")
    assert 'href="/backlog">Backlog</a>' in html  # the nav link
    assert "Order: by ARR at risk, then by NPS points" in html
    assert html.index("VAT on invoices") < html.index("Billing portal login")  # 250,000 at risk
    assert "Onboarding calls" not in html  # another department's
    # Counts read as words do: one linked response (a detractor), nothing called "-0.0".
    assert "1 (1 detractor, 0 passives)" in html and "-0.0" not in html


def test_moving_an_item_by_hand_and_the_page_says_so(client, login, head, items):
    login(head)
    answer = client.post(f"/backlog/{items['portal'].id}/move", data={"action": "up"})
    assert answer.status_code == 303
    html = page(client, "/backlog")
    assert "Order: set by hand first" in html
    assert html.index("Billing portal login") < html.index("VAT on invoices")
    client.post("/backlog/order/reset", data={"department": "Finance"})
    html = page(client, "/backlog")
    assert html.index("VAT on invoices") < html.index("Billing portal login")


def test_the_board_groups_by_status(session, client, login, head, items):
    backlog.transition(session, items["vat"].id, head, "accepted", "Yes")
    session.commit()
    login(head)
    html = page(client, "/backlog/board")
    accepted = html[html.index('id="col-accepted"') : html.index('id="col-in_progress"')]
    assert "VAT on invoices" in accepted and "Billing portal login" not in accepted


def test_the_item_page_shows_quotes_impact_and_history(client, login, head, items):
    login(head)
    html = page(client, f"/backlog/{items['vat'].id}")
    assert "The invoice shows the wrong VAT every month" in html
    assert "BigBank" in html and "enterprise" in html and "250,000" in html
    assert "<svg" in html and "polyline" in html
    assert "Change status" in html


def test_moving_status_with_a_note_and_refusals(session, client, login, head, items):
    login(head)
    url = f"/backlog/{items['vat'].id}"
    refused = client.post(
        f"{url}/status", data={"status": "shipped", "note": "done"}, follow_redirects=True
    )
    assert refused.status_code == 200
    assert "cannot move to shipped" in refused.get_data(as_text=True)
    no_note = client.post(
        f"{url}/status", data={"status": "accepted", "note": ""}, follow_redirects=True
    )
    assert "Write a note" in no_note.get_data(as_text=True)
    assert session.get(BacklogItem, items["vat"].id).status == "proposed"
    client.post(f"{url}/status", data={"status": "accepted", "note": "Finance will fix it"})
    html = page(client, url)
    assert "status: Accepted" in html and "Finance will fix it" in html
    session.expire_all()
    assert session.get(BacklogItem, items["vat"].id).status == "accepted"


def test_other_departments_and_csms_cannot_change(session, client, login, world, make_user, items):
    other = make_user("department_head", team_id=world.support.id)
    login(other)
    assert client.get(f"/backlog/{items['vat'].id}").status_code == 403
    refused = client.post(
        f"/backlog/{items['vat'].id}/status", data={"status": "accepted", "note": "x"}
    )
    assert refused.status_code == 303  # refused with a message, nothing changed
    session.expire_all()
    assert session.get(BacklogItem, items["vat"].id).status == "proposed"
    client.post("/logout")
    login(world.ann)
    html = page(client, f"/backlog/{items['vat'].id}")  # CSMs read
    assert "Change status" not in html
    answer = client.post(
        f"/backlog/{items['vat'].id}/status",
        data={"status": "accepted", "note": "x"},
        follow_redirects=True,
    )
    assert "Only the head of Finance or an admin" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(BacklogItem, items["vat"].id).status == "proposed"
    assert client.get("/backlog/99999").status_code == 404


def test_a_csm_raises_from_a_response_and_links(session, client, login, world, respond, items):
    r = respond(4, account=world.mega, comment="The mobile app crashes on login")
    login(world.ann)
    form = page(client, f"/backlog/new?response_id={r.id}")
    assert f"From response #{r.id}" in form
    answer = client.post("/backlog/new", data={"response_id": r.id, "title": "App crashes"})
    assert answer.status_code == 303
    item = session.query(BacklogItem).filter_by(title="App crashes").one()
    assert (item.status, item.source) == ("proposed", "response")
    bad = client.post("/backlog/new", data={"title": ""})
    assert bad.status_code == 422 and "Give the item a title" in bad.get_data(as_text=True)
    linked = client.post(
        f"/backlog/{items['portal'].id}/responses",
        data={"response_id": r.id},
        follow_redirects=True,
    )
    assert "Linked." in linked.get_data(as_text=True)
    nonsense = client.post(
        f"/backlog/{items['portal'].id}/responses",
        data={"response_id": "abc"},
        follow_redirects=True,
    )
    assert "Enter the number of the response" in nonsense.get_data(as_text=True)


def test_an_admin_sees_every_department(client, login, world, items):
    login(world.admin)
    html = page(client, "/backlog")
    assert "Onboarding calls" in html and "VAT on invoices" in html
    html = page(client, "/backlog?department=Customer+Success")
    assert "Onboarding calls" in html and "VAT on invoices" not in html
    assert page(client, "/") != ""  # the admin's home stays the tenant overview


def test_shipping_then_telling_the_customers(session, client, login, head, items):
    from datetime import UTC, datetime, timedelta

    from feedback.services import backlog_notices

    login(head)
    url = f"/backlog/{items['vat'].id}"
    for target in ("accepted", "in_progress", "shipped"):
        client.post(f"{url}/status", data={"status": target, "note": f"now {target}"})
    html = page(client, url)
    assert "0</strong> customers told; 1 still to tell" in html
    answer = client.post(
        f"{url}/customer-note", data={"customer_note": "Invoices now show the right VAT."}
    )
    assert answer.status_code == 303
    html = page(client, url)
    assert "Preview (en): You asked, we changed it" in html
    assert "Invoices now show the right VAT." in html and "still to tell on" in html
    empty = client.post(f"{url}/customer-note", data={"customer_note": ""}, follow_redirects=True)
    assert "Write what changed" in empty.get_data(as_text=True)
    config = {"MAIL_FROM": "Acme <f@acme.example>", "INBOUND_DOMAIN": "in.acme.example"}
    backlog_notices.tell_customers(session, config, datetime.now(UTC) + timedelta(days=7))
    session.commit()
    html = page(client, url)
    assert "1</strong> customers told" in html and "still to tell" not in html


def test_a_move_only_returns_to_a_backlog_page(client, login, head, items):
    login(head)
    url = f"/backlog/{items['portal'].id}/move"
    answer = client.post(url, data={"action": "up", "back": "https://evil.example/x"})
    assert answer.headers["Location"].endswith("/backlog")
    answer = client.post(url, data={"action": "down", "back": "/backlog?status=all"})
    assert answer.headers["Location"].endswith("/backlog?status=all")
