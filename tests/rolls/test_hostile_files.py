"""Hostile XLSX files (issue 20 §4): a sheet whose `<dimension>` lies, zip bombs, entities (billion laughs, XXE) and
malformed XML end in the normal Korean file error, quickly and without a traceback. Pure reader tests (no database);
each file is built here, byte by byte where openpyxl would not write it."""

from __future__ import annotations

import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from jingsu.rolls.reader import RollFileError, check_xlsx, iter_rows, open_roll

HEADER = ["자치단체코드", "과세번호", "성명"]


def small_xlsx(path: Path, rows: int = 3) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(rows):
        ws.append(["11260", f"T-{i}", f"이름{i}"])
    wb.save(path)
    return path


def rewrite(src: Path, dst: Path, change) -> Path:
    """Copy an XLSX part by part, passing each part's bytes through `change(name, data)`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info)))
    return dst


def sheet_only(change):
    return lambda name, data: change(data) if name == "xl/worksheets/sheet1.xml" else data


def read_all(path: Path) -> list[tuple[int, dict]]:
    return list(iter_rows(open_roll(path), lambda header: None))


def test_a_lying_dimension_is_ignored_and_reading_takes_time_of_the_real_content(tmp_path):
    """5 KB claiming A1:XFD1048576 with a last row at 1,048,576: openpyxl pads each of the million missing rows to
    16,384 cells, and the old reader ran for minutes (it did not finish in 30 s here)."""

    def lie(data: bytes) -> bytes:
        data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', data)
        return data.replace(b"</sheetData>",
                            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row></sheetData>')

    path = rewrite(small_xlsx(tmp_path / "s.xlsx"), tmp_path / "dimension.xlsx", sheet_only(lie))
    assert path.stat().st_size < 10_000
    started = time.monotonic()
    rows = read_all(path)
    assert time.monotonic() - started < 5
    assert [r for r, _ in rows] == [2, 3, 4]
    assert rows[0][1] == {"자치단체코드": "11260", "과세번호": "T-0", "성명": "이름0"}  # not padded with 16k cells


def test_a_row_numbered_beyond_excels_last_row_is_the_file_error(tmp_path):
    """A gap to row 10⁹ would be a billion empty rows."""
    far = b'<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    path = rewrite(small_xlsx(tmp_path / "s.xlsx"), tmp_path / "far.xlsx",
                   sheet_only(lambda d: d.replace(b"</sheetData>", far)))
    started = time.monotonic()
    with pytest.raises(RollFileError, match="엑셀의 한도"):
        read_all(path)
    assert time.monotonic() - started < 5


def zip_bomb(path: Path, part_mb: int = 1024) -> Path:
    """A real XLSX whose worksheet gains `part_mb` MB of blanks inside a cell: about 1 MB compressed."""
    src = small_xlsx(path.with_name("base.xlsx"))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                part.write(head + b'<row r="5"><c r="A5" t="inlineStr"><is><t>')
                block = b" " * (1 << 20)
                for _ in range(part_mb):
                    part.write(block)
                part.write(b"</t></is></c></row></sheetData>" + tail)
    return path


def test_a_zip_bomb_is_refused_before_parsing_quickly_and_without_memory(tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 << 20  # about 1 MB on disk, 1 GB unpacked
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(RollFileError, match="압축 폭탄"):
            read_all(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 20 << 20


def test_xlsx_limits_come_from_settings(tmp_path, settings):
    path = small_xlsx(tmp_path / "ok.xlsx", rows=20_000)  # a sheet over 1 MB: the ratio applies
    check_xlsx(path)  # a normal file passes
    settings.JINGSU_XLSX_MAX_RATIO = 2
    with pytest.raises(RollFileError, match="압축률"):
        read_all(path)
    settings.JINGSU_XLSX_MAX_RATIO = 100
    settings.JINGSU_XLSX_MAX_TOTAL_MB = 0
    with pytest.raises(RollFileError, match="너무 큽니다"):
        read_all(path)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entities_in_any_part_are_the_korean_file_error(tmp_path, part, prolog):
    def add_doctype(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        data = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        root = re.match(rb"<([\w:]+)", data).group(1)
        entity = b"&lol9;" if prolog is BILLION_LAUGHS else b"&xxe;"
        # the entity is used inside the root, where a parser that expands it would
        return prolog.replace(b"DOCTYPE lolz", b"DOCTYPE " + root).replace(b"DOCTYPE x", b"DOCTYPE " + root) \
            + data.replace(b"</sheetData>", b"<row r='9'><c r='A9' t='inlineStr'><is><t>" + entity
                           + b"</t></is></c></row></sheetData>")

    path = rewrite(small_xlsx(tmp_path / "s.xlsx"), tmp_path / "entities.xlsx", add_doctype)
    with pytest.raises(RollFileError, match="DOCTYPE"):
        read_all(path)


@pytest.mark.parametrize("change", [
    sheet_only(lambda d: d.replace(b"</sheetData>", b"<row r='9'><c r='A9'><v>1</v></row></sheetData>")),  # unclosed
    sheet_only(lambda d: d[: len(d) // 2]),  # cut in the middle of the rows
    lambda name, d: d[:40] if name == "xl/workbook.xml" else d,
    lambda name, d: b"\x00\xff garbage" if name == "xl/styles.xml" else d,
    sheet_only(lambda d: d.replace(b'<c r="A2" t="inlineStr">', b'<c r="A2" t="e">')),  # an error cell with text
], ids=["unclosed-tag", "cut-sheet", "cut-workbook", "binary-styles", "odd-cell-type"])
def test_malformed_xml_is_the_korean_file_error_never_a_traceback(tmp_path, change):
    path = rewrite(small_xlsx(tmp_path / "s.xlsx"), tmp_path / "broken.xlsx", change)
    try:
        read_all(path)
    except RollFileError as exc:
        assert "XLSX" in str(exc) and "(" in str(exc)
    # a variant openpyxl happens to read is not an error; what must never happen is another exception


def test_not_a_zip_and_a_cut_zip_are_the_file_error(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(RollFileError, match="XLSX 파일을 열 수 없습니다"):
        read_all(fake)
    good = small_xlsx(tmp_path / "s.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) - 200])
    with pytest.raises(RollFileError, match="XLSX 파일을 열 수 없습니다"):
        read_all(cut)
