"""Account health: one 0-100 score made of parts a CSM can read and argue with.

The parts follow the five leading indicators of a customer health score: customer feedback
(the latest NPS of the account's contacts and its trend, the sentiment of their comments),
operational signals (open detractor tasks, the response rate), and usage, support and billing
signals that the CRM or the product posts into the account's attributes through the API.

Every part is scored 0-100 on its own, or left out when there is nothing to go on; the score
is the weighted mean of the parts present (weights renormalised), so a missing signal neither
punishes nor flatters. With no part at all there is no score. Weights come from the setting
FEEDBACK_HEALTH_WEIGHTS (`parse_weights`). Pure: plain values in, plain values out.

Attributes read (any may be missing):
- usage: `usage_score` (0-100), else `seats_active` / `seats_licensed`;
- support: `support_score` (0-100), else `open_tickets` (each open ticket costs 10 points)
  and `csat` (a 0-100 or 1-5 support satisfaction);
- billing: `billing_score` (0-100), else `overdue_invoices` (each costs 34 points) or
  `payment_failed` (true: 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback.nps import nps

PARTS = (
    "nps_latest",
    "nps_trend",
    "sentiment",
    "open_detractor_tasks",
    "response_rate",
    "usage",
    "support",
    "billing",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "nps_latest": 25,
    "nps_trend": 10,
    "sentiment": 10,
    "open_detractor_tasks": 10,
    "response_rate": 5,
    "usage": 20,
    "support": 10,
    "billing": 10,
}
LABELS = {
    "nps_latest": "Latest NPS of its contacts",
    "nps_trend": "NPS trend",
    "sentiment": "Comment sentiment",
    "open_detractor_tasks": "Open detractor tasks",
    "response_rate": "Response rate",
    "usage": "Usage",
    "support": "Support",
    "billing": "Billing",
}
DEFAULT_DROP = 15  # points between two runs that open a recover task (FEEDBACK_HEALTH_DROP)
GOOD_RESPONSE_RATE = 0.5  # half the invitations answered scores 100


@dataclass(frozen=True)
class Inputs:
    """What is known about one account when its health is computed."""

    latest_scores: Sequence[int] = ()  # each contact's latest 0-10 NPS answer
    recent_scores: Sequence[int] = ()  # NPS answers of the recent period (e.g. 90 days)
    earlier_scores: Sequence[int] = ()  # and of the period before it
    recent_polarity: float | None = None  # mean comment sentiment, -1..1
    earlier_polarity: float | None = None
    open_detractor_tasks: int = 0
    invited: int = 0  # invitations sent in the response-rate window
    answered: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    key: str
    score: float  # 0-100
    weight: float
    detail: str

    @property
    def label(self) -> str:
        return LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class Health:
    score: int | None  # 0-100, None when no part could be scored
    parts: tuple[Part, ...]

    def as_json(self) -> dict[str, Any]:
        """What the job stores beside the score (account_health.parts)."""
        return {
            p.key: {"score": round(p.score, 1), "weight": p.weight, "detail": p.detail}
            for p in self.parts
        }


def _clip(value: float) -> float:
    return max(0.0, min(100.0, value))


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _nps_latest(i: Inputs) -> tuple[float, str] | None:
    result = nps(i.latest_scores)
    if result.score is None:
        return None
    return _clip((result.score + 100) / 2), f"NPS {result.score:+.0f} from {result.n} contacts"


def _nps_trend(i: Inputs) -> tuple[float, str] | None:
    recent, earlier = nps(i.recent_scores), nps(i.earlier_scores)
    if recent.score is None or earlier.score is None:
        return None
    change = recent.score - earlier.score
    return _clip(50 + change / 2), f"{change:+.0f} points ({earlier.n} then, {recent.n} now)"


def _sentiment(i: Inputs) -> tuple[float, str] | None:
    if i.recent_polarity is None:
        return None
    level = 50 * (1 + i.recent_polarity)
    if i.earlier_polarity is None:
        return _clip(level), f"mean polarity {i.recent_polarity:+.2f}"
    change = i.recent_polarity - i.earlier_polarity
    return (
        _clip(level + 25 * change),
        f"mean polarity {i.recent_polarity:+.2f}, {change:+.2f} on the period before",
    )


def _open_detractor_tasks(i: Inputs) -> tuple[float, str] | None:
    n = max(i.open_detractor_tasks, 0)
    if n == 0 and not (i.latest_scores or i.invited):
        return None  # an account we never heard from is not healthy by default
    return _clip(100 - 25 * n), f"{n} open"


def _response_rate(i: Inputs) -> tuple[float, str] | None:
    if i.invited <= 0:
        return None
    rate = min(i.answered, i.invited) / i.invited
    return _clip(100 * rate / GOOD_RESPONSE_RATE), f"{i.answered} of {i.invited} answered"


def _usage(i: Inputs) -> tuple[float, str] | None:
    given = _number(i.attributes.get("usage_score"))
    if given is not None:
        return _clip(given), f"usage score {given:g}"
    active = _number(i.attributes.get("seats_active"))
    licensed = _number(i.attributes.get("seats_licensed"))
    if active is None or not licensed or licensed <= 0:
        return None
    return _clip(100 * active / licensed), f"{active:g} of {licensed:g} seats active"


def _support(i: Inputs) -> tuple[float, str] | None:
    given = _number(i.attributes.get("support_score"))
    if given is not None:
        return _clip(given), f"support score {given:g}"
    pieces: list[tuple[float, str]] = []
    tickets = _number(i.attributes.get("open_tickets"))
    if tickets is not None:
        pieces.append((_clip(100 - 10 * tickets), f"{tickets:g} open tickets"))
    csat = _number(i.attributes.get("csat"))
    if csat is not None:
        scaled = (csat - 1) * 25 if csat <= 5 else csat
        pieces.append((_clip(scaled), f"CSAT {csat:g}"))
    if not pieces:
        return None
    return sum(p[0] for p in pieces) / len(pieces), ", ".join(p[1] for p in pieces)


def _billing(i: Inputs) -> tuple[float, str] | None:
    given = _number(i.attributes.get("billing_score"))
    if given is not None:
        return _clip(given), f"billing score {given:g}"
    if i.attributes.get("payment_failed") is True:
        return 0.0, "a payment failed"
    overdue = _number(i.attributes.get("overdue_invoices"))
    if overdue is None:
        return None
    return _clip(100 - 34 * overdue), f"{overdue:g} overdue invoices"


_SCORERS = {
    "nps_latest": _nps_latest,
    "nps_trend": _nps_trend,
    "sentiment": _sentiment,
    "open_detractor_tasks": _open_detractor_tasks,
    "response_rate": _response_rate,
    "usage": _usage,
    "support": _support,
    "billing": _billing,
}


def score(inputs: Inputs, weights: Mapping[str, float] | None = None) -> Health:
    """The account's health and the parts it is made of (parts without data left out)."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    parts = []
    for key in PARTS:
        weight = float(weights.get(key, 0))
        if weight <= 0:
            continue
        found = _SCORERS[key](inputs)
        if found is not None:
            parts.append(Part(key, found[0], weight, found[1]))
    total = sum(p.weight for p in parts)
    if not parts or total <= 0:
        return Health(None, tuple(parts))
    value = sum(p.score * p.weight for p in parts) / total
    return Health(int(round(value)), tuple(parts))


def dropped(previous: int | None, current: int | None, points: float = DEFAULT_DROP) -> bool:
    """Health fell by more than `points` since the last run."""
    if previous is None or current is None:
        return False
    return previous - current > points


def parse_weights(raw: str | Mapping[str, Any] | None) -> dict[str, float]:
    """Weights from the setting (JSON such as '{"usage": 30, "billing": 0}'): the named parts
    replace the defaults; unknown parts or negative weights raise ValueError."""
    if raw is None or raw == "":
        return dict(DEFAULT_WEIGHTS)
    given = json.loads(raw) if isinstance(raw, str) else dict(raw)
    if not isinstance(given, dict):
        raise ValueError('health weights are a JSON object such as {"usage": 30}')
    unknown = sorted(set(given) - set(PARTS))
    if unknown:
        raise ValueError(f"unknown health parts {unknown}; known: {', '.join(PARTS)}")
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in given.items():
        number = _number(value)
        if number is None or number < 0:
            raise ValueError(f"the weight of {key} is a number of 0 or more, not {value!r}")
        weights[key] = number
    if sum(weights.values()) <= 0:
        raise ValueError("at least one health weight must be above 0")
    return weights
