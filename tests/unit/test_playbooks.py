"""Playbook evaluation: each seeded default, rule order and stop, every condition, score
drops, severity with repetition, and the validation an admin's edit gets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from feedback import playbooks as pb
from feedback import sla

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)


def facts(**kw):
    base = {"category": "detractor", "score": 3, "arr": Decimal("20000")}
    base.update(kw)
    return pb.Facts(**base)


def only(f):
    matches = pb.evaluate(pb.DEFAULT_RULES, f)
    assert len(matches) == 1, matches
    m = matches[0]
    return m.rule_name, m.task_type, m.priority, m.sla_term.hours(sla.STANDARD)


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (facts(), ("Detractor", "recover", 2, 16)),
        (facts(category="passive", score=7), ("Passive", "convert", 2, 40)),
        (facts(category="promoter", score=10), ("Promoter", "advocate", 1, 56)),
        (facts(category="promoter", score=9, mismatch=True),
         ("Score and comment disagree", "review", 2, 16)),
        (facts(arr=Decimal("100000")), ("High-ARR detractor", "recover", 3, 8)),
        (facts(arr=250000, category="passive", score=8), ("High-ARR passive", "convert", 3, 24)),
        (facts(arr=250000, category="promoter", score=9),
         ("High-ARR promoter", "advocate", 3, 40)),
        # score drop: 10 → 7 is 3 points; a passive now, recovered rather than converted
        (facts(category="passive", score=7, previous_score=10, previous_category="promoter"),
         ("Score drop", "recover", 2, 16)),
        # promoter → passive by one point also counts as a drop
        (facts(category="passive", score=8, previous_score=9, previous_category="promoter"),
         ("Score drop", "recover", 2, 16)),
        (facts(category="passive", score=7, previous_score=10, previous_category="promoter",
               arr=500000), ("High-ARR score drop", "recover", 3, 8)),
        # a passive whose score rose is converted
        (facts(category="passive", score=8, previous_score=4, previous_category="detractor"),
         ("Passive", "convert", 2, 40)),
        # 8 → 7 is neither 3 points nor from promoter
        (facts(category="passive", score=7, previous_score=8, previous_category="passive"),
         ("Passive", "convert", 2, 40)),
    ],
)  # fmt: skip
def test_each_default(f, expected):
    assert only(f) == expected


def test_a_detractor_with_a_glowing_comment_is_still_recovered():
    assert only(facts(mismatch=True))[1] == "recover"


def test_no_account_means_no_high_arr_rule():
    assert only(facts(arr=None))[0] == "Detractor"


def test_effort_answers_match_no_default():
    assert pb.evaluate(pb.DEFAULT_RULES, facts(scale="effort", category="difficult")) == []


def rule(name, conditions, task_type="review", stop=True, **action):
    return pb.Rule(name, conditions, {"task_type": task_type, "sla_business_days": 1, **action},
                   stop)  # fmt: skip


def test_rules_go_in_order_and_stop_unless_told_to_go_on():
    rules = [
        rule("first", {"category": ["detractor"]}, "review", stop=False),
        rule("second", {}, "recover"),
        rule("third", {}, "convert"),
    ]
    assert [m.rule_name for m in pb.evaluate(rules, facts())] == ["first", "second"]


def test_one_task_per_type_and_inactive_rules_are_skipped():
    rules = [
        rule("a", {}, "recover", stop=False),
        rule("b", {}, "recover", stop=False),
        pb.Rule("off", {}, {"task_type": "review"}, True, active=False),
        rule("c", {}, "advocate"),
    ]
    assert [m.rule_name for m in pb.evaluate(rules, facts())] == ["a", "c"]


@pytest.mark.parametrize(
    ("conditions", "f", "holds"),
    [
        ({"category": ["Detractor"]}, facts(), True),
        ({"score_min": 3, "score_max": 3}, facts(), True),
        ({"score_max": 2}, facts(), False),
        ({"sentiment_label": ["negative"]}, facts(sentiment_label="negative"), True),
        ({"sentiment_label": ["negative"]}, facts(sentiment_label=None), False),
        ({"themes": ["billing", "support"]}, facts(themes=("billing",)), True),
        ({"themes": ["billing"]}, facts(themes=("onboarding",)), False),
        ({"mismatch": True}, facts(mismatch=False), False),
        ({"mismatch": False}, facts(mismatch=False), True),
        ({"plan": ["enterprise"]}, facts(plan="Enterprise"), True),
        ({"plan": ["enterprise"]}, facts(plan=None), False),
        ({"region": ["EMEA"]}, facts(region="EMEA"), True),
        ({"lifecycle_stage": ["renewal"]}, facts(lifecycle_stage="adoption"), False),
        ({"arr_min": 50000, "arr_max": 60000}, facts(arr=Decimal("55000.50")), True),
        ({"arr_max": 10000}, facts(arr=None), False),
        ({"program_id": [4]}, facts(program_id=4), True),
        ({"program_id": [4]}, facts(program_id=5), False),
        ({"score_drop": 5}, facts(score=4, previous_score=8, previous_category="passive"), False),
        ({"score_drop": True}, facts(score=4, previous_score=8, previous_category="passive"), True),
        ({"score_drop": 3}, facts(previous_score=None), False),
    ],
)
def test_conditions(conditions, f, holds):
    assert pb.holds(conditions, f) is holds


def test_the_sla_stays_as_the_rule_gave_it_days_or_hours():
    assert pb.sla_term({"sla_business_days": 2}) == sla.Term(2, sla.DAYS)
    assert pb.sla_term({"sla_business_hours": 4, "sla_business_days": 9}) == sla.Term(4, sla.HOURS)
    assert pb.sla_term({}) == sla.Term(2, sla.DAYS)
    (match,) = pb.evaluate([rule("r", {}, sla_business_days=3)], facts())
    assert match.sla_term == sla.Term(3, sla.DAYS)  # not yet hours: the team decides those


def test_repetition_raises_priority_and_says_so():
    first, second = NOW - timedelta(days=90), NOW - timedelta(days=20)
    sev = pb.repetition(2, [second, first], theme_name="Billing", account_name="MegaCorp", now=NOW)
    assert sev.priority == 4
    assert sev.note == "3rd billing complaint from MegaCorp since June"
    sev = pb.repetition(2, [second], theme_name="Billing", account_name="MegaCorp", now=NOW)
    assert (sev.priority, sev.note) == (3, "2nd billing complaint from MegaCorp since August")


def test_repetition_outside_six_months_or_without_theme_changes_nothing():
    old = NOW - timedelta(days=200)
    assert pb.repetition(2, [old], theme_name="Billing", account_name="M", now=NOW) == (
        pb.Severity(2, None)
    )
    assert pb.repetition(2, [NOW - timedelta(days=3)], theme_name=None, account_name="M",
                         now=NOW).note is None  # fmt: skip
    last_year = datetime(2025, 12, 1, tzinfo=UTC)
    sev = pb.repetition(4, [last_year], theme_name="Support", account_name=None,
                        now=datetime(2026, 2, 1, tzinfo=UTC))  # fmt: skip
    assert (sev.priority, sev.note) == (4, "2nd support complaint since December 2025")


def test_score_dropped_table():
    assert pb.score_dropped(10, "promoter", 7, "passive")
    assert pb.score_dropped(9, "promoter", 8, "passive")
    assert not pb.score_dropped(8, "passive", 6, "detractor")
    assert pb.score_dropped(8, "passive", 5, "detractor")
    assert not pb.score_dropped(None, None, 0, "detractor")


def test_the_defaults_validate():
    for r in pb.DEFAULT_RULES:
        assert pb.validate_rule({"name": r.name, "conditions": r.conditions,
                                 "action": r.action}) == {}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": ""}, "name", "Give the rule a name"),
        ({"conditions": []}, "conditions", "JSON object"),
        ({"conditions": {"colour": ["red"]}}, "conditions", "Unknown conditions: colour"),
        ({"conditions": {"category": "detractor"}}, "conditions", "non-empty list"),
        ({"conditions": {"score_max": 11}}, "conditions", "0 to 10"),
        ({"conditions": {"mismatch": "yes"}}, "conditions", "true or false"),
        ({"conditions": {"score_drop": 0}}, "conditions", "score_drop"),
        ({"action": {"task_type": "call"}}, "action", "task_type"),
        ({"action": {"task_type": "recover", "priority": 9, "sla_business_days": 1}}, "action",
         "priority"),
        ({"action": {"task_type": "recover"}}, "action", "sla_business_days"),
        ({"action": {"task_type": "recover", "sla_business_days": 0}}, "action", "above 0"),
        ({"action": {"task_type": "recover", "sla_business_days": 1, "route": {"to": "team"}}},
         "action", "team_id"),
        ({"action": {"task_type": "recover", "sla_business_days": 1,
                     "route": {"to": "team", "team_id": 99}}}, "action", "no team with id 99"),
    ],
)  # fmt: skip
def test_validation_messages(data, field, words):
    full = {"name": "R", "conditions": {}, "action": {"task_type": "review",
            "sla_business_days": 1}, **data}  # fmt: skip
    errors = pb.validate_rule(full, known_team_ids=[1, 2])
    assert any(words in m for m in errors.get(field, [])), errors


def test_facts_are_plain_values():
    f = facts()
    assert replace(f, score=4).score == 4


@pytest.mark.parametrize(
    ("priority", "label", "expected"),
    [(1, "negative", 3), (2, "negative", 3), (3, "negative", 3), (4, "negative", 4),
     (2, "neutral", 2), (2, "positive", 2), (2, None, 2)],
)  # fmt: skip
def test_a_negative_reply_raises_a_task_to_high_and_never_lowers(priority, label, expected):
    severity = pb.reply_severity(priority, label)
    assert severity.priority == expected
    assert (severity.note is not None) is (expected != priority)
