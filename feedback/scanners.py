"""Telling a person's click from a mail security scanner's.

Corporate scanners (Safe Links, Mimecast, Proofpoint, Barracuda ...) open every link of a new
email within seconds of delivery, often all eleven score links at once. Such hits must never
record or flip a score; they are kept as evidence, and only a later human choice counts.
Pure: the capture service passes what it knows about the hit and the token's recent history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Substrings of user agents that belong to link scanners, previewers and scripts, lower-case.
SCANNER_AGENTS = (
    "barracuda", "mimecast", "proofpoint", "urldefense", "safelinks", "microsoft office",
    "ms-office", "bingpreview", "bingbot", "googlebot", "google-safety", "google-read-aloud",
    "appengine-google", "ironport", "cisco", "symantec", "messagelabs", "trend micro",
    "trendmicro", "forcepoint", "websense", "sophos", "fireeye", "trellix", "zscaler",
    "paloalto", "checkpoint", "fortinet", "fortiguard", "hornetsecurity", "spamtitan",
    "slackbot", "facebookexternalhit", "twitterbot", "linkedinbot", "whatsapp", "telegrambot",
    "discordbot", "skypeuripreview", "python-requests", "python-urllib", "aiohttp", "httpx",
    "curl/", "wget/", "go-http-client", "java/", "okhttp", "libwww-perl", "headlesschrome",
    "phantomjs", "scanner", "crawler", "spider", "bot/", "preview",
)  # fmt: skip
PREFETCH_HEADERS = {
    "purpose": ("prefetch", "preview"),
    "sec-purpose": ("prefetch", "prerender"),
    "x-purpose": ("prefetch", "preview"),
    "x-moz": ("prefetch",),
}
SECONDS_AFTER_DELIVERY = 30  # a person rarely opens, reads and clicks this fast
BURST_SECONDS = 20  # two different scores this close together are a scanner walking the links


@dataclass(frozen=True)
class Hit:
    score: int
    at: datetime
    counted: bool


@dataclass(frozen=True)
class Verdict:
    human: bool
    reason: str  # why a hit was not counted; "" for a person


def judge(
    *,
    score: int,
    at: datetime,
    user_agent: str | None,
    headers: Mapping[str, str],
    delivered_at: datetime | None,
    recent_hits: Sequence[Hit],
) -> Verdict:
    """Whether a GET of a score link looks like a person choosing that score."""
    agent = (user_agent or "").lower()
    if not agent.strip():
        return Verdict(False, "no user agent")
    for marker in SCANNER_AGENTS:
        if marker in agent:
            return Verdict(False, f"scanner user agent ({marker.strip('/')})")
    lowered = {k.lower(): v.lower() for k, v in headers.items()}
    for name, values in PREFETCH_HEADERS.items():
        if any(v in lowered.get(name, "") for v in values):
            return Verdict(False, f"prefetch header ({name})")
    if delivered_at is not None and at - delivered_at < timedelta(seconds=SECONDS_AFTER_DELIVERY):
        return Verdict(False, f"within {SECONDS_AFTER_DELIVERY} s of delivery")
    window = timedelta(seconds=BURST_SECONDS)
    if any(h.score != score and abs(at - h.at) < window for h in recent_hits):
        return Verdict(False, "burst of different scores")
    return Verdict(True, "")


def burst_victims(score: int, at: datetime, recent_hits: Sequence[Hit]) -> list[Hit]:
    """Earlier counted hits that a burst shows were a scanner's too (to be taken back)."""
    window = timedelta(seconds=BURST_SECONDS)
    return [h for h in recent_hits if h.counted and h.score != score and abs(at - h.at) < window]
