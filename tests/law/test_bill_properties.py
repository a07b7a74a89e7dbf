"""Property tests (hypothesis) for the 재산세 bill and the 소방분.

The bill must agree with the single-object calculator on one-object bills; a 합산과세 group must pay what one parcel
of its total pays, whatever way it is split; the 소방분 follows its table.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jingsu.law import calc
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.fire_facility_tax import fire_facility_tax
from jingsu.law.property_tax import CLASSES, property_tax
from jingsu.law.property_tax_bill import BillObject, property_tax_bill, shares

OBJ_CLASS = [(o, c) for o, cs in CLASSES.items() for c in cs]
values = st.integers(min_value=0, max_value=5 * 10**11)
small_values = st.integers(min_value=0, max_value=3 * 10**6)  # around the 2,000원 and 20만원 thresholds
maybe_amount = st.none() | st.integers(min_value=0, max_value=10**9)
HEADS = ("tax_base", "computed_tax", "tax", "education_tax", "city_area_tax", "total", "small_amount_exempt")
DUE_HEADS = ("property_tax", "city_area_tax", "education_tax")


@st.composite
def one_object(draw: st.DrawFn) -> dict[str, Any]:
    """A `property-tax` input: any 구, year, object, value, flags; 2010 only where the rules reach (중랑구, partial)."""
    year = draw(st.integers(min_value=2010, max_value=2030))
    obj, klass = draw(st.sampled_from(OBJ_CLASS))
    data: dict[str, Any] = {
        "jurisdiction": "11260" if year == 2010 else draw(st.sampled_from(["11260", "11350", "11560"])),
        "tax_year": year,
        "object": obj,
        "class": klass,
        "standard_value": draw(values | small_values),
        "one_house": draw(st.booleans()),
        "existing_house": draw(st.booleans()),
        "city_area": False if year == 2010 else draw(st.booleans()),
    }
    for name in ("previous_tax", "previous_standard_value", "previous_city_area_tax"):
        v = draw(maybe_amount)
        if v is not None:
            data[name] = v
    if year == 2010:
        data["partial"] = True
    return data


def _bill_input(single: dict[str, Any], building_value: int | None = None) -> dict[str, Any]:
    obj = {k: v for k, v in single.items() if k not in ("jurisdiction", "tax_year", "one_house", "partial")}
    if building_value is not None and single["object"] == "house":
        obj["building_value"] = building_value
    bill = {"jurisdiction": single["jurisdiction"], "tax_year": single["tax_year"],
            "one_house": single["one_house"], "objects": [{"id": "x", **obj}]}
    if single.get("partial"):
        bill["partial"] = True
    return bill


@settings(max_examples=400, deadline=None)
@given(one_object(), st.none() | values)
def test_one_object_bill_agrees_with_the_single_calculator(data: dict[str, Any], building_value: int | None) -> None:
    try:
        single = calc.run("property-tax", data)
    except (InputError, NoRuleForDate) as e:
        with pytest.raises(type(e)) as info:
            calc.run("property-tax-bill", _bill_input(data, building_value))
        assert info.value.field in (e.field, f"objects[0].{e.field}")
        return
    bill = calc.run("property-tax-bill", _bill_input(data, building_value))
    line = bill["objects"][0]
    for head in HEADS:
        assert line[head] == single[head], head
    assert bill["small_amount_exempt"] == single["small_amount_exempt"]
    if single["due"] is None:
        assert bill["due"] is None and bill["installment"] is None
        return
    # a 납기 that only collects the 소방분 (its 재산세 under 2,000원) has no counterpart in `property-tax`
    property_due = [(d, i) for d, i in zip(bill["due"], bill["installment"], strict=True)
                    if any(d[h] for h in DUE_HEADS)]
    assert len(property_due) == len(single["due"])
    for (mine, inst), theirs in zip(property_due, single["due"], strict=True):
        assert mine["date"] == theirs["to"]
        for head in DUE_HEADS:
            assert mine[head] == theirs[head], head
        keys = ("eligible", "max_deferred", "deadline")
        expected = {k: (theirs["installment"] or {}).get(k) for k in keys}
        assert {k: inst[k] for k in keys} == expected
    collected = {h: sum(d[h] for d in bill["due"]) for h in DUE_HEADS}
    assert collected == {h: bill["totals"][h] for h in DUE_HEADS}
    assert sum(collected.values()) == single["total"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["11260", "11350", "11560"]), st.integers(min_value=2011, max_value=2030),
       st.sampled_from(["aggregate", "separate"]), st.lists(values | small_values, min_size=1, max_size=6),
       st.booleans())
def test_an_aggregated_group_pays_what_one_parcel_of_its_total_pays(j: str, y: int, klass: str, parts: list[int],
                                                                    city: bool) -> None:
    objects = [BillObject(f"p{k}", "land", klass, v, city_area=city) for k, v in enumerate(parts)]
    bill = property_tax_bill(jurisdiction=j, tax_year=y, objects=objects)
    whole = property_tax(jurisdiction=j, tax_year=y, obj="land", klass=klass, standard_value=sum(parts),
                         city_area=city, schedule=False)
    assert sum(line.tax for line in bill.lines) == whole.tax
    assert sum(line.city_area_tax for line in bill.lines) == whole.city_area_tax
    assert sum(line.education_tax or 0 for line in bill.lines) == whole.education_tax
    assert sum(line.computed_tax for line in bill.lines) == whole.computed_tax
    assert bill.small_amount_exempt == whole.small_amount_exempt
    assert bill.totals["total"] == whole.total
    # each share is the 시가표준액 share floored, except the remainder object
    top = max(range(len(parts)), key=lambda k: (parts[k], -k))
    for k, line in enumerate(bill.lines):
        floor = whole.tax * parts[k] // sum(parts) if sum(parts) else (whole.tax if k == 0 else 0)
        assert line.tax == floor or k == top or sum(parts) == 0


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.integers(min_value=0, max_value=10**12), min_size=1,
                                                             max_size=8))
def test_shares_sum_and_are_proportional(amount: int, weights: list[int]) -> None:
    out = shares(amount, weights)
    assert sum(out) == amount
    assert all(x >= 0 for x in out)
    total = sum(weights)
    if total:
        for w, x in zip(weights, out, strict=True):
            assert x >= amount * w // total


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2011, max_value=2030), values, values,
       st.sampled_from(["none", "fire-risk", "large-fire-risk"]))
def test_fire_facility_tax_monotone_multiple_of_10_and_heavier_with_risk(y: int, a: int, b: int, risk: str) -> None:
    assume(not (risk == "large-fire-risk" and y < 2014))
    lo, hi = sorted((a, b))
    r1 = fire_facility_tax(jurisdiction="11260", tax_year=y, obj="building", standard_value=lo, fire_risk=risk)
    r2 = fire_facility_tax(jurisdiction="11260", tax_year=y, obj="building", standard_value=hi, fire_risk=risk)
    plain = fire_facility_tax(jurisdiction="11260", tax_year=y, obj="building", standard_value=lo)
    assert r1.tax % 10 == 0 and r1.tax <= r2.tax
    assert r1.tax >= plain.tax
    # the table tops out at 0.12% of the base: 0.12% × 시가표준액 × 70% × 3 at most
    assert r1.tax <= lo * 7 // 10 * 12 // 10000 * 3


@st.composite
def bill_object(draw: st.DrawFn, k: int) -> BillObject:
    obj, klass = draw(st.sampled_from([oc for oc in OBJ_CLASS if oc[1] != "villa"]))
    return BillObject(
        id=f"o{k}", obj=obj, klass=klass, standard_value=draw(values | small_values),
        city_area=draw(st.booleans()),
        building_value=draw(st.none() | small_values | values) if obj == "house" else None,
        fire_risk=draw(st.sampled_from(["none", "fire-risk"])) if obj == "building" else "none",
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["11260", "11350", "11560"]), st.integers(min_value=2011, max_value=2030),
       st.integers(min_value=1, max_value=6).flatmap(lambda n: st.tuples(*[bill_object(k) for k in range(n)])),
       st.booleans())
def test_bill_totals_are_the_sum_of_its_notices_and_dates(j: str, y: int, objects: tuple[BillObject, ...],
                                                          one: bool) -> None:
    one = one and sum(o.obj == "house" for o in objects) <= 1
    bill = property_tax_bill(jurisdiction=j, tax_year=y, objects=objects, one_house=one)
    assert sorted(i for n in bill.notices for i in n.ids) == sorted(o.id for o in objects)
    assert bill.due is not None and bill.installment is not None
    assert [d["date"] for d in bill.due] == sorted({d["date"] for d in bill.due})
    for head in ("property_tax", "city_area_tax", "education_tax"):
        assert bill.totals[head] == sum(d[head] for d in bill.due)
        collected = sum(getattr(n, head) for n in bill.notices if not n.small_amount_exempt)
        assert bill.totals[head] == collected
    unknown_fire = any(line.fire_subject and line.fire_facility_tax is None for line in bill.lines)
    assert (bill.totals["total"] is None) == unknown_fire == bool(bill.not_computed)
    for n in bill.notices:
        assert n.parts is not None
        if n.kind == "house" and not n.lump_sum and not n.small_amount_exempt:
            july, sept = n.parts
            assert 0 <= july.property_tax - sept.property_tax <= 10
        if n.small_amount_exempt:
            assert all(p.property_tax == p.city_area_tax == p.education_tax == 0 for p in n.parts)
        assert n.property_tax + n.city_area_tax >= 2000 or n.small_amount_exempt
