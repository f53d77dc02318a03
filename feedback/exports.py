"""CSV exports as text, line by line, safe to open in a spreadsheet.

A customer's comment that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is
read as a formula by Excel and LibreOffice: "=HYPERLINK(...)" in a verbatim must not run on a
CSM's machine. Such text cells get a leading apostrophe (OWASP's advice); numbers we write
ourselves stay numbers. Lines are produced one at a time so an export of a million rows is
streamed, never held in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet should show it, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


# Cells csv.writer already writes as safe_cell would: numbers as numbers, None as empty.
_AS_IS = frozenset({int, float, type(None)})


def _row(values: Sequence[Any]) -> list[Any]:
    # The common cases (numbers, empty cells, a string that is no formula) without a function
    # call per cell: an export of a million rows has 26 million cells.
    return [
        v
        if (kind := type(v)) in _AS_IS
        else ("'" + v if v.startswith(FORMULA_STARTS) else v)
        if kind is str
        else safe_cell(v)
        for v in values
    ]


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_chunk: int = 500
) -> Iterator[str]:
    """The header, then the rows as CSV text (RFC 4180 quoting, CRLF line ends), a chunk of
    `rows_per_chunk` lines at a time: a streamed response is not one tiny write per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_row(header))
    pending = 0
    for values in rows:
        writer.writerow(_row(values))
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    text = buffer.getvalue()
    if text:
        yield text
