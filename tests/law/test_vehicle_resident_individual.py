"""Properties of ``vehicle-tax`` and ``resident-individual-tax`` (hypothesis), beyond the worked cases."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingsu.law import calc
from jingsu.law.errors import NoRuleForDate
from jingsu.law.resident_individual_tax import resident_education_rate, resident_individual_tax
from jingsu.law.vehicle_tax import car_age, vehicle_tax

years = st.integers(min_value=2010, max_value=2030)
ccs = st.integers(min_value=1, max_value=8000)
juris = st.sampled_from(["11260", "11350", "11560", "11000"])


def _start(year: int, back: int, month: int) -> date:
    return date(year - back, month, 1)


@settings(max_examples=300, deadline=None)
@given(juris, years, ccs, st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=12))
def test_vehicle_tax_matches_the_statutory_formula(j: str, y: int, cc: int, back: int, month: int) -> None:
    """Each 기분 = ⌊A/2 × (1 − 5%·(min(n,12) − 2)⁺)⌋ to 10원, 지방교육세 = 30% of it to 10원; reduction ≤ 50%."""
    r = vehicle_tax(jurisdiction=j, tax_year=y, displacement_cc=cc, age_start_date=_start(y, back, month))
    assert [p.period for p in r.periods] == [1, 2]
    for p in r.periods:
        assert 0 <= p.reduction <= Fraction(1, 2)
        n = min(p.car_age, 12)
        expected_reduction = Fraction(5, 100) * (n - 2) if n >= 3 else Fraction(0)
        assert p.reduction == expected_reduction
        exact = Fraction(p.annual_base, 2) * (1 - p.reduction)
        assert p.tax == int(exact) // 10 * 10
        assert p.education_tax == p.tax * 3 // 10 // 10 * 10
        assert p.tax % 10 == 0 and p.education_tax % 10 == 0
        assert p.annual_base == cc * p.rate_per_cc
    assert r.annual_tax == sum(p.tax for p in r.periods)
    assert r.total == r.annual_tax + r.annual_education_tax


@settings(max_examples=200, deadline=None)
@given(years, ccs, ccs, st.integers(min_value=1, max_value=30))
def test_vehicle_tax_never_decreases_with_displacement(y: int, a: int, b: int, back: int) -> None:
    lo, hi = sorted((a, b))
    start = date(y - back, 3, 1)
    r1 = vehicle_tax(jurisdiction="11260", tax_year=y, displacement_cc=lo, age_start_date=start)
    r2 = vehicle_tax(jurisdiction="11260", tax_year=y, displacement_cc=hi, age_start_date=start)
    assert r1.annual_tax <= r2.annual_tax


@settings(max_examples=200, deadline=None)
@given(years, ccs, st.integers(min_value=1, max_value=30))
def test_older_cars_never_pay_more(y: int, cc: int, back: int) -> None:
    newer = vehicle_tax(jurisdiction="11260", tax_year=y, displacement_cc=cc, age_start_date=date(y - back, 3, 1))
    older = vehicle_tax(jurisdiction="11260", tax_year=y, displacement_cc=cc, age_start_date=date(y - back - 1, 3, 1))
    assert older.annual_tax <= newer.annual_tax


def test_car_age_half_year_rule() -> None:
    """시행령 제122조②: 1~6월 기산 → Y − y + 1 (both 기분); 7~12월 → 제1기분 Y − y, 제2기분 Y − y + 1."""
    assert car_age(date(2022, 6, 30), 2025, 1) == car_age(date(2022, 6, 30), 2025, 2) == 4
    assert car_age(date(2022, 7, 1), 2025, 1) == 3
    assert car_age(date(2022, 7, 1), 2025, 2) == 4


def test_fta_boundary_splits_2011_and_2012() -> None:
    """The 2011 제2기분 (12월 1일) still uses the 5 bands; 2012 제1기분 (6월 1일) the 3 bands (법률 제11108호)."""
    y2011 = vehicle_tax(jurisdiction="11260", tax_year=2011, displacement_cc=998, age_start_date=date(2010, 1, 5))
    y2012 = vehicle_tax(jurisdiction="11260", tax_year=2012, displacement_cc=998, age_start_date=date(2011, 1, 5))
    assert {p.rate_per_cc for p in y2011.periods} == {100}
    assert {p.rate_per_cc for p in y2012.periods} == {80}


def test_vehicle_trace_names_articles() -> None:
    out = calc.run("vehicle-tax", {"jurisdiction": "11260", "tax_year": 2025, "displacement_cc": 1598,
                                   "age_start_date": "2022-08-10"}, explain=True)
    articles = " ".join(step["article"] for step in out["trace"])
    for needle in ("제127조①1호", "제127조①2호", "시행령 제122조②", "제128조①", "제151조①7호", "국고금 관리법 제47조①"):
        assert needle in articles


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["11000", "11110", "11260", "11350", "11560", "11740"]), years)
def test_seoul_resident_individual_tax(j: str, y: int) -> None:
    r = resident_individual_tax(jurisdiction=j, tax_year=y)
    assert (r.tax, r.education_tax, r.total) == (4_800, 1_200, 6_000)
    assert r.base_date == (date(y, 8, 1) if y <= 2018 else date(y, 7, 1))
    assert r.due_date == date(y, 8, 31)
    assert resident_education_rate(j, r.base_date)[0] == Fraction(1, 4)


def test_resident_individual_tax_outside_seoul_fails_loudly() -> None:
    with pytest.raises(NoRuleForDate) as info:
        resident_individual_tax(jurisdiction="26110", tax_year=2025)
    assert info.value.field == "tax_year"
    with pytest.raises(NoRuleForDate):
        resident_education_rate("26110", date(2025, 7, 1))
