"""Generate tests/law/cases/property_tax_*.yaml boundary cases (run by hand; the YAML is committed).

The expected figures are computed here from the statute tables typed in again below — independently of
src/jingsu/law/params — so a wrong YAML parameter shows up as a failing case. Usage:
    .venv/bin/python tests/law/tools/gen_property_cases.py
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "cases"

# (over, base, rate) — 지방세법 제111조① / 중랑구세 조례(2010) 제21조 (the same tables)
AGG = [(0, 0, F(2, 1000)), (50_000_000, 100_000, F(3, 1000)), (100_000_000, 250_000, F(5, 1000))]
SEP = [(0, 0, F(2, 1000)), (200_000_000, 400_000, F(3, 1000)), (1_000_000_000, 2_800_000, F(4, 1000))]
HOUSE = [(0, 0, F(1, 1000)), (60_000_000, 60_000, F(15, 10000)), (150_000_000, 195_000, F(25, 10000)),
         (300_000_000, 570_000, F(4, 1000))]
ONE = [(0, 0, F(5, 10000)), (60_000_000, 30_000, F(1, 1000)), (150_000_000, 120_000, F(2, 1000)),
       (300_000_000, 420_000, F(35, 10000))]
FLAT = {
    ("land", "separated-farmland"): F(7, 10000), ("land", "separated-golf-luxury"): F(4, 100),
    ("land", "separated-other"): F(2, 1000), ("building", "golf-luxury"): F(4, 100),
    ("building", "factory-residential-zone"): F(5, 1000), ("building", "general"): F(25, 10000),
    ("ship", "luxury"): F(5, 100), ("ship", "general"): F(3, 1000), ("aircraft", "general"): F(3, 1000),
}
RATIO = {"land": F(7, 10), "building": F(7, 10), "house": F(6, 10), "ship": F(1), "aircraft": F(1)}


def pct(r: F) -> str:
    s = f"{float(r * 100):.4f}".rstrip("0").rstrip(".")
    return s + "%"


def w(n: int) -> str:
    return f"{n:,}"


def brackets(x: int, table: list[tuple[int, int, F]]) -> tuple[int, str]:
    row = table[0]
    for r in table:
        if r[0] < x:
            row = r
    over, base, rate = row
    t = base + (x - over) * rate
    tax = t.numerator // t.denominator
    if over == 0:
        return tax, f"{w(x)} × {pct(rate)} = {w(tax)}"
    return tax, f"{w(base)} + ({w(x)} − {w(over)}) × {pct(rate)} = {w(tax)}"


def sv_for_base(base: int, ratio: F) -> int:
    """Smallest 시가표준액 whose floor(sv × ratio) == base."""
    sv = -(-F(base) // ratio)  # ceil(base / ratio)
    sv = int(sv)
    assert (sv * ratio).__floor__() == base, (base, ratio)
    return sv


def case(name, article, arith, inp, out):  # noqa: ANN001, ANN201
    return {"name": name, "article": article, "arithmetic": arith, "calc": "property-tax", "input": inp,
            "output": out}


def full(jur: str, year: int, obj: str, klass: str, sv: int, *, ratio: F, table, one=False, city=True,  # noqa: ANN001
         partial=False, article: str, name: str, edu=True, small=True) -> dict:
    base = (sv * ratio).__floor__()
    if isinstance(table, list):
        computed, arith = brackets(base, table)
    else:
        t = base * table
        computed = t.numerator // t.denominator
        arith = f"{w(base)} × {pct(table)} = {w(computed)}"
    tax = computed - computed % 10
    text = f"과세표준 {w(sv)} × {pct(ratio)} = {w(base)}; 산출세액 {arith}; 10원 미만 절사 → {w(tax)}"
    out: dict = {"tax_base": base, "computed_tax": computed, "tax": tax}
    city_tax = 0
    if city and obj in ("land", "building", "house"):
        c = base * F(14, 10000)
        city_tax = (c.numerator // c.denominator)
        city_tax -= city_tax % 10
        text += f"; 도시지역분 {w(base)} × 0.14% → {w(city_tax)}"
    out["city_area_tax"] = city_tax
    e = tax * F(1, 5)
    education = e.numerator // e.denominator
    education -= education % 10
    out["education_tax"] = education
    text += f"; 지방교육세 {w(tax)} × 20% → {w(education)}"
    if small:
        exempt = tax + city_tax < 2000
        out["small_amount_exempt"] = exempt
        out["total"] = 0 if exempt else tax + city_tax + education
        text += f"; 합계 {w(out['total'])}" + (" (2천원 미만 징수면제)" if exempt else "")
    else:
        out["small_amount_exempt"] = None
        out["total"] = None
        text += "; 2010 소액징수면제 기준 없음 → total null"
    inp = {"jurisdiction": jur, "tax_year": year, "object": obj, "class": klass, "standard_value": sv}
    if one:
        inp["one_house"] = True
    if not city:
        inp["city_area"] = False
    if partial:
        inp["partial"] = True
    return case(name, article, text, inp, out)


def bracket_cases(jur: str, year: int, obj: str, klass: str, table, ratio: F, article: str, **kw) -> list:  # noqa: ANN001
    cases = []
    for over, _, _ in table[1:]:
        for delta, label in ((-1, "just below"), (0, "at"), (1, "just above")):
            base = over + delta
            sv = sv_for_base(base, ratio)
            cases.append(full(jur, year, obj, klass, sv, ratio=ratio, table=table, article=article,
                              name=f"{year} {obj}/{klass} 과세표준 {label} {w(over)}", **kw))
    return cases


def main() -> None:
    # --- 2010: 중랑구세 조례 제21조, every table -------------------------------------------------------------
    seed: list = []
    kw10 = {"city": False}  # 2010: no 도시지역분 (the separate 도시계획세 is reported, not computed — see the rules file)
    a = "서울특별시중랑구세 조례(2010.2.5) 제21조"
    seed += bracket_cases("11260", 2010, "land", "aggregate", AGG, RATIO["land"], f"{a}1호가목", **kw10)
    seed += bracket_cases("11260", 2010, "land", "separate", SEP, RATIO["land"], f"{a}1호나목", **kw10)
    seed += bracket_cases("11260", 2010, "house", "general", HOUSE, RATIO["house"], f"{a}3호나목", **kw10)
    for (obj, klass), rate in FLAT.items():
        seed.append(full("11260", 2010, obj, klass, 123_456_789, ratio=RATIO[obj], table=rate,
                         article=f"{a} ({obj}/{klass})", name=f"2010 {obj}/{klass} flat rate", **kw10))
    seed.append(full("11260", 2010, "house", "villa", 500_000_000, ratio=RATIO["house"], table=F(4, 100),
                     article=f"{a}3호가목 (별장)", name="2010 house/villa 4%", **kw10))
    (OUT / "property_tax_seed_2010.yaml").write_text(
        "# Generated by tests/law/tools/gen_property_cases.py — every 재산세 table of the 2010 중랑구세 조례 (seed 004).\n"
        "# 2010: city_area=false (the 도시계획세 was a separate tax; with city_area=true it is listed in not_included).\n"
        "# The 2010 소액 징수면제 is 2,000원 [I] (params/kr/property_tax.yaml small_amount.limit, docs/calc.md §3).\n"
        + yaml.safe_dump(seed, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")

    # --- 2011~: brackets at thresholds, every class -------------------------------------------------------
    cur: list = []
    law = "지방세법 제111조①"
    for jur, year in (("11350", 2011), ("11560", 2025)):
        cur += bracket_cases(jur, year, "land", "aggregate", AGG, RATIO["land"], f"{law}1호가목, 제113조①1호")
        cur += bracket_cases(jur, year, "land", "separate", SEP, RATIO["land"], f"{law}1호나목, 제113조①2호")
        cur += bracket_cases(jur, year, "house", "general", HOUSE, RATIO["house"], f"{law}3호나목")
        for (obj, klass), rate in FLAT.items():
            cur.append(full(jur, year, obj, klass, 987_654_321, ratio=RATIO[obj], table=rate,
                            article=f"{law} ({obj}/{klass}), 제110조", name=f"{year} {obj}/{klass} flat rate"))
    # 1세대1주택 특례 table (2025, ratio by band) — thresholds at 과세표준 level, 시가표준액 ≤ 3억 band is 43%
    def band(sv: int) -> F:
        return F(43, 100) if sv <= 300_000_000 else F(44, 100) if sv <= 600_000_000 else F(45, 100)

    for over, _, _ in ONE[1:]:
        for delta, label in ((-1, "just below"), (0, "at"), (1, "just above")):
            for r in (F(43, 100), F(44, 100), F(45, 100)):
                sv = sv_for_base(over + delta, r)
                if band(sv) == r:
                    break
            else:
                raise AssertionError(over)
            assert sv <= 900_000_000
            cur.append(full("11260", 2025, "house", "general", sv, ratio=r, table=ONE, one=True,
                            article="지방세법 제111조의2①, 시행령 제109조①2호 단서",
                            name=f"2025 1세대1주택 과세표준 {label} {w(over)}"))
    (OUT / "property_tax_brackets.yaml").write_text(
        "# Generated by tests/law/tools/gen_property_cases.py — bracket thresholds (−1, at, +1) and flat rates.\n"
        + yaml.safe_dump(cur, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


if __name__ == "__main__":
    main()
