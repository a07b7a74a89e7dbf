from __future__ import annotations

import pytest
from _provider_helpers import FAST_RETRY, T0

from jingsu.providers.http import build_simulator_adapters
from jingsu.simulator.gateway import DEFAULT_PG_SECRET
from jingsu.simulator.process import SimulatorProcess
from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(start=T0, seed=7) as s:
        s.control.set_clock(T0)
        yield s


@pytest.fixture(scope="module")
def adapters(sim):
    # the adapters have no default secrets: give them the simulator's published ones explicitly
    with build_simulator_adapters(sim.url, timeout=3.0, retry=FAST_RETRY, kt_clock=sim.control.now,
                                  kt_callback_secret=DEFAULT_CALLBACK_SECRET, pg_secret=DEFAULT_PG_SECRET) as a:
        yield a
