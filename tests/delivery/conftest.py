from __future__ import annotations

import pytest

from _clock import T0
from jingsu.delivery import receipts
from jingsu.providers.http import RetryPolicy
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess


@pytest.fixture(scope="module")
def sim():
    """One simulator per test module, started at the tests' moment (a module may define its own)."""
    with SimulatorProcess(start=T0, seed=11) as s:
        yield s


@pytest.fixture
def providers(sim, clock):
    """Adapters to `sim`, whose clock is brought up to the test's (it never goes back)."""
    if sim.control.now() < clock.now():
        sim.control.set_clock(clock.now())
    return simulator_providers(sim.url, timeout=5.0, retry=RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2))


@pytest.fixture
def receipt_clock(clock):
    previous = receipts.set_clock(clock)
    yield clock
    receipts.set_clock(previous)
