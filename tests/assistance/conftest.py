from __future__ import annotations

import sys
from pathlib import Path

import pytest

from _clock import T0
from jingsu.providers.http import RetryPolicy
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))


@pytest.fixture(scope="module")
def sim():
    """One simulator per test module, started at the tests' moment."""
    with SimulatorProcess(start=T0, seed=31) as s:
        yield s


@pytest.fixture
def providers(sim, clock):
    if sim.control.now() < clock.now():
        sim.control.set_clock(clock.now())
    return simulator_providers(sim.url, timeout=5.0, retry=RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2))
