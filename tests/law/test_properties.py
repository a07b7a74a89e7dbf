"""Property-based tests (hypothesis) for 재산세 and penalties, and unit tests of the month counting."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jingsu.law.dates import full_months_after, period_end
from jingsu.law.penalty import late_penalty
from jingsu.law.property_tax import CLASSES, property_tax

OBJ_CLASS = [(o, c) for o, cs in CLASSES.items() for c in cs if c != "villa"]
years = st.integers(min_value=2011, max_value=2030)
values = st.integers(min_value=0, max_value=5 * 10**11)
juris = st.sampled_from(["11260", "11350", "11560"])


@settings(max_examples=300, deadline=None)
@given(juris, years, st.sampled_from(OBJ_CLASS), values, values, st.booleans())
def test_tax_never_decreases_as_the_base_grows(j: str, y: int, oc: tuple[str, str], a: int, b: int,
                                               one: bool) -> None:
    lo, hi = sorted((a, b))
    obj, klass = oc
    r1 = property_tax(jurisdiction=j, tax_year=y, obj=obj, klass=klass, standard_value=lo, one_house=one,
                      schedule=False)
    r2 = property_tax(jurisdiction=j, tax_year=y, obj=obj, klass=klass, standard_value=hi, one_house=one,
                      schedule=False)
    assert r1.tax_base <= r2.tax_base or (one and obj == "house")  # the 1주택 ratio band can jump up only
    if not (one and obj == "house"):
        assert r1.computed_tax <= r2.computed_tax
        assert r1.tax <= r2.tax
        assert r1.city_area_tax <= r2.city_area_tax


@settings(max_examples=300, deadline=None)
@given(years, st.sampled_from(OBJ_CLASS), values)
def test_one_house_tax_monotone_within_a_band(y: int, oc: tuple[str, str], v: int) -> None:
    """With the 1주택 bands the base is monotone within each band and jumps up at 3억/6억; the tax follows."""
    obj, klass = oc
    if obj != "house":
        return
    for step in (1, 10, 1000):
        r1 = property_tax(jurisdiction="11260", tax_year=y, obj=obj, klass=klass, standard_value=v, one_house=True,
                          schedule=False)
        r2 = property_tax(jurisdiction="11260", tax_year=y, obj=obj, klass=klass, standard_value=v + step,
                          one_house=True, schedule=False)
        if v + step <= 900_000_000 or v > 900_000_000:  # crossing 9억 leaves the 특례 table: tax jumps up too
            assert r1.tax <= r2.tax


@settings(max_examples=300, deadline=None)
@given(juris, years, st.sampled_from(OBJ_CLASS), values, st.integers(min_value=0, max_value=10**10),
       st.booleans(), st.booleans())
def test_burden_cap_is_never_exceeded(j: str, y: int, oc: tuple[str, str], v: int, prev: int, one: bool,
                                      existing: bool) -> None:
    obj, klass = oc
    r = property_tax(jurisdiction=j, tax_year=y, obj=obj, klass=klass, standard_value=v, one_house=one,
                     previous_tax=prev, existing_house=existing, schedule=False)
    assert r.tax <= r.computed_tax
    if obj != "house":
        assert r.tax <= prev * 3 // 2
    elif y <= 2023 or (y <= 2028 and existing):
        assert r.tax <= prev * 13 // 10


@settings(max_examples=300, deadline=None)
@given(juris, years, st.sampled_from(OBJ_CLASS), values, st.booleans())
def test_amounts_are_multiples_of_10(j: str, y: int, oc: tuple[str, str], v: int, one: bool) -> None:
    obj, klass = oc
    r = property_tax(jurisdiction=j, tax_year=y, obj=obj, klass=klass, standard_value=v, one_house=one)
    for amount in (r.tax, r.city_area_tax, r.education_tax, r.total):
        assert amount is not None and amount % 10 == 0
    for entry in r.due or []:
        for k in ("property_tax", "city_area_tax", "education_tax", "total"):
            assert entry[k] % 10 == 0
        assert entry["installment"] is None or entry["installment"]["max_deferred"] % 10 == 0
    if r.due:
        assert sum(e["property_tax"] for e in r.due) == r.tax


dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=10**10),
       st.booleans())
def test_penalty_multiple_of_10_and_monotone_in_time(due: date, late: int, principal: int, self_: bool) -> None:
    liab = due - timedelta(days=60)
    kind = "self-assessed" if self_ else "billed"
    r1 = late_penalty(jurisdiction="11260", liability_date=liab, due_date=due, principal=principal,
                      as_of=due + timedelta(days=late), assessment=kind)
    r2 = late_penalty(jurisdiction="11260", liability_date=liab, due_date=due, principal=principal,
                      as_of=due + timedelta(days=late + 1), assessment=kind)
    assert r1.penalty % 10 == 0 and r2.penalty % 10 == 0
    assert r1.penalty <= r2.penalty
    assert r1.months <= 60


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(min_value=0, max_value=120))
def test_month_counting_consistent(due: date, n: int) -> None:
    end = period_end(due, n)
    if n == 0:
        assert end == due
    assert full_months_after(due, end) == max(n - 1, 0)
    assert full_months_after(due, end + timedelta(days=1)) == n


def test_month_counting_edges() -> None:
    assert period_end(date(2025, 7, 31), 1) == date(2025, 8, 31)
    assert period_end(date(2025, 7, 31), 3) == date(2025, 10, 31)
    assert period_end(date(2025, 9, 30), 3) == date(2025, 12, 31)
    assert period_end(date(2025, 1, 30), 1) == date(2025, 2, 28)
    assert period_end(date(2024, 1, 30), 1) == date(2024, 2, 29)
    assert period_end(date(2024, 2, 29), 1) == date(2024, 3, 31)
    assert full_months_after(date(2025, 1, 31), date(2025, 2, 28)) == 0
    assert full_months_after(date(2025, 1, 31), date(2025, 3, 1)) == 1
    assert full_months_after(date(2025, 7, 31), date(2025, 7, 31)) == 0
    assert full_months_after(date(2025, 7, 31), date(2025, 6, 1)) == 0
