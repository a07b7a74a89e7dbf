from __future__ import annotations

import os
from pathlib import Path

import pytest

from _clock import T0
from jingsu.clock import ManualClock

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _simulator_secrets():
    """jingsu has no default callback secrets (docs/security.md). The tests talk to simulators started with their
    published development secrets, so they set those explicitly — here, and only here (also for child processes)."""
    from django.conf import settings

    from jingsu.providers.registry import configured_providers
    from jingsu.simulator.gateway import DEFAULT_PG_SECRET
    from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET

    for name, value in (("JINGSU_KT_CALLBACK_SECRET", DEFAULT_CALLBACK_SECRET), ("JINGSU_PG_SECRET", DEFAULT_PG_SECRET)):
        os.environ.setdefault(name, value)
        if not getattr(settings, name, ""):
            setattr(settings, name, os.environ[name])
    configured_providers.cache_clear()
    yield


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(autouse=True)
def _process_clock(clock):
    """Every test lives at its own moment: the process's runtime (`jingsu.core.runtime`: what views, commands and
    tasks hand to services) is on the test's `clock` while the test runs — never the real date, so the suite passes
    on any day (run it under `faketime` a year ahead or back). Child processes get their moment explicitly (the
    simulator's `--start`, the demo's clock)."""
    from jingsu.core.runtime import Runtime, installed, secrets_from_settings

    with installed(Runtime(clock=clock, secrets=secrets_from_settings())):
        yield


@pytest.fixture
def jungnang(db):
    from jingsu.core.models import Jurisdiction

    return Jurisdiction.objects.get(code="11260")


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}"


@pytest.fixture
def pay(db, clock):
    """`pay(levy, amount, on)`: money for a levy through the real reconciliation (tests/_money.py)."""
    from _money import pay_levy

    def pay(levy, amount: int, on):
        return pay_levy(levy, amount, on, clock=clock)

    return pay


# --- no personal data in the suite's log output (issue #19 §5) --------------------------------------------------------
class _PersonalDataInLogs:
    """A logging handler on every logger that has handlers of its own (the root, django.request, django.server),
    added after theirs: it sees each record as it was written out (after the redacting filter) and keeps those that
    still carry a registration number, a mobile number or a CI. The session fails if any did. `jingsu` logs at INFO
    during the suite, the level docs/operations.md sets in production."""

    def __init__(self) -> None:
        import logging

        class Handler(logging.Handler):
            def emit(inner, record: logging.LogRecord) -> None:  # noqa: N805
                from jingsu.core.logredact import personal_data

                try:
                    text = record.getMessage()
                except Exception:  # noqa: BLE001 - a broken record is not this check's business
                    return
                if record.exc_info and record.exc_info[1] is not None:
                    text += " " + repr(record.exc_info[1])
                kinds = personal_data(text)
                if kinds:
                    self.hits.append(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')}: {record.name} "
                                     f"{record.levelname} {','.join(kinds)}: {text[:300]}")

        self.hits: list[str] = []
        self.handler = Handler(level=logging.DEBUG)
        self.loggers = [logging.getLogger(), logging.getLogger("django.request"), logging.getLogger("django.server")]

    def install(self) -> None:
        import logging

        for logger in self.loggers:
            logger.addHandler(self.handler)
        logging.getLogger("jingsu").setLevel(logging.INFO)


_LOG_SCAN = _PersonalDataInLogs()


@pytest.fixture(scope="session", autouse=True)
def _scan_logs_for_personal_data(django_db_blocker):
    """Installed once Django's LOGGING is in place (settings are configured before the first fixture runs)."""
    _LOG_SCAN.install()
    yield


def pytest_sessionfinish(session, exitstatus):
    if _LOG_SCAN.hits:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["personal data in the log output (jingsu.core.logredact should have removed it):", *_LOG_SCAN.hits[:50]]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = 1
