"""What the reports share (the effect report, jingsu.reports.effects, and the experiment report,
jingsu.reports.experiments): which delivery attempts count as sent, how a rate is written, the XLSX number formats.
A module of its own so that the two reports import it and never each other in a cycle (the period effect report
lists the experiments, so effects imports experiments)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jingsu.core.exports import xlsx_append
from jingsu.core.formats import kdatetime
from jingsu.delivery.models import AttemptStatus

#: attempts handed to a channel (their cost was spent)
SENT = (AttemptStatus.ACCEPTED, AttemptStatus.DELIVERED, AttemptStatus.READ, AttemptStatus.EXPIRED,
        AttemptStatus.FAILED)

#: number formats per kind of cell: counts and won with thousands separators, rates as percentages, years and
#: codes as they are (never 2,026)
XLSX_FORMATS = {"count": "#,##0", "amount": "#,##0", "rate": "0.00%", "year": "0", "text": "@"}


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def moment(t: datetime | None) -> str:
    """A moment as people read it, in Seoul: '2026. 11. 23. 10:00'; None → '' (core.formats.kdatetime)."""
    return kdatetime(t)


def xlsx_label_rows(ws: Any, rows: Iterable[tuple[str, Any, str]], *, widths: tuple[int, int]) -> None:
    """A two-column sheet of (label, value, kind) rows, each value in its kind's number format (XLSX_FORMATS)."""
    for label, value, kind in rows:
        xlsx_append(ws, (label, value))
        ws.cell(row=ws.max_row, column=2).number_format = XLSX_FORMATS[kind]
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = widths
