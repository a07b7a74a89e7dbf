"""The simulator for the payment tests that use it: one per test (its bank feed starts empty, as the test's
database does), and adapters whose HTTP clients are closed after the test. A module may define its own `sim`."""

from __future__ import annotations

import pytest

from _simulator import FAST_RETRY, simulator
from jingsu.providers.registry import simulator_providers

sim = simulator(seed=12, scope="function")


@pytest.fixture
def providers(sim):
    p = simulator_providers(sim.url, timeout=5.0, retry=FAST_RETRY)
    yield p
    p.bank.close()  # type: ignore[attr-defined]
    p.gateway.close()  # type: ignore[union-attr]
