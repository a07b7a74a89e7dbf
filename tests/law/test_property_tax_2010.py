"""2010 재산세 details that the YAML cases cannot express (absent keys, trace articles, the typed functions)."""

from __future__ import annotations

from datetime import date

from jingsu.law import calc
from jingsu.law.property_tax import installment, property_tax

HOUSE = {"jurisdiction": "11350", "tax_year": 2010, "object": "house", "class": "general",
         "standard_value": 300_000_000}


def test_not_included_only_for_a_city_area_object_in_the_city_area() -> None:
    assert "not_included" in calc.run("property-tax", HOUSE)
    assert "not_included" not in calc.run("property-tax", {**HOUSE, "city_area": False})
    ship = {**HOUSE, "object": "ship", "class": "general"}
    assert "not_included" not in calc.run("property-tax", ship)
    assert "not_included" not in calc.run("property-tax", {**HOUSE, "tax_year": 2011})


def test_2010_trace_cites_the_old_law_not_the_2011_articles() -> None:
    steps = {s["rule"]: s["article"] for s in calc.run("property-tax", HOUSE, explain=True)["trace"]}
    assert steps["산출세액"].startswith("구 지방세법(2010.1.1 법률 제9924호) 제188조①3호나목")
    assert steps["과세표준"].startswith("구 지방세법")
    assert steps["소액 징수면제"].startswith("구 지방세법") and "[I]" in steps["소액 징수면제"]
    assert any(rule.startswith("도시지역분 — 이 해에는 없음") for rule in steps)
    jungnang = {s["rule"]: s["article"] for s in calc.run("property-tax", {**HOUSE, "jurisdiction": "11260"},
                                                            explain=True)["trace"]}
    assert jungnang["산출세액"].startswith("중랑구세 조례(2010.2.5) 제21조3호나목")
    modern = {s["rule"]: s["article"] for s in calc.run("property-tax", {**HOUSE, "tax_year": 2025},
                                                          explain=True)["trace"]}
    assert modern["산출세액"].startswith("지방세법 제111조①3호나목, 제113조②; 지방세법 제111조①3호나목")


def test_typed_functions_keep_their_signatures() -> None:
    r = property_tax(jurisdiction="11560", tax_year=2010, obj="house", klass="general", standard_value=300_000_000)
    assert (r.tax, r.education_tax, r.city_area_tax, r.total) == (270_000, 54_000, 0, 324_000)
    assert [n["tax"] for n in r.not_included] == ["도시계획세"]
    inst = installment("11560", due_date=date(2016, 9, 30), tax=6_000_000)
    assert inst is not None and inst["eligible"] and inst["max_deferred"] == 1_000_000
    assert inst["deadline"] == date(2016, 11, 14) and inst["period"] == "45일"
    assert installment("11560", due_date=date(2009, 12, 31), tax=6_000_000) is None
