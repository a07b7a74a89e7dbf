"""Safe cells for every CSV and XLSX jingsu writes (formula injection, CWE-1236).

Names, addresses and campaign names come from roll files and staff input. A value such as `=HYPERLINK(…)` or
`=cmd|' /C calc'!A0` written as-is becomes a formula when the office opens the file in a spreadsheet. So every
writer goes through this module:

- text that starts with `= + - @`, a tab or a carriage return gets a leading `'` (the spreadsheet shows it as text);
- in XLSX, text cells are written with the text type (data_type 's'), never as formulas or error values, and the
  control characters XML cannot hold are dropped;
- numbers (int, float, Decimal), dates, booleans and empty cells stay what they are.

`csv_writer(buf)` wraps `csv.writer`; `xlsx_append(ws, row)` appends a row to an openpyxl worksheet (normal or
write-only).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = (bool, int, float, Decimal, date, datetime, time)
# XML 1.0 cannot hold these (openpyxl raises IllegalCharacterError on them)
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(text: str) -> str:
    """`=SUM(A1)` → `'=SUM(A1)`; anything else unchanged."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_value(value: Any) -> Any:
    """A cell value that cannot be read as a formula: numbers, dates, booleans and None as they are, everything else
    as safe text."""
    if value is None or isinstance(value, _PLAIN):
        return value
    return safe_text(str(value))


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_value(v) for v in values]


class SafeCsvWriter:
    """`csv.writer` whose every cell went through `safe_value`."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        self._w = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self._w.writerow(safe_row(row))


def csv_writer(fh: Any, **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(fh, **kwargs)


def xml_text(text: str) -> str:
    """Text without the control characters XML cannot hold (a spreadsheet refuses the file otherwise)."""
    return _XML_ILLEGAL.sub("", text)


def xlsx_cell(ws: Any, value: Any) -> Any:
    """A cell for `ws.append`: text typed as text (data_type 's'), numbers as numbers."""
    from openpyxl.cell import WriteOnlyCell

    value = safe_value(value)
    if isinstance(value, str):
        value = xml_text(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never 'f' (formula) or 'e' (error value such as #N/A)
    return cell


def xlsx_append(ws: Any, row: Iterable[Any]) -> None:
    """Append one row of safe cells to an openpyxl worksheet."""
    ws.append([xlsx_cell(ws, v) for v in row])
