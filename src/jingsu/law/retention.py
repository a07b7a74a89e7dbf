"""Retention of a taxpayer's personal data once nothing is owed (params/kr/retention.yaml).

`identity_destroy_from(jurisdiction, last_event)`: the first day on which the identity data of a taxpayer whose
last event (a levy settled or cancelled, a payment, a notice, a refund) was `last_event` may be destroyed — the day
after the kept period ends. The period of N years runs from the day after `last_event` (민법 제157조 via 지방세기본법
제23조) and ends on the day before the corresponding day N years later (민법 제160조②③: `dates.period_end`).
Whether anything still needs the data (an open levy, case, refund, installment plan) is the caller's question; the
law here only says how long.
"""

from __future__ import annotations

from datetime import date, timedelta

from jingsu.law import params
from jingsu.law.dates import period_end


def identity_years(jurisdiction: str, on: date) -> tuple[int, str]:
    """(years, legal reference) of `retention.settled_identity_years` in force on `on`."""
    p = params.get(jurisdiction, "retention.settled_identity_years", on)
    assert isinstance(p.value, int)
    return p.value, p.ref


def identity_destroy_from(jurisdiction: str, last_event: date) -> tuple[date, str]:
    """(first day the data may be destroyed, legal reference) for a taxpayer whose last event was `last_event`."""
    years, ref = identity_years(jurisdiction, last_event)
    return period_end(last_event, 12 * years) + timedelta(days=1), ref


def access_log_years(jurisdiction: str, on: date) -> tuple[int, str]:
    """(years, legal reference): the least time staff access records are kept."""
    p = params.get(jurisdiction, "retention.access_log_years", on)
    assert isinstance(p.value, int)
    return p.value, p.ref


def working_hours(jurisdiction: str, on: date) -> tuple[int, int, str]:
    """(start hour, end hour, legal reference) of an official's working day on `on` (지방공무원 복무규정 제2조①)."""
    start = params.get(jurisdiction, "office_hours.start_hour", on)
    end = params.get(jurisdiction, "office_hours.end_hour", on)
    assert isinstance(start.value, int) and isinstance(end.value, int)
    return start.value, end.value, start.ref
