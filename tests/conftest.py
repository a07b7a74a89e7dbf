from __future__ import annotations

import os
from pathlib import Path

import pytest

from _clock import T0
from jingsu.clock import ManualClock

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _simulator_secrets():
    """jingsu has no default callback secrets (docs/security.md). The tests talk to simulators started with their
    published development secrets, so they set those explicitly — here, and only here (also for child processes)."""
    from django.conf import settings

    from jingsu.providers.registry import configured_providers
    from jingsu.simulator.gateway import DEFAULT_PG_SECRET
    from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET

    for name, value in (("JINGSU_KT_CALLBACK_SECRET", DEFAULT_CALLBACK_SECRET), ("JINGSU_PG_SECRET", DEFAULT_PG_SECRET)):
        os.environ.setdefault(name, value)
        if not getattr(settings, name, ""):
            setattr(settings, name, os.environ[name])
    configured_providers.cache_clear()
    yield


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(autouse=True)
def _process_clock(clock):
    """Every test lives at its own moment: the process's runtime (`jingsu.core.runtime`: what views, commands and
    tasks hand to services) is on the test's `clock` while the test runs — never the real date, so the suite passes
    on any day (run it under `faketime` a year ahead or back). Child processes get their moment explicitly (the
    simulator's `--start`, the demo's clock)."""
    from jingsu.core.runtime import Runtime, installed, secrets_from_settings

    with installed(Runtime(clock=clock, secrets=secrets_from_settings())):
        yield


@pytest.fixture
def jungnang(db):
    from jingsu.core.models import Jurisdiction

    return Jurisdiction.objects.get(code="11260")


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}"


@pytest.fixture
def pay(db, clock):
    """`pay(levy, amount, on)`: money for a levy through the real reconciliation (tests/_money.py)."""
    from _money import pay_levy

    def pay(levy, amount: int, on):
        return pay_levy(levy, amount, on, clock=clock)

    return pay
