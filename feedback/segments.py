"""Segments of accounts that NPS is cut by: which dimensions exist, their bands, their names.

A segment is written `dimension:value` in URLs and the API (`region:EMEA`, `arr:50k-250k`,
`attr.tier:gold`), so a filtered view can be shared as a link. Tenure and ARR are banded here,
once, so the dashboard, the API and the weekly email show the same bands.
Pure: plain values in, plain values out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Plain account columns, by the name used in URLs.
COLUMNS: dict[str, str] = {
    "plan": "Plan",
    "region": "Region",
    "industry": "Industry",
    "lifecycle_stage": "Lifecycle stage",
}
DIMENSIONS: dict[str, str] = {
    **COLUMNS,
    "owner": "Account owner",
    "tenure": "Tenure",
    "arr": "ARR band",
}
ATTRIBUTE_PREFIX = "attr."
UNKNOWN = "unknown"

# (label, lower bound in years, upper bound in years or None)
TENURE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<1y", 0, 1),
    ("1-2y", 1, 2),
    ("2-5y", 2, 5),
    ("5y+", 5, None),
)
# (label, lower bound, upper bound or None), in the account's currency
ARR_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<10k", 0, 10_000),
    ("10k-50k", 10_000, 50_000),
    ("50k-250k", 50_000, 250_000),
    ("250k+", 250_000, None),
)
MAX_ATTRIBUTE_VALUES = 25  # an attribute with more distinct values is an id, not a segment


class SegmentError(ValueError):
    """A segment that cannot be read; the message says what a valid one looks like."""


@dataclass(frozen=True)
class Segment:
    dimension: str
    value: str

    @property
    def attribute(self) -> str | None:
        """The account attribute's key for `attr.<key>` segments."""
        if self.dimension.startswith(ATTRIBUTE_PREFIX):
            return self.dimension[len(ATTRIBUTE_PREFIX) :]
        return None

    def __str__(self) -> str:
        return f"{self.dimension}:{self.value}"


def dimension_label(dimension: str) -> str:
    if dimension.startswith(ATTRIBUTE_PREFIX):
        return dimension[len(ATTRIBUTE_PREFIX) :].replace("_", " ").capitalize()
    return DIMENSIONS.get(dimension, dimension)


def is_dimension(dimension: str) -> bool:
    if dimension.startswith(ATTRIBUTE_PREFIX):
        key = dimension[len(ATTRIBUTE_PREFIX) :]
        return 0 < len(key) <= 60 and key.replace("_", "").replace("-", "").isalnum()
    return dimension in DIMENSIONS


def parse(text: str | None) -> Segment | None:
    """`dimension:value` → Segment; None for an empty filter; SegmentError otherwise."""
    if text is None or not text.strip():
        return None
    dimension, sep, value = text.strip().partition(":")
    if not sep or not value:
        raise SegmentError("Write a segment as dimension:value, e.g. region:EMEA.")
    if not is_dimension(dimension):
        known = ", ".join([*DIMENSIONS, "attr.<key>"])
        raise SegmentError(f"“{dimension}” is not a segment dimension; use one of {known}.")
    if dimension == "tenure" and value not in band_labels("tenure"):
        raise SegmentError(f"Tenure bands are {', '.join(band_labels('tenure'))}.")
    if dimension == "arr" and value not in band_labels("arr"):
        raise SegmentError(f"ARR bands are {', '.join(band_labels('arr'))}.")
    if len(value) > 200:
        raise SegmentError("A segment value is at most 200 characters.")
    return Segment(dimension, value)


def band_labels(dimension: str) -> list[str]:
    bands = TENURE_BANDS if dimension == "tenure" else ARR_BANDS
    return [label for label, _, _ in bands]


def tenure_band(customer_since: date | None, today: date) -> str:
    """The tenure band of an account that became a customer on `customer_since`."""
    if customer_since is None:
        return UNKNOWN
    years = (today - customer_since).days / 365.25
    for label, low, high in TENURE_BANDS:
        if years >= low and (high is None or years < high):
            return label
    return TENURE_BANDS[0][0]  # a start date in the future: the newest band


def tenure_range(label: str, today: date) -> tuple[date | None, date | None]:
    """customer_since dates of the band as (after, on or before): for a SQL filter."""
    for band, low, high in TENURE_BANDS:
        if band == label:
            latest = _years_before(today, low) if low else None
            earliest = _years_before(today, high) if high is not None else None
            return earliest, latest
    raise SegmentError(f"Tenure bands are {', '.join(band_labels('tenure'))}.")


def _years_before(today: date, years: int) -> date:
    # ceil: whole days, matching tenure_band's `days / 365.25 >= years`
    return date.fromordinal(today.toordinal() - math.ceil(years * 365.25))


def arr_band(arr: Decimal | float | None) -> str:
    if arr is None:
        return UNKNOWN
    for label, low, high in ARR_BANDS:
        if arr >= low and (high is None or arr < high):
            return label
    return ARR_BANDS[0][0]


def arr_range(label: str) -> tuple[int, int | None]:
    for band, low, high in ARR_BANDS:
        if band == label:
            return low, high
    raise SegmentError(f"ARR bands are {', '.join(band_labels('arr'))}.")


def attribute_value(value: object) -> str | None:
    """An account attribute as a segment value: strings, numbers and booleans; not lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        text = str(value)
        return text if text and len(text) <= 200 else None
    return None
