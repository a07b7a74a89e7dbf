"""No module reads the system clock outside jingsu.clock (DESIGN principle 5: time is injected).

A read of the wall clock deep inside a service makes a test pass today and fail next week (the paper test that broke
CI on 2026-11-29 did exactly that, through the simulator's default start). This check walks the syntax tree of every
module under src/jingsu and fails on a call that reads the current date or time, and on model fields that stamp it
behind the caller's back (auto_now / auto_now_add). Entry points take `jingsu.clock.SystemClock` / `DEFAULT_CLOCK`
and pass the clock down; everything else takes a `Clock` or an explicit `now` / `as_of`.

`time.monotonic()` / `time.perf_counter()` are not readings of the date: they measure durations (timeouts, rate
limits, progress) and are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "jingsu"

# attribute → the names it is a wall-clock read on (datetime.now(), date.today(), time.time(), timezone.now(), …)
READS = {
    "now": {"datetime", "timezone", "dt"},
    "today": {"datetime", "date", "dt"},
    "utcnow": {"datetime", "dt"},
    "localdate": {"timezone"},
    "localtime": {"timezone", "time"},
    "time": {"time"},
    "time_ns": {"time"},
    "gmtime": {"time"},
    "ctime": {"time"},
}
NO_ARGUMENT_ONLY = {"localdate", "localtime", "gmtime", "ctime"}  # with an argument they convert, not read

# Justified exceptions, by path relative to src/jingsu. Keep this list short.
ALLOWED = {
    "clock.py": "the one SystemClock: the process's injection root reads the wall clock here",
}
ALLOWED_DIRS = {
    "migrations": "a data migration runs once, at install time; the row it writes is stamped with that real moment",
}


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, text) of every wall-clock read in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, base = node.func.attr, _base_name(node.func.value)
            if attr in READS and base in READS[attr]:
                if attr in NO_ARGUMENT_ONLY and (node.args or node.keywords):
                    continue
                found.append((node.lineno, f"{base}.{attr}()"))
        # a callable handed over to run later: default=timezone.now, default=date.today
        if isinstance(node, ast.keyword) and isinstance(node.value, ast.Attribute):
            attr, base = node.value.attr, _base_name(node.value.value)
            if attr in READS and base in READS[attr]:
                found.append((node.value.lineno, f"{node.arg}={base}.{attr}"))
        if isinstance(node, ast.keyword) and node.arg in ("auto_now", "auto_now_add"):
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                found.append((node.value.lineno, f"{node.arg}=True"))
    return sorted(found)


def test_the_guard_sees_every_kind_of_read():
    source = (
        "import time\nfrom datetime import date, datetime\nfrom django.utils import timezone\n"
        "a = datetime.now()\nb = date.today()\nc = time.time()\nd = timezone.now()\n"
        "e = models.DateTimeField(auto_now_add=True)\nf = models.DateField(default=date.today)\n"
        "g = timezone.localtime()\nh = datetime.datetime.utcnow()\n"
        # not reads: the injected clock, durations, conversions
        "i = clock.now()\nj = time.monotonic()\nk = timezone.localtime(moment)\nl = self.clock.today()\n"
    )
    assert [line for line, _ in clock_reads(source)] == [4, 5, 6, 7, 8, 9, 10, 11]


def test_no_module_reads_the_system_clock_outside_jingsu_clock():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if str(rel) in ALLOWED or ALLOWED_DIRS.keys() & set(rel.parts[:-1]):
            continue
        offenders += [f"src/jingsu/{rel}:{line}: {text}" for line, text in clock_reads(path.read_text("utf-8"))]
    assert offenders == [], "read the time from an injected jingsu.clock.Clock instead:\n" + "\n".join(offenders)


TESTS = Path(__file__).resolve().parents[1]
# Tests that read the wall clock, with the reason. Everything else lives at its own moment (`tests/_clock.T0`; the
# process's clock is the test's clock, tests/conftest.py), so the suite passes on any date.
TESTS_ALLOWED = {
    "foundation/test_clock_guard.py": "the guard's own sample source",
    "staff/test_serve.py": "`jingsu serve` runs at the real date by design: the test compares its clock with the wall",
    "foundation/test_ci_migration.py": "timestamps of rows a migration test inserts; no assertion depends on them",
}


def test_no_test_reads_the_system_clock_but_the_justified_ones():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        rel = str(path.relative_to(TESTS))
        if rel in TESTS_ALLOWED:
            continue
        offenders += [f"tests/{rel}:{line}: {text}" for line, text in clock_reads(path.read_text("utf-8"))]
    assert offenders == [], "start from tests/_clock.T0 or the `clock` fixture instead:\n" + "\n".join(offenders)
