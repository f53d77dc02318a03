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


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header line, then one CSV line per row (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Sequence[Any]) -> str:
        writer.writerow([safe_cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(header)
    for row in rows:
        yield line(row)


def batched_lines(lines: Iterable[str], size: int = 500) -> Iterator[str]:
    """Lines joined into chunks, so a streamed response is not one tiny write per row."""
    chunk: list[str] = []
    for text in lines:
        chunk.append(text)
        if len(chunk) >= size:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
