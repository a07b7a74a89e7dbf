"""재산세 (property tax): calculators ``property-tax`` and ``property-tax-installment``, typed functions `property_tax`
and `installment`.

The 과세기준일 **6월 1일 of the tax year** (지방세법 제114조) selects the version of every rule below, except the
분할납부 rules, which the 납부기한 selects (tax-rules.md §7). Parameters: params/kr/property_tax.yaml — 2010 from the
old 지방세법 (법률 제9924호, 세율 제188조, 세부담상한 제195조의2), 2011~ from 지방세법 법률 제10221호 — and
params/11260/property_tax.yaml (2010, 중랑구세 조례 제21조·제22조, which recite the national rates). Articles below
are those of the current law; the trace cites each version's own `ref`.

Steps (each a function of its own — `_tax_base`, `_tax_base_cap`, `_computed_tax`, `_burden_capped_tax`,
`_city_area_tax`, `_education_tax`, `_small_amount_exempt`, `_schedule` — and each a trace step):

1. 과세표준 (제110조): 시가표준액 × 공정시장가액비율 — land and buildings 70%, houses 60%, 1세대1주택 45% (2022) and
   43/44/45% by 시가표준액 band (2023~2026; 시행령 제109조①2호 단서), ships and aircraft 100% (제110조②).
   1원 미만 버림 (국고금 관리법 제47조②).
2. 주택 과세표준상한 (제110조③, 시행령 제109조의2, from 2024): base = min(base, 직전연도 시가표준액 × this year's
   비율 + base × 5%). Without `previous_standard_value` the law uses this year's 시가표준액, so the cap never binds.
3. 산출세액 (제111조, 제111조의2, 제113조): the table of the object/class; houses of a 1세대1주택 with 시가표준액 ≤ 9억
   (6억 before 2021-06-01) use the 특례 table (2021~2026; sunset 법률 제17769호 부칙 제2조). Floored to whole won.
4. 세부담상한 (제122조) when `previous_tax` (직전연도 세액상당액, 시행령 제118조, supplied by the caller) is given:
   150% for everything but houses; houses 105/110/130% by 시가표준액 band until the 2023 tax year; 2024~2028 only for
   houses taxed as houses before 2024 (`existing_house`, default true; 법률 제19230호 부칙 제15조); none after.
   The 도시지역분 is capped separately (제122조 괄호) against `previous_city_area_tax` when given.
5. 도시지역분 (제112조①2호, from 2011): base × 0.14% for land, buildings and houses when `city_area`. In a year
   without 도시지역분 (2010) the separate tax of that year (도시계획세) is not computed: it is listed in
   `not_included` with the reason and article from the parameter ``city_area.separate_tax``; a year with neither
   raises `NoRuleForDate` (field ``city_area``).
6. 지방교육세 (제151조①6호): 20% of the 재산세 본세 (not of the 도시지역분).
7. 10원 미만 절사 of each 세목 amount (지방세기본법 제59조 → 국고금 관리법 제47조①).
8. 소액 징수면제 (제119조): when 본세 + 도시지역분 on the notice is under 2,000원 nothing is collected (the 지방교육세,
   20% of the 재산세 payable, follows it): `small_amount_exempt` true and `total` 0. (2010: 2,000원 [I].)
9. 납기 (제115조): land 9.16–9.30; buildings, ships, aircraft 7.16–7.31; houses half in July and half in September,
   whole in July when the year's 재산세 (본세 + 도시지역분) is at most the limit of the year (5만원 to 2012, 10만원
   2013–2017, 20만원 from 2018; 단서, see the YAML). The odd 10원 of a half goes to the first installment
   (국고금 관리법 시행령 제109조의2 [S], tax-rules.md §4.1).
10. 분할납부 (제118조, 시행령 제116조), selected by the 납부기한: per notice, when its 재산세 (본세 + 도시지역분)
    exceeds the threshold (500만원, 250만원 from 2020): up to the split limit (1천만원 [I], 500만원 from 2020) the part
    over the threshold, above it up to 50%; payable within 45 days (to 2017), 2 months (2018–2023) or 3 months after
    the 납부기한 (민법 제157조·제160조, `jingsu.law.dates.period_end`).

With ``partial: true`` (JSON) a rule that has no version for the year does not abort the calculation: the outputs
that depend on it are ``null`` and ``missing_rules`` names them. Without it, a missing rule raises `NoRuleForDate` —
never a silent 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from jingsu.law import params
from jingsu.law.calc import (
    calculator,
    check_fields,
    field_bool,
    field_choice,
    field_date,
    field_int,
    field_jurisdiction,
    field_opt_int,
)
from jingsu.law.dates import period_end
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.params import Bands, Brackets
from jingsu.law.trace import Trace

NAME = "property-tax"

CLASSES: dict[str, tuple[str, ...]] = {
    "land": ("aggregate", "separate", "separated-farmland", "separated-golf-luxury", "separated-other"),
    "building": ("golf-luxury", "factory-residential-zone", "general"),
    "house": ("general", "villa"),
    "ship": ("luxury", "general"),
    "aircraft": ("general",),
}
CITY_AREA_OBJECTS = ("land", "building", "house")  # 제112조①: 토지, 건축물 또는 주택

ART_RATE = {
    ("land", "aggregate"): "지방세법 제111조①1호가목, 제113조①1호",
    ("land", "separate"): "지방세법 제111조①1호나목, 제113조①2호",
    ("land", "separated-farmland"): "지방세법 제111조①1호다목1)",
    ("land", "separated-golf-luxury"): "지방세법 제111조①1호다목2)",
    ("land", "separated-other"): "지방세법 제111조①1호다목3)",
    ("building", "golf-luxury"): "지방세법 제111조①2호가목",
    ("building", "factory-residential-zone"): "지방세법 제111조①2호나목",
    ("building", "general"): "지방세법 제111조①2호다목",
    ("house", "general"): "지방세법 제111조①3호나목, 제113조②",
    ("house", "villa"): "지방세법 제111조①3호가목 (2023.3.14 삭제)",
    ("ship", "luxury"): "지방세법 제111조①4호가목",
    ("ship", "general"): "지방세법 제111조①4호나목",
    ("aircraft", "general"): "지방세법 제111조①5호",
}

ONE_HOUSE_RATIO_REF = "지방세법 시행령 제109조①2호 단서 (1세대1주택)"

MAX_AMOUNT = 10**16  # 1경 원: far above any real 시가표준액; guards against absurd input


# ---------------------------------------------------------------------------------------------------------
# resolved rules, cached per (jurisdiction, year, object, class) — the fast path


class _Missing:
    """A rule with no version for the date; raising is deferred until the rule is actually needed."""

    __slots__ = ("_error",)

    def __init__(self, error: NoRuleForDate) -> None:
        self._error = error

    @property
    def error(self) -> NoRuleForDate:
        """A fresh exception each time (re-raising one cached instance would grow its traceback)."""
        return self._error.copy()


@dataclass(frozen=True, slots=True)
class _Rules:
    on: date
    jurisdiction: str
    obj: str
    rate_article: str  # the article of the object's and class's rate (`ART_RATE`)
    table: Brackets | Fraction  # the standard rate (brackets or flat)
    table_ref: str
    ratio: Fraction
    ratio_ref: str
    one_house_ratio: Bands | None  # None: no separate 1세대1주택 ratio that year
    one_house_table: Brackets | None  # None: no 특례 that year
    one_house_limit: int
    one_house_ref: str
    base_cap_rate: Fraction | None  # None: no 과세표준상한 that year for this object
    burden_cap: Fraction | Bands | None  # None: no cap that year for this object
    burden_cap_ref: str
    burden_cap_transitional: Bands | None
    city_rate: Fraction | _Missing
    city_ref: str
    city_separate: params.Param | None  # a year without 도시지역분: the separate tax, reported as not included
    education_rate: Fraction | _Missing
    education_ref: str
    small_limit: int | _Missing
    small_ref: str
    lump_sum_limit: int | _Missing
    lump_sum_ref: str
    # integer forms for the fast path: rows are (over, base, numerator, denominator), highest `over` first
    rows: tuple[tuple[int, int, int, int], ...] = ()
    one_rows: tuple[tuple[int, int, int, int], ...] | None = None
    ratio_nd: tuple[int, int] = (1, 1)
    one_ratio_bands: tuple[tuple[int, int, int], ...] | None = None  # (over, n, d), highest first
    base_cap_nd: tuple[int, int] = (0, 1)
    burden_nd: tuple[int, int] | None = None
    burden_bands: tuple[tuple[int, int, int], ...] | None = None
    city_nd: tuple[int, int] | None = None
    edu_nd: tuple[int, int] | None = None
    small_int: int | None = None  # `small_limit` when the year has one


def _int_rows(table: Brackets | Fraction) -> tuple[tuple[int, int, int, int], ...]:
    if isinstance(table, Fraction):
        return ((0, 0, table.numerator, table.denominator),)
    return tuple((b.over, b.base, b.rate.numerator, b.rate.denominator) for b in reversed(table.rows))


def _int_bands(bands: Bands | None) -> tuple[tuple[int, int, int], ...] | None:
    if bands is None:
        return None
    return tuple((b.over, b.rate.numerator, b.rate.denominator) for b in reversed(bands.rows))


def _band(bands: tuple[tuple[int, int, int], ...], x: int) -> tuple[int, int]:
    for over, n, d in bands:
        if x > over:
            return n, d
    _, n, d = bands[-1]
    return n, d


def _get(jurisdiction: str, path: str, on: date, field_name: str = "tax_year") -> params.Param:
    return params.get(jurisdiction, "property_tax." + path, on, field_name)


def _opt(jurisdiction: str, path: str, on: date, field_name: str) -> params.Param | _Missing:
    try:
        return _get(jurisdiction, path, on, field_name)
    except NoRuleForDate as e:
        return _Missing(e)


_RULES: dict[tuple[str, int, str, str], _Rules] = {}
_RULES_MAX = 4096


def _rules(jurisdiction: str, tax_year: int, obj: str, klass: str) -> _Rules:
    """The rules of (jurisdiction, tax year, object, class), resolved once and kept in `_RULES`, which the hot
    path reads directly: an entry there is also proof that the object and class are valid."""
    key = (jurisdiction, tax_year, obj, klass)
    r = _RULES.get(key)
    if r is None:
        if klass not in CLASSES.get(obj, ()):
            raise _kind_error(obj, klass)
        r = _resolve_rules(jurisdiction, tax_year, obj, klass)
        if len(_RULES) >= _RULES_MAX:
            _RULES.clear()
        _RULES[key] = r
    return r


def _kind_error(obj: str, klass: str) -> InputError:
    """An object or class that 제105조 (과세대상) and 제111조① (its classes) do not know."""
    if obj not in CLASSES:
        return InputError("object", f"과세대상이 올바르지 않습니다: {obj!r} (가능: {', '.join(CLASSES)})")
    return InputError("class", f"{obj}의 구분이 올바르지 않습니다: {klass!r} (가능: {', '.join(CLASSES[obj])})")


def _resolve_rules(jurisdiction: str, tax_year: int, obj: str, klass: str) -> _Rules:
    on = date(tax_year, 6, 1)  # 과세기준일 (지방세법 제114조)
    rate_p = _get(jurisdiction, f"rates.{obj}.{klass}", on)
    if rate_p.value is None:
        raise InputError(
            "class",
            f"{tax_year}년에는 '{klass}' 세율이 없습니다 ({rate_p.ref}). 별장은 2023년부터 일반 주택 세율로 과세합니다"
            if klass == "villa"
            else f"{tax_year}년에는 '{klass}' 세율이 없습니다 ({rate_p.ref})",
        )
    table = rate_p.value
    assert isinstance(table, Brackets | Fraction)
    ratio_p = _get(jurisdiction, f"fair_market_ratio.{obj}", on)
    assert isinstance(ratio_p.value, Fraction)
    one_ratio: Bands | None = None
    one_table: Brackets | None = None
    one_limit = 0
    one_ref = ""
    base_cap_rate: Fraction | None = None
    burden: Fraction | Bands | None
    transitional: Bands | None = None
    if obj == "house" and klass == "general":
        p = _get(jurisdiction, "fair_market_ratio.house_one_house", on)
        one_ratio = p.value if isinstance(p.value, Bands) else None
        t = params.find(jurisdiction, "property_tax.rates.house.one-house", on)
        if t is not None and isinstance(t.value, Brackets):
            one_table = t.value
            lim = _get(jurisdiction, "one_house.value_limit", on)
            assert isinstance(lim.value, int)
            one_limit = lim.value
            one_ref = f"{t.ref}; 시가표준액 상한 {lim.ref}"
        cap = _get(jurisdiction, "base_cap.rate", on)
        base_cap_rate = cap.value if isinstance(cap.value, Fraction) else None
    if obj == "house":
        bp = _get(jurisdiction, "burden_cap.house", on)
        burden = bp.value if isinstance(bp.value, Bands) else None
        burden_ref = bp.ref
        if burden is None:
            tp = params.find(jurisdiction, "property_tax.burden_cap.house_transitional", on)
            if tp is not None and isinstance(tp.value, Bands):
                transitional = tp.value
                burden_ref = tp.ref
    else:
        bp = _get(jurisdiction, "burden_cap.general", on)
        assert isinstance(bp.value, Fraction)
        burden, burden_ref = bp.value, bp.ref
    city = _opt(jurisdiction, "city_area.rate", on, "city_area")
    separate = params.find(jurisdiction, "property_tax.city_area.separate_tax", on) if isinstance(city, _Missing) \
        else None
    edu = _opt(jurisdiction, "education.rate", on, "tax_year")
    small = _opt(jurisdiction, "small_amount.limit", on, "tax_year")
    lump = _opt(jurisdiction, "due.house_lump_sum_limit", on, "tax_year")
    transitional_or_house = burden if isinstance(burden, Bands) else transitional
    return _Rules(
        rows=_int_rows(table),
        one_rows=None if one_table is None else _int_rows(one_table),
        ratio_nd=(ratio_p.value.numerator, ratio_p.value.denominator),
        one_ratio_bands=_int_bands(one_ratio),
        base_cap_nd=(0, 1) if base_cap_rate is None else (base_cap_rate.numerator, base_cap_rate.denominator),
        burden_nd=(burden.numerator, burden.denominator) if isinstance(burden, Fraction) else None,
        burden_bands=_int_bands(transitional_or_house),
        city_nd=None if isinstance(city, _Missing) else (_frac(city).numerator, _frac(city).denominator),
        edu_nd=None if isinstance(edu, _Missing) else (_frac(edu).numerator, _frac(edu).denominator),
        small_int=None if isinstance(small, _Missing) else _int(small),
        on=on,
        jurisdiction=jurisdiction,
        obj=obj,
        rate_article=ART_RATE[(obj, klass)],
        table=table,
        table_ref=rate_p.ref,
        ratio=ratio_p.value,
        ratio_ref=ratio_p.ref,
        one_house_ratio=one_ratio,
        one_house_table=one_table,
        one_house_limit=one_limit,
        one_house_ref=one_ref,
        base_cap_rate=base_cap_rate,
        burden_cap=burden,
        burden_cap_ref=burden_ref,
        burden_cap_transitional=transitional,
        city_rate=city if isinstance(city, _Missing) else _frac(city),
        city_ref="" if isinstance(city, _Missing) else city.ref,
        city_separate=separate if separate is not None and isinstance(separate.value, str) else None,
        education_rate=edu if isinstance(edu, _Missing) else _frac(edu),
        education_ref="" if isinstance(edu, _Missing) else edu.ref,
        small_limit=small if isinstance(small, _Missing) else _int(small),
        small_ref="" if isinstance(small, _Missing) else small.ref,
        lump_sum_limit=lump if isinstance(lump, _Missing) else _int(lump),
        lump_sum_ref="" if isinstance(lump, _Missing) else lump.ref,
    )


def _cite(article: str, ref: str) -> str:
    """The trace article of a step: the version's `ref`, preceded by the current statute's `article` only when the
    version is of the current 지방세법 (a 2010 version or a 조례 recital names its own article in `ref`)."""
    return f"{article}; {ref}" if ref.startswith("지방세법") else ref


def _frac(p: params.Param) -> Fraction:
    assert isinstance(p.value, Fraction)
    return p.value


def _int(p: params.Param) -> int:
    assert isinstance(p.value, int)
    return p.value


# ---------------------------------------------------------------------------------------------------------
# the typed function


@dataclass(slots=True)
class PropertyTaxResult:
    tax_base: int  # 과세표준
    computed_tax: int  # 산출세액 (본세, before 세부담상한 and 절사)
    tax: int  # 재산세 본세 (after 세부담상한, 10원 미만 절사)
    education_tax: int | None  # 지방교육세
    city_area_tax: int  # 도시지역분 (0 when not applicable)
    total: int | None  # amount to collect on the notice (0 when small_amount_exempt)
    small_amount_exempt: bool | None
    due: list[dict[str, Any]] | None = None
    missing_rules: list[str] = field(default_factory=list)
    # taxes on the same property that this calculation does not compute: {"tax", "field", "reason", "ref"}
    not_included: list[dict[str, str]] = field(default_factory=list)


def property_tax(
    *,
    jurisdiction: str,
    tax_year: int,
    obj: str,
    klass: str,
    standard_value: int,
    one_house: bool = False,
    previous_tax: int | None = None,
    previous_standard_value: int | None = None,
    previous_city_area_tax: int | None = None,
    existing_house: bool = True,
    city_area: bool = True,
    partial: bool = False,
    schedule: bool = True,
    trace: Trace | None = None,
) -> PropertyTaxResult:
    """재산세 for one object: the steps below, in the order of the module docstring, each with its article."""
    r = _RULES.get((jurisdiction, tax_year, obj, klass)) or _rules(jurisdiction, tax_year, obj, klass)
    missing: list[str] = []
    not_included: list[dict[str, str]] = []

    base = _tax_base(r, standard_value, one_house, previous_standard_value, trace)  # 1., 2. 제110조
    computed = _computed_tax(r, base, standard_value, one_house, trace)  # 3. 제111조, 제111조의2
    cap_nd: tuple[int, int] | None = None  # 4. 제122조, for the 본세 and the 도시지역분 (step 5)
    if previous_tax is not None or previous_city_area_tax is not None:
        cap_nd = _burden_nd(r, obj, standard_value, existing_house)
    if previous_tax is not None or trace is not None:  # 4. 제122조, 7. 10원 미만 절사
        tax = _burden_capped_tax(r, computed, previous_tax, cap_nd, trace)
    else:  # the fast path: nothing to cap, nothing to record — only the 절사
        tax = computed - computed % 10
    city_tax = 0  # 5. 제112조: land, buildings and houses in the 도시지역 only
    if city_area and obj in CITY_AREA_OBJECTS:
        city_tax = _city_area_tax(r, base, previous_city_area_tax, cap_nd, not_included, trace)
    elif trace is not None:
        trace.add("도시지역분", "지방세법 제112조①", {"대상": obj, "city_area": city_area}, 0)
    education = _education_tax(r, tax, partial, missing, trace)  # 6. 제151조
    exempt = _small_amount_exempt(r, tax + city_tax, partial, missing, trace)  # 8. 제119조

    total: int | None
    if exempt is None or education is None:
        total = None
    elif exempt:
        total = 0
    else:
        total = tax + city_tax + education
    result = PropertyTaxResult(base, computed, tax, education, city_tax, total, exempt, None, missing, not_included)
    if schedule and total is not None:  # 9., 10. 제115조, 제118조
        result.due = _schedule(r, obj, tax_year, tax, city_tax, education or 0, bool(exempt), missing, partial,
                               trace)
    elif schedule:
        missing.append("property_tax.due (depends on the missing rules)")
    return result


# ---------------------------------------------------------------------------------------------------------
# the steps of `property_tax`, one function each (numbered as in the module docstring)


def _tax_base(
    r: _Rules, standard_value: int, one_house: bool, previous_standard_value: int | None, trace: Trace | None,
) -> int:
    """1. 과세표준 (지방세법 제110조): 시가표준액 × 공정시장가액비율 (시행령 제109조①; 1세대1주택 by band, 2호 단서),
    1원 미만 버림 (국고금 관리법 제47조②); for a house, then its 상한 (step 2)."""
    bands = r.one_ratio_bands if one_house else None
    rn, rd = r.ratio_nd if bands is None else _band(bands, standard_value)
    base = standard_value * rn // rd
    if trace is not None:
        ratio_ref = r.ratio_ref if bands is None else ONE_HOUSE_RATIO_REF
        trace.add("과세표준", _cite("지방세법 제110조", ratio_ref), {"시가표준액": standard_value,
                  "공정시장가액비율": Fraction(rn, rd), "과세기준일": r.on, "1세대1주택": one_house}, base)
    if r.base_cap_rate is not None:
        return _tax_base_cap(r, base, rn, rd, standard_value, previous_standard_value, trace)
    return base


def _tax_base_cap(
    r: _Rules, base: int, rn: int, rd: int, standard_value: int, previous_standard_value: int | None,
    trace: Trace | None,
) -> int:
    """2. 주택 과세표준상한 (지방세법 제110조③, 시행령 제109조의2; from 2024, only when `r.base_cap_rate`):
    min(base, 직전연도 시가표준액 × this year's 비율 + base × 상한율). Without a 직전연도 시가표준액 this year's is used,
    so the cap never binds."""
    prev_sv = standard_value if previous_standard_value is None else previous_standard_value
    cn, cd = r.base_cap_nd
    # 직전연도 시가표준액 × 비율 + 과세표준 × 상한율, exact, then 1원 미만 버림
    cap = (prev_sv * rn * cd + base * cn * rd) // (rd * cd)
    if trace is not None:
        trace.add("과세표준상한", "지방세법 제110조③, 시행령 제109조의2", {
            "직전연도 시가표준액": prev_sv, "공정시장가액비율": Fraction(rn, rd), "과세표준": base,
            "과세표준상한율": r.base_cap_rate}, cap)
    return cap if cap < base else base


def _show(table: Brackets | Fraction) -> Any:
    if isinstance(table, Fraction):
        return table
    return [{"초과": b.over, "기본": b.base, "세율": b.rate} for b in table.rows]


def _computed_tax(r: _Rules, base: int, standard_value: int, one_house: bool, trace: Trace | None) -> int:
    """3. 산출세액 (지방세법 제111조, 제111조의2, 제113조): the table of the object and class (`ART_RATE`); a
    1세대1주택 within the 시가표준액 limit takes the 특례 table (제111조의2). Floored to whole won."""
    one_rows = r.one_rows if one_house and standard_value <= r.one_house_limit else None
    computed = 0
    for over, at, n, d in r.rows if one_rows is None else one_rows:  # highest bracket first
        if base > over:
            computed = at + (base - over) * n // d
            break
    if trace is not None:
        if one_rows is not None:
            assert r.one_house_table is not None
            trace.add("산출세액", _cite(r.rate_article, r.one_house_ref), {
                "과세표준": base, "세율": _show(r.one_house_table)}, computed)
        else:
            trace.add("산출세액", _cite(r.rate_article, r.table_ref), {"과세표준": base, "세율": _show(r.table)},
                      computed)
    return computed


def _burden_nd(r: _Rules, obj: str, standard_value: int, existing_house: bool) -> tuple[int, int] | None:
    """The 세부담상한 ratio for this object (None: no cap): 150% (제122조 본문); houses by band (각 호, until 2023;
    2024–2028 only for `existing_house`, 부칙 <제19230호> 제15조)."""
    if obj != "house":
        return r.burden_nd
    if r.burden_bands is None:
        return None
    if r.burden_cap_transitional is not None and not existing_house:
        return None
    return _band(r.burden_bands, standard_value)


def _burden_capped_tax(
    r: _Rules, computed: int, previous_tax: int | None, cap_nd: tuple[int, int] | None, trace: Trace | None,
) -> int:
    """4. 세부담상한 of the 본세 (지방세법 제122조) when a 직전연도 세액상당액 is given (시행령 제118조), then
    7. its 10원 미만 절사 (지방세기본법 제59조, 국고금 관리법 제47조①): the 재산세 본세."""
    capped = computed
    if previous_tax is not None:
        if cap_nd is not None:
            limit = previous_tax * cap_nd[0] // cap_nd[1]
            if limit < capped:
                capped = limit
            if trace is not None:
                trace.add("세부담상한", _cite("지방세법 제122조", r.burden_cap_ref), {
                    "산출세액": computed, "직전연도 세액상당액": previous_tax,
                    "상한비율": Fraction(*cap_nd)}, capped)
        elif trace is not None:
            trace.add("세부담상한", _cite("지방세법 제122조", r.burden_cap_ref), {"산출세액": computed,
                      "적용": "주택 — 세부담상한 없음"}, capped)
    tax = capped - capped % 10
    if trace is not None:
        trace.add("10원 미만 절사 (재산세)", "지방세기본법 제59조, 국고금 관리법 제47조①", {"세액": capped}, tax)
    return tax


def _city_area_tax(
    r: _Rules, base: int, previous_city_area_tax: int | None, cap_nd: tuple[int, int] | None,
    not_included: list[dict[str, str]], trace: Trace | None,
) -> int:
    """5. 도시지역분 (지방세법 제112조①2호, from 2011) of land, a building or a house (제112조①) in the 도시지역:
    base × its rate, capped on its own (제122조 괄호) against `previous_city_area_tax`, 10원 미만 절사. In a year
    without it (2010) the separate 도시계획세 is not computed but reported in `not_included`; a year with neither
    raises `NoRuleForDate`."""
    nd = r.city_nd
    if nd is None:
        assert isinstance(r.city_rate, _Missing)
        if r.city_separate is None:
            raise r.city_rate.error
        not_included.append({"tax": "도시계획세", "field": "city_area", "reason": str(r.city_separate.value),
                             "ref": r.city_separate.ref})
        if trace is not None:
            trace.add("도시지역분 — 이 해에는 없음 (도시계획세는 별도 세목, 계산하지 않음)", r.city_separate.ref,
                      {"대상": r.obj, "city_area": True, "과세기준일": r.on}, 0)
        return 0
    ct = base * nd[0] // nd[1]
    if previous_city_area_tax is not None and cap_nd is not None:
        ct = min(ct, previous_city_area_tax * cap_nd[0] // cap_nd[1])
    city_tax = ct - ct % 10
    if trace is not None:
        trace.add("도시지역분", _cite("지방세법 제112조①2호", r.city_ref), {"과세표준": base,
                  "세율": Fraction(*nd), "직전연도 도시지역분": previous_city_area_tax}, city_tax)
    return city_tax


def _education_tax(r: _Rules, tax: int, partial: bool, missing: list[str], trace: Trace | None) -> int | None:
    """6. 지방교육세 (지방세법 제151조①6호): 20% of the 재산세 본세 (not of the 도시지역분), 10원 미만 절사.
    None (with `partial`) when the year has no rate."""
    nd = r.edu_nd
    if nd is None:
        assert isinstance(r.education_rate, _Missing)
        if not partial:
            raise r.education_rate.error
        missing.append("property_tax.education.rate")
        return None
    e = tax * nd[0] // nd[1]
    education = e - e % 10
    if trace is not None:
        trace.add("지방교육세", _cite("지방세법 제151조①6호", r.education_ref), {"재산세": tax,
                  "세율": Fraction(*nd)}, education)
    return education


def _small_amount_exempt(
    r: _Rules, amount: int, partial: bool, missing: list[str], trace: Trace | None,
) -> bool | None:
    """8. 소액 징수면제 (지방세법 제119조): true when the notice's 재산세 (본세 + 도시지역분) is under the limit.
    None (with `partial`) when the year has no limit."""
    small = r.small_int
    if small is None:
        assert isinstance(r.small_limit, _Missing)
        if not partial:
            raise r.small_limit.error
        missing.append("property_tax.small_amount.limit")
        return None
    exempt = amount < small
    if trace is not None:
        trace.add("소액 징수면제", _cite("지방세법 제119조", r.small_ref), {"재산세(본세+도시지역분)": amount,
                  "기준(미만)": small}, exempt)
    return exempt


def _schedule(
    r: _Rules, obj: str, tax_year: int, tax: int, city: int, edu: int, exempt: bool, missing: list[str],
    partial: bool, trace: Trace | None,
) -> list[dict[str, Any]] | None:
    """9. 납기 (지방세법 제115조①) with 10. the 분할납부 option of each notice (제118조, 시행령 제116조)."""
    if exempt:
        return []
    july = (date(tax_year, 7, 16), date(tax_year, 7, 31))
    sept = (date(tax_year, 9, 16), date(tax_year, 9, 30))
    parts: list[tuple[tuple[date, date], int, int, int]]
    if obj == "land":
        parts = [(sept, tax, city, edu)]
    elif obj == "house":
        lump = r.lump_sum_limit
        if isinstance(lump, _Missing):
            if not partial:
                raise lump.error
            missing.append("property_tax.due.house_lump_sum_limit")
            return None
        if tax + city <= lump:
            parts = [(july, tax, city, edu)]
        else:
            def half(x: int) -> tuple[int, int]:
                second = (x // 2) - (x // 2) % 10
                return x - second, second

            t1, t2 = half(tax)
            c1, c2 = half(city)
            e1, e2 = half(edu)
            parts = [(july, t1, c1, e1), (sept, t2, c2, e2)]
    else:
        parts = [(july, tax, city, edu)]
    out: list[dict[str, Any]] = []
    for (start, end), t, c, e in parts:
        entry: dict[str, Any] = {"from": start, "to": end, "property_tax": t, "city_area_tax": c,
                                 "education_tax": e, "total": t + c + e}
        inst = installment(r.jurisdiction, due_date=end, tax=t + c)
        if inst is None:
            missing.append("property_tax.installment (no version for this 납부기한)")
        entry["installment"] = inst
        out.append(entry)
    if trace is not None:
        refs = sorted({e["installment"]["ref"] for e in out if e["installment"] is not None})
        trace.add("납기·분할납부", "; ".join([_cite("지방세법 제115조①", r.lump_sum_ref or "지방세법 제115조①"),
                                            *refs]), {"대상": obj}, out)
    return out


@dataclass(frozen=True, slots=True)
class _InstallmentRules:
    threshold: int  # 분할납부 when the notice's 재산세 exceeds this
    full: int  # up to this amount, the part over `threshold` may be deferred; above it, up to `half` of the tax
    half: tuple[int, int]
    months: int | None  # the period: N months after the 납부기한 (2018~) …
    days: int | None  # … or N days (to 2017)
    ref: str


def _period_param(jurisdiction: str, path: str, due_date: date) -> tuple[int | None, str]:
    p = params.find(jurisdiction, path, due_date)
    if p is None or p.value is None:
        return None, "" if p is None else p.ref
    assert isinstance(p.value, int)
    return p.value, p.ref


@functools.lru_cache(maxsize=1024)
def _installment_rules(jurisdiction: str, due_date: date) -> _InstallmentRules | None:
    try:
        threshold = params.get(jurisdiction, "property_tax.installment.threshold", due_date)
        full_p = params.get(jurisdiction, "property_tax.installment.full_split_limit", due_date)
        half = params.get(jurisdiction, "property_tax.installment.half_rate", due_date).value
    except NoRuleForDate:
        return None
    months, months_ref = _period_param(jurisdiction, "property_tax.installment.months", due_date)
    days, days_ref = _period_param(jurisdiction, "property_tax.installment.days", due_date)
    if (months is None) == (days is None):  # neither period (no rule) — or both (a broken parameter file)
        return None
    full = full_p.value
    assert isinstance(threshold.value, int) and isinstance(full, int) and isinstance(half, Fraction)
    refs: list[str] = []
    for r in (threshold.ref, full_p.ref, months_ref if months is not None else days_ref):
        refs = [x for x in refs if not r.startswith(x)]  # a ref that restates an earlier one replaces it
        if not any(x.startswith(r) for x in refs):
            refs.append(r)
    ref = "; ".join(refs)
    return _InstallmentRules(threshold.value, full, (half.numerator, half.denominator), months, days, ref)


def installment(jurisdiction: str, *, due_date: date, tax: int) -> dict[str, Any] | None:
    """분할납부 of one notice's 재산세 (본세 + 도시지역분): None when no rule covers `due_date`.

    Returns ``{"eligible": bool, "max_deferred": int, "deadline": date | None, "period": str, "ref": str}`` — the
    most that may be deferred, the last day of the 분할납부 period ("납부기한이 지난 날부터" N개월 by 민법 제160조, or
    N일 counted from the day after the 납부기한, 민법 제157조; both via 지방세기본법 제23조), the period in words and
    the articles applied.
    """
    rules = _installment_rules(jurisdiction, due_date)
    if rules is None:
        return None
    hn, hd = rules.half
    period = f"{rules.months}개월" if rules.months is not None else f"{rules.days}일"
    if tax <= rules.threshold:
        return {"eligible": False, "max_deferred": 0, "deadline": None, "period": period, "ref": rules.ref}
    if tax <= rules.full:
        deferred = tax - rules.threshold
    else:
        d = tax * hn // hd
        deferred = d - d % 10
    if rules.months is not None:
        deadline = period_end(due_date, rules.months)
    else:
        assert rules.days is not None
        deadline = due_date + timedelta(days=rules.days)
    return {"eligible": True, "max_deferred": deferred, "deadline": deadline, "period": period, "ref": rules.ref}


INSTALLMENT_NAME = "property-tax-installment"


@calculator(INSTALLMENT_NAME)
def calculate_installment(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``property-tax-installment`` — 분할납부 of one notice, selected by its 납부기한 (see docs/calc.md)."""
    check_fields(data, ("jurisdiction", "due_date", "tax"))
    jurisdiction = field_jurisdiction(data)
    due_date = field_date(data, "due_date")
    tax = field_int(data, "tax", maximum=MAX_AMOUNT)
    res = installment(jurisdiction, due_date=due_date, tax=tax)
    if res is None:
        # name the rule that is missing (an amount or the period), with the dates the versions cover
        try:
            for path in ("threshold", "full_split_limit", "half_rate"):
                params.get(jurisdiction, f"property_tax.installment.{path}", due_date)
            months, _ = _period_param(jurisdiction, "property_tax.installment.months", due_date)
            if months is None:
                params.get(jurisdiction, "property_tax.installment.days", due_date)
        except NoRuleForDate as e:
            e.field = "due_date"
            raise
        raise NoRuleForDate("property_tax.installment.months", jurisdiction, due_date, field="due_date",
                            label=params.describe("property_tax.installment.months"),
                            covered=params.coverage(jurisdiction, "property_tax.installment.months"))
    if trace is not None:
        trace.add("분할납부", res["ref"], {"납부기한": due_date, "납부세액(본세+도시지역분)": tax}, res)
    return res


# ---------------------------------------------------------------------------------------------------------
# JSON calculator

FIELDS = (
    "jurisdiction", "tax_year", "object", "class", "standard_value", "one_house", "previous_tax",
    "previous_standard_value", "previous_city_area_tax", "existing_house", "city_area", "partial",
)


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``property-tax`` — see docs/calc.md."""
    check_fields(data, FIELDS)
    jurisdiction = field_jurisdiction(data)
    tax_year = field_int(data, "tax_year", minimum=1900, maximum=2200)
    obj = field_choice(data, "object", CLASSES)
    klass = field_choice(data, "class", CLASSES[obj])
    standard_value = field_int(data, "standard_value", maximum=MAX_AMOUNT)
    res = property_tax(
        jurisdiction=jurisdiction,
        tax_year=tax_year,
        obj=obj,
        klass=klass,
        standard_value=standard_value,
        one_house=field_bool(data, "one_house", default=False),
        previous_tax=field_opt_int(data, "previous_tax"),
        previous_standard_value=field_opt_int(data, "previous_standard_value"),
        previous_city_area_tax=field_opt_int(data, "previous_city_area_tax"),
        existing_house=field_bool(data, "existing_house", default=True),
        city_area=field_bool(data, "city_area", default=True),
        partial=field_bool(data, "partial", default=False),
        trace=trace,
    )
    out: dict[str, Any] = {
        "tax_base": res.tax_base,
        "computed_tax": res.computed_tax,
        "tax": res.tax,
        "education_tax": res.education_tax,
        "city_area_tax": res.city_area_tax,
        "total": res.total,
        "small_amount_exempt": res.small_amount_exempt,
        "due": res.due,
    }
    if res.missing_rules:
        out["missing_rules"] = res.missing_rules
    if res.not_included:
        out["not_included"] = res.not_included
    return out


# ---------------------------------------------------------------------------------------------------------
# helpers for other calculators (the bill, the 소방분): the same rules as `property_tax`, nothing recomputed


def fair_market_ratio(
    jurisdiction: str, tax_year: int, obj: str, klass: str, *, standard_value: int, one_house: bool = False,
) -> tuple[Fraction, str]:
    """The 공정시장가액비율 `property_tax` applies to this object (제110조, 시행령 제109조①) and its reference.

    A 1세대1주택 (house, class general) takes the band of its 시가표준액 where the decree has one; everything else
    the ratio of its kind. The 소방분 uses it for a house's building part (제146조④ 단서)."""
    r = _rules(jurisdiction, tax_year, obj, klass)
    if one_house and r.one_ratio_bands is not None:
        n, d = _band(r.one_ratio_bands, standard_value)
        return Fraction(n, d), ONE_HOUSE_RATIO_REF
    return r.ratio, r.ratio_ref
