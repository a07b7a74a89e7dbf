"""The Korean `no-rule` message names the rule, the date, what the encoded versions cover and what to do."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from jingsu.law import calc, params
from jingsu.law.errors import NO_RULE_ACTION, NoRuleForDate


def _cli(name: str, data: dict[str, object]) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    code = calc.main([name], io.StringIO(json.dumps(data)), out)
    return code, json.loads(out.getvalue())


@pytest.mark.parametrize("year", [2009, 2005])
def test_property_tax_before_the_encoded_years(year: int) -> None:
    code, out = _cli("property-tax", {"jurisdiction": "11260", "tax_year": year, "object": "house",
                                      "class": "general", "standard_value": 300_000_000})
    assert code == 2
    err = out["error"]
    assert isinstance(err, dict) and err["code"] == "no-rule" and err["field"] == "tax_year"
    message = err["message"]
    assert f"{year}-06-01 기준으로" in message  # which date
    assert "재산세" in message and "property_tax." in message  # which rule, by name and path
    assert "수록된 기간: 2010-" in message  # what is covered
    assert "시스템 관리자" in message and "수기로 계산" in message  # what the official can do


def test_reduction_after_the_encoded_ordinance() -> None:
    code, out = _cli("reduction", {"jurisdiction": "11260", "date": "2014-01-01", "beneficiary": "local-medical-center",
                                   "tax_item": "property", "tax": 100_000, "direct_use": True})
    err = out["error"]
    assert code == 2 and isinstance(err, dict) and err["field"] == "date"
    assert "2014-01-01 기준으로" in err["message"]
    assert "수록된 기간: 2010-01-01 ~ 2013-12-31" in err["message"]


def test_message_parts_and_copy() -> None:
    e = NoRuleForDate("a.b", "11350", date(2009, 6, 1), field="tax_year", label="재산세 · 세율", covered="2010-01-01 ~ (계속)")
    assert e.message.startswith("2009-06-01 기준으로 재산세 · 세율 규정이 없습니다 (규정: a.b, 지자체: 11350")
    assert e.message.endswith(NO_RULE_ACTION)
    c = e.copy()
    assert c is not e and c.message == e.message and c.field == "tax_year"
    bare = NoRuleForDate("holidays", "kr", date(2030, 1, 1), action="휴일 파일을 추가하십시오.")
    assert "적용할 규정이 없습니다" in bare.message and bare.message.endswith("휴일 파일을 추가하십시오.")
    assert "수록된 기간" not in bare.message


def test_coverage_merges_adjacent_versions() -> None:
    # 2010 (old law) and 2011~ (법률 제10221호) versions of the house table read as one span for 노원구
    assert params.coverage("11350", "property_tax.rates.house.general") == "2010-01-01 ~ (계속)"
    assert params.coverage("11350", "no_such_area.x") is None
    assert params.describe("property_tax.small_amount.limit") == "재산세 · 소액 징수면제"
