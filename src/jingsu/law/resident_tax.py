"""주민세 재산분 (2010~2020) and 주민세 사업소분 (2021~): calculator ``resident-property-tax``.

The 과세기준일 is 7월 1일 of `tax_year` (지방세법 제83조②); that date selects every parameter version.

재산분 (2010.1.1~2020.12.31; 지방세법 (2010.1.1 개정) 제176조의4, 지방세법 (법률 제10221호) 제80~84조,
서울특별시중랑구세 조례 (2010.2.5) 제29조)::

    연면적 ≤ 330㎡ (면세점)  → 0
    otherwise               → 연면적 × 250원 (오염물질배출사업소: × 100분의 200)

사업소분 (2021.1.1~; 지방세법 제81조·제82조 <개정 2020.12.29>)::

    기본세율: 개인 5만원; 법인 자본금·출자금 30억 이하 5만원, 30억 초과 50억 이하 10만원, 50억 초과 20만원,
              그 밖의 법인 5만원
    연면적분: 연면적 (1㎡ 미만 버림) × 250원 (오염물질 배출 사업소 500원); 연면적 ≤ 330㎡이면 부과하지 않음
    세액 = 기본세율 세액 + 연면적분

Each amount is truncated below 10원 (지방세기본법 제59조 → 국고금 관리법 제47조①).

Input JSON: ``jurisdiction``, ``tax_year``, ``floor_area_m2`` (an integer, or an exact decimal string such as
``"330.5"``; a JSON number with a fraction is read by its shortest decimal form, e.g. 330.5 → "330.5"),
``polluting`` (bool, default false), ``taxpayer_kind`` (``individual`` | ``corporation``; required from 2021),
``capital`` (corporations from 2021: 자본금액 또는 출자금액 in won, or ``null`` for 그 밖의 법인; the key is required).
Output: ``tax_item``, ``base_date``, ``regime``, ``floor_area_m2``, ``area_exempt``, ``area_tax``, ``basic_tax``,
``tax``. See docs/calc.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jingsu.korean import josa
from jingsu.law._resident_reduction_support import field_year, get_param, param_value
from jingsu.law.calc import calculator, check_fields, field_bool, field_choice, field_jurisdiction
from jingsu.law.errors import InputError
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.trace import Trace

NAME = "resident-property-tax"
FIELDS = ("jurisdiction", "tax_year", "floor_area_m2", "polluting", "taxpayer_kind", "capital")
KINDS = ("individual", "corporation")


def parse_area(value: object, field: str = "floor_area_m2") -> Decimal:
    """사업소 연면적 (㎡) as an exact Decimal ≥ 0: an int, a decimal string, or a finite JSON number."""
    if value is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (사업소 연면적, ㎡)")
    if isinstance(value, bool):
        raise InputError(field, f'{josa(field, "은")} 숫자여야 합니다 (예: 330 또는 "330.5")')
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(field, f"{josa(field, '은')} 유한한 숫자여야 합니다")
        d = Decimal(repr(value))  # the shortest decimal that reads back as this float: what the JSON said
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise InputError(
                field, f'{josa(field, "은")} 숫자여야 합니다 (예: 330 또는 "330.5"): {value!r}'
            ) from None
        if not d.is_finite():
            raise InputError(field, f"{josa(field, '은')} 유한한 숫자여야 합니다")
    else:
        raise InputError(field, f'{josa(field, "은")} 숫자여야 합니다 (예: 330 또는 "330.5")')
    if d < 0:
        raise InputError(field, f"{josa(field, '은')} 0 이상이어야 합니다")
    return d


def _capital(data: dict[str, Any], kind: str) -> tuple[bool, int | None]:
    """(given, capital): capital is None for 그 밖의 법인 (``"capital": null``)."""
    if "capital" not in data:
        return False, None
    v = data["capital"]
    if v is None:
        return True, None
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(
            "capital", "capital은 원 단위 정수이거나 null(자본금·출자금이 없는 법인)이어야 합니다"
        )
    if v < 0:
        raise InputError("capital", "capital은 0 이상이어야 합니다")
    if kind == "individual":
        raise InputError("capital", "개인 사업주에게는 자본금(capital)을 넣지 않습니다")
    return True, v


def _fmt_area(a: Decimal) -> str:
    return format(a.normalize(), "f")


@calculator(NAME)
def resident_property_tax(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    check_fields(data, FIELDS)
    j = field_jurisdiction(data)
    year = field_year(data, "tax_year")
    area = parse_area(data.get("floor_area_m2"))
    polluting = field_bool(data, "polluting", default=False)
    kind: str | None = None
    if data.get("taxpayer_kind") is not None:
        kind = field_choice(data, "taxpayer_kind", KINDS)
    base_date = date(year, 7, 1)

    regime_p = get_param(j, "resident_tax.regime", base_date, "tax_year")
    regime = param_value(regime_p, str, "resident_tax.regime")
    if trace is not None:
        trace.add(
            "과세기준일과 세목 체계",
            regime_p.ref + "; 과세기준일 7월 1일 (지방세법 제83조②)",
            {"tax_year": year, "base_date": base_date},
            regime,
        )
    if regime == "property":
        return _property(j, base_date, area, polluting, kind, data, trace)
    if regime == "business":
        return _business(j, base_date, area, polluting, kind, data, trace)
    # pragma: no cover - the parameter file only has "property" and "business"
    raise InputError("tax_year", f"알 수 없는 세목 체계입니다: {regime}")


def _property(
    j: str,
    on: date,
    area: Decimal,
    polluting: bool,
    kind: str | None,
    data: dict[str, Any],
    trace: Trace | None,
) -> dict[str, Any]:
    """주민세 재산분 (2010~2020). 균등분 is a separate 세목: basic_tax is 0 here."""
    _capital(data, kind or "corporation")  # validated, but 재산분 does not depend on it
    exempt, area_tax = _area_tax(j, on, area, polluting, PROPERTY_AREA, trace)
    return {
        "tax_item": "resident-property",
        "regime": "property",
        "base_date": on,
        "floor_area_m2": _fmt_area(area),
        "area_exempt": exempt,
        "area_tax": area_tax,
        "basic_tax": 0,
        "tax": area_tax,
    }


@dataclass(frozen=True, slots=True)
class _AreaPart:
    """How one regime taxes the 연면적: where its parameters are and what its trace steps are called."""

    params: str  # the parameter prefix: resident_tax.property | resident_tax.business
    fraction_always: bool  # the 끝수 rule is looked up for every area (사업소분), or only for a fractional one (재산분)
    exempt_step: str
    tax_step: str
    multiplier: bool  # a 오염물질 배출 사업소: × polluting_multiplier (재산분), or its own polluting_area_rate (사업소분)


# 재산분 (2010~2020): 지방세법 (2010.1.1 개정) 제176조의4, 지방세법 (법률 제10221호) 제80~84조
PROPERTY_AREA = _AreaPart(
    "resident_tax.property", False, "재산분 면세점", "재산분 세액 = 연면적 × 1㎡당 세율 × 배수", True
)
# 사업소분 연면적분 (2021~): 지방세법 제81조·제82조 <개정 2020.12.29>
BUSINESS_AREA = _AreaPart(
    "resident_tax.business", True, "연면적분 면세 (330㎡ 이하)", "연면적분 = 연면적 × 1㎡당 세율", False
)


def _area_tax(
    j: str, on: date, area: Decimal, polluting: bool, part: _AreaPart, trace: Trace | None
) -> tuple[bool, int]:
    """The 연면적 part of either regime, in its order: 1㎡ 미만 버림 → 면세점 (연면적 ≤ 330㎡: nothing) → 연면적 ×
    1㎡당 세율 (× 배수) → 10원 미만 절사. Returns (exempt, area tax)."""
    area_int = int(area)  # Decimal → int truncates toward zero; area ≥ 0
    if part.fraction_always or area_int != area:
        # 재산분: no sourced rule for the 끝수 of 연면적 in those years is encoded, so a fractional area raises
        # NoRuleForDate (field floor_area_m2) until a version of resident_tax.property.area_fraction is added.
        frac_p = get_param(j, f"{part.params}.area_fraction", on, "floor_area_m2")
        frac_rule = param_value(frac_p, str, frac_p.path)
        if frac_rule != "drop":  # pragma: no cover - only "drop" is defined
            raise InputError("floor_area_m2", f"알 수 없는 연면적 끝수 규정: {frac_rule}")
        if trace is not None and area_int != area:
            trace.add("연면적 1㎡ 미만 버림", frac_p.ref, {"floor_area_m2": area}, area_int)

    exempt_p = get_param(j, f"{part.params}.exempt_area", on, "tax_year")
    exempt_area = param_value(exempt_p, int, exempt_p.path)
    exempt = area_int <= exempt_area
    if trace is not None:
        trace.add(
            part.exempt_step,
            exempt_p.ref,
            {"floor_area_m2": area_int, "exempt_area_m2": exempt_area},
            "면세" if exempt else "과세",
        )
    if exempt:
        return True, 0
    own_rate = polluting and not part.multiplier  # 사업소분: the polluting 사업소's own 1㎡당 세율
    rate_p = get_param(j, f"{part.params}.{'polluting_area_rate' if own_rate else 'area_rate'}", on, "tax_year")
    rate = param_value(rate_p, int, rate_p.path)
    multiplier, ref = Fraction(1), rate_p.ref
    if polluting and part.multiplier:  # 재산분: the 1㎡당 세율 × 배수
        mult_p = get_param(j, f"{part.params}.polluting_multiplier", on, "tax_year")
        multiplier = param_value(mult_p, Fraction, mult_p.path)
        ref = f"{ref}; {mult_p.ref}"
    raw = mul_floor(area_int * rate, multiplier)
    area_tax = trunc10(raw)
    if trace is not None:
        inputs: dict[str, Any] = {"floor_area_m2": area_int, "rate_per_m2": rate}
        if part.multiplier:
            inputs["multiplier"] = multiplier
        else:
            inputs["polluting"] = polluting
        trace.add(part.tax_step, ref, inputs, raw)
        trace.add("10원 미만 절사", "지방세기본법 제59조, 국고금 관리법 제47조①", {"amount": raw}, area_tax)
    return False, area_tax


def _basic_key(j: str, on: date, kind: str, capital: int | None, trace: Trace | None) -> tuple[str, str]:
    if kind == "individual":
        return "individual", "지방세법 제81조①1호가목"
    if capital is None:
        return "corporation_other", "지방세법 제81조①1호나목4) 그 밖의 법인"
    low_p = get_param(j, "resident_tax.business.capital_band_low", on, "tax_year")
    high_p = get_param(j, "resident_tax.business.capital_band_high", on, "tax_year")
    low = param_value(low_p, int, low_p.path)
    high = param_value(high_p, int, high_p.path)
    if capital <= low:
        key, art = "corporation_up_to_3b", "지방세법 제81조①1호나목1)"
    elif capital <= high:
        key, art = "corporation_3b_to_5b", "지방세법 제81조①1호나목2)"
    else:
        key, art = "corporation_over_5b", "지방세법 제81조①1호나목3)"
    if trace is not None:
        trace.add(
            "법인 자본금 구간",
            low_p.ref,
            {"capital": capital, "band_low": low, "band_high": high},
            key,
        )
    return key, art


def _business(
    j: str,
    on: date,
    area: Decimal,
    polluting: bool,
    kind: str | None,
    data: dict[str, Any],
    trace: Trace | None,
) -> dict[str, Any]:
    """주민세 사업소분 (2021~)."""
    if kind is None:
        raise InputError(
            "taxpayer_kind",
            "2021년 이후 사업소분에는 taxpayer_kind가 필요합니다 (individual 또는 corporation)",
        )
    given, capital = _capital(data, kind)
    if kind == "corporation" and not given:
        raise InputError(
            "capital",
            "법인의 사업소분 기본세율은 자본금액·출자금액으로 정해집니다: capital(원)을 넣거나, 자본금·출자금이 없는 "
            '법인은 "capital": null 로 넣으십시오',
        )
    basic_p = get_param(j, "resident_tax.business.basic_rate", on, "tax_year")
    table = param_value(basic_p, dict, basic_p.path)
    key, art = _basic_key(j, on, kind, capital, trace)
    basic_tax = trunc10(int(table[key]))
    if trace is not None:
        trace.add("기본세율 세액", f"{art} ({basic_p.ref})", {"taxpayer_kind": kind, "band": key}, basic_tax)

    exempt, area_tax = _area_tax(j, on, area, polluting, BUSINESS_AREA, trace)
    tax = trunc10(basic_tax + area_tax)
    if trace is not None:
        trace.add(
            "사업소분 세액 = 기본세율 세액 + 연면적분",
            "지방세법 제82조 본문",
            {"basic_tax": basic_tax, "area_tax": area_tax},
            tax,
        )
    return {
        "tax_item": "resident-business",
        "regime": "business",
        "base_date": on,
        "floor_area_m2": _fmt_area(area),
        "area_exempt": exempt,
        "area_tax": area_tax,
        "basic_tax": basic_tax,
        "tax": tax,
    }
