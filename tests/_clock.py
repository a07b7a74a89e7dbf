"""The one moment every test starts from (principle 5: time is injected, never read from the wall clock)."""

from __future__ import annotations

from datetime import datetime

from jingsu.clock import SEOUL

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)
