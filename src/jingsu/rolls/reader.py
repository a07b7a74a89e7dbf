"""Streaming readers for roll files: CSV (UTF-8 or CP949/EUC-KR, detected) and XLSX.

Both yield `(row_number, {header: cell})` with the header as row 1, the way a spreadsheet numbers rows, and never
hold the whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPPORTED_ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "cp949": "cp949",
                       "euc-kr": "cp949", "euckr": "cp949", "ms949": "cp949"}
ENCODING_LABEL = {"utf-8-sig": "UTF-8", "cp949": "CP949(EUC-KR)"}
SNIFF_BYTES = 1 << 20


class RollFileError(Exception):
    """The file as a whole cannot be read (message in Korean, for the user)."""


@dataclass(frozen=True)
class RollSource:
    path: Path
    kind: str  # "csv" | "xlsx"
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
    if suffix not in (".csv", ".txt"):
        raise RollFileError(f"지원하지 않는 파일 형식입니다: '{path.suffix}' (CSV 또는 XLSX만 가능합니다).")
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
                f"{row_number + 1}행 부근에서 파일을 {label}(으)로 읽을 수 없습니다. 파일의 인코딩을 확인하세요"
                " (--encoding 없이 실행하면 자동으로 판별합니다)."
            ) from None
        except csv.Error as exc:
            raise RollFileError(f"{row_number + 1}행의 CSV 형식이 잘못되었습니다: {exc}") from None


def _iter_xlsx(path: Path, on_header: HeaderCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RollFileError(f"XLSX 파일을 열 수 없습니다: 손상되었거나 XLSX 형식이 아닙니다 ({type(exc).__name__}).") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            first = next(rows)
        except StopIteration:
            raise RollFileError("파일이 비어 있습니다.") from None
        header = _clean_header(list(first))
        on_header(header)
        for index, cells in enumerate(rows, start=2):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield index, _pair(header, list(cells), index)
    finally:
        workbook.close()


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
