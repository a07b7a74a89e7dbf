"""The simulator as the test directories share it: a `sim` fixture per seed, and `providers` over it.

A conftest takes both: ``sim = simulator(seed=11)`` and ``from _simulator import providers``. A test module may
still define its own `sim` (with faults, …), and `providers` then talks to that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from _clock import T0
from jingsu.providers.http import RetryPolicy
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2)


def simulator(seed: int, scope: str = "module") -> Callable[..., Any]:
    """A `sim` fixture: one simulator per test module (or per test, `scope="function"`), started at the tests'
    moment with `seed`."""

    @pytest.fixture(scope=scope, name="sim")
    def sim() -> Iterator[SimulatorProcess]:
        with SimulatorProcess(start=T0, seed=seed) as s:
            yield s

    return sim


@pytest.fixture
def providers(sim, clock):
    """Adapters to `sim`, whose clock is brought up to the test's (it never goes back)."""
    if sim.control.now() < clock.now():
        sim.control.set_clock(clock.now())
    return simulator_providers(sim.url, timeout=5.0, retry=FAST_RETRY)
