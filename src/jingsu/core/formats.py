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
