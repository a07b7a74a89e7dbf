"""How amounts and dates are written for people, everywhere (screens, documents, messages, reports):
1,234,560원 and 2026. 11. 23. One definition, so a screen, a notice and a CLI line never disagree."""

from __future__ import annotations

from datetime import date, datetime


def won(amount: int) -> str:
    """1234560 → '1,234,560원'."""
    return f"{int(amount):,}원"


def kdate(d: date | datetime | None) -> str:
    """2026-11-23 → '2026. 11. 23.'; None → ''. A datetime gives its own date (convert to local time first)."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.date()
    return f"{d.year}. {d.month}. {d.day}."


def file_size(size: int) -> str:
    """A size in bytes as people write it: 300MB (a whole number without decimals), 12.5MB, 640KB, 512바이트."""
    size = int(size)
    if size >= 1 << 20:
        value, unit = size / (1 << 20), "MB"
    elif size >= 1 << 10:
        value, unit = size / (1 << 10), "KB"
    else:
        return f"{size:,}바이트"
    text = f"{value:,.1f}".removesuffix(".0")
    return f"{text}{unit}"
