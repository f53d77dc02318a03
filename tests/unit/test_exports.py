"""CSV lines for spreadsheets: never a formula, numbers stay numbers, streamed line by line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from feedback import exports


def test_cells_that_a_spreadsheet_would_run_are_defused():
    for text in ("=1+1", "+49 30", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert exports.safe_cell(text) == "'" + text
    assert exports.safe_cell("fine = ok") == "fine = ok"
    assert exports.safe_cell(-0.5) == -0.5 and exports.safe_cell(Decimal("12.50")) == Decimal(
        "12.50"
    )
    assert exports.safe_cell(None) == "" and exports.safe_cell(True) == "yes"
    assert exports.safe_cell(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00+00:00"


def test_lines_are_produced_one_at_a_time_and_read_back():
    rows = ([i, f'say "hi", {i}', "=cmd"] for i in range(1001))
    lines = exports.csv_lines(["n", "text", "danger"], rows)
    first = next(lines)
    assert first == "n,text,danger\r\n"
    chunks = list(exports.batched_lines(lines, size=500))
    assert len(chunks) == 3
    back = list(csv.reader(io.StringIO("".join(chunks))))
    assert back[0] == ["0", 'say "hi", 0', "'=cmd"] and len(back) == 1001
