"""The one safe-cell helper every CSV/XLSX writer uses (jingsu.core.exports)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jingsu.core.exports import csv_writer, safe_value, xlsx_append


@pytest.mark.parametrize("text", ["=1+1", "+82", "-2", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"])
def test_text_that_a_spreadsheet_reads_as_a_formula_gets_a_quote(text):
    assert safe_value(text) == "'" + text


def test_other_values_are_unchanged():
    for v in ("김민준", "", "서울 중랑구", "02-123", 5, -3, 1.5, Decimal("2.5"), date(2026, 1, 1), None, True):
        assert safe_value(v) == v


def test_csv_writer_quotes_text_and_keeps_numbers():
    buf = io.StringIO()
    csv_writer(buf, lineterminator="\n").writerows([["=1+1", -5, "a"]])
    assert buf.getvalue() == "'=1+1,-5,a\n"


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_cells_are_text_typed_and_numbers_stay_numbers(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("s") if write_only else wb.active
    xlsx_append(ws, ["=HYPERLINK(\"http://x\")", "#N/A", "a\x00b", -3, 2.5])
    buf = io.BytesIO()
    wb.save(buf)
    cells = list(load_workbook(buf).worksheets[0].iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells] == [
        ("'=HYPERLINK(\"http://x\")", "s"), ("#N/A", "s"), ("ab", "s"), (-3, "n"), (2.5, "n")]
