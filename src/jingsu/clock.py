"""Injected time (DESIGN principle 5).

Services take a `Clock` (or an explicit `now`/`as_of`) and never read the system clock deep inside. The demo and the
tests use `ManualClock` to move time forward (24-hour fallback, read deadlines, payments a month later).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, aware, in Asia/Seoul."""

    def now(self) -> datetime:
        return datetime.now(SEOUL)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> datetime:
        if moment < self._now:
            raise ValueError("time does not go backwards")
        self._now = moment
        return self._now


def today(clock: Clock) -> date:
    """The date in Seoul at the clock's current moment."""
    return clock.now().astimezone(SEOUL).date()


DEFAULT_CLOCK: Clock = SystemClock()
