"""Admin playbook pages: the list, editing a draft (typed text kept on error, 422), the dry
run page, activation; and the public "Did we resolve it?" page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from feedback.models import OutboxEmail, PlaybookSet
from feedback.services import followup, followup_planning, resolution_checks
from tests.followup_world import tasks_of


def test_list_edit_dry_run_activate(client, session, login, world, respond, seed_defaults):
    seed_defaults()  # `flask seed-defaults`: the list page itself never seeds
    respond(3, at=datetime.now(UTC) - timedelta(days=1))
    login(world.admin)
    page = client.get("/admin/playbooks")
    assert page.status_code == 200 and "Default playbooks" in page.get_data(as_text=True)
    answer = client.post("/admin/playbooks/new")
    assert answer.status_code == 302
    draft = session.scalar(select(PlaybookSet).where(PlaybookSet.status == "draft"))
    edit = client.get(f"/admin/playbooks/{draft.id}").get_data(as_text=True)
    assert "High-ARR detractor" in edit and "rule-0-conditions" in edit
    count = len(draft.rules)
    form = {
        "name": "Stricter",
        "rule_count": str(count),
        "rule-0-name": "Broken",
        "rule-0-position": "1",
        "rule-0-conditions": '{"category": ["detractor"',
        "rule-0-action": "{}",
        "rule-0-stop": "on",
        "rule-0-active": "on",
    }
    for i, rule in enumerate(draft.rules[1:], start=1):
        form.update(
            {
                f"rule-{i}-name": rule.name,
                f"rule-{i}-position": str(i + 1),
                f"rule-{i}-conditions": json.dumps(rule.conditions),
                f"rule-{i}-action": json.dumps(rule.action),
                f"rule-{i}-stop": "on",
                f"rule-{i}-active": "on",
            }
        )
    answer = client.post(f"/admin/playbooks/{draft.id}", data=form)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "not valid JSON" in text and "task_type" in text
    assert "{&#34;category&#34;: [&#34;detractor&#34;" in text  # what was typed is kept
    form["rule-0-conditions"] = '{"category": ["detractor"]}'
    form["rule-0-action"] = '{"task_type": "recover", "priority": 4, "sla_business_days": 1}'
    answer = client.post(f"/admin/playbooks/{draft.id}", data=form)
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(PlaybookSet, draft.id).rules[0].action["priority"] == 4
    dry = client.get(f"/admin/playbooks/{draft.id}/dry-run")
    assert dry.status_code == 200
    shown = dry.get_data(as_text=True)
    assert "1 of 1 responses would be followed up differently" in shown
    # The SLA as each rule gave it, and what it is in the hours of the team it goes to.
    assert "1 business day (8 business hours of Mon–Fri 09:00–17:00)" in shown
    assert "2 business days (16 business hours of Mon–Fri 09:00–17:00)" in shown
    assert client.post(f"/admin/playbooks/{draft.id}/activate").status_code == 302
    session.expire_all()
    assert session.get(PlaybookSet, draft.id).status == "active"
    assert followup_planning.active_set(session).id == draft.id
    # an active set is not edited
    assert client.post(f"/admin/playbooks/{draft.id}", data=form).status_code == 409


def test_csms_may_not_open_the_playbook_pages(client, login, world):
    login(world.ann)
    assert client.get("/admin/playbooks").status_code == 403


def test_the_public_resolution_page_and_a_no(client, session, world, respond):
    now = datetime.now(UTC)
    response = respond(3, at=now - timedelta(days=5))
    followup.create_followups(session, now - timedelta(days=4))
    (task,) = tasks_of(session, response)
    followup.transition(
        session,
        task.id,
        world.ann,
        "closed",
        resolution_code="contacted",
        now=now - timedelta(days=4),
    )
    resolution_checks.send_resolution_checks(session, now, config=current_app.config)
    session.commit()
    mail = session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "resolution_check"))
    token = mail.substitutions["%%token%%"]
    page = client.get(f"/resolved/{token}?answer=no")
    assert page.status_code == 200 and "Did we resolve it?" in page.get_data(as_text=True)
    session.refresh(task)
    assert task.status == "closed"  # opening the link records nothing
    assert client.post(f"/resolved/{token}", data={}).status_code == 422
    done = client.post(f"/resolved/{token}", data={"answer": "no", "comment": "Still broken"})
    assert done.status_code == 200 and "open again" in done.get_data(as_text=True)
    session.expire_all()
    assert tasks_of(session, response)[0].status == "open"
    assert client.get("/resolved/" + "x" * 43).status_code == 404
