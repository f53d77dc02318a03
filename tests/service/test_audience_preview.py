"""The audience preview before activation: its numbers are what dispatch then does.

A world with contacts inside and outside the audience, suppressed ones, recently surveyed ones
(fatigue), one outside the send window, a daily cap and another, more important program; the
preview of an inactive program at `now`, then the program activated and dispatched at the same
`now`, must agree contact for contact in count and reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from feedback.models import Invitation
from feedback.services import invitations, program_preview, programs

TUESDAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(app, session, make_account, make_contact):
    emea = make_account(external_id="emea", region="EMEA", timezone="Europe/Berlin")
    apac = make_account(external_id="apac", region="APAC", timezone="Pacific/Auckland")
    other = make_account(external_id="amer", region="AMER")
    people = {
        "night": [
            make_contact(account_external_id=apac.external_id) for _ in range(2)
        ],  # 01:00 there
        "fine": [
            make_contact(account_external_id=emea.external_id, timezone="UTC") for _ in range(12)
        ],
        "unsubscribed": [
            make_contact(account_external_id=emea.external_id, unsubscribed=True) for _ in range(2)
        ],
        "bounced": [make_contact(account_external_id=emea.external_id, bounced=True)],
        "recent": [
            make_contact(account_external_id=emea.external_id, timezone="UTC") for _ in range(3)
        ],
        "elsewhere": [make_contact(account_external_id=other.external_id) for _ in range(4)],
    }
    earlier = programs.create_program(
        session, {"name": "Earlier", "kind": "nps", "product_name": "Acme", "active": False}
    )
    invitations.invite_now(
        session, app.config, earlier.id, [c.email for c in people["recent"]],
        now=TUESDAY - timedelta(days=5),
    )  # fmt: skip
    program = programs.create_program(
        session,
        {"name": "EMEA and APAC NPS", "kind": "nps", "product_name": "Acme", "active": False,
         "audience": {"region": ["EMEA", "APAC"]}, "cadence_days": 1, "daily_cap": 8},
    )  # fmt: skip
    session.commit()
    return program, people


def test_the_preview_equals_what_dispatch_then_does(app, session, world):
    program, people = world
    preview = program_preview.audience_preview(session, program.id, now=TUESDAY)
    assert session.scalar(select(func.count()).select_from(Invitation)) == 3  # wrote nothing

    assert preview.matched == 12 + 2 + 1 + 3 + 2
    assert preview.suppressed == Counter({"unsubscribed": 2, "bounced": 1})
    assert preview.skipped["unsubscribed"] == 2 and preview.skipped["bounced"] == 1
    assert preview.skipped["fatigue"] == 3
    assert preview.skipped["outside_send_window"] == 2
    assert preview.skipped["daily_cap"] == 4  # 12 fine contacts, 8 a day
    assert preview.invited == 8

    programs.update_program(session, program.id, {"active": True})
    stats = invitations.dispatch_due_surveys(session, app.config, TUESDAY)
    session.commit()
    assert stats.invited == preview.invited
    assert Counter(stats.as_dict()["skipped"]) == preview.skipped
    sent = session.scalar(
        select(func.count()).select_from(Invitation).filter_by(program_id=program.id)
    )
    assert sent == preview.invited


def test_a_more_important_active_program_goes_first_in_the_preview_too(app, session, world):
    program, people = world
    first = programs.create_program(
        session,
        {"name": "First", "kind": "nps", "product_name": "Acme", "active": True,
         "priority": 1, "cadence_days": 1},
    )  # fmt: skip
    session.commit()
    preview = program_preview.audience_preview(session, program.id, now=TUESDAY)
    assert preview.invited == 0
    assert preview.skipped["fatigue"] == 12 + 3  # the fine ones wait for "First"

    programs.update_program(session, program.id, {"active": True})
    stats = invitations.dispatch_due_surveys(session, app.config, TUESDAY)
    session.commit()
    by_program = dict(
        session.execute(
            select(Invitation.program_id, func.count())
            .where(Invitation.created_at == TUESDAY)
            .group_by(Invitation.program_id)
        ).all()
    )
    assert by_program.get(program.id, 0) == preview.invited
    assert by_program[first.id] == stats.invited


def test_the_audience_page_shows_the_numbers(app, session, world, login, make_user):
    program, _ = world
    client = login(make_user("admin"))
    with time_machine.travel(TUESDAY, tick=False):
        body = client.get(f"/admin/programs/{program.id}/audience").get_data(as_text=True)
    assert "20 contacts match</strong>; 1 bounced; 2 unsubscribed." in body
    assert '<td id="audience-invited">8</td>' in body
    assert "Would be skipped: for fatigue</td><td>3</td>" in body
    assert "if this program were active" in body


def test_the_api_answers_the_same_numbers(client, world, api_headers):
    program, _ = world
    with time_machine.travel(TUESDAY, tick=False):
        response = client.get(f"/api/v1/programs/{program.id}/audience", headers=api_headers())
        refused = client.get(f"/api/v1/programs/{program.id}/audience", headers=api_headers("csm"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "matched": 20, "due": 20, "invited": 8,
        "skipped": {"unsubscribed": 2, "bounced": 1, "fatigue": 3, "outside_send_window": 2,
                    "daily_cap": 4},
        "suppressed": {"unsubscribed": 2, "bounced": 1},
    }  # fmt: skip
    assert refused.status_code == 403
