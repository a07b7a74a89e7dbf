"""Properties of the 주민세 (재산분·사업소분·종업원분) and 감면조례 calculators that the YAML cases cannot express.

The worked examples with articles and arithmetic are in tests/law/cases/{resident_tax,employee_tax,reduction}.yaml.
"""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingsu.law import calc, params
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.reduction import BENEFICIARIES, parse_share
from jingsu.law.resident_tax import parse_area

JURISDICTIONS = ["11260", "11350", "11560", "11000"]


def run(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return calc.run(name, data, explain=False)


def cli(name: str, data: object) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = calc.main([name], io.StringIO(json.dumps(data)), out)
    return code, json.loads(out.getvalue())


# ------------------------------------------------------------------------------------------ resident-property-tax

areas_int = st.integers(min_value=0, max_value=2_000_000)
years_property = st.integers(min_value=2010, max_value=2020)
years_business = st.integers(min_value=2021, max_value=2026)


@settings(max_examples=200, deadline=None)
@given(
    j=st.sampled_from(JURISDICTIONS), year=years_property, a=areas_int, b=areas_int, polluting=st.booleans()
)
def test_property_tax_never_decreases_with_area(j: str, year: int, a: int, b: int, polluting: bool) -> None:
    lo, hi = sorted((a, b))
    t_lo = run(
        "resident-property-tax",
        {"jurisdiction": j, "tax_year": year, "floor_area_m2": lo, "polluting": polluting},
    )
    t_hi = run(
        "resident-property-tax",
        {"jurisdiction": j, "tax_year": year, "floor_area_m2": hi, "polluting": polluting},
    )
    assert t_lo["tax"] <= t_hi["tax"]
    assert t_hi["tax"] % 10 == 0
    assert t_hi["basic_tax"] == 0


@settings(max_examples=200, deadline=None)
@given(
    j=st.sampled_from(JURISDICTIONS),
    year=years_business,
    a=st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False),
    b=st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False),
    kind=st.sampled_from(["individual", "corporation"]),
    capital=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    polluting=st.booleans(),
)
def test_business_tax_never_decreases_with_area(
    j: str, year: int, a: Decimal, b: Decimal, kind: str, capital: int | None, polluting: bool
) -> None:
    lo, hi = sorted((a, b))
    base: dict[str, Any] = {
        "jurisdiction": j,
        "tax_year": year,
        "taxpayer_kind": kind,
        "polluting": polluting,
    }
    if kind == "corporation":
        base["capital"] = capital
    t_lo = run("resident-property-tax", {**base, "floor_area_m2": str(lo)})
    t_hi = run("resident-property-tax", {**base, "floor_area_m2": str(hi)})
    assert t_lo["tax"] <= t_hi["tax"]
    assert t_hi["tax"] == t_hi["basic_tax"] + t_hi["area_tax"]
    assert t_hi["tax"] % 10 == 0
    # 지방세법 제82조 단서: ≤ 330㎡ (after dropping the part under 1㎡) → no 연면적분
    assert (t_hi["area_tax"] == 0) == (int(hi) <= 330)


@settings(max_examples=100, deadline=None)
@given(year=years_business, c1=st.integers(0, 10**11), c2=st.integers(0, 10**11))
def test_business_basic_tax_never_decreases_with_capital(year: int, c1: int, c2: int) -> None:
    lo, hi = sorted((c1, c2))
    base = {"jurisdiction": "11260", "tax_year": year, "floor_area_m2": 100, "taxpayer_kind": "corporation"}
    assert (
        run("resident-property-tax", {**base, "capital": lo})["basic_tax"]
        <= run("resident-property-tax", {**base, "capital": hi})["basic_tax"]
    )


@settings(max_examples=100, deadline=None)
@given(year=st.integers(2010, 2026), area=st.integers(0, 100_000))
def test_polluting_never_cheaper(year: int, area: int) -> None:
    base: dict[str, Any] = {"jurisdiction": "11260", "tax_year": year, "floor_area_m2": area}
    if year >= 2021:
        base["taxpayer_kind"] = "individual"
    clean = run("resident-property-tax", {**base, "polluting": False})
    dirty = run("resident-property-tax", {**base, "polluting": True})
    assert dirty["tax"] >= clean["tax"]
    if clean["area_tax"]:
        assert dirty["area_tax"] == 2 * clean["area_tax"]  # 100분의 200 (재산분) = 500원 / 250원 (사업소분)


def test_2020_to_2021_switches_tax_item() -> None:
    base = {"jurisdiction": "11260", "floor_area_m2": 331, "taxpayer_kind": "individual"}
    old = run("resident-property-tax", {**base, "tax_year": 2020})
    new = run("resident-property-tax", {**base, "tax_year": 2021})
    assert (old["tax_item"], old["tax"]) == ("resident-property", 82_750)
    assert (new["tax_item"], new["tax"]) == ("resident-business", 132_750)


def test_parse_area_exact() -> None:
    assert parse_area(330) == Decimal(330)
    assert parse_area(330.5) == Decimal("330.5")
    assert parse_area("1,234.56") == Decimal("1234.56")
    # a float is read by its shortest round-trip decimal, i.e. the digits a JSON writer printed
    assert parse_area(0.1 + 0.2) == Decimal("0.30000000000000004")
    for bad in (True, "NaN", "inf", -0.5, [], {}):
        with pytest.raises(InputError):
            parse_area(bad)
    with pytest.raises(InputError):
        parse_area(float("inf"))


def test_fractional_area_before_2021_fails_loudly() -> None:
    with pytest.raises(NoRuleForDate) as info:
        run("resident-property-tax", {"jurisdiction": "11260", "tax_year": 2015, "floor_area_m2": "400.5"})
    assert info.value.field == "floor_area_m2"


# ------------------------------------------------------------------------------------------ employee-tax

months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2010, 2026), st.integers(1, 12))


@settings(max_examples=300, deadline=None)
@given(
    j=st.sampled_from(JURISDICTIONS),
    month=months,
    p1=st.integers(0, 10**11),
    p2=st.integers(0, 10**11),
    employees=st.integers(0, 1000),
    average=st.one_of(st.none(), st.integers(0, 10**11)),
)
def test_employee_tax_never_decreases_with_payroll(
    j: str, month: str, p1: int, p2: int, employees: int, average: int | None
) -> None:
    lo, hi = sorted((p1, p2))
    base: dict[str, Any] = {"jurisdiction": j, "month": month, "employees": employees}
    if average is not None:
        base["average_payroll"] = average
    t_lo = run("employee-tax", {**base, "payroll": lo})
    t_hi = run("employee-tax", {**base, "payroll": hi})
    assert t_lo["tax"] <= t_hi["tax"]
    assert t_hi["tax"] % 10 == 0
    assert t_hi["tax"] <= hi * 5 // 1000
    assert t_hi["exempt"] == (t_hi["tax"] == 0) or hi * 5 // 1000 < 10


@settings(max_examples=100, deadline=None)
@given(month=months, e1=st.integers(0, 500), e2=st.integers(0, 500))
def test_employee_tax_never_decreases_with_employees(month: str, e1: int, e2: int) -> None:
    lo, hi = sorted((e1, e2))
    base = {"jurisdiction": "11260", "month": month, "payroll": 200_000_000}
    assert (
        run("employee-tax", {**base, "employees": lo})["tax"]
        <= run("employee-tax", {**base, "employees": hi})["tax"]
    )


@pytest.mark.parametrize(
    ("month", "item", "basis", "limit"),
    [
        ("2010-01", "local-income-employee", "employees", 50),
        ("2013-12", "local-income-employee", "employees", 50),
        ("2014-01", "resident-employee", "employees", 50),
        ("2015-12", "resident-employee", "employees", 50),
        ("2016-01", "resident-employee", "average_payroll", 135_000_000),
        ("2019-12", "resident-employee", "average_payroll", 135_000_000),
        ("2020-01", "resident-employee", "average_payroll", 150_000_000),
        ("2024-12", "resident-employee", "average_payroll", 150_000_000),
        ("2025-01", "resident-employee", "average_payroll", 180_000_000),
        ("2026-11", "resident-employee", "average_payroll", 180_000_000),
    ],
)
def test_employee_tax_versions(month: str, item: str, basis: str, limit: int) -> None:
    r = run("employee-tax", {"jurisdiction": "11260", "month": month, "payroll": 1, "employees": 1})
    assert (r["tax_item"], r["exemption_basis"], r["exempt_limit"]) == (item, basis, limit)


# ------------------------------------------------------------------------------------------ reduction

shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)
reduction_dates = st.dates(min_value=date(2010, 1, 1), max_value=date(2013, 12, 31))
items = st.sampled_from(
    ["property", "resident-property", "local-income-employee", "vehicle", "14", "19", "20"]
)


@settings(max_examples=300, deadline=None)
@given(
    on=reduction_dates,
    beneficiary=st.sampled_from(sorted(BENEFICIARIES)),
    item=items,
    tax=st.integers(0, 10**12),
    direct_use=st.booleans(),
    share=shares,
)
def test_reduction_bounds(
    on: date, beneficiary: str, item: str, tax: int, direct_use: bool, share: Fraction
) -> None:
    data: dict[str, Any] = {
        "jurisdiction": "11260",
        "date": on.isoformat(),
        "beneficiary": beneficiary,
        "tax_item": item,
        "tax": tax,
        "direct_use": direct_use,
    }
    if beneficiary == "local-public-enterprise":
        data["private_share"] = {"num": share.numerator, "den": share.denominator}
    r = run("reduction", data)
    assert 0 <= r["reduction"] <= tax
    assert r["tax_after"] % 10 == 0
    assert 0 <= tax - r["reduction"] - r["tax_after"] < 10


@settings(max_examples=200, deadline=None)
@given(on=reduction_dates, item=items, tax=st.integers(0, 10**12), s1=shares, s2=shares)
def test_reduction_never_increases_with_private_share(
    on: date, item: str, tax: int, s1: Fraction, s2: Fraction
) -> None:
    lo, hi = sorted((s1, s2))

    def red(s: Fraction) -> int:
        return int(
            run(
                "reduction",
                {
                    "jurisdiction": "11260",
                    "date": on.isoformat(),
                    "beneficiary": "local-public-enterprise",
                    "tax_item": item,
                    "tax": tax,
                    "direct_use": True,
                    "private_share": {"num": s.numerator, "den": s.denominator},
                },
            )["reduction"]
        )

    assert red(lo) >= red(hi)


def test_parse_share() -> None:
    assert parse_share("0.25") == Fraction(1, 4)
    assert parse_share({"num": 1, "den": 3}) == Fraction(1, 3)
    assert parse_share(None) == 0
    assert parse_share(1) == 1
    for bad in (
        0.25,
        True,
        "x",
        "-0.1",
        "1.01",
        {"num": 1},
        {"num": 1, "den": 0},
        {"num": 1.0, "den": 2},
        "NaN",
    ):
        with pytest.raises(InputError):
            parse_share(bad)


@pytest.mark.parametrize("j", ["11000", "11350", "11560"])
def test_reduction_elsewhere_is_no_rule(j: str) -> None:
    with pytest.raises(NoRuleForDate) as info:
        run(
            "reduction",
            {
                "jurisdiction": j,
                "date": "2011-07-01",
                "beneficiary": "local-medical-center",
                "tax_item": "19",
                "tax": 1000,
            },
        )
    assert info.value.field == "jurisdiction"


# ------------------------------------------------------------------------------------------ traces, CLI, params


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (
            "resident-property-tax",
            {"jurisdiction": "11260", "tax_year": 2015, "floor_area_m2": 500, "polluting": True},
        ),
        (
            "resident-property-tax",
            {
                "jurisdiction": "11260",
                "tax_year": 2024,
                "floor_area_m2": "500.5",
                "taxpayer_kind": "corporation",
                "capital": 4_000_000_000,
            },
        ),
        ("employee-tax", {"jurisdiction": "11260", "month": "2012-05", "payroll": 10**8, "employees": 60}),
        (
            "employee-tax",
            {"jurisdiction": "11260", "month": "2025-05", "payroll": 2 * 10**8, "employees": 60},
        ),
        (
            "reduction",
            {
                "jurisdiction": "11260",
                "date": "2011-06-01",
                "beneficiary": "local-public-enterprise",
                "tax_item": "property",
                "tax": 1_000_005,
                "direct_use": True,
                "private_share": "0.3",
            },
        ),
    ],
)
def test_every_step_is_traced(name: str, data: dict[str, Any]) -> None:
    result = calc.run(name, data, explain=True)
    steps = result["trace"]
    assert len(steps) >= 3
    for s in steps:
        assert set(s) == {"rule", "article", "inputs", "output"}
        assert s["rule"] and s["article"]
    json.dumps(result, ensure_ascii=False)  # the whole result is JSON


def test_cli_invalid_input_exit_2() -> None:
    code, out = cli(
        "employee-tax", {"jurisdiction": "11260", "month": "2025-01", "payroll": "1억", "employees": 3}
    )
    assert code == 2
    assert out["error"]["field"] == "payroll"
    code, out = cli(
        "reduction",
        {
            "jurisdiction": "11350",
            "date": "2011-01-01",
            "beneficiary": "local-medical-center",
            "tax_item": "19",
            "tax": 1,
        },
    )
    assert code == 2 and out["error"]["field"] == "jurisdiction" and out["error"]["code"] == "no-rule"
    code, out = cli(
        "resident-property-tax",
        {"jurisdiction": "11260", "tax_year": 2022, "floor_area_m2": 400, "taxpayer_kind": "individual"},
    )
    assert code == 0 and out["tax"] == 50_000 + 400 * 250


@pytest.mark.parametrize(
    ("path", "first", "last_open"),
    [
        ("resident_tax.regime", date(2010, 1, 1), True),
        ("employee_tax.item", date(2010, 1, 1), True),
        ("employee_tax.rate", date(2010, 1, 1), True),
        ("employee_tax.exemption_basis", date(2010, 1, 1), True),
    ],
)
def test_national_versions_have_no_gaps(path: str, first: date, last_open: bool) -> None:
    versions = params.load_path(
        params.PARAMS_DIR / "kr" / f"{path.split('.')[0]}.yaml", "kr", path.split(".")[0]
    )[path]
    assert versions[0].effective_from == first
    for a, b in zip(versions, versions[1:], strict=False):
        assert a.effective_to == b.effective_from, f"gap or overlap in {path} at {a.effective_to}"
    assert (versions[-1].effective_to is None) == last_open
    for v in versions:
        assert v.ref.strip()


def test_no_django_import() -> None:
    from pathlib import Path

    import jingsu.law as law

    for mod in ("resident_tax", "employee_tax", "reduction", "_resident_reduction_support"):
        text = (Path(law.__file__).parent / f"{mod}.py").read_text(encoding="utf-8")
        assert "django" not in text.lower()
