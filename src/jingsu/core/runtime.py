"""The process's runtime: its clock, its providers and the secrets derived from settings, built once per process.

    from jingsu.core.runtime import runtime
    rt = runtime()              # built on first use (bootstrap), the same object afterwards
    services.something(..., clock=rt.clock)
    rt.providers()              # the adapters of jingsu.providers.registry (built once, there)
    rt.secrets.kt_callback      # what the callback endpoints verify with

Who reads it: the entry points — views (the console, the portal, the callback endpoints), management commands and
Celery tasks — and they hand `clock` (and providers) down to services, which never read it themselves.

Who replaces it: `install(...)` / `installed(...)`, for the tests (tests/conftest.py installs a runtime with each
test's ManualClock) and for a process that drives a simulator's clock. Production and `jingsu serve` never do: their
runtime is the one `bootstrap()` builds, on the system clock.

While signatures still default to `jingsu.clock.DEFAULT_CLOCK` (the process clock), installing a runtime also puts
its clock there, so the two never disagree; the runtime is the only writer of the process clock.

`bootstrap(enforce_secrets=True)` is what a serving process calls at start-up (the WSGI application, `jingsu serve`):
with DEBUG off it refuses missing secrets and the simulator's published ones (jingsu.core.checks).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from jingsu.clock import Clock, SystemClock, set_process_clock
from jingsu.providers.base import ProviderSet


@dataclass(frozen=True)
class Secrets:
    """The keys that authenticate provider reports and money: KT result callbacks and the payment gateway's notices.
    Empty means "not set": every callback is then refused (docs/security.md)."""

    kt_callback: str
    pg: str


@dataclass(frozen=True)
class Runtime:
    clock: Clock
    secrets: Secrets

    def providers(self) -> ProviderSet:
        """The process's adapters (jingsu.providers.registry builds them once; RuntimeError when none are configured)."""
        from jingsu.providers.registry import configured_providers

        return configured_providers()

    def with_clock(self, clock: Clock) -> Runtime:
        return replace(self, clock=clock)


def secrets_from_settings() -> Secrets:
    from django.conf import settings

    from jingsu.providers.registry import pg_secret

    return Secrets(kt_callback=getattr(settings, "JINGSU_KT_CALLBACK_SECRET", "") or "", pg=pg_secret())


def bootstrap(*, clock: Clock | None = None, enforce_secrets: bool = False) -> Runtime:
    """Build the runtime from settings and install it as the process's (returns it). `enforce_secrets`: refuse to
    start (ImproperlyConfigured) with missing or published secrets when DEBUG is off, warn when on."""
    if enforce_secrets:
        from jingsu.core.checks import enforce_at_startup

        enforce_at_startup()
    rt = Runtime(clock=clock or SystemClock(), secrets=secrets_from_settings())
    install(rt)
    return rt


_lock = threading.Lock()
_current: Runtime | None = None


def runtime() -> Runtime:
    """The process's runtime, built by `bootstrap()` on first use."""
    rt = _current
    if rt is None:
        with _lock:
            rt = _current or bootstrap()
    return rt


def install(rt: Runtime | None) -> Runtime | None:
    """Make `rt` the process's runtime (None: build it again from settings on next use); returns the previous one."""
    global _current
    previous, _current = _current, rt
    set_process_clock(rt.clock if rt is not None else None)
    return previous


@contextmanager
def installed(rt: Runtime) -> Iterator[Runtime]:
    """`rt` is the process's runtime inside the block, the previous one after it."""
    previous = install(rt)
    try:
        yield rt
    finally:
        install(previous)


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    """A test that changes a secret in settings (override_settings, pytest-django's `settings`) sees it in the
    runtime: the secrets are derived again, the clock is kept."""
    global _current
    if setting in ("JINGSU_KT_CALLBACK_SECRET", "JINGSU_PG_SECRET") and _current is not None:
        _current = replace(_current, secrets=secrets_from_settings())


def _connect() -> None:
    from django.test.signals import setting_changed

    setting_changed.connect(_settings_changed, dispatch_uid="jingsu.core.runtime")


_connect()
