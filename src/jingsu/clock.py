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


class ProcessClock:
    """The process's clock (`DEFAULT_CLOCK`): the system's, unless the process put another in its place
    (`set_process_clock`). The test suite puts each test's clock there, so that a command or a service called in a
    test without a clock of its own lives at the test's moment, not at the real date; `jingsu demo` and production
    never replace it."""

    def __init__(self) -> None:
        self.inner: Clock = SystemClock()

    def now(self) -> datetime:
        return self.inner.now()


#: The clock of everything not handed one explicitly.
DEFAULT_CLOCK = ProcessClock()
#: The wall clock, for comparing with stamps that a library makes with the real time (django-axes' attempt times).
REAL_CLOCK: Clock = SystemClock()


def set_process_clock(clock: Clock | None) -> Clock:
    """Put `clock` in the place of the process's clock (None: the system's); returns the previous one."""
    previous, DEFAULT_CLOCK.inner = DEFAULT_CLOCK.inner, clock or SystemClock()
    return previous
