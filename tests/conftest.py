from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from jingsu.clock import SEOUL, ManualClock

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL))


@pytest.fixture
def jungnang(db):
    from jingsu.core.models import Jurisdiction

    return Jurisdiction.objects.get(code="11260")


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}"
