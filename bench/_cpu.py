"""CPU seconds of processes, read from /proc (Linux; no psutil): for benches on a shared machine, where wall time
depends on what else runs and CPU seconds say what the work itself cost.

    watch = BackendCpu(dbname)      # PostgreSQL backends of one database (pg_stat_activity), sampled while they live
    watch.begin()                   # before the timed work: the backends alive now count from here, later ones from 0
    watch.sample()                  # call now and then (a backend that ends between samples loses its last moments)
    watch.seconds()                 # CPU seconds the backends seen so far used since they were first seen
    cpu_seconds(pid)                # user + system CPU seconds of one live process (0.0 when gone)
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a live process (and, with `children`, of its waited-for children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


class BackendCpu:
    """The PostgreSQL backends serving one database, other than the caller's own connection."""

    def __init__(self, dbname: str) -> None:
        self.dbname = dbname
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started = False

    def begin(self) -> None:
        self.sample()
        self.started = True

    def _pids(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                           [self.dbname])
            return [pid for (pid,) in cursor.fetchall()]

    def sample(self) -> None:
        for pid in self._pids():
            now = cpu_seconds(pid)
            if pid not in self.start:
                self.start[pid] = now if not self.started else 0.0
            if now:
                self.last[pid] = now

    def own(self) -> float:
        """CPU seconds of the caller's own backend so far."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        return cpu_seconds(pid)

    def seconds(self) -> float:
        return sum(self.last.get(pid, s) - s for pid, s in self.start.items())
