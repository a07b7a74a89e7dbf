"""Retention periods (jingsu.law.retention), worked out by hand from 민법 제157조·제160조 and the YAML's values."""

from __future__ import annotations

from datetime import date

import pytest

from jingsu.law import retention
from jingsu.law.errors import NoRuleForDate


@pytest.mark.parametrize(("last_event", "destroy_from"), [
    (date(2020, 3, 10), date(2025, 3, 11)),  # 2020-03-11 … 2025-03-10 kept
    (date(2020, 2, 29), date(2025, 3, 1)),   # start 3-1; 2025 ends 2-28 (제160조②)
    (date(2024, 12, 31), date(2030, 1, 1)),  # start 2025-01-01 … 2029-12-31
    (date(2021, 1, 31), date(2026, 2, 1)),
])
def test_identity_is_kept_five_years_from_the_day_after_the_last_event(last_event, destroy_from):
    got, ref = retention.identity_destroy_from("11260", last_event)
    assert got == destroy_from
    assert "지방세기본법 제64조①" in ref and "개인정보 보호법 제21조①" in ref


def test_a_last_event_before_the_rule_is_no_rule_not_zero():
    with pytest.raises(NoRuleForDate):
        retention.identity_destroy_from("11260", date(2016, 12, 31))


def test_access_records_are_kept_at_least_two_years():
    assert retention.access_log_years("11560", date(2026, 12, 7)) == (
        2, "개인정보의 안전성 확보조치 기준 제8조①2호 (행정안전부고시 제2019-47호)")
