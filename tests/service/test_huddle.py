"""The weekly huddle pack: telling verbatims, SLA breaches, recoveries, the outer-loop button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import OutboxEmail, OuterLoopCandidate
from feedback.services import huddle
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from tests.builders import add_response, add_task, contact_of

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def week(session, make_team, make_user, make_account, make_contact):
    team, other = make_team(name="Enterprise"), make_team(name="SMB")
    csm = make_user("csm", name="Casey", team_id=team.id)
    lead = make_user("team_lead", name="Lee", team_id=team.id)
    make_user("csm", name="Gone", team_id=team.id, active=False)
    outsider = make_user("csm", name="Oz", team_id=other.id)
    owned = make_account(name="MegaCorp", owner_email=csm.email)
    foreign = make_account(name="Elsewhere", owner_email=outsider.email)
    dana = contact_of(session, make_contact, owned, name="Dana")
    eli = contact_of(session, make_contact, foreign, name="Eli")

    def said(contact, score, comment, days_ago=1, **analysis):
        return add_response(session, contact, score=score, comment=comment,
                            answered_at=NOW - days_ago * DAY, **analysis)  # fmt: skip

    r = {
        "worst": said(dana, 1, "Terrible, lost data", label="negative", polarity=-0.9),
        "bad": said(dana, 4, "Slow exports", label="negative", polarity=-0.3),
        "meh": said(dana, 3, "Billing is confusing", label="negative", polarity=-0.5),
        "mild": said(dana, 6, "A bit slow", label="negative", polarity=-0.1),
        "best": said(dana, 10, "Love the new dashboard", label="positive", polarity=0.8),
        "ok": said(dana, 9, "Good", label="positive", polarity=0.2),
        "mismatch": said(
            dana,
            9,
            "Nothing works",
            label="negative",
            polarity=-0.6,
            mismatch=True,
            mismatch_reason="a 9 with an angry comment",
        ),  # fmt: skip
        "unanalysed": said(dana, 0, "Nein, schlecht"),
        "old": said(dana, 0, "Last month it was awful", days_ago=20),
        "foreign": said(eli, 0, "Other team's problem"),
        "silent": said(dana, 2, None),
    }
    # Routed to the team although the account is another team's: it belongs to the pack too.
    routed = said(eli, 2, "Routed to Enterprise", label="negative", polarity=-0.95)
    add_task(session, owner=csm, response=routed, due_at=NOW + DAY)
    r["routed"] = routed
    tasks = {
        "late_open": add_task(
            session, owner=csm, contact=dana, due_at=NOW - 2 * DAY, title="Late and open"
        ),  # fmt: skip
        "late_closed": add_task(
            session,
            owner=csm,
            contact=dana,
            due_at=NOW - 3 * DAY,
            status="closed",
            resolution_code="contacted",
            closed_at=NOW - 2 * DAY,
            title="Closed late",
        ),  # fmt: skip
        "on_time": add_task(
            session,
            owner=csm,
            contact=dana,
            due_at=NOW - 3 * DAY,
            status="closed",
            resolution_code="resolved",
            closed_at=NOW - 4 * DAY,
            title="Won back",
        ),  # fmt: skip
        "last_month": add_task(
            session, owner=csm, contact=dana, due_at=NOW - 20 * DAY, title="Old breach"
        ),  # fmt: skip
        "other_team": add_task(
            session, owner=outsider, contact=eli, due_at=NOW - DAY, title="Not ours"
        ),  # fmt: skip
    }
    return {"team": team, "other": other, "csm": csm, "lead": lead, "responses": r,
            "tasks": tasks}  # fmt: skip


def test_the_pack_picks_the_most_telling_verbatims(session, week):
    pack = huddle.huddle_pack(session, week["team"].id, now=NOW)
    r = week["responses"]
    assert [v.response_id for v in pack.mismatches] == [r["mismatch"].id]
    # Strongest negative first; an unanalysed comment falls back to its score (0 → -1.0).
    assert [v.response_id for v in pack.negatives] == [r["unanalysed"].id, r["routed"].id,
                                                       r["worst"].id]  # fmt: skip
    assert [v.response_id for v in pack.positives] == [r["best"].id, r["ok"].id]
    assert pack.mismatches[0].why == "says one thing, scores another"
    assert pack.negatives[0].contact == "Dana" and pack.negatives[0].account == "MegaCorp"
    shown = {v.response_id for v in pack.negatives + pack.positives + pack.mismatches}
    assert not shown & {r["old"].id, r["foreign"].id, r["silent"].id}


def test_breaches_and_recoveries_of_the_week(session, week):
    pack = huddle.huddle_pack(session, week["team"].id, now=NOW)
    t = week["tasks"]
    assert [x.id for x in pack.breached] == [t["late_closed"].id, t["late_open"].id]
    assert [x.id for x in pack.recoveries] == [t["on_time"].id]
    assert pack.recoveries[0].owner == "Casey" and not pack.empty


def test_a_quiet_team_has_an_empty_pack(session, make_team):
    quiet = make_team(name="Quiet")
    assert huddle.huddle_pack(session, quiet.id, now=NOW).empty
    with pytest.raises(NotFound):
        huddle.huddle_pack(session, 424242, now=NOW)


def test_raising_a_verbatim_keeps_it_once_per_team(session, week, make_user):
    response = week["responses"]["worst"]
    team_id = week["team"].id
    first, created = huddle.raise_to_outer_loop(
        session, response_id=response.id, team_id=team_id, user=week["lead"],
        note="  Data loss again  ",
    )  # fmt: skip
    again, created_again = huddle.raise_to_outer_loop(
        session, response_id=response.id, team_id=team_id, user=week["csm"]
    )
    assert created and not created_again and first.id == again.id
    assert (first.note, first.raised_by_id) == ("Data loss again", week["lead"].id)
    pack = huddle.huddle_pack(session, week["team"].id, now=NOW)
    assert [v.raised for v in pack.negatives if v.response_id == response.id] == [True]
    with pytest.raises(Forbidden):  # the lead does not see the other team
        huddle.raise_to_outer_loop(
            session, response_id=response.id, team_id=week["other"].id, user=week["lead"]
        )
    other, created = huddle.raise_to_outer_loop(
        session, response_id=response.id, team_id=week["other"].id, user=make_user("admin")
    )
    assert created and session.query(OuterLoopCandidate).count() == 2


def test_raising_checks_what_it_is_given(session, week):
    response_id, team_id = week["responses"]["worst"].id, week["team"].id
    with pytest.raises(NotFound):
        huddle.raise_to_outer_loop(session, response_id=999999, team_id=team_id, user=week["csm"])
    with pytest.raises(InvalidInput) as caught:
        huddle.raise_to_outer_loop(session, response_id=response_id, team_id=team_id,
                                   user=week["csm"], note="x" * 2001)  # fmt: skip
    assert "note" in caught.value.fields


def test_the_weekly_job_emails_each_active_member_through_the_outbox(
    app, session, week, make_team, make_user
):
    from jobs.registry import JOBS, run_job

    make_user("csm", team_id=make_team(name="Quiet").id)
    make_team(name="Nobody")
    assert JOBS["send-huddle-packs"].every_seconds == 7 * 86_400
    summary = run_job(app, "send-huddle-packs", now=NOW, manual=True)
    assert summary == {"teams": 2, "emails": 3, "quiet_teams": 1}  # not to the inactive member
    emails = session.query(OutboxEmail).filter_by(kind="huddle").order_by(OutboxEmail.id).all()
    assert [e.to_email for e in emails][:2] == [week["csm"].email, week["lead"].email]
    content = emails[0].content
    assert content.subject == "Huddle pack: Enterprise, week to 20 Nov 2026"
    assert "Terrible, lost data" in content.text and f"/huddle/{week['team'].id}" in content.text
    assert "Late and open" in content.html and emails[0].status == "queued"
