"""The outer loop's services: impact on a hand-computed fixture, proposals, merging, the status
workflow, evidence links, re-ranking by hand, and the huddle candidates' migration."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from feedback.models import BacklogItem, BacklogResponse, OuterLoopCandidate, Task, WebhookDelivery
from feedback.services import backlog, backlog_evidence, backlog_proposals, huddle, webhooks_out
from feedback.services.errors import Conflict, InvalidInput
from tests.followup_world import NOW

DAY = timedelta(days=1)


@pytest.fixture
def said(world, respond):
    """Six NPS answers whose figures are worked out by hand in the tests below.

    mega (ARR 20,000): 10 five days ago, then 2 about billing yesterday → latest: detractor
    big (250,000): 8 about billing ten days ago, then 10 two hours ago → latest: promoter
    orphan (1,000): 9 thirty days ago, then 3 about billing three days ago → latest: detractor
    Overall 3 promoters, 1 passive, 2 detractors of 6: NPS 16.67.
    """
    bill = (world.billing,)
    return {
        "mega_10": respond(
            10, account=world.mega, at=NOW - 5 * DAY, comment="Great", label="positive"
        ),
        "mega_2": respond(
            2, account=world.mega, at=NOW - DAY, comment="Invoice wrong again", themes=bill
        ),
        "big_8": respond(
            8, account=world.big, at=NOW - 10 * DAY, comment="Invoices are confusing", themes=bill
        ),
        "big_10": respond(10, account=world.big, at=NOW - 2 * timedelta(hours=1)),
        "orphan_9": respond(9, account=world.orphan, at=NOW - 30 * DAY),
        "orphan_3": respond(
            3, account=world.orphan, at=NOW - 3 * DAY, comment="VAT missing on invoice", themes=bill
        ),
    }


@pytest.fixture
def head(make_user, world):
    return make_user("department_head", name="Fin Head", team_id=world.finance.id)


def item_for(session, actor, **data):
    item = backlog.create_item(session, {"title": "Invoices are wrong", **data}, actor, now=NOW)
    session.commit()
    return item


def test_impact_on_a_hand_computed_fixture(session, world, said, head):
    item = item_for(session, head, theme_id=world.billing.id)
    backlog_evidence.recompute_impact(session, [item], now=NOW)
    assert item.responses_linked == 3  # mega_2, big_8, orphan_3
    assert (item.detractors, item.passives) == (2, 1)
    assert item.accounts == 3
    assert item.arr == Decimal("271000")
    # big's latest answer is a 10: only mega and orphan are at risk.
    assert item.arr_at_risk == Decimal("21000")
    # Without the three billing answers: 3 promoters of 3 → 100; overall 16.67 → 83.33 points.
    assert item.nps_points == 83.33
    assert item.trend == [0] * 10 + [1, 2]


def test_linked_responses_count_once_beside_theme_mentions(session, world, said, head):
    item = item_for(session, head)
    backlog.link_response(session, item.id, said["mega_2"].id, head, now=NOW)
    backlog.link_response(session, item.id, said["mega_2"].id, head, now=NOW)  # again: no-op
    assert item.responses_linked == 1 and item.arr_at_risk == Decimal("20000")
    backlog.update_item(session, item.id, head, {"theme_id": world.billing.id})
    backlog_evidence.recompute_impact(session, [item], now=NOW)
    assert item.responses_linked == 3
    assert len(backlog_evidence.linked_response_ids(session, item)) == 1


def test_quotes_carry_score_sentiment_account_plan_and_arr(session, world, said, head):
    item = item_for(session, head, theme_id=world.billing.id)
    quotes = backlog_evidence.quotes(session, item)
    assert [q.excerpt for q in quotes] == [
        "Invoice wrong again",
        "VAT missing on invoice",
        "Invoices are confusing",
    ]
    first = quotes[0]
    assert (first.score, first.sentiment, first.account, first.plan, first.arr) == (
        2,
        "negative",
        "MegaCorp",
        "business",
        Decimal("20000"),
    )


def test_the_job_proposes_a_theme_over_the_threshold_once(session, world, said):
    config = {"BACKLOG_PROPOSAL_THRESHOLD": 3, "BACKLOG_PROPOSAL_WINDOW_DAYS": 28}
    stats = backlog_proposals.refresh_backlog(session, config, NOW)
    assert stats["proposed"] == 1
    item = session.query(BacklogItem).one()
    assert (item.status, item.source, item.theme_id) == ("proposed", "job", world.billing.id)
    assert item.department == "Finance"  # the theme's owning team's department
    assert item.arr_at_risk == Decimal("21000")  # impact computed in the same run
    assert backlog_proposals.refresh_backlog(session, config, NOW)["proposed"] == 0
    assert session.query(BacklogItem).count() == 1


@pytest.mark.parametrize(
    ("threshold", "days", "proposed"),
    [(4, 28, 0), (3, 28, 1), (3, 5, 0), (2, 5, 1)],  # big_8 is ten days old
)
def test_threshold_and_window(session, said, threshold, days, proposed):
    config = {"BACKLOG_PROPOSAL_THRESHOLD": threshold, "BACKLOG_PROPOSAL_WINDOW_DAYS": days}
    assert backlog_proposals.refresh_backlog(session, config, NOW)["proposed"] == proposed


def test_a_closed_item_does_not_cover_its_theme(session, world, said, head):
    item = item_for(session, head, theme_id=world.billing.id)
    backlog.transition(session, item.id, head, "declined", "Not this year", now=NOW)
    config = {"BACKLOG_PROPOSAL_THRESHOLD": 3}
    assert backlog_proposals.refresh_backlog(session, config, NOW)["proposed"] == 1


def test_duplicate_proposals_for_one_theme_are_merged(session, world, said, head):
    first = item_for(session, head, theme_id=world.billing.id)
    second = item_for(session, head, title="Billing again", theme_id=world.billing.id)
    backlog.link_response(session, second.id, said["orphan_9"].id, head, now=NOW)
    backlog.link_response(session, second.id, said["mega_2"].id, head, now=NOW)
    backlog.link_response(session, first.id, said["mega_2"].id, head, now=NOW)
    stats = backlog_proposals.refresh_backlog(session, {"BACKLOG_PROPOSAL_THRESHOLD": 1}, NOW)
    assert stats == {"merged": 1, "proposed": 0, "recomputed": 1, "crossed": 0}
    assert second.status == "declined"
    assert f"Merged into item #{first.id}" in second.decline_reason
    assert sorted(backlog_evidence.linked_response_ids(session, first)) == sorted(
        [said["mega_2"].id, said["orphan_9"].id]
    )
    assert [e.kind for e in first.events][-1] == "merged"
    # The merged evidence counts: orphan_9 joins the theme's three mentions.
    assert first.responses_linked == 4


def test_the_status_workflow_refuses_skips_and_needs_notes(session, world, head):
    item = item_for(session, head)
    with pytest.raises(Conflict, match="cannot move to shipped"):
        backlog.transition(session, item.id, head, "shipped", "done")
    with pytest.raises(InvalidInput, match="Write a note") as missing:
        backlog.transition(session, item.id, head, "accepted", "  ")
    assert missing.value.fields == {"note": [missing.value.message]}
    assert item.status == "proposed"
    for target in ("accepted", "in_progress", "shipped"):
        backlog.transition(session, item.id, head, target, f"to {target}", now=NOW)
    with pytest.raises(Conflict, match="it can move to: nothing"):
        backlog.transition(session, item.id, head, "declined", "too late")
    history = [(e.from_value, e.to_value, e.body) for e in item.events if e.kind == "status"]
    assert history == [
        ("proposed", "accepted", "to accepted"),
        ("accepted", "in_progress", "to in_progress"),
        ("in_progress", "shipped", "to shipped"),
    ]


def test_declining_keeps_the_reason(session, head):
    item = item_for(session, head)
    backlog.transition(session, item.id, head, "declined", "Out of scope for 2027")
    assert item.decline_reason == "Out of scope for 2027"
    backlog.transition(session, item.id, head, "proposed", "Customers keep asking")
    assert item.decline_reason is None


def test_only_the_departments_head_or_an_admin_changes_an_item(session, world, head, make_user):
    item = item_for(session, head)
    assert item.department == "Finance"
    other_head = make_user("department_head", team_id=world.support.id)
    for outsider in (other_head, world.ann, world.lee):
        with pytest.raises(backlog.Forbidden):
            backlog.transition(session, item.id, outsider, "accepted", "ok")
    with pytest.raises(backlog.Forbidden):
        backlog.get_item(session, item.id, other_head)
    backlog.get_item(session, item.id, world.ann)  # CSMs read
    backlog.transition(session, item.id, world.admin, "accepted", "Admin agrees")
    assert item.status == "accepted"


def test_a_status_change_is_sent_to_subscribed_webhooks(session, head):
    webhooks_out.create_endpoint(
        session, "https://hooks.example.com/x", ["backlog_item.status_changed"]
    )
    item = item_for(session, head)
    backlog.transition(session, item.id, head, "accepted", "Yes", now=NOW)
    delivery = session.query(WebhookDelivery).one()
    assert delivery.event_type == "backlog_item.status_changed"
    assert delivery.payload["item_id"] == item.id
    assert (delivery.payload["from"], delivery.payload["to"], delivery.payload["note"]) == (
        "proposed",
        "accepted",
        "Yes",
    )


def test_reranking_by_hand_and_back(session, head):
    items = [item_for(session, head, title=f"Item {n}") for n in range(3)]
    for item, risk in zip(items, (100, 300, 200), strict=True):
        item.arr_at_risk = Decimal(risk)
    session.flush()
    ids = [i.id for i in items]
    assert [i.id for i in backlog.list_items(session, head)] == [ids[1], ids[2], ids[0]]
    backlog.move(session, ids[0], head, "up")
    listed = backlog.list_items(session, head)
    assert [i.id for i in listed] == [ids[1], ids[0], ids[2]]
    assert backlog.is_hand_ordered(listed)
    backlog.move(session, ids[2], head, "pin")
    assert [i.id for i in backlog.list_items(session, head)] == [ids[2], ids[1], ids[0]]
    with pytest.raises(InvalidInput):
        backlog.move(session, ids[0], head, "sideways")
    assert backlog.reset_order(session, head, "Finance") == 3
    listed = backlog.list_items(session, head)
    assert [i.id for i in listed] == [ids[1], ids[2], ids[0]] and not backlog.is_hand_ordered(
        listed
    )


def test_a_department_head_sees_only_their_department(session, world, head, make_user):
    item_for(session, head)
    item_for(session, world.admin, title="Support thing", department="Customer Success")
    assert [i.department for i in backlog.list_items(session, head)] == ["Finance"]
    assert len(backlog.list_items(session, world.admin)) == 2
    assert [
        i.department for i in backlog.list_items(session, head, department="Customer Success")
    ] == ["Finance"]


def test_raising_from_a_response_joins_an_open_item_that_covers_its_theme(
    session, world, said, head
):
    item = item_for(session, head, theme_id=world.billing.id)
    joined, new = backlog.raise_from_response(session, said["orphan_3"].id, world.ann)
    assert (joined.id, new) == (item.id, False)
    fresh, new = backlog.raise_from_response(session, said["orphan_9"].id, world.ann)
    assert new and fresh.id != item.id and fresh.status == "proposed"
    assert fresh.department == "Customer Success"  # Ann's own department
    assert backlog_evidence.linked_response_ids(session, fresh) == [said["orphan_9"].id]


def test_raising_from_a_task_links_the_task_and_its_response(session, world, said, head):
    task = Task(
        type="recover",
        title="Call MegaCorp about invoices",
        response_id=said["mega_2"].id,
        sla_business_hours=8,
        due_at=NOW,
        status="closed",
        resolution_code="product_gap",
    )
    session.add(task)
    session.flush()
    item, _ = backlog.raise_from_task(session, task.id, world.ann)
    assert item.title == "Call MegaCorp about invoices"
    assert [t.id for t in backlog_evidence.linked_tasks(session, item)] == [task.id]
    assert backlog_evidence.linked_response_ids(session, item) == [said["mega_2"].id]


def test_a_huddle_raise_becomes_a_proposal(session, world, said):
    candidate, created = huddle.raise_to_outer_loop(
        session, response_id=said["orphan_9"].id, team_id=world.support.id, user=world.admin
    )  # nobody's account: only an admin may see (and raise) that answer
    assert created
    item = session.query(BacklogItem).one()
    assert (item.status, item.source, item.department) == ("proposed", "huddle", "Customer Success")
    assert backlog_evidence.linked_response_ids(session, item) == [said["orphan_9"].id]


def test_the_migration_turns_existing_huddle_candidates_into_proposals(session, world, said):
    session.add(
        OuterLoopCandidate(
            response_id=said["mega_2"].id,
            team_id=world.support.id,
            raised_by_id=world.ann.id,
            note="Raised in Monday's huddle",
        )
    )
    session.flush()
    path = next(Path("migrations/versions").glob("*_b4c71e0a9d55_*.py"))
    spec = importlib.util.spec_from_file_location("backlog_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate_huddle_candidates(session.connection())
    item = session.query(BacklogItem).one()
    assert (item.title, item.status, item.source) == ("Invoice wrong again", "proposed", "huddle")
    assert (item.department, item.raised_by_id) == ("Customer Success", world.ann.id)
    link = session.query(BacklogResponse).one()
    assert link.item_id == item.id and link.response_id == said["mega_2"].id
    assert item.events[0].body == "Raised in Monday's huddle"


def test_the_demo_backlog_has_ranked_items_with_quotes(session, world, said):
    from feedback.demo import backlog as backlog_demo

    result = backlog_demo.seed_backlog(session, NOW)
    assert result == {"items": 1, "department_head": world.dee.email, "skipped": False, "told": 0}
    item = session.query(BacklogItem).one()
    assert (item.department, item.status, item.theme_id) == (
        "Customer Success", "in_progress", world.billing.id)  # fmt: skip
    assert len(backlog_evidence.linked_response_ids(session, item)) == 3
    assert item.arr_at_risk == Decimal("21000") and item.nps_points == 83.33
    assert [e.body for e in item.events if e.kind == "status"][
        -1
    ] == "Fix scheduled for this sprint."
    assert backlog.list_items(session, world.dee) == [item]
    assert backlog_demo.seed_backlog(session, NOW)["skipped"] is True


@pytest.mark.parametrize("bad", [0, "five", 2.5, True])
def test_a_bad_threshold_setting_names_the_variable(bad):
    with pytest.raises(ValueError, match="FEEDBACK_BACKLOG_PROPOSAL_THRESHOLD"):
        backlog_proposals.settings({"BACKLOG_PROPOSAL_THRESHOLD": bad})
    assert backlog_proposals.settings({}) == (5, 28)


def test_the_demo_ships_one_item_and_tells_its_customers(session, world, said, respond):
    from feedback.demo import backlog as backlog_demo
    from feedback.models import OutboxEmail, Theme

    slow, login = Theme(key="slow", name="Speed"), Theme(key="login", name="Login")
    session.add_all([slow, login])
    session.flush()
    respond(5, account=world.big, comment="So slow", themes=(slow,))
    respond(6, account=world.big, comment="Slow again", themes=(slow,))
    respond(4, account=world.mega, comment="Cannot log in", themes=(login,))
    config = {"MAIL_FROM": "Acme <f@acme.example>", "INBOUND_DOMAIN": "in.acme.example"}
    result = backlog_demo.seed_backlog(session, NOW, config=config)
    assert result["items"] == 3 and result["told"] == 1
    shipped = session.query(BacklogItem).filter_by(status="shipped").one()
    assert shipped.theme_id == login.id and shipped.customers_told == 1
    assert session.query(OutboxEmail).filter_by(kind="backlog_shipped").count() == 1
