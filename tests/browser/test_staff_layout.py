"""The queue, task and thread pages fit the screen: no sideways scrolling on a phone (390 px)
or a laptop (1280 px), with long names, long unbroken words and wide quoted emails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import PHONE
from tests.builders import DOMAIN, SECRET, add_task, inbound_form, post, start_conversation
from tests.conftest import PASSWORD

LAPTOP = {"width": 1280, "height": 800}
LONG_WORD = "https://example.com/exports/" + "a1b2c3d4" * 20
WIDE_LINE = "> " + " ".join(["quoted-text-that-goes-on"] * 30)


@pytest.fixture
def app_config():
    """The inbound webhook's secret and domain (the thread is built from a real reply)."""
    return {"INBOUND_SECRET": SECRET, "INBOUND_DOMAIN": DOMAIN}


@pytest.fixture
def desk(session, client, make_team, make_user, make_account, make_contact):
    """A CSM's queue with long names, and a thread holding a wide forwarded email."""
    now = datetime.now(UTC)
    team = make_team(name="Enterprise Customers Europe Middle East and Africa")
    csm = make_user("csm", name="Casey Morgan-Fitzgerald", team_id=team.id)
    invitation, response, token = start_conversation(
        session, make_contact, score=2, comment=f"Export broken: {LONG_WORD}",
        name="Dana Lee-Ramirez de la Fuente",
    )  # fmt: skip
    contact = invitation.contact
    account = make_account(name="MegaCorp International Holdings and Subsidiaries GmbH",
                           plan="enterprise-plus-annual", arr="4800000")  # fmt: skip
    contact.account_id = account.id
    response.account_id = account.id
    session.commit()
    text = f"Still failing, see {LONG_WORD}\n\n{WIDE_LINE}\n{WIDE_LINE}"
    answer = post(client, inbound_form(to=f"reply+{token}@{DOMAIN}", sender=contact.email,
                                       text=text))  # fmt: skip
    assert answer.status_code < 300
    task = add_task(session, owner=csm, response=response, priority=4,
                    title=f"Recover {contact.name}: export failing since the last release",
                    due_at=now - timedelta(hours=6), created_at=now - timedelta(days=2),
                    severity_note=f"3rd complaint {LONG_WORD}")  # fmt: skip
    for i in range(5):
        add_task(session, owner=csm, contact=contact, type="convert", status="waiting_on_customer",
                 title=f"Convert follow-up {i} for a long account name",
                 due_at=now + timedelta(days=i + 1))  # fmt: skip
    return {"csm": csm, "task": task, "response": response}


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390px", "1280px"])
def test_queue_task_and_thread_pages_do_not_scroll_sideways(live_server, browser, desk, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", desk["csm"].email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    width = viewport["width"]
    for path in ("/queue", "/queue/team", f"/tasks/{desk['task'].id}",
                 f"/responses/{desk['response'].id}/thread"):  # fmt: skip
        page.goto(f"{live_server}{path}")
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")  # the full email, opened
        wide = scroll_width(page)
        if wide > width:
            page.screenshot(path=f"/tmp/overflow-{width}-{path.strip('/').replace('/', '-')}.png",
                            full_page=True)  # fmt: skip
        assert wide <= width, f"{path} is {wide}px wide on a {width}px screen"
    # The queue on a phone still shows what a CSM needs for each task, in words.
    page.goto(f"{live_server}/queue")
    row = page.locator("tr.is-overdue")
    assert row.is_visible() and "Recover Dana" in row.inner_text()
    assert "urgent" in row.inner_text() and "Open" in row.inner_text()
    page.screenshot(path=f"/tmp/queue-{width}.png", full_page=True)
    context.close()
