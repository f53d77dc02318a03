"""Score/comment mismatches: a promoter who writes a clearly negative comment, or a detractor
who writes a clearly positive one. Customers misread the 0-10 scale (0 as "best", or a 10 given
out of habit), so such a response is flagged for a person to review, never re-scored.

"Clearly" is two conditions, both needed:
- the comment's polarity is beyond a threshold (the sentiment label alone is too eager: "ok"
  and "not bad" come out positive), and
- the comment is not mixed: drivers pulling the other way make up at most MAX_OPPOSING_SHARE
  of all the drivers' weight ("great product but support is awful" from a promoter is a
  complaint worth routing, not a misread scale).
Pure: plain values in, a plain value out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: A promoter's comment at or below this polarity is clearly negative.
CLEARLY_NEGATIVE_AT_MOST = -0.5
#: A detractor's comment at or above this polarity is clearly positive. Higher than the
#: negative bar because mild words ("okay", "could be better") already score +0.5.
CLEARLY_POSITIVE_AT_LEAST = 0.6
#: Share of the drivers' absolute weight that may pull against the overall sign.
MAX_OPPOSING_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Mismatch:
    flag: bool
    reason: str | None = None


NO_MISMATCH = Mismatch(False)


def _opposing_share(polarity: float, contributions: Iterable[float]) -> float:
    values = list(contributions)
    total = sum(abs(c) for c in values)
    if total == 0:
        return 0.0
    against = sum(abs(c) for c in values if (c > 0) != (polarity > 0) and c != 0)
    return against / total


def check(
    category: str | None,
    score: int | None,
    polarity: float | None,
    contributions: Iterable[float] = (),
) -> Mismatch:
    """Whether an NPS answer's score and its comment disagree clearly, and why.

    `contributions` are the signed shares of the comment's drivers. A comment with no score
    (not analysed, not English) never mismatches.
    """
    if polarity is None or category not in ("promoter", "detractor"):
        return NO_MISMATCH
    if _opposing_share(polarity, contributions) > MAX_OPPOSING_SHARE:
        return NO_MISMATCH
    if category == "promoter" and polarity <= CLEARLY_NEGATIVE_AT_MOST:
        return Mismatch(
            True,
            f"Promoter score ({score}) with a clearly negative comment "
            f"(polarity {polarity:+.2f}): the customer may have misread the scale.",
        )
    if category == "detractor" and polarity >= CLEARLY_POSITIVE_AT_LEAST:
        return Mismatch(
            True,
            f"Detractor score ({score}) with a clearly positive comment "
            f"(polarity {polarity:+.2f}): the customer may have misread the scale.",
        )
    return NO_MISMATCH
