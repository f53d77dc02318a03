"""The backlog digest's pure parts: what a crossing is, the chat payloads, the URL check."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feedback import backlog_digest as digest

T = Decimal("100")


@pytest.mark.parametrize(
    ("before", "after", "news"),
    [("0", "99.99", False), ("0", "100", True), ("99", "500", True), ("100", "500", False),
     ("500", "50", False)],
)  # fmt: skip
def test_crossed(before, after, news):
    assert digest.crossed(Decimal(before), Decimal(after), T) is news


def entry(n, kind="created"):
    return digest.Entry(kind, n, f"Item {n}", f"https://x/backlog/{n}", Decimal("12345.6"), 2.5, 3)


def test_the_headline_counts_each_kind():
    assert digest.headline("Finance", [entry(1)]) == "Finance backlog: 1 new proposal"
    assert digest.headline("Finance", [entry(1), entry(2, "threshold"), entry(3, "threshold")]) == (
        "Finance backlog: 1 new proposal and 2 items over the impact threshold"
    )


def test_a_line_says_what_and_where():
    assert digest.line(entry(7, "threshold")) == (
        "Over the impact threshold: Item 7 — ARR at risk 12,346, 2.5 NPS points, 3 responses "
        "https://x/backlog/7"
    )


def test_slack_and_teams_payloads():
    slack = digest.chat_payload("slack", "Finance", [entry(1)])
    assert slack == {"text": "*Finance backlog: 1 new proposal*\n• " + digest.line(entry(1))}
    teams = digest.chat_payload("teams", "Finance", [entry(1), entry(2)])
    assert teams["@type"] == "MessageCard" and teams["summary"] == teams["title"]
    assert teams["text"] == f"- {digest.line(entry(1))}\n\n- {digest.line(entry(2))}"
    with pytest.raises(ValueError):
        digest.chat_payload("irc", "Finance", [])


def test_long_digests_are_cut_with_a_count():
    shown = digest.lines([entry(n) for n in range(digest.MAX_LINES + 3)])
    assert len(shown) == digest.MAX_LINES + 1 and shown[-1] == "and 3 more on the backlog page"


@pytest.mark.parametrize(
    ("kind", "url", "field"),
    [("slack", "https://hooks.slack.com/services/T/B/x", None),
     ("teams", "https://acme.webhook.office.com/webhookb2/x", None),
     ("slack", "http://hooks.slack.com/x", "url"), ("slack", "hooks.slack.com/x", "url"),
     ("slack", "https://user:pw@hooks.slack.com/x", "url"),
     ("slack", "https://h.example/" + "x" * 2000, "url"), ("email", "https://h.example/", "kind")],
)  # fmt: skip
def test_check_chat(kind, url, field):
    errors = digest.check_chat(kind, url)
    assert list(errors) == ([field] if field else [])
