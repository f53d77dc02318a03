"""Audience filters: plan, region, lifecycle stage and contact attributes, and their checks."""

from __future__ import annotations

import pytest

from feedback.audience import in_audience, validate_audience

FACTS = {
    "plan": "enterprise",
    "region": "EMEA",
    "lifecycle_stage": "adoption",
    "contact_attributes": {"role": "admin", "seats": 25},
}

CASES = [
    # audience, in?
    ({}, True),
    ({"plan": [], "region": None}, True),
    ({"plan": ["enterprise", "pro"]}, True),
    ({"plan": ["pro"]}, False),
    ({"region": ["EMEA"], "lifecycle_stage": ["adoption", "growth"]}, True),
    ({"region": ["EMEA"], "lifecycle_stage": ["onboarding"]}, False),
    ({"plan": ["Enterprise"]}, False),  # names are exact
    ({"contact_attributes": {"role": "admin"}}, True),
    ({"contact_attributes": {"role": ["owner", "admin"]}}, True),
    ({"contact_attributes": {"role": "owner"}}, False),
    ({"contact_attributes": {"seats": 25}}, True),
    ({"contact_attributes": {"seats": "25"}}, True),  # CSV imports give strings
    ({"contact_attributes": {"team": "x"}}, False),  # missing attribute
    ({"plan": ["enterprise"], "contact_attributes": {"role": "owner"}}, False),
]


@pytest.mark.parametrize(("audience", "inside"), CASES)
def test_in_audience(audience, inside):
    assert in_audience(audience, **FACTS) is inside


def test_a_contact_without_an_account_matches_only_open_filters():
    facts = {"plan": None, "region": None, "lifecycle_stage": None, "contact_attributes": {}}
    assert in_audience({}, **facts)
    assert not in_audience({"plan": ["pro"]}, **facts)


PROBLEMS = [
    (None, []),
    ({}, []),
    ({"plan": ["pro"], "contact_attributes": {"role": ["admin"]}}, []),
    ("pro", ["Must be an object with plan, region, lifecycle_stage or contact_attributes."]),
    ({"tier": ["gold"]}, ["Unknown filter 'tier'."]),
    ({"plan": "pro"}, ["plan must be a list of names."]),
    ({"region": [1, 2]}, ["region must be a list of names."]),
    ({"contact_attributes": ["role"]},
     ["contact_attributes must map attribute names to a value or a list."]),
]  # fmt: skip


@pytest.mark.parametrize(("audience", "problems"), PROBLEMS)
def test_validate_audience(audience, problems):
    assert validate_audience(audience) == problems
