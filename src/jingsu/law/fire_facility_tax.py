"""지역자원시설세 소방분: calculator ``fire-facility-tax`` and the typed function `fire_facility_tax`.

Parameters: params/kr/fire_facility_tax.yaml (2011~). The 과세기준일 6월 1일 of the tax year selects every version
(제147조② 준용 제114조). Steps (each a trace step):

1. 과세대상 (제142조②3호): 건축물 (주택의 건축물 부분 포함) and 선박. Land and aircraft are not subject.
2. 과세표준 (제146조④): the 재산세 과세표준 of the building or ship (제110조: 건축물 시가표준액 × 70%, 선박 시가표준액);
   for a house only its building part: the 건축물 시가표준액 (`building_value`, 제4조② 준용) × the house's
   공정시장가액비율 (제110조①2호 — the same ratio `property_tax` gives the house, 1세대1주택 bands included). 1원 미만 버림.
   The 주택 과세표준상한 (제110조③) is not part of it.
3. 산출세액 (제146조③1호): the progressive table 0.04% … 0.12%, floored to whole won.
4. 중과 (제146조③2호·2의2): 화재위험 건축물 × 200%, 대형 화재위험 건축물 × 300% (from the 2014 tax year).
5. 세부담상한 (제147조② 준용 제122조 본문) when `previous_tax` is given: at most 150% of it.
6. 10원 미만 절사 (지방세기본법 제59조 → 국고금 관리법 제47조①).
7. 소액 징수면제 (제148조): under 2,000원 on a notice it is not collected (here: the object's own notice).

지방교육세 is not levied on it (제150조·제151조 list no 지역자원시설세). Before 2011 it was the 공동시설세 (old 제240조),
whose 2010 text we do not have: `NoRuleForDate` (field ``tax_year``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from jingsu.law import params
from jingsu.law.calc import (
    calculator,
    check_fields,
    field_bool,
    field_choice,
    field_int,
    field_jurisdiction,
    field_opt_int,
)
from jingsu.law.errors import InputError
from jingsu.law.params import Brackets
from jingsu.law.property_tax import CLASSES, MAX_AMOUNT, fair_market_ratio
from jingsu.law.trace import Trace

NAME = "fire-facility-tax"
OBJECTS = ("building", "house", "ship")  # 제142조②3호
FIRE_RISKS = ("none", "fire-risk", "large-fire-risk")
ART_OBJECT = "지방세법 제142조②3호"
ART_BASE = "지방세법 제146조④"
ART_TABLE = "지방세법 제146조③1호"
ART_HEAVY = {"fire-risk": "지방세법 제146조③2호", "large-fire-risk": "지방세법 제146조③2의2"}
ART_CAP = "지방세법 제147조② (제122조 본문 준용)"
ART_SMALL = "지방세법 제148조"


@dataclass(frozen=True, slots=True)
class FireFacilityTaxResult:
    tax_base: int  # 과세표준
    computed_tax: int  # 제146조③1호 산출세액 (floored to won)
    multiplier: Fraction  # 1, 2 (화재위험), 3 (대형 화재위험)
    tax: int  # after 중과, 세부담상한 and 10원 미만 절사
    small_amount_exempt: bool  # this amount alone on a notice would be under the 제148조 limit
    total: int  # what one notice with only this object collects (0 when exempt)


def _get(jurisdiction: str, path: str, on: date) -> params.Param:
    return params.get(jurisdiction, "fire_facility_tax." + path, on, "tax_year")


def small_amount_limit(jurisdiction: str, tax_year: int) -> tuple[int, str]:
    """The 제148조 threshold (고지서 1장당, 미만 → 징수하지 아니함) for the tax year, and its reference."""
    p = _get(jurisdiction, "small_amount.limit", date(tax_year, 6, 1))
    assert isinstance(p.value, int)
    return p.value, p.ref


def fire_facility_tax(
    *,
    jurisdiction: str,
    tax_year: int,
    obj: str,
    klass: str = "general",
    standard_value: int,
    building_value: int | None = None,
    one_house: bool = False,
    fire_risk: str = "none",
    previous_tax: int | None = None,
    trace: Trace | None = None,
) -> FireFacilityTaxResult:
    """소방분 for one building, house (its building part) or ship; see the module docstring."""
    if obj not in OBJECTS:
        raise InputError("object", f"소방분 지역자원시설세는 건축물(주택의 건축물 부분 포함)과 선박에만 부과합니다 ({ART_OBJECT}): "
                         f"{obj!r}")
    if klass not in CLASSES[obj]:
        raise InputError("class", f"{obj}의 구분이 올바르지 않습니다: {klass!r} (가능: {', '.join(CLASSES[obj])})")
    if fire_risk not in FIRE_RISKS:
        raise InputError("fire_risk", f"fire_risk 값이 올바르지 않습니다: {fire_risk!r} (가능: {', '.join(FIRE_RISKS)})")
    if fire_risk != "none" and obj != "building":
        raise InputError("fire_risk", "화재위험 건축물 중과(제146조③2호·2의2)는 주택이 아닌 건축물에만 적용됩니다")
    on = date(tax_year, 6, 1)  # 과세기준일 (제147조② 준용 제114조)
    table_p = _get(jurisdiction, "rates.standard", on)
    table = table_p.value
    assert isinstance(table, Brackets)

    # 2. 과세표준
    if obj == "house":
        if building_value is None:
            raise InputError("building_value", "주택의 소방분은 건축물 부분의 시가표준액(building_value)으로 계산합니다 "
                             f"({ART_BASE} 단서): building_value 항목이 필요합니다")
        ratio, ratio_ref = fair_market_ratio(jurisdiction, tax_year, obj, klass, standard_value=standard_value,
                                             one_house=one_house)
        value = building_value
        base_ref = f"{ART_BASE} 단서 (주택의 건축물 부분: 건축물 시가표준액 × 주택 공정시장가액비율); {ratio_ref}"
    else:
        ratio, ratio_ref = fair_market_ratio(jurisdiction, tax_year, obj, klass, standard_value=standard_value)
        value = standard_value
        base_ref = f"{ART_BASE} (재산세 과세표준, 지방세법 제110조); {ratio_ref}"
    base = value * ratio.numerator // ratio.denominator
    if trace is not None:
        trace.add("소방분 과세표준", base_ref, {"대상": obj, "시가표준액": value, "공정시장가액비율": ratio,
                  "과세기준일": on}, base)

    # 3. 산출세액
    computed = table.apply(base)
    if trace is not None:
        trace.add("소방분 산출세액", f"{ART_TABLE}; {table_p.ref}", {"과세표준": base, "세율": [
            {"초과": b.over, "기본": b.base, "세율": b.rate} for b in table.rows]}, computed)

    # 4. 중과
    multiplier = Fraction(1)
    if fire_risk != "none":
        heavy_p = _get(jurisdiction, f"heavy.{fire_risk}", on)
        if heavy_p.value is None:
            raise InputError("fire_risk", f"{tax_year}년에는 대형 화재위험 건축물(300%) 구분이 없습니다 — {heavy_p.ref}. "
                             "그해 시행령에 따라 화재위험 건축물이면 fire-risk(200%)로 입력하십시오")
        assert isinstance(heavy_p.value, Fraction)
        multiplier = heavy_p.value
        if trace is not None:
            trace.add("소방분 중과", f"{ART_HEAVY[fire_risk]}; {heavy_p.ref}", {"산출세액": computed,
                      "비율": multiplier}, computed * multiplier)
    amount = computed * multiplier.numerator // multiplier.denominator

    # 5. 세부담상한
    if previous_tax is not None:
        cap_p = _get(jurisdiction, "burden_cap.rate", on)
        assert isinstance(cap_p.value, Fraction)
        limit = previous_tax * cap_p.value.numerator // cap_p.value.denominator
        capped = min(amount, limit)
        if trace is not None:
            trace.add("소방분 세부담상한", f"{ART_CAP}; {cap_p.ref}", {"세액": amount, "직전연도 세액상당액": previous_tax,
                      "상한비율": cap_p.value}, capped)
        amount = capped

    # 6. 10원 미만 절사
    tax = amount - amount % 10
    if trace is not None:
        trace.add("10원 미만 절사 (소방분)", "지방세기본법 제59조, 국고금 관리법 제47조①", {"세액": amount}, tax)

    # 7. 소액 징수면제 (one notice holding only this object)
    limit_won, limit_ref = small_amount_limit(jurisdiction, tax_year)
    exempt = tax < limit_won
    if trace is not None:
        trace.add("소액 징수면제 (소방분)", f"{ART_SMALL}; {limit_ref}", {"소방분": tax, "기준(미만)": limit_won}, exempt)
    return FireFacilityTaxResult(base, computed, multiplier, tax, exempt, 0 if exempt else tax)


def _building_value(data: dict[str, Any], obj: str) -> int | None:
    if data.get("building_value") is None:
        return None
    if obj != "house":
        raise InputError("building_value", "building_value는 주택(건축물 부분)에만 씁니다; 건축물·선박은 standard_value로 "
                         "계산합니다")
    return field_int(data, "building_value", maximum=MAX_AMOUNT)


FIELDS = ("jurisdiction", "tax_year", "object", "class", "standard_value", "building_value", "one_house", "fire_risk",
          "previous_tax")


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``fire-facility-tax`` — see docs/calc.md."""
    check_fields(data, FIELDS)
    jurisdiction = field_jurisdiction(data)
    tax_year = field_int(data, "tax_year", minimum=1900, maximum=2200)
    obj = field_choice(data, "object", OBJECTS)
    klass = field_choice(data, "class", CLASSES[obj], default="general")
    res = fire_facility_tax(
        jurisdiction=jurisdiction,
        tax_year=tax_year,
        obj=obj,
        klass=klass,
        standard_value=field_int(data, "standard_value", maximum=MAX_AMOUNT),
        building_value=_building_value(data, obj),
        one_house=field_bool(data, "one_house", default=False),
        fire_risk=field_choice(data, "fire_risk", FIRE_RISKS, default="none"),
        previous_tax=field_opt_int(data, "previous_tax"),
        trace=trace,
    )
    return {
        "tax_base": res.tax_base,
        "computed_tax": res.computed_tax,
        "multiplier": res.multiplier,
        "tax": res.tax,
        "small_amount_exempt": res.small_amount_exempt,
        "total": res.total,
    }
