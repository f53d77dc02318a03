"""The playbook dry run: the last 30 days through a draft and the active set, and the diff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from feedback.models import Task
from feedback.services import org, playbook_admin
from tests.followup_world import NOW


def test_the_diff_shows_which_tasks_change_and_for_whom(session, world, respond):
    respond(3, at=NOW - timedelta(days=2))
    respond(8, at=NOW - timedelta(days=3))
    respond(10, at=NOW - timedelta(days=40))  # older than 30 days: not replayed
    draft = playbook_admin.create_draft(session, world.admin)
    rows = [
        {"name": r.name, "conditions": r.conditions, "action": r.action, "stop": r.stop}
        for r in draft.rules
        if r.name != "Passive"
    ]
    rows[1]["action"] = {**rows[1]["action"], "route": {"to": "team", "team_id": world.finance.id}}
    playbook_admin.update_rules(session, draft.id, "No passives", rows)
    result = playbook_admin.dry_run(session, draft.id, NOW)
    assert len(result.rows) == 2
    assert len(result.changed) == 2
    by_score = {r.score: r for r in result.rows}
    assert [t.task_type for t in by_score[8].active] == ["convert"]
    assert by_score[8].draft == []
    assert by_score[3].active[0].owner_name == "Ann"
    assert by_score[3].draft[0].owner_name == "Fay"
    assert ("convert", 0, 1) in result.summary()
    assert ("Fay", 1, 0) in result.owners()
    assert session.scalar(select(func.count()).select_from(Task)) == 0  # nothing written


def test_an_unchanged_copy_has_no_diff(session, world, respond):
    respond(3, at=NOW - timedelta(days=2))
    draft = playbook_admin.create_draft(session, world.admin)
    result = playbook_admin.dry_run(session, draft.id, NOW)
    assert len(result.rows) == 1 and result.changed == []


def test_the_sla_is_shown_as_the_rule_gave_it_and_in_the_teams_hours(session, world, respond):
    org.update_team(session, world.support.id, {"business_start": "08:00", "business_end": "18:00"})
    respond(3, at=NOW - timedelta(days=2))  # MegaCorp, Ann's, in Support
    draft = playbook_admin.create_draft(session, world.admin)
    rows = [
        {"name": r.name, "conditions": r.conditions, "action": r.action, "stop": r.stop}
        for r in draft.rules
    ]
    detractor = next(r for r in rows if r["name"] == "Detractor")
    detractor["action"] = {"task_type": "recover", "priority": 2, "sla_business_hours": 4}
    playbook_admin.update_rules(session, draft.id, "Four hours", rows)
    (row,) = playbook_admin.dry_run(session, draft.id, NOW).rows
    (active,), (draft_task,) = row.active, row.draft
    assert active.sla_business_hours == 20  # two of Support's 10-hour days
    assert active.sla_text == "2 business days (20 business hours of Mon–Fri 08:00–18:00)"
    assert draft_task.sla_business_hours == 4
    assert draft_task.sla_text == "4 business hours of Mon–Fri 08:00–18:00"
    assert row.changed
