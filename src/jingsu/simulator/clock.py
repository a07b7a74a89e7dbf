"""The simulated clock (principle 5: time is injected).

Sim time only moves forward: the client sets it (the first set may go anywhere: until then the start time, the
wall clock or --start, is provisional) (`POST /sim/v1/clock {"now": ...}`) or advances it
(`{"advance_seconds": N}`); with a time scale X > 0 it also runs at X × real time between those calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ClockError(ValueError):
    pass


class SimClock:
    def __init__(
        self, start: datetime, time_scale: float = 0.0, monotonic: Callable[[], float] = time.monotonic
    ):
        if start.tzinfo is None:
            raise ClockError("start must be timezone-aware")
        if time_scale < 0:
            raise ClockError("time scale must be >= 0")
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._base = start.astimezone(UTC)
        self._base_real = monotonic()
        self.time_scale = time_scale
        self.client_set = False  # the first set by a client may move the provisional start time anywhere
        self.changed = threading.Condition(threading.Lock())

    def _now_locked(self) -> datetime:
        if self.time_scale > 0:
            return self._base + timedelta(seconds=(self._monotonic() - self._base_real) * self.time_scale)
        return self._base

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _rebase(self, new: datetime) -> None:
        self._base = new
        self._base_real = self._monotonic()

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ClockError("now must be timezone-aware (ISO-8601 with offset)")
        with self._lock:
            cur = self._now_locked()
            when = when.astimezone(UTC)
            if when < cur and self.client_set:
                raise ClockError(f"the simulated clock never moves backwards (now {cur.isoformat()})")
            self._rebase(when)
            self.client_set = True
            result = when
        self._notify()
        return result

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ClockError("advance_seconds must be >= 0")
        with self._lock:
            result = self._now_locked() + timedelta(seconds=seconds)
            self._rebase(result)
        self._notify()
        return result

    def set_scale(self, scale: float) -> None:
        if scale < 0:
            raise ClockError("time scale must be >= 0")
        with self._lock:
            self._rebase(self._now_locked())
            self.time_scale = scale
        self._notify()

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()
