"""Readers for roll files: CSV (UTF-8 or CP949/EUC-KR, detected), XLSX and XLS (Excel 97–2003, as many office
systems still export).

All yield `(row_number, {header: cell})` with the header as row 1, the way a spreadsheet numbers rows. CSV and XLSX
are streamed and never held in memory whole; an XLS file is a binary compound document that xlrd reads whole, so it
is refused above a size of its own (`xls_max_mb`, default 50 MB, far above Excel 97's 65,536 rows).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jingsu.korean import josa

SUPPORTED_ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "cp949": "cp949",
                       "euc-kr": "cp949", "euckr": "cp949", "ms949": "cp949"}
ENCODING_LABEL = {"utf-8-sig": "UTF-8", "cp949": "CP949(EUC-KR)"}
SNIFF_BYTES = 1 << 20


class RollFileError(Exception):
    """The file as a whole cannot be read (message in Korean, for the user)."""


@dataclass(frozen=True)
class RollSource:
    path: Path
    kind: str  # "csv" | "xlsx" | "xls"
    encoding: str | None  # codec for CSV


def open_roll(path: Path, encoding: str | None = None) -> RollSource:
    if not path.exists():
        raise RollFileError(f"파일을 찾을 수 없습니다: {path}")
    if not path.is_file():
        raise RollFileError(f"파일이 아닙니다: {path}")
    if path.stat().st_size == 0:
        raise RollFileError("파일이 비어 있습니다.")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return RollSource(path, "xlsx", None)
    if suffix == ".xls":
        return RollSource(path, _sniff_xls(path), None)
    if suffix not in (".csv", ".txt"):
        raise RollFileError(f"지원하지 않는 파일 형식입니다: '{path.suffix}' (CSV, XLSX 또는 XLS만 가능합니다).")
    if encoding is not None:
        codec = SUPPORTED_ENCODINGS.get(encoding.lower())
        if codec is None:
            raise RollFileError(f"지원하지 않는 인코딩입니다: '{encoding}' (UTF-8, CP949, EUC-KR 중에서 고르세요).")
        return RollSource(path, "csv", codec)
    return RollSource(path, "csv", detect_encoding(path))


def detect_encoding(path: Path) -> str:
    """UTF-8 if the start of the file is valid UTF-8 (BOM or not), else CP949 if that decodes, else an error."""
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("cp949")().decode(sample, final=False)
        return "cp949"
    except UnicodeDecodeError:
        raise RollFileError(
            "파일의 문자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(EUC-KR)로 저장한 CSV 파일을 사용하세요."
        ) from None


HeaderCheck = Callable[[list[str]], None]


def iter_rows(source: RollSource, on_header: HeaderCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row_number, {header: value}) with blank cells left out (so `header in cells` means "filled in");
    `on_header` sees the header first and may raise RollFileError. Raises RollFileError for a file-level problem."""
    if source.kind == "xlsx":
        yield from _iter_xlsx(source.path, on_header)
    elif source.kind == "xls":
        yield from _iter_xls(source.path, on_header)
    else:
        yield from _iter_csv(source.path, source.encoding or "utf-8-sig", on_header)


def _clean_header(raw: list[Any]) -> list[str]:
    header = [str(h).strip() if h is not None else "" for h in raw]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise RollFileError("첫 행(열 제목)이 비어 있습니다.")
    return header


def _iter_csv(path: Path, codec: str, on_header: HeaderCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    label = ENCODING_LABEL.get(codec, codec)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        reader = csv.reader(text)
        row_number = 0
        try:
            try:
                first = next(reader)
            except StopIteration:
                raise RollFileError("파일이 비어 있습니다.") from None
            row_number = 1
            header = _clean_header(first)
            on_header(header)
            width = len(header)
            for cells in reader:
                row_number += 1
                # _pair for text cells, inlined: this loop runs once per row of files with millions of rows
                values = {name: cell for name, cell in zip(header, map(str.strip, cells), strict=False) if cell}
                if len(cells) > width:
                    extra = sum(1 for c in cells[width:] if c.strip())
                    if extra:
                        values["\x00extra"] = extra
                if values:  # blank lines are not rows
                    yield row_number, values
        except UnicodeDecodeError:
            raise RollFileError(
                f"{row_number + 1}행 부근에서 파일을 {josa(label, '으로')} 읽을 수 없습니다. 파일의 인코딩을 확인하세요"
                " (--encoding 없이 실행하면 자동으로 판별합니다)."
            ) from None
        except csv.Error as exc:
            raise RollFileError(f"{row_number + 1}행의 CSV 형식이 잘못되었습니다: {exc}") from None


# --- XLSX: a zip of XML parts, checked before openpyxl parses any of it ---------------------------------------------

#: Defaults of the limits below (each can be set in Django settings under the name in brackets). A generated roll's
#: worksheet compresses about 9:1; a zip bomb about 1000:1.
XLSX_LIMITS = {
    "max_members": 10_000,  # [JINGSU_XLSX_MAX_MEMBERS] parts in the zip (an XLSX has about ten)
    "max_part_mb": 1024,  # [JINGSU_XLSX_MAX_PART_MB] uncompressed size of any one part
    "max_total_mb": 4096,  # [JINGSU_XLSX_MAX_TOTAL_MB] uncompressed size of all parts together
    "max_ratio": 100,  # [JINGSU_XLSX_MAX_RATIO] uncompressed / compressed, for parts over 1 MB and for the whole
}
_RATIO_FROM = 1 << 20
_PROLOG_CHUNK = 1 << 14
_PROLOG_MAX = 1 << 20

#: Rows in a worksheet (Excel's limit): a row numbered beyond it is a broken or hostile file.
XLSX_MAX_ROWS = 1_048_576

_XLSX_BROKEN = "XLSX 파일을 열 수 없습니다: 손상되었거나 XLSX 형식이 아닙니다"


def xlsx_limits() -> dict[str, int]:
    """XLSX_LIMITS, overridden by Django settings when Django is configured (the reader itself needs no Django)."""
    limits = dict(XLSX_LIMITS)
    try:
        from django.conf import settings

        if settings.configured:
            for key in limits:
                limits[key] = int(getattr(settings, f"JINGSU_XLSX_{key.upper()}", limits[key]))
    except ImportError:  # pragma: no cover — the reader used without Django
        pass
    return limits


def check_xlsx(path: Path, limits: dict[str, int] | None = None) -> None:
    """Refuse, before any XML is parsed, an XLSX that would unpack to too much (a zip bomb: the sizes and the
    compression ratio the zip declares; zipfile never yields more than a part's declared size) or whose XML carries a
    document type declaration (entities: billion laughs, XXE — an XLSX written by a spreadsheet program never has
    one). Raises RollFileError in Korean."""
    import zipfile

    limits = limits or xlsx_limits()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits["max_members"]:
                raise RollFileError(f"{_XLSX_BROKEN} (묶인 파일이 {len(members):,}개로 너무 많습니다).")
            total = packed = 0
            for info in members:
                size, csize = info.file_size, info.compress_size
                total += size
                packed += csize
                if size > limits["max_part_mb"] << 20 or total > limits["max_total_mb"] << 20:
                    raise RollFileError(
                        f"XLSX 파일을 열지 않았습니다: 압축을 풀면 너무 큽니다 ({info.filename}, {size >> 20:,}MB)."
                        " 압축 폭탄일 수 있습니다.")
                if size > _RATIO_FROM and size > limits["max_ratio"] * max(csize, 1):
                    raise RollFileError(
                        f"XLSX 파일을 열지 않았습니다: 압축률이 비정상적으로 높습니다 ({info.filename},"
                        f" {size // max(csize, 1):,}배). 압축 폭탄일 수 있습니다.")
            if total > _RATIO_FROM and total > limits["max_ratio"] * max(packed, 1):
                raise RollFileError(
                    f"XLSX 파일을 열지 않았습니다: 압축률이 비정상적으로 높습니다 ({total // max(packed, 1):,}배)."
                    " 압축 폭탄일 수 있습니다.")
            for info in members:
                if not info.is_dir():
                    with archive.open(info) as part:
                        _check_prolog(part, info.filename)
    except RollFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, ValueError,
            EOFError) as exc:
        raise RollFileError(f"{_XLSX_BROKEN} ({type(exc).__name__}).") from None


class _RootStarted(Exception):
    pass


def _check_prolog(part: Any, name: str) -> None:
    """Parse a part up to its root element and refuse a document type declaration (which is where entities are
    declared). A part that is not XML is left to openpyxl, whose parse error becomes the file error."""
    import pyexpat

    parser = pyexpat.ParserCreate()

    def doctype(*_: Any) -> None:
        raise RollFileError(f"XLSX 파일을 열지 않았습니다: {name}에 문서형 선언(DOCTYPE)이 있습니다."
                            " 엑셀로 다시 저장한 파일을 올리세요.")

    def root(*_: Any) -> None:
        raise _RootStarted

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    read = 0
    try:
        while read < _PROLOG_MAX:
            chunk = part.read(_PROLOG_CHUNK)
            read += len(chunk)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return
    except (_RootStarted, pyexpat.ExpatError):
        return
    raise RollFileError(f"{_XLSX_BROKEN} ({name}의 앞부분이 비정상적으로 깁니다).")


def _iter_xlsx(path: Path, on_header: HeaderCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    """The first worksheet, streamed. Its `<dimension>` is ignored (a hostile or careless writer may claim
    A1:XFD1048576 for a sheet of ten cells, which would pad every row to 16,384 cells and add a million empty rows):
    rows are as long as their own cells, and a row numbered beyond Excel's last row ends the file with an error
    (openpyxl yields an empty row for every missing row number). Any parser error is the file error, in Korean, never a traceback."""
    check_xlsx(path)
    from openpyxl import load_workbook

    # an XLSX saved under another name (.xls): openpyxl refuses a path by its suffix, not a file object
    handle = path.open("rb") if path.suffix.lower() != ".xlsx" else None
    try:
        workbook = load_workbook(handle or path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any failure to parse the parts is a broken file
        if handle is not None:
            handle.close()
        raise RollFileError(f"{_XLSX_BROKEN} ({type(exc).__name__}).") from None
    row = 1
    try:
        if not workbook.worksheets:
            raise RollFileError("XLSX 파일에 워크시트가 없습니다.")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        try:
            first = next(rows)
        except StopIteration:
            raise RollFileError("파일이 비어 있습니다.") from None
        header = _clean_header(list(first))
        on_header(header)
        for index, cells in enumerate(rows, start=2):
            row = index
            if index > XLSX_MAX_ROWS:
                raise RollFileError(f"XLSX 파일의 행 번호가 엑셀의 한도({XLSX_MAX_ROWS:,}행)를 넘습니다: 손상된 파일입니다.")
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield index, _pair(header, list(cells), index)
    except RollFileError:
        raise
    except Exception as exc:  # noqa: BLE001 — malformed XML in the sheet, an impossible cell, …
        raise RollFileError(f"XLSX 파일의 {row}행 부근을 읽을 수 없습니다: 손상된 파일입니다 ({type(exc).__name__}).") \
            from None
    finally:
        workbook.close()
        if handle is not None:
            handle.close()


def _pair(header: list[str], cells: list[Any], row: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=False):
        if isinstance(cell, str):
            cell = cell.strip()
            if cell:
                values[name] = cell
        elif cell is not None:
            values[name] = cell
    extra = [c for c in cells[len(header):] if c is not None and str(c).strip()]
    if extra:
        values["\x00extra"] = len(extra)
    return values


# --- XLS (Excel 97–2003, BIFF in an OLE2 compound document), read with xlrd -----------------------------------------

#: Rows in an Excel 97–2003 worksheet (BIFF8 row numbers are 16 bits).
XLS_MAX_ROWS = 65_536
#: [JINGSU_XLS_MAX_MB] largest .xls read: xlrd holds the whole sheet in memory (about 40 bytes per cell), and a
#: real roll of 65,536 rows is well under 30 MB.
XLS_MAX_MB = 50
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLS_BROKEN = "XLS 파일을 열 수 없습니다: 손상되었거나 엑셀 97–2003 형식이 아닙니다"


def xls_max_mb() -> int:
    try:
        from django.conf import settings

        if settings.configured:
            return int(getattr(settings, "JINGSU_XLS_MAX_MB", XLS_MAX_MB))
    except ImportError:  # pragma: no cover — the reader used without Django
        pass
    return XLS_MAX_MB


def _sniff_xls(path: Path) -> str:
    """What a file named .xls really is. Offices' systems save three things under that name: the Excel 97–2003
    binary (read here), an XLSX (a zip: read as XLSX), and a web page or XML table (refused with what to do)."""
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(_OLE2):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
        raise RollFileError("이 파일은 이름만 .xls이고 실제로는 웹 문서(HTML) 또는 XML 표입니다. 엑셀에서 열어 "
                            "'Excel 통합 문서(XLSX)'로 다시 저장한 파일이나 CSV 파일을 올리세요.")
    raise RollFileError(f"{_XLS_BROKEN}.")


def _xls_value(cell: Any, datemode: int) -> Any:
    """An xlrd cell as the XLSX reader gives it: text, int for whole numbers, float, datetime for date cells,
    bool; an error cell as its text (#N/A …), which the validators then refuse."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#오류")
    return value


def _iter_xls(path: Path, on_header: HeaderCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    """The first worksheet of an Excel 97–2003 file. Limits as for XLSX where they apply: the file's size (xlrd
    reads it whole), Excel's row limit, rows as long as their own cells (`ragged_rows`: a hostile DIMENSIONS
    record pads nothing), no formatting read, formulas never evaluated (xlrd gives the cached value). An encrypted
    file and any parser error are the file error, in Korean, never a traceback."""
    limit = xls_max_mb()
    size = path.stat().st_size
    if size > limit << 20:
        raise RollFileError(f"XLS 파일이 너무 큽니다 ({size / (1 << 20):,.0f}MB, XLS는 {limit:,}MB까지). "
                            "XLSX 또는 CSV로 저장해 올리세요.")
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True, formatting_info=False,
                                  logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise RollFileError("XLS 파일에 암호가 걸려 있어 읽을 수 없습니다. 암호를 풀고 다시 저장해 올리세요.") \
                from None
        raise RollFileError(f"{_XLS_BROKEN} ({type(exc).__name__}).") from None
    except Exception as exc:  # noqa: BLE001 — compound-document and record errors: a broken file
        raise RollFileError(f"{_XLS_BROKEN} ({type(exc).__name__}).") from None
    row = 1
    try:
        if book.nsheets == 0:
            raise RollFileError("XLS 파일에 워크시트가 없습니다.")
        sheet = book.sheet_by_index(0)
        if sheet.nrows > XLS_MAX_ROWS:
            raise RollFileError(f"XLS 파일의 행 수가 엑셀 97–2003의 한도({XLS_MAX_ROWS:,}행)를 넘습니다: 손상된 파일입니다.")
        if sheet.nrows == 0:
            raise RollFileError("파일이 비어 있습니다.")
        header = _clean_header([_xls_value(c, book.datemode) for c in sheet.row(0)])
        on_header(header)
        for index in range(1, sheet.nrows):
            row = index + 1
            cells = [_xls_value(c, book.datemode) for c in sheet.row(index)]
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield row, _pair(header, cells, row)
    except RollFileError:
        raise
    except Exception as exc:  # noqa: BLE001 — a malformed record in the sheet
        raise RollFileError(f"XLS 파일의 {row}행 부근을 읽을 수 없습니다: 손상된 파일입니다 ({type(exc).__name__}).") \
            from None
    finally:
        book.release_resources()
