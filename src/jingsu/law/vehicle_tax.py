"""자동차세 (자동차 소유분), 비영업용 승용자동차: calculator ``vehicle-tax`` and the typed function `vehicle_tax`.

Parameters: params/kr/vehicle_tax.yaml (2010~). One car, owned through the whole tax year, both 기분 (정기분):

1. 기분 and 과세기준일 (지방세법 제128조①): 제1기분 (1월~6월) 납기 6월 16일~30일, 제2기분 (7월~12월) 12월 16일~31일;
   the 납세의무 is that of the owner on the 1st of the 납기 month (6월 1일, 12월 1일 — 지방세기본법 제34조①), and that
   date selects every rate of the 기분.
2. 연세액 A (제127조①1호): 배기량 × the 시시당 세액 of its band (2012.3.15~: 1,000cc 이하 80원, 1,600cc 이하 140원,
   초과 200원; before: 800/1,000/1,600/2,000cc 80/100/140/200/220원).
3. 차령 n (시행령 제122조②): from the 차령기산일 (자동차관리법 시행령 제3조) — 기산일 1월~6월: 과세연도 − 기산연도 + 1;
   7월~12월: 제1기분 과세연도 − 기산연도, 제2기분 + 1.
4. 기분세액 (제127조①2호): A/2, or for n ≥ 3: A/2 − (A/2 × 5/100)(n − 2) with n ≤ 12 (경감 최대 50%); computed
   exactly, then 10원 미만 절사 (지방세기본법 제59조 → 국고금 관리법 제47조①) — each 기분 is its own 고지.
5. 지방교육세 (제151조①7호): 기분세액 × 30%, 10원 미만 절사.

Not modelled: 영업용 and the other kinds of 제127조① (승합·화물·특수·3륜, 그 밖의 승용자동차 such as 전기차), 조례
탄력세율 (제127조③), 연세액 일시납부 공제 (제128조③), the 10만원 이하 제1기분 일괄 부과 (제128조④, "할 수 있다"),
신규등록·이전·말소의 일할계산 (제129조·제130조) — hence a car whose 차령기산일 is in the tax year is refused — and 감면.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_date, field_int, field_jurisdiction
from jingsu.law.errors import InputError, ParamSchemaError
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.params import Bands, Param
from jingsu.law.trace import Trace

NAME = "vehicle-tax"
FIELDS = ("jurisdiction", "tax_year", "displacement_cc", "age_start_date")
ART_PERIODS = "지방세법 제128조① (기분·납기; 납기가 있는 달의 1일 현재의 소유자), 지방세기본법 제34조①"
ART_RATE = "지방세법 제127조①1호"
ART_AGE = "지방세법 제127조①2호 (차령 경감), 시행령 제122조② (차령 계산)"
ART_TRUNC = "지방세기본법 제59조, 국고금 관리법 제47조①"
ART_EDU = "지방세법 제151조①7호"
MAX_CC = 100_000


@dataclass(frozen=True, slots=True)
class VehicleTaxPeriod:
    """One 기분 of the year."""

    period: int  # 1 (1월~6월) or 2 (7월~12월)
    base_date: date  # 과세기준일 = 납세의무 성립일 (1st of the 납기 month)
    due_date: date  # last day of the 납기 (statutory; not moved for holidays)
    car_age: int  # 차령 n (시행령 제122조②)
    rate_per_cc: int  # 시시당 세액 (원)
    annual_base: int  # A = 배기량 × 시시당 세액 (제127조①1호 연세액)
    reduction: Fraction  # 차령 경감률 (0 … 1/2)
    tax: int  # 기분세액, 10원 미만 절사
    education_tax: int  # 지방교육세, 10원 미만 절사
    total: int


@dataclass(frozen=True, slots=True)
class VehicleTaxResult:
    periods: tuple[VehicleTaxPeriod, ...]  # 제1기분, 제2기분
    annual_tax: int
    annual_education_tax: int
    total: int


def _param(jurisdiction: str, path: str, on: date, field: str = "tax_year") -> Param:
    return params.get(jurisdiction, "vehicle_tax." + path, on, field)


_value = params.typed_value


def _month_day(year: int, text: str, path: str) -> date:
    try:
        month, day = (int(x) for x in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ParamSchemaError(f"{path}: expected MM-DD, got {text!r}") from None


def car_age(age_start: date, tax_year: int, period: int, counting: str = "half-year") -> int:
    """차령 n of 시행령 제122조② for one 기분."""
    if counting != "half-year":  # pragma: no cover - the parameter file only has "half-year"
        raise ParamSchemaError(f"vehicle_tax.age_reduction.counting: unknown rule {counting!r}")
    n = tax_year - age_start.year
    if age_start.month <= 6 or period == 2:
        n += 1
    return n


def age_reduction(n: int, min_age: int, max_age: int, rate_per_year: Fraction) -> Fraction:
    """차령 경감률 of 제127조①2호: 5/100 × (min(n, 12) − 2) for n ≥ 3, else 0."""
    if n < min_age:
        return Fraction(0)
    return rate_per_year * (min(n, max_age) - (min_age - 1))


def vehicle_tax(
    *,
    jurisdiction: str,
    tax_year: int,
    displacement_cc: int,
    age_start_date: date,
    trace: Trace | None = None,
) -> VehicleTaxResult:
    """Both 기분 of the 자동차세 on one 비영업용 승용자동차 owned through `tax_year`; see the module docstring."""
    if isinstance(displacement_cc, bool) or not isinstance(displacement_cc, int) or not 1 <= displacement_cc <= MAX_CC:
        raise InputError("displacement_cc", f"배기량(displacement_cc)은 1 이상 {MAX_CC:,} 이하의 정수(cc)여야 합니다")
    if age_start_date >= date(tax_year, 1, 1):
        raise InputError(
            "age_start_date",
            f"차령기산일({age_start_date.isoformat()})이 {tax_year}년 1월 1일 이후입니다. 신규등록한 해의 자동차세는 "
            "등록일부터 일할계산하며(지방세법 제130조①), 이 계산기는 한 해 내내 소유한 자동차의 정기분만 계산합니다",
        )
    periods_p = _param(jurisdiction, "periods.due", date(tax_year, 1, 1))
    dues = _value(periods_p, dict)
    if trace is not None:
        trace.add("기분과 납기", f"{ART_PERIODS}; {periods_p.ref}", {"tax_year": tax_year}, dues)

    out: list[VehicleTaxPeriod] = []
    for period, key in ((1, "first"), (2, "second")):
        due = _month_day(tax_year, dues[key], periods_p.path)
        base = date(tax_year, due.month, 1)
        bands_p = _param(jurisdiction, "rates.non_business_passenger", base)
        bands = _value(bands_p, Bands)
        rate = bands.rate_for(displacement_cc)
        annual = displacement_cc * rate
        if annual.denominator != 1:  # pragma: no cover - the bands are whole won per cc
            raise ParamSchemaError(f"{bands_p.path}: 시시당 세액 must be whole won, got {rate}")
        a = annual.numerator
        counting = _value(_param(jurisdiction, "age_reduction.counting", base), str)
        n = car_age(age_start_date, tax_year, period, counting)
        min_p = _param(jurisdiction, "age_reduction.min_age", base)
        max_p = _param(jurisdiction, "age_reduction.max_age", base)
        per_p = _param(jurisdiction, "age_reduction.rate_per_year", base)
        reduction = age_reduction(n, _value(min_p, int), _value(max_p, int), _value(per_p, Fraction))
        raw = a * (1 - reduction) / 2
        tax = trunc10(raw.numerator // raw.denominator)
        edu_p = _param(jurisdiction, "education.rate", base)
        edu_rate = _value(edu_p, Fraction)
        edu = trunc10(mul_floor(tax, edu_rate))
        if trace is not None:
            label = f"제{period}기분"
            trace.add(
                f"{label} 연세액 A = 배기량 × 시시당 세액",
                f"{ART_RATE}; {bands_p.ref}",
                {"base_date": base, "displacement_cc": displacement_cc, "rate_per_cc": rate},
                a,
            )
            trace.add(
                f"{label} 차령",
                f"{ART_AGE}; {_param(jurisdiction, 'age_reduction.counting', base).ref}",
                {"age_start_date": age_start_date, "tax_year": tax_year, "period": period},
                n,
            )
            trace.add(
                f"{label} 기분세액 = A/2 − (A/2 × 5/100)(n − 2) (n ≥ 3, n ≤ 12)",
                f"{ART_AGE}; {per_p.ref}",
                {"annual_base": a, "car_age": n, "reduction": reduction},
                raw,
            )
            trace.add(f"{label} 10원 미만 절사", ART_TRUNC, {"amount": raw}, tax)
            trace.add(f"{label} 지방교육세 = 기분세액 × 30%", f"{ART_EDU}; {edu_p.ref}",
                      {"tax": tax, "rate": edu_rate}, edu)
        out.append(VehicleTaxPeriod(period, base, due, n, rate.numerator, a, reduction, tax, edu, tax + edu))

    annual_tax = sum(p.tax for p in out)
    annual_edu = sum(p.education_tax for p in out)
    return VehicleTaxResult(tuple(out), annual_tax, annual_edu, annual_tax + annual_edu)


@functools.lru_cache(maxsize=1 << 14)
def vehicle_tax_cached(jurisdiction: str, tax_year: int, displacement_cc: int, age_start_date: date) -> VehicleTaxResult:
    """`vehicle_tax` memoised on its arguments (no trace): for callers that ask for the same car many times (the
    synthetic roll). Errors are not cached."""
    return vehicle_tax(
        jurisdiction=jurisdiction, tax_year=tax_year, displacement_cc=displacement_cc, age_start_date=age_start_date
    )


params.register_derived_cache(vehicle_tax_cached.cache_clear)


@calculator(NAME)
def vehicle_tax_calculator(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    """``vehicle-tax`` — see docs/calc.md §12."""
    check_fields(data, FIELDS)
    jurisdiction = field_jurisdiction(data)
    year = field_int(data, "tax_year", minimum=1900, maximum=9999)
    cc = field_int(data, "displacement_cc", minimum=1, maximum=MAX_CC)
    start = field_date(data, "age_start_date")
    r = vehicle_tax(jurisdiction=jurisdiction, tax_year=year, displacement_cc=cc, age_start_date=start, trace=trace)
    return {
        "tax_item": "vehicle",
        "tax_year": year,
        "displacement_cc": cc,
        "age_start_date": start,
        "periods": [
            {
                "period": p.period,
                "base_date": p.base_date,
                "due_date": p.due_date,
                "car_age": p.car_age,
                "rate_per_cc": p.rate_per_cc,
                "annual_base": p.annual_base,
                "reduction": p.reduction,
                "tax": p.tax,
                "education_tax": p.education_tax,
                "total": p.total,
            }
            for p in r.periods
        ],
        "annual_tax": r.annual_tax,
        "annual_education_tax": r.annual_education_tax,
        "total": r.total,
    }
