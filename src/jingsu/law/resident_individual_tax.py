"""주민세 개인분 (2020년까지 균등분 개인): calculator ``resident-individual-tax`` and the typed functions
`resident_individual_tax`, `resident_education_rate` and `resident_education_tax`.

Parameters: params/kr/resident_individual_tax.yaml (과세기준일, 납기, 상한, 지방교육세율) and the 시·도 file with the
조례 rate (params/11000 for 서울특별시 and its 자치구). One 개인 (세대주) 정기분:

1. 과세기준일 (지방세법 제79조②): 8월 1일 (~2018), 7월 1일 (2019~); it selects the rate versions.
2. 세액 (제78조①): the 조례 rate, at most 1만원 — 서울특별시 4,800원 (시세 조례). 10원 미만 절사.
3. 지방교육세 (제151조①5호): 세액 × 100분의 10, or 100분의 25 in an 인구 50만 이상 시 (서울특별시: 25%). 10원 미만 절사.
4. 납기 (제79조③): 8월 16일~31일 (보통징수).

Not modelled: who is liable (세대주, 제75조①의 제외: 수급자, 미성년자, 세대원, 1년 미만 외국인), 비과세 (제77조),
읍·면·동별 세율 (제78조②, 2022~), the 도농복합형태 시 (제151조③) and merged 시 (④), 감면.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_int, field_jurisdiction
from jingsu.law.errors import LawError, ParamSchemaError
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.params import Param
from jingsu.law.trace import Trace

NAME = "resident-individual-tax"
FIELDS = ("jurisdiction", "tax_year")
AREA = "resident_individual_tax"
ART_BASE = "지방세법 제79조② (과세기준일)"
ART_RATE = "지방세법 제78조① (1만원을 초과하지 아니하는 범위에서 조례로 정함)"
ART_EDU = "지방세법 제151조①5호"
ART_DUE = "지방세법 제79조③ (납기 8월 16일~31일)"
ART_TRUNC = "지방세기본법 제59조, 국고금 관리법 제47조①"


@dataclass(frozen=True, slots=True)
class ResidentIndividualTaxResult:
    base_date: date  # 과세기준일 = 납세의무 성립일
    due_date: date  # last day of the 납기 (statutory; not moved for holidays)
    tax: int
    education_rate: Fraction
    education_tax: int
    total: int


def _param(jurisdiction: str, path: str, on: date, field: str = "tax_year") -> Param:
    return params.get(jurisdiction, f"{AREA}.{path}", on, field)


_value = params.typed_value


def _month_day(year: int, p: Param) -> date:
    text = _value(p, str)
    try:
        month, day = (int(x) for x in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ParamSchemaError(f"{p.path}: expected MM-DD, got {text!r}") from None


def base_date(jurisdiction: str, tax_year: int) -> date:
    """과세기준일 (= 납세의무 성립일) of the 주민세 개인분 (균등분) of `tax_year` (제79조②)."""
    return _month_day(tax_year, _param(jurisdiction, "base_date", date(tax_year, 1, 1)))


def resident_education_rate(jurisdiction: str, on: date) -> tuple[Fraction, str]:
    """지방교육세율 on 주민세 of `jurisdiction` on `on` (제151조①5호: 10%, 인구 50만 이상 시 25%) and its reference.

    From 2021 the same rate applies to the 주민세 사업소분 기본세율 세액 (제81조①1호). Raises `NoRuleForDate` when the
    jurisdiction's files do not say whether it is an 인구 50만 이상 시 (``education.large_city``)."""
    large_p = _param(jurisdiction, "education.large_city", on)
    if _value(large_p, bool):
        p = _param(jurisdiction, "education.large_city_rate", on)
        return _value(p, Fraction), f"{p.ref}; {large_p.ref}"
    p = _param(jurisdiction, "education.rate", on)
    return _value(p, Fraction), f"{p.ref}; {large_p.ref}"


def resident_education_tax(jurisdiction: str, on: date, amount: int) -> int:
    """지방교육세 on a 주민세 amount (제151조①5호; from 2021 also the 사업소분 기본세율 세액 of 제81조①1호),
    10원 미만 절사. `on` is the 과세기준일 that selects the rate."""
    rate, _ = resident_education_rate(jurisdiction, on)
    return trunc10(mul_floor(amount, rate))


def resident_individual_tax(
    *, jurisdiction: str, tax_year: int, trace: Trace | None = None
) -> ResidentIndividualTaxResult:
    """The 주민세 개인분 (균등분) of one 개인 for `tax_year`; see the module docstring."""
    jan1 = date(tax_year, 1, 1)
    base_p = _param(jurisdiction, "base_date", jan1)
    on = _month_day(tax_year, base_p)
    due_p = _param(jurisdiction, "due_date", jan1)
    due = _month_day(tax_year, due_p)
    if trace is not None:
        trace.add("과세기준일", f"{ART_BASE}; {base_p.ref}", {"tax_year": tax_year}, on)

    rate_p = _param(jurisdiction, "rate", on)
    rate = _value(rate_p, int)
    max_p = _param(jurisdiction, "max_rate", on)
    if rate > _value(max_p, int):
        raise LawError(
            f"{rate_p.path} ({rate_p.jurisdiction}, from {rate_p.effective_from}): {rate:,}원 exceeds the "
            f"제78조① ceiling {max_p.value:,}원"
        )
    tax = trunc10(rate)
    if trace is not None:
        trace.add("세액 = 조례로 정한 세율", f"{ART_RATE}; {rate_p.ref}; 상한 {max_p.ref}",
                  {"base_date": on, "rate": rate, "max_rate": max_p.value}, tax)

    edu_rate, edu_ref = resident_education_rate(jurisdiction, on)
    edu_raw = mul_floor(tax, edu_rate)
    edu = trunc10(edu_raw)
    if trace is not None:
        trace.add("지방교육세 = 세액 × 지방교육세율", f"{ART_EDU}; {edu_ref}", {"tax": tax, "rate": edu_rate}, edu_raw)
        trace.add("10원 미만 절사", ART_TRUNC, {"amount": edu_raw}, edu)
        trace.add("납기", f"{ART_DUE}; {due_p.ref}", {"tax_year": tax_year}, due)
    return ResidentIndividualTaxResult(on, due, tax, edu_rate, edu, tax + edu)


@functools.lru_cache(maxsize=1 << 10)
def resident_individual_tax_cached(jurisdiction: str, tax_year: int) -> ResidentIndividualTaxResult:
    """`resident_individual_tax` memoised (no trace), for callers that ask for the same year many times."""
    return resident_individual_tax(jurisdiction=jurisdiction, tax_year=tax_year)


params.register_derived_cache(resident_individual_tax_cached.cache_clear)


@calculator(NAME)
def resident_individual_tax_calculator(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    """``resident-individual-tax`` — see docs/calc.md §13."""
    check_fields(data, FIELDS)
    jurisdiction = field_jurisdiction(data)
    year = field_int(data, "tax_year", minimum=1900, maximum=9999)
    r = resident_individual_tax(jurisdiction=jurisdiction, tax_year=year, trace=trace)
    return {
        "tax_item": "resident-individual",
        "tax_year": year,
        "base_date": r.base_date,
        "due_date": r.due_date,
        "tax": r.tax,
        "education_rate": r.education_rate,
        "education_tax": r.education_tax,
        "total": r.total,
    }
