from __future__ import annotations

import pytest
from _staff_helpers import build_world


@pytest.fixture
def world(db, clock, tmp_path):
    return build_world(clock, tmp_path)


# --- browser tests (Playwright driving Debian's Chromium; see tests/_browser.py for why the world is built first and
# the database is read through `orm()` while the browser runs) -------------------------------------------------------

from _browser import chromium_page  # noqa: E402


@pytest.fixture
def browser_world(transactional_db, clock, tmp_path):
    return build_world(clock, tmp_path)


@pytest.fixture
def page(browser_world, live_server):
    with chromium_page(live_server.url) as pg:
        yield pg


@pytest.fixture
def console_clock(clock):
    """The console's clock: the runtime's, which is the test's clock (tests/conftest.py)."""
    return clock
