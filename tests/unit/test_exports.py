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


def test_chunks_are_produced_as_rows_come_and_read_back():
    produced = []

    def rows():
        for i in range(1001):
            produced.append(i)
            yield [i, f'say "hi", {i}', "=cmd", "-1", -1]

    chunks = exports.csv_chunks(["n", "text", "danger", "minus", "number"], rows(), 500)
    first = next(chunks)
    assert first.startswith("n,text,danger,minus,number\r\n") and len(produced) == 500
    rest = list(chunks)
    assert len(rest) == 2 and len(produced) == 1001
    back = list(csv.reader(io.StringIO(first + "".join(rest))))
    assert back[0] == ["n", "text", "danger", "minus", "number"]
    assert back[1] == ["0", 'say "hi", 0', "'=cmd", "'-1", "-1"] and len(back) == 1002
    assert list(exports.csv_chunks(["only"], [])) == ["only\r\n"]
