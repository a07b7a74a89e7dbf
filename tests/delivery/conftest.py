from __future__ import annotations

import pytest

from _simulator import providers, simulator  # noqa: F401 (providers: a fixture pytest finds here)

sim = simulator(seed=11)


@pytest.fixture
def receipt_clock(clock):
    """The callback endpoint's clock: the runtime's, which is the test's clock (tests/conftest.py)."""
    return clock
