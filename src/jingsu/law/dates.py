"""Date arithmetic for legal periods.

Korean statutes count periods by the 민법 rules that 지방세기본법 제23조 makes applicable (기간의 계산):
민법 제157조 (초일 불산입: a period in days, weeks, months starts the next day), 제159조 (a period ends at the end
of its last day), 제160조 (a period in months or years is counted by the calendar: it ends the day before the
day of the last month that has the starting day's number; if the last month has no such day, it ends on the last
day of that month). 지방세기본법 제24조: a 기한 that falls on a 공휴일·토요일 moves to the next working day; that
holiday rule is applied by the caller that knows the calendar (`next_working_day` takes the holiday set).
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Container
from datetime import date, timedelta


def add_months(d: date, months: int) -> date:
    """`d` moved by `months` calendar months; a day missing in the target month becomes its last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def end_of_month(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def period_end(after: date, months: int) -> date:
    """Last day of a period of `months` months that runs from the day after `after` ("…이 지난 날부터 N개월").

    민법 제157조 (the period starts on the day after `after`: that day begins at 0시 so it counts), 제160조②
    (it ends on the day before the day of the last month with the starting day's number) and 제160조③ (when the last
    month has no such day, it ends on that month's last day). Examples: after 7-31 (start 8-1), 3 months → 10-31;
    after 9-30 (start 10-1), 3 months → 12-31; after 1-30 (start 1-31), 1 month → 2-28 (2-29 in a leap year).
    """
    start = after + timedelta(days=1)
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day) - timedelta(days=1)
    return date(year, month, calendar.monthrange(year, month)[1])


@functools.lru_cache(maxsize=1 << 14)
def full_months_after(after: date, on: date) -> int:
    """Full months elapsed after `after` (a 납부기한) as of `on`: the largest n with `period_end(after, n)` < `on`.

    "납부기한이 지난 날부터 1개월이 지날 때마다" (지방세기본법 제55조①4호; old 지방세징수법 제31조): month n is complete at
    the end of `period_end(after, n)`, so it counts from the next day on. Returns 0 when `on` ≤ `after`.
    Examples (after = due date): 7-31 → 1 month on 9-1 (not 8-31); 1-30 → 1 month on 3-1 (2-28 ends the month);
    1-31 → start 2-1, 1 month on 3-1; 2-28 (non-leap) → start 3-1, 1 month on 4-1.

    Memoised: a pure function of its two dates (the penalty of every levy with the same 납부기한 counts the same months
    on the same day).
    """
    if on <= after:
        return 0
    n = (on.year - after.year) * 12 + (on.month - after.month)
    while n > 0 and period_end(after, n) >= on:
        n -= 1
    while period_end(after, n + 1) < on:
        n += 1
    return n


def next_working_day(d: date, holidays: Container[date] = ()) -> date:
    """지방세기본법 제24조: a 기한 on a Saturday, Sunday or holiday moves to the next working day."""
    while d.weekday() >= 5 or d in holidays:
        d += timedelta(days=1)
    return d
