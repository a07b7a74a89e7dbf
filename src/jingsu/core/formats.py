"""How amounts and dates are written for people, everywhere (screens, documents, messages, reports):
1,234,560원 and 2026. 11. 23. One definition, so a screen, a notice and a CLI line never disagree."""

from __future__ import annotations

from datetime import datetime

from jingsu.clock import SEOUL
from jingsu.korean import kdate, won

__all__ = ["file_size", "kdate", "kdatetime", "won"]


def kdatetime(t: datetime | None) -> str:
    """A moment as people read it, in Seoul: 2026. 11. 23. 14:05; None → ""."""
    if t is None:
        return ""
    local = t.astimezone(SEOUL)
    return f"{kdate(local.date())} {local:%H:%M}"


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
