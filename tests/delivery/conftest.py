from __future__ import annotations

import pytest

from _simulator import providers, simulator  # noqa: F401 (providers: a fixture pytest finds here)
from jingsu.delivery import receipts

sim = simulator(seed=11)


@pytest.fixture
def receipt_clock(clock):
    previous = receipts.set_clock(clock)
    yield clock
    receipts.set_clock(previous)
