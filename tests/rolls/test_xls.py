"""Rolls saved as Excel 97–2003 (.xls), as many office systems export them (issue #14 item 3): read with xlrd to
the same cells as the CSV and XLSX readers give; what offices save under the name .xls but is not one (XLSX, a web
page) handled; broken, oversized and empty files end in the Korean file error. The .xls files are written here with
xlwt (a test dependency: it writes the BIFF8 format Excel 97–2003 saves)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import xlwt
from openpyxl import Workbook

from jingsu.core.models import Jurisdiction
from jingsu.rolls.importer import import_roll
from jingsu.rolls.reader import RollFileError, iter_rows, open_roll

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "roll_small.csv"
NUMERIC = {"본세", "지방교육세", "도시지역분"}
DATES = {"납세의무성립일", "납기", "납부기한"}


def write_xls(path: Path, rows: list[list[object]]) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("체납")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date | datetime):
                sheet.write(r, c, value, date_style)
            elif value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def small_rows() -> list[list[object]]:
    """roll_small.csv as a spreadsheet has it: amounts as numbers, dates as date cells, the rest text."""
    lines = [line.split(",") for line in SMALL.read_text(encoding="utf-8").splitlines()]
    header = lines[0]
    out: list[list[object]] = [header]
    for cells in lines[1:]:
        row: list[object] = []
        for name, cell in zip(header, cells, strict=True):
            if not cell:
                row.append(None)
            elif name in NUMERIC:
                row.append(int(cell))
            elif name in DATES:
                row.append(date.fromisoformat(cell))
            else:
                row.append(cell)
        out.append(row)
    return out


def read_all(path: Path) -> list[tuple[int, dict]]:
    return list(iter_rows(open_roll(path), lambda header: None))


def test_an_xls_gives_the_cells_a_spreadsheet_shows(tmp_path):
    path = write_xls(tmp_path / "roll.xls", small_rows())
    source = open_roll(path)
    assert source.kind == "xls"
    rows = read_all(path)
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6]
    first = rows[0][1]
    assert first["과세번호"] == "11260-14-2024-0000001" and first["본세"] == 120000 and isinstance(first["본세"], int)
    assert first["납기"] == datetime(2024, 9, 30) and "납세의무성립일" not in first  # blank cells left out
    assert first["등록번호"] == "850101-1234566"


@pytest.mark.django_db
def test_an_xls_imports_as_the_same_csv_does(tmp_path, clock):
    from jingsu.levies.models import Levy

    summary = import_roll(write_xls(tmp_path / "roll.xls", small_rows()), jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (summary.rows, summary.taxpayers, summary.levies_created) == (5, 4, 5)
    by_xls = sorted(Levy.objects.values_list("tax_number", "principal", "education_tax", "due_date",
                                             "liability_date"))
    again = import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert again.levies_unchanged == 5 and again.levies_updated == 0, "the CSV finds the XLS's levies unchanged"
    assert sorted(Levy.objects.values_list("tax_number", "principal", "education_tax", "due_date",
                                           "liability_date")) == by_xls


def test_an_xlsx_saved_as_xls_is_read_as_xlsx(tmp_path):
    wb = Workbook()
    wb.active.append(["자치단체코드", "과세번호"])
    wb.active.append(["11260", "T-1"])
    path = tmp_path / "really-xlsx.xls"
    wb.save(path)
    assert open_roll(path).kind == "xlsx"
    assert read_all(path) == [(2, {"자치단체코드": "11260", "과세번호": "T-1"})]


def test_a_web_page_saved_as_xls_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>자치단체코드</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(RollFileError, match="웹 문서\\(HTML\\) 또는 XML 표입니다"):
        open_roll(path)


@pytest.mark.parametrize("content", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # an OLE2 header and nothing behind it
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,  # garbage sectors
    b"not a spreadsheet at all",
])
def test_a_broken_xls_is_the_korean_file_error(tmp_path, content):
    path = tmp_path / "broken.xls"
    path.write_bytes(content)
    with pytest.raises(RollFileError, match="XLS 파일"):
        read_all(path)


def test_an_xls_over_its_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = write_xls(tmp_path / "roll.xls", small_rows())
    monkeypatch.setattr("jingsu.rolls.reader.xls_max_mb", lambda: 0)
    with pytest.raises(RollFileError, match="XLS는 0MB까지"):
        read_all(path)


def test_an_xls_with_only_a_header_or_nothing(tmp_path):
    assert read_all(write_xls(tmp_path / "header.xls", [small_rows()[0]])) == []
    empty = xlwt.Workbook()
    empty.add_sheet("빈 시트")
    empty.save(str(tmp_path / "empty.xls"))
    with pytest.raises(RollFileError, match="비어 있습니다"):
        read_all(tmp_path / "empty.xls")


def test_error_and_boolean_cells_become_values_the_validators_refuse_or_read(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("s")
    for c, h in enumerate(["성명", "전자송달신청", "본세"]):
        sheet.write(0, c, h)
    sheet.write(1, 0, "김민준")
    sheet.write(1, 1, True)
    sheet.write(1, 2, xlwt.Formula("1/0"))  # no cached value: xlrd reads the formula's result as written
    book.save(str(tmp_path / "cells.xls"))
    [(row, cells)] = read_all(tmp_path / "cells.xls")
    assert row == 2 and cells["성명"] == "김민준" and cells["전자송달신청"] is True
