"""The department head's backlog digest: what is news, and the words of the chat message.

A new proposal and an item whose ARR at risk crosses the threshold are news for the owning
department's head; they arrive batched, once a day, by email and (optionally) in the
department's Slack or Teams channel. Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

NEWS_KINDS = ("created", "threshold")
CHAT_KINDS = ("slack", "teams")
CHAT_LABELS = {"slack": "Slack", "teams": "Microsoft Teams"}
MAX_URL = 2000
MAX_LINES = 20  # a chat message lists this many items, then "and N more"


def crossed(before: Decimal, after: Decimal, threshold: Decimal) -> bool:
    """True when ARR at risk rose from below the threshold to at least it (news once; an item
    that falls back and rises again is news again)."""
    return before < threshold <= after


@dataclass(frozen=True)
class Entry:
    """One piece of news about one item."""

    kind: str  # "created" (a new proposal) or "threshold" (ARR at risk crossed it)
    item_id: int
    title: str
    url: str
    arr_at_risk: Decimal
    nps_points: float
    responses: int


def headline(department: str, entries: Sequence[Entry]) -> str:
    new = sum(1 for e in entries if e.kind == "created")
    crossing = len(entries) - new
    parts = []
    if new:
        parts.append(f"{new} new proposal{'s' if new != 1 else ''}")
    if crossing:
        parts.append(f"{crossing} item{'s' if crossing != 1 else ''} over the impact threshold")
    return f"{department} backlog: " + (" and ".join(parts) or "no news")


def line(entry: Entry) -> str:
    what = "New proposal" if entry.kind == "created" else "Over the impact threshold"
    return (
        f"{what}: {entry.title} — ARR at risk {entry.arr_at_risk:,.0f}, "
        f"{entry.nps_points:.1f} NPS points, {entry.responses} responses {entry.url}"
    )


def lines(entries: Sequence[Entry]) -> list[str]:
    shown = [line(e) for e in entries[:MAX_LINES]]
    if len(entries) > MAX_LINES:
        shown.append(f"and {len(entries) - MAX_LINES} more on the backlog page")
    return shown


def chat_payload(kind: str, department: str, entries: Sequence[Entry]) -> dict[str, Any]:
    """The JSON body an incoming webhook expects: Slack {"text"}, Teams a MessageCard."""
    title = headline(department, entries)
    if kind == "slack":
        return {"text": "\n".join([f"*{title}*", *(f"• {x}" for x in lines(entries))])}
    if kind == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "title": title,
            # Teams' MessageCard text is markdown: a blank line between items breaks the line.
            "text": "\n\n".join(f"- {x}" for x in lines(entries)),
        }
    raise ValueError(f"unknown chat kind {kind!r}; known: {CHAT_KINDS}")


def check_chat(kind: str, url: str) -> dict[str, list[str]]:
    """Errors by field for a department's chat webhook; empty when it is fine."""
    errors: dict[str, list[str]] = {}
    if kind not in CHAT_KINDS:
        errors["kind"] = ["Choose Slack or Microsoft Teams."]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        errors["url"] = ["Enter the incoming webhook's https:// URL from Slack or Teams."]
    elif len(url) > MAX_URL:
        errors["url"] = [f"The URL is longer than {MAX_URL:,} characters."]
    elif parts.username or parts.password:
        errors["url"] = ["Leave user names and passwords out of the URL."]
    return errors
