"""The skeleton both bulk upserts share (accounts by external id, contacts by email): one
result per row by its position, the all-or-nothing refusal, and lookups in chunks.

Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from feedback.services.errors import InvalidInput

CHUNK = 500  # rows per IN (...) lookup: well under SQLite's variable limit
T = TypeVar("T")


@dataclass(frozen=True)
class RowResult:
    """What happened to one row of a bulk upsert or import, by its position.

    `key` is what the row is upserted by: a contact's email or an account's external id."""

    index: int
    status: str  # "created", "updated" or "invalid"
    key: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """The values in slices of CHUNK, for IN (...) lookups."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def refuse_invalid(invalid: Sequence[RowResult], total: int, noun: str) -> None:
    """All or nothing: with any invalid row, refuse the batch, each error under "row.field"
    (or "row" when the row itself is wrong, such as a row that is not an object)."""
    if not invalid:
        return
    fields = {
        f"{r.index}.{k}" if k else str(r.index): v for r in invalid for k, v in r.errors.items()
    }
    raise InvalidInput(f"{len(invalid)} of {total} {noun} are invalid; nothing was saved.", fields)
