"""The text of a PDF that WeasyPrint made, read without an outside tool (poppler is not a dependency).

WeasyPrint writes each font as Identity-H with a ToUnicode CMap and draws text as hex glyph codes in `TJ`/`Tj`
operators of Flate-compressed content streams. `pdf_text` decodes every text run with each CMap in the file and keeps
the reading with the fewest unknown glyphs (the run's own font), then joins the runs without separators — a table
cell wrapped over two lines ("11260-14-2022-0000" / "003") reads as one string again. Good enough to search a
download for a name or a number; not a general PDF reader.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"\d+ 0 obj\s*(<<.*?>>)\s*stream\r?\n", re.S)
_RUN = re.compile(rb"\[([^\]]*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj")
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
UNKNOWN = "\ufffd"


def _streams(data: bytes) -> list[bytes]:
    out = []
    for m in _STREAM.finditer(data):
        raw = data[m.end():data.index(b"endstream", m.end())]
        if b"/FlateDecode" in m.group(1):
            raw = zlib.decompressobj().decompress(raw)
        out.append(raw)
    return out


def _cmap(raw: bytes) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", raw, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            found[src.lower()] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", raw, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                found[f"{code:0{len(lo)}x}".encode()] = chr(base + i)
    return found


def _decode(codes: bytes, cmap: dict[bytes, str]) -> str:
    width = len(next(iter(cmap))) if cmap else 4
    return "".join(cmap.get(codes[i:i + width], UNKNOWN) for i in range(0, len(codes), width))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF"), data[:20]
    streams = _streams(data)
    cmaps = [c for c in (_cmap(s) for s in streams if b"begincmap" in s) if c]
    assert cmaps, "no ToUnicode CMap in the PDF"
    runs = []
    for stream in streams:
        for m in _RUN.finditer(stream):
            codes = b"".join(_HEX.findall(m.group(1))) if m.group(1) is not None else m.group(2)
            readings = [_decode(codes.lower(), c) for c in cmaps]
            runs.append(min(readings, key=lambda r: r.count(UNKNOWN)))
    return "".join(runs)
