"""Services take `clock` as a required argument (issue #15, item 2): no signature under src/jingsu defaults it to the
process clock (`clock: Clock = DEFAULT_CLOCK`); entry points pass the runtime's (jingsu.core.runtime)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "jingsu"

# Modules that still default `clock`, with the reason. Keep this list short; it only shrinks.
PENDING: dict[str, str] = {}  # modules not yet converted, with the reason (none left)

# Single signatures that keep a defaulted clock, with the reason.
ALLOWED = {
    "core/runtime.py:bootstrap": "the injection root: no clock given means the system's",
    "providers/http.py:__init__": "the KT adapter's clock for callback timestamps: None means the system's (adapters "
                                  "are built by the registry, below the runtime)",
    "providers/http.py:build_simulator_adapters": "hands the KT adapter's clock on (see above)",
    "providers/ratelimit.py:__init__": "a rate limiter's clock (durations), not a service's",
    "staff/services.py:locked_usernames": "REAL_CLOCK: django-axes stamps its attempts with the wall clock",
}


def clock_defaults(source: str) -> list[tuple[int, str, str]]:
    """(line, text, function) of every parameter named `clock` (or `*_clock`) that has a default, and of every default
    that is the process clock `DEFAULT_CLOCK`, whatever the parameter's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        a = node.args
        positional = a.posonlyargs + a.args
        pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True))
        pairs += [(arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
        for arg, default in pairs:
            is_process_clock = isinstance(default, ast.Name) and default.id == "DEFAULT_CLOCK"
            if arg.arg == "clock" or arg.arg.endswith("_clock") or is_process_clock:
                found.append((node.lineno, f"{node.name}({arg.arg}=…)", node.name))
    return found


def test_the_guard_sees_a_defaulted_clock():
    source = ("def a(x, *, clock: Clock = DEFAULT_CLOCK): ...\n"
              "def b(x, clock=SystemClock()): ...\n"
              "def c(x, *, clock: Clock): ...\n"
              "def d(x, *, when=DEFAULT_CLOCK): ...\n")
    assert [line for line, _, _ in clock_defaults(source)] == [1, 2, 4]


def test_no_service_defaults_its_clock():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        if rel in PENDING or rel == "clock.py":
            continue
        offenders += [f"src/jingsu/{rel}:{line}: {text}" for line, text, name in clock_defaults(path.read_text("utf-8"))
                      if f"{rel}:{name}" not in ALLOWED]
    assert offenders == [], ("take `clock: Clock` as a required argument; entry points pass "
                             "jingsu.core.runtime.runtime().clock:\n" + "\n".join(offenders))


def test_the_pending_list_holds_only_modules_that_still_need_it():
    stale = [rel for rel in PENDING if not clock_defaults((SRC / rel).read_text("utf-8"))]
    assert stale == [], f"no defaulted clock left there any more; remove from PENDING: {stale}"


def test_startup_through_bootstrap_refuses_the_simulators_secrets_with_debug_off(settings):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from jingsu.core.runtime import bootstrap, install, runtime
    from jingsu.simulator.gateway import DEFAULT_PG_SECRET

    settings.DEBUG = False
    settings.JINGSU_PG_SECRET = DEFAULT_PG_SECRET
    before = runtime()
    with pytest.raises(ImproperlyConfigured, match="jingsu.E002"):
        bootstrap(enforce_secrets=True)
    assert runtime() is before, "a refused start installs nothing"
    install(before)
