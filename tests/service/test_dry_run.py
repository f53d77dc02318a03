"""The playbook dry run: the last 30 days through a draft and the active set, and the diff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from feedback.models import Task
from feedback.services import playbook_admin
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
