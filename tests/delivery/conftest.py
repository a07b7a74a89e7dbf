from __future__ import annotations

import pytest

from jingsu.delivery import receipts


@pytest.fixture
def receipt_clock(clock):
    previous = receipts.set_clock(clock)
    yield clock
    receipts.set_clock(previous)
