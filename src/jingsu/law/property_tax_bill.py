"""재산세 고지서 (the 재산세 bill of one taxpayer in one 구 for one year): calculator ``property-tax-bill``.

The typed function `property_tax_bill` takes the taxpayer's objects (each a ``property-tax`` input with an ``id``)
and computes, with the rules of `jingsu.law.property_tax` and `jingsu.law.fire_facility_tax` (nothing re-encoded):

1. **Per object** the ``property-tax`` amounts (`property_tax` with the bill's jurisdiction, tax year and
   1세대1주택 status).
2. **합산과세** (지방세법 제113조①1호·2호): the 종합합산 and the 별도합산 land of the bill are each taxed as one object
   whose 시가표준액 is their sum (one `property_tax` call; 세부담상한 on the sum of their ``previous_tax``). The
   도시지역분 of a group is on the sum of its parcels in the 도시지역분 area. The group's amounts are apportioned
   to its objects by 시가표준액 (the ratio 제119조의2①1호 단서 uses for an aggregated land tax): each share floored to
   won, the remainder won to the object with the largest 시가표준액 (the first in input order on a tie).
3. **감면** (`reductions`, by object id): the ``reduction`` calculator on the object's 재산세 (after 세부담상한 and
   10원 미만 절사); the 지방교육세 is 20% of the reduced 재산세 (제151조①6호 "감면법령에 따라 납부하여야 할 재산세액"); the
   도시지역분 and the 소방분 are not reduced (in Seoul they are 특별시세: 지방세기본법 제9조③, 제8조①2호가목). Not
   supported for 합산과세 land (제113조① 단서 deducts the reduced part from the aggregated 과세표준): an input error.
4. **소방분** (`fire_facility_tax`) per building, house (building part, needs ``building_value``) and ship. When it
   cannot be computed (no ``building_value`` for a house, no rule for the year) it is reported as not computed, with
   the reason, in ``not_computed``; the bill's ``fire_facility_tax`` and ``total`` are then null.
5. **고지서** (제116조②: one notice per 토지, 건축물, 주택, 선박, 항공기): per notice the 소액 징수면제 of the 재산세
   (제119조: 본세 + 도시지역분 under 2,000원 → 재산세 and 지방교육세 not collected) and of the 소방분 (제148조: under
   2,000원 → not collected), and the 납기 (제115조①): 토지 9.16–9.30; 건축물, 선박, 항공기 7.16–7.31; 주택 half each, or
   all in July when the notice's 주택 재산세 (본세 + 도시지역분) ≤ 20만원 — the 소방분 of a house follows its notice.
   The odd 10원 of a half goes to July. 분할납부 (제118조) per notice and 납기 on its 본세 + 도시지역분.
6. **Bill**: ``totals`` (what is collected, by 세목), ``due`` (per 납기 date, all notices), ``installment``.

Each object's 세목 amounts are truncated below 10원 as ``property-tax`` does; a notice sums them (docs/calc.md §10).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, TypeVar

from jingsu.korean import josa
from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_bool, field_choice, field_int, field_jurisdiction
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.fire_facility_tax import FIRE_RISKS, fire_facility_tax, small_amount_limit
from jingsu.law.fire_facility_tax import OBJECTS as FIRE_OBJECTS
from jingsu.law.property_tax import (
    CLASSES,
    MAX_AMOUNT,
    PropertyTaxResult,
    fair_market_ratio,
    installment,
    property_tax,
)
from jingsu.law.reduction import reduction as reduction_calc
from jingsu.law.trace import Trace

NAME = "property-tax-bill"
KINDS = ("land", "building", "house", "ship", "aircraft")  # one notice per kind (제116조②), in this order
KIND_NAMES = {"land": "토지", "building": "건축물", "house": "주택", "ship": "선박", "aircraft": "항공기"}
AGGREGATED = {"aggregate": "지방세법 제113조①1호 (종합합산)", "separate": "지방세법 제113조①2호 (별도합산)"}
REDUCTION_FIELDS = ("beneficiary", "direct_use", "private_share")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BillObject:
    """One object of the bill: the ``property-tax`` inputs (without jurisdiction, tax year, 1세대1주택) and the 소방분's."""

    id: str
    obj: str
    klass: str
    standard_value: int
    previous_tax: int | None = None
    previous_standard_value: int | None = None
    previous_city_area_tax: int | None = None
    existing_house: bool = True
    city_area: bool = True
    building_value: int | None = None  # house: the 건축물 시가표준액 of its building part (제146조④ 단서)
    fire_facility: bool = True  # false: not subject to the 소방분 (제145조② 비과세, outside the 조례's area, …)
    fire_risk: str = "none"
    previous_fire_facility_tax: int | None = None


@dataclass(slots=True)
class BillLine:
    id: str
    obj: str
    klass: str
    aggregate: str | None  # the 합산 class when the object is taxed in a group
    tax_base: int
    computed_tax: int
    tax: int
    city_area_tax: int
    education_tax: int | None
    reduction: dict[str, Any] | None = None
    fire_facility_tax: int | None = 0
    fire_facility: dict[str, Any] = field(default_factory=dict)
    fire_subject: bool = False
    total: int | None = None
    small_amount_exempt: bool | None = None


@dataclass(slots=True)
class BillPart:
    """One 납기 of one notice: what is collected by that date."""

    start: date
    end: date
    property_tax: int
    city_area_tax: int
    education_tax: int
    fire_facility_tax: int | None

    @property
    def total(self) -> int | None:
        if self.fire_facility_tax is None:
            return None
        return self.property_tax + self.city_area_tax + self.education_tax + self.fire_facility_tax


@dataclass(slots=True)
class BillNotice:
    kind: str
    ids: list[str]
    property_tax: int
    city_area_tax: int
    education_tax: int | None
    fire_facility_tax: int | None
    small_amount_exempt: bool | None
    fire_facility_exempt: bool | None  # None: nothing on the notice is subject to the 소방분, or it is not computed
    lump_sum: bool | None  # houses: all in July (제115조①3호 단서)
    parts: list[BillPart] | None  # None: the 납기 depends on a missing rule


@dataclass(slots=True)
class Bill:
    lines: list[BillLine]
    aggregates: list[dict[str, Any]]
    notices: list[BillNotice]
    totals: dict[str, int | None]
    small_amount_exempt: bool | None
    due: list[dict[str, Any]] | None
    installment: list[dict[str, Any]] | None
    not_computed: list[dict[str, str]]
    missing_rules: list[str]


# ---------------------------------------------------------------------------------------------------------
# helpers


def _at(prefix: str, fn: Callable[[], T], fields: Sequence[str] | None = None, keep: Sequence[str] = ("tax_year",)) -> T:
    """Run `fn`; an InputError / NoRuleForDate naming one of `fields` (all when None, except the bill's own `keep`)
    is re-aimed at `prefix`.field."""
    try:
        return fn()
    except (InputError, NoRuleForDate) as e:
        if e.field is not None and e.field not in keep and (fields is None or e.field in fields):
            e.field = f"{prefix}.{e.field}"
        raise


OBJECT_ERROR_FIELDS = ("object", "class", "city_area", "standard_value", "building_value", "fire_risk")


def shares(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` apportioned by `weights`: each share floored to won, the remainder to the largest weight (the first
    on a tie). All weights 0 → everything to the first."""
    if not weights:
        if amount:
            raise ValueError("an amount cannot be apportioned among no weights")
        return []
    total = sum(weights)
    if total == 0:
        return [amount] + [0] * (len(weights) - 1)
    out = [amount * w // total for w in weights]
    top = max(range(len(weights)), key=lambda k: (weights[k], -k))
    out[top] += amount - sum(out)
    return out


def _t10(x: int) -> int:
    return x - x % 10


def _half(x: int) -> tuple[int, int]:
    """A 세목 amount split into the July and September halves; the odd 10원 goes to July (as `property_tax`)."""
    second = _t10(x // 2)
    return x - second, second


def _param_won(jurisdiction: str, path: str, on: date, partial: bool, missing: list[str]) -> tuple[int | None, str]:
    p = params.find(jurisdiction, path, on)
    if p is None:
        if not partial:
            raise NoRuleForDate(path, jurisdiction, on, field="tax_year")
        if path not in missing:
            missing.append(path)
        return None, ""
    assert isinstance(p.value, int)
    return p.value, p.ref


def _all_or_none(objects: Sequence[BillObject], idx: Sequence[int], attr: str) -> int | None:
    values = [getattr(objects[i], attr) for i in idx]
    given = [v for v in values if v is not None]
    if not given:
        return None
    if len(given) != len(values):
        missing_at = next(i for i in idx if getattr(objects[i], attr) is None)
        raise InputError(f"objects[{missing_at}].{attr}", f"합산과세 토지는 {josa(attr, '을')} 모두 주거나 모두 생략해야 합니다 "
                         "(합산한 과세표준에 세부담상한을 적용: 지방세법 제113조①, 제122조)")
    return sum(int(v) for v in given)


# ---------------------------------------------------------------------------------------------------------
# the typed function


def property_tax_bill(
    *,
    jurisdiction: str,
    tax_year: int,
    objects: Sequence[BillObject],
    one_house: bool = False,
    reductions: Mapping[str, Mapping[str, Any]] | None = None,
    partial: bool = False,
    trace: Trace | None = None,
) -> Bill:
    """The 재산세 bill of one taxpayer (see the module docstring for the rules and their articles)."""
    if not objects:
        raise InputError("objects", "objects에 과세대상이 1건 이상 필요합니다")
    position: dict[str, int] = {}
    for i, o in enumerate(objects):
        if o.id in position:
            raise InputError(f"objects[{i}].id", f"id가 중복됩니다: {o.id!r} (objects[{position[o.id]}])")
        position[o.id] = i
    houses = [i for i, o in enumerate(objects) if o.obj == "house"]
    if one_house and len(houses) > 1:
        raise InputError("one_house", f"1세대1주택 특례(지방세법 제111조의2)는 주택 1채에 적용합니다: 이 고지서에 주택이 "
                         f"{len(houses)}채 있습니다")
    reductions = reductions or {}
    for key in reductions:
        if key not in position:
            raise InputError(f"reductions.{key}", f"감면 대상 id가 objects에 없습니다: {key!r}")
    on = date(tax_year, 6, 1)
    missing: list[str] = []
    not_computed: list[dict[str, str]] = []
    lines: list[BillLine | None] = [None] * len(objects)
    groups: dict[str, list[int]] = {}

    # 1. each object (합산과세 land is collected into its group)
    for i, o in enumerate(objects):
        if o.obj == "land" and o.klass in AGGREGATED:
            groups.setdefault(o.klass, []).append(i)
            continue
        if trace is not None:
            trace.add("과세대상", "지방세법 제105조, 제113조②", {"id": o.id, "대상": o.obj, "구분": o.klass}, o.id)
        res = _at(f"objects[{i}]", functools.partial(_single, jurisdiction, tax_year, o, one_house, partial, trace),
                  OBJECT_ERROR_FIELDS)
        _note_missing(res, missing)
        lines[i] = BillLine(o.id, o.obj, o.klass, None, res.tax_base, res.computed_tax, res.tax, res.city_area_tax,
                            res.education_tax)

    # 2. 합산과세
    aggregates: list[dict[str, Any]] = []
    for klass, idx in groups.items():
        aggregates.append(_aggregate(jurisdiction, tax_year, klass, objects, idx, lines, partial, missing, trace))

    done = [line for line in lines if line is not None]
    assert len(done) == len(objects)

    # 3. 감면
    for key, raw in reductions.items():
        i = position[key]
        _reduce(jurisdiction, tax_year, key, raw, done[i], partial, missing, trace)

    # 4. 소방분
    for i, o in enumerate(objects):
        _fire(jurisdiction, tax_year, i, o, done[i], one_house, not_computed, trace)

    # 5. notices
    if trace is not None:
        trace.add("고지서 구분 — 소액 징수면제·납기·분할납부는 고지서 단위 (위 대상별 값은 대상 하나만 있을 때)",
                  "지방세법 제116조②", {"고지서": sorted({KIND_NAMES[o.obj] for o in objects}, key=list(
                      KIND_NAMES.values()).index)}, len({o.obj for o in objects}))
    by_kind: dict[str, list[BillLine]] = {}
    for o, line in zip(objects, done, strict=True):
        by_kind.setdefault(o.obj, []).append(line)
    notices = [_notice(jurisdiction, tax_year, kind, by_kind[kind], partial, missing, trace)
               for kind in KINDS if kind in by_kind]

    # 6. the bill
    return _bill(jurisdiction, tax_year, done, aggregates, notices, not_computed, missing, trace, on)


def _single(jurisdiction: str, tax_year: int, o: BillObject, one_house: bool, partial: bool,
            trace: Trace | None) -> PropertyTaxResult:
    return property_tax(
        jurisdiction=jurisdiction, tax_year=tax_year, obj=o.obj, klass=o.klass, standard_value=o.standard_value,
        one_house=one_house and o.obj == "house", previous_tax=o.previous_tax,
        previous_standard_value=o.previous_standard_value, previous_city_area_tax=o.previous_city_area_tax,
        existing_house=o.existing_house, city_area=o.city_area, partial=partial, schedule=False, trace=trace,
    )


def _note_missing(res: PropertyTaxResult, missing: list[str]) -> None:
    for m in res.missing_rules:
        if m not in missing:
            missing.append(m)


def _aggregate(
    jurisdiction: str, tax_year: int, klass: str, objects: Sequence[BillObject], idx: list[int],
    lines: list[BillLine | None], partial: bool, missing: list[str], trace: Trace | None,
) -> dict[str, Any]:
    """One 합산과세 group (제113조①1호·2호): tax its total, apportion the amounts to its objects by 시가표준액."""
    article = AGGREGATED[klass]
    city_idx = [i for i in idx if objects[i].city_area]
    all_city = len(city_idx) == len(idx)
    sv_all = sum(objects[i].standard_value for i in idx)
    prev = _all_or_none(objects, idx, "previous_tax")
    prev_city = _all_or_none(objects, city_idx, "previous_city_area_tax") if city_idx else None
    if trace is not None:
        trace.add("합산과세", article, {"id": [objects[i].id for i in idx],
                  "시가표준액": [objects[i].standard_value for i in idx]}, sv_all)
    first = f"objects[{idx[0]}]"
    main = _at(first, lambda: property_tax(
        jurisdiction=jurisdiction, tax_year=tax_year, obj="land", klass=klass, standard_value=sv_all,
        previous_tax=prev, previous_city_area_tax=prev_city if all_city else None, city_area=all_city,
        partial=partial, schedule=False, trace=trace), OBJECT_ERROR_FIELDS)
    _note_missing(main, missing)
    city_total = main.city_area_tax
    city_base = main.tax_base if all_city else 0
    if city_idx and not all_city:  # 도시지역분 only on the parcels in its area (제112조①)
        sv_city = sum(objects[i].standard_value for i in city_idx)
        city = _at(f"objects[{city_idx[0]}]", lambda: property_tax(
            jurisdiction=jurisdiction, tax_year=tax_year, obj="land", klass=klass, standard_value=sv_city,
            previous_city_area_tax=prev_city, city_area=True, partial=partial, schedule=False), OBJECT_ERROR_FIELDS)
        city_total, city_base = city.city_area_tax, city.tax_base
        if trace is not None:
            trace.add("도시지역분 (도시지역분 적용대상 토지의 합계)", "지방세법 제112조①2호, 제113조①",
                      {"id": [objects[i].id for i in city_idx], "시가표준액": sv_city, "과세표준": city_base}, city_total)
    weights = [objects[i].standard_value for i in idx]
    computed = shares(main.computed_tax, weights)
    tax = shares(main.tax, weights)
    edu = None if main.education_tax is None else shares(main.education_tax, weights)
    city_shares = dict(zip(city_idx, shares(city_total, [objects[i].standard_value for i in city_idx]), strict=True))
    for k, i in enumerate(idx):
        o = objects[i]
        ratio, _ = fair_market_ratio(jurisdiction, tax_year, "land", klass, standard_value=o.standard_value)
        lines[i] = BillLine(o.id, "land", klass, klass, o.standard_value * ratio.numerator // ratio.denominator,
                            computed[k], tax[k], city_shares.get(i, 0), None if edu is None else edu[k])
    remainder_to = objects[max(idx, key=lambda i: (objects[i].standard_value, -i))].id
    if trace is not None:
        trace.add("안분 (시가표준액 비율, 원 미만 버림, 나머지는 시가표준액이 가장 큰 대상)",
                  f"{article}; 지방세법 제119조의2①1호 단서 (시가표준액 비율로 안분)",
                  {"재산세": main.tax, "도시지역분": city_total, "지방교육세": main.education_tax,
                   "나머지 귀속": remainder_to},
                  {objects[i].id: {"재산세": tax[k], "도시지역분": city_shares.get(i, 0),
                                   "지방교육세": None if edu is None else edu[k]} for k, i in enumerate(idx)})
    return {
        "class": klass, "article": article, "ids": [objects[i].id for i in idx], "standard_value": sv_all,
        "tax_base": main.tax_base, "computed_tax": main.computed_tax, "tax": main.tax,
        "city_area_base": city_base, "city_area_tax": city_total, "education_tax": main.education_tax,
        "remainder_to": remainder_to,
    }


def _reduce(
    jurisdiction: str, tax_year: int, key: str, raw: Mapping[str, Any], line: BillLine, partial: bool,
    missing: list[str], trace: Trace | None,
) -> None:
    """감면 of one object's 재산세 by the ``reduction`` calculator; the 지방교육세 follows the reduced 재산세."""
    where = f"reductions.{key}"
    if not isinstance(raw, Mapping):
        raise InputError(where, "감면은 {beneficiary, direct_use, private_share} 객체로 주십시오")
    for k in raw:
        if k not in REDUCTION_FIELDS:
            raise InputError(f"{where}.{k}", f"알 수 없는 감면 항목입니다: {k} (가능: {', '.join(REDUCTION_FIELDS)}; "
                             "지자체·날짜·세목·세액은 고지서에서 정합니다)")
    if line.aggregate is not None:
        raise InputError(where, "합산과세 토지(종합합산·별도합산)의 감면은 합산한 과세표준에서 감면대상 토지의 과세표준 × "
                         "감면율을 공제하여 계산하는데 (지방세법 제113조① 단서) 아직 지원하지 않습니다")
    data = {"jurisdiction": jurisdiction, "date": date(tax_year, 6, 1).isoformat(), "tax_item": "property",
            "tax": line.tax, **raw}
    try:
        out = reduction_calc(data, trace)
    except InputError as e:
        e.field = where if e.field is None else f"{where}.{e.field}"
        raise
    except NoRuleForDate as e:
        e.field = where
        raise
    before = line.tax
    line.tax = out["tax_after"]
    line.reduction = {"article": out["article"], "rate": out["rate"], "reduction": out["reduction"],
                      "tax_before": before, "reason": out["reason"]}
    if line.education_tax is not None:
        p = params.find(jurisdiction, "property_tax.education.rate", date(tax_year, 6, 1))
        assert p is not None and isinstance(p.value, Fraction)
        line.education_tax = _t10(line.tax * p.value.numerator // p.value.denominator)
        if trace is not None:
            trace.add("지방교육세 (감면 후 재산세)", f"지방세법 제151조①6호; {p.ref}", {"재산세": line.tax,
                      "세율": p.value}, line.education_tax)


def _fire(
    jurisdiction: str, tax_year: int, i: int, o: BillObject, line: BillLine, one_house: bool,
    not_computed: list[dict[str, str]], trace: Trace | None,
) -> None:
    """The 소방분 of one object, or why it is 0 / not computed."""
    if o.obj not in FIRE_OBJECTS:
        line.fire_facility = {"subject": False, "reason": "토지·항공기는 소방분 과세대상이 아닙니다 (지방세법 제142조②3호)"}
        return
    if not o.fire_facility:
        line.fire_facility = {"subject": False, "reason": "입력: 소방분 과세대상 아님 (fire_facility=false)"}
        return
    line.fire_subject = True
    reason: str | None = None
    if o.obj == "house" and o.building_value is None:
        reason = "주택의 건축물 부분 시가표준액(building_value)이 없어 소방분을 계산하지 않았습니다 (지방세법 제146조④ 단서)"
    else:
        try:
            res = _at(f"objects[{i}]", lambda: fire_facility_tax(
                jurisdiction=jurisdiction, tax_year=tax_year, obj=o.obj, klass=o.klass,
                standard_value=o.standard_value, building_value=o.building_value,
                one_house=one_house and o.obj == "house", fire_risk=o.fire_risk,
                previous_tax=o.previous_fire_facility_tax, trace=trace), OBJECT_ERROR_FIELDS)
        except NoRuleForDate as e:
            reason = f"소방분을 계산하지 않았습니다: {e.message}"
            if tax_year < 2011:
                reason += " — 2011년 전에는 공동시설세(구 지방세법 제240조)였고 그 세율은 수록되지 않았습니다"
        else:
            line.fire_facility_tax = res.tax
            line.fire_facility = {"subject": True, "tax_base": res.tax_base, "computed_tax": res.computed_tax,
                                  "multiplier": res.multiplier}
            return
    line.fire_facility_tax = None
    line.fire_facility = {"subject": True, "reason": reason}
    not_computed.append({"id": o.id, "head": "fire_facility_tax", "reason": reason})
    if trace is not None:
        trace.add("소방분 — 계산하지 않음", "지방세법 제142조②3호, 제146조", {"id": o.id}, reason)


def _notice(
    jurisdiction: str, tax_year: int, kind: str, lines: list[BillLine], partial: bool, missing: list[str],
    trace: Trace | None,
) -> BillNotice:
    """One notice (제116조②): its 소액 징수면제 (제119조, 제148조) and 납기 (제115조①)."""
    on = date(tax_year, 6, 1)
    prop = sum(line.tax for line in lines)
    city = sum(line.city_area_tax for line in lines)
    edu: int | None = None if any(line.education_tax is None for line in lines) else sum(
        line.education_tax or 0 for line in lines)
    subject = [line for line in lines if line.fire_subject]
    fire: int | None = None if any(line.fire_facility_tax is None for line in subject) else sum(
        line.fire_facility_tax or 0 for line in subject)
    small, small_ref = _param_won(jurisdiction, "property_tax.small_amount.limit", on, partial, missing)
    exempt = None if small is None else prop + city < small
    fire_exempt: bool | None = None
    if subject and fire is not None:
        fire_limit, fire_ref = small_amount_limit(jurisdiction, tax_year)
        fire_exempt = fire < fire_limit
        if trace is not None:
            trace.add(f"소액 징수면제 — 소방분 ({KIND_NAMES[kind]} 고지서)", f"지방세법 제148조; {fire_ref}", {"소방분": fire,
                      "기준(미만)": fire_limit}, fire_exempt)
    if trace is not None and small is not None:
        trace.add(f"소액 징수면제 — 재산세 ({KIND_NAMES[kind]} 고지서)", f"지방세법 제119조; {small_ref}",
                  {"재산세(본세+도시지역분)": prop + city, "기준(미만)": small}, exempt)
    for line in lines:
        line.small_amount_exempt = exempt
        if exempt is None or line.education_tax is None:
            line.total = None
        else:
            line.total = 0 if exempt else line.tax + line.city_area_tax + line.education_tax
    notice = BillNotice(kind, [line.id for line in lines], prop, city, edu, fire, exempt, fire_exempt, None, None)
    if exempt is None or edu is None:
        if "property_tax.due (depends on the missing rules)" not in missing:
            missing.append("property_tax.due (depends on the missing rules)")
        return notice
    t, c, e = (0, 0, 0) if exempt else (prop, city, edu)
    f: int | None = 0 if fire_exempt else fire
    july = (date(tax_year, 7, 16), date(tax_year, 7, 31))
    sept = (date(tax_year, 9, 16), date(tax_year, 9, 30))
    parts: list[tuple[tuple[date, date], int, int, int, int | None]]
    if kind == "land":
        parts = [(sept, t, c, e, f)]
    elif kind == "house":
        lump, lump_ref = _param_won(jurisdiction, "property_tax.due.house_lump_sum_limit", on, partial, missing)
        if lump is None:
            return notice
        notice.lump_sum = prop + city <= lump
        if trace is not None:
            trace.add("주택 납기 (7월 한꺼번에 또는 절반씩)", f"지방세법 제115조①3호; {lump_ref}",
                      {"주택 재산세(본세+도시지역분)": prop + city, "한도(이하)": lump}, notice.lump_sum)
        if notice.lump_sum:
            parts = [(july, t, c, e, f)]
        else:
            (t1, t2), (c1, c2), (e1, e2) = _half(t), _half(c), _half(e)
            f1, f2 = (None, None) if f is None else _half(f)
            parts = [(july, t1, c1, e1, f1), (sept, t2, c2, e2, f2)]
    else:
        parts = [(july, t, c, e, f)]
    notice.parts = [BillPart(s, end, pt, pc, pe, pf) for (s, end), pt, pc, pe, pf in parts
                    if pt or pc or pe or pf is None or pf]
    if trace is not None:
        trace.add(f"납기 ({KIND_NAMES[kind]} 고지서)", "지방세법 제115조①, 제147조② (소방분은 재산세 납기 준용)", {"대상": kind},
                  [{"to": p.end, "재산세": p.property_tax, "도시지역분": p.city_area_tax, "지방교육세": p.education_tax,
                    "소방분": p.fire_facility_tax} for p in notice.parts])
    return notice


def _bill(
    jurisdiction: str, tax_year: int, lines: list[BillLine], aggregates: list[dict[str, Any]],
    notices: list[BillNotice], not_computed: list[dict[str, str]], missing: list[str], trace: Trace | None,
    on: date,
) -> Bill:
    known = all(n.parts is not None for n in notices)
    totals: dict[str, int | None] = {"property_tax": None, "city_area_tax": None, "education_tax": None,
                                     "fire_facility_tax": None, "total": None}
    due: list[dict[str, Any]] | None = None
    inst: list[dict[str, Any]] | None = None
    if known:
        by_date: dict[date, dict[str, Any]] = {}
        inst = []
        for n in notices:
            assert n.parts is not None
            for p in n.parts:
                d = by_date.setdefault(p.end, {"date": p.end, "property_tax": 0, "city_area_tax": 0,
                                                "education_tax": 0, "fire_facility_tax": 0, "total": 0})
                d["property_tax"] += p.property_tax
                d["city_area_tax"] += p.city_area_tax
                d["education_tax"] += p.education_tax
                d["fire_facility_tax"] = None if d["fire_facility_tax"] is None or p.fire_facility_tax is None else (
                    d["fire_facility_tax"] + p.fire_facility_tax)
                i = installment(jurisdiction, due_date=p.end, tax=p.property_tax + p.city_area_tax)
                if i is None:
                    m = "property_tax.installment (no version for this 납부기한)"
                    if m not in missing:
                        missing.append(m)
                    i = {"eligible": None, "max_deferred": None, "deadline": None}
                inst.append({"notice": n.kind, "date": p.end, "tax": p.property_tax + p.city_area_tax, **i})
        due = [by_date[k] for k in sorted(by_date)]
        for d in due:
            f = d["fire_facility_tax"]
            d["total"] = None if f is None else d["property_tax"] + d["city_area_tax"] + d["education_tax"] + f
        inst.sort(key=lambda x: (x["date"], KINDS.index(x["notice"])))
        totals["property_tax"] = sum(d["property_tax"] for d in due)
        totals["city_area_tax"] = sum(d["city_area_tax"] for d in due)
        totals["education_tax"] = sum(d["education_tax"] for d in due)
        if not any(line.fire_subject and line.fire_facility_tax is None for line in lines):
            totals["fire_facility_tax"] = sum(d["fire_facility_tax"] for d in due)
            totals["total"] = sum(d["total"] for d in due)
        if trace is not None:
            trace.add("분할납부 (고지서·납기별 본세+도시지역분)", "지방세법 제118조, 시행령 제116조", {}, inst)
            trace.add("고지서 합계", "지방세법 제115조, 제116조, 제119조, 제148조", {"과세기준일": on}, totals)
    exempts = [n.small_amount_exempt for n in notices]
    small = None if any(x is None for x in exempts) else all(exempts)
    return Bill(lines, aggregates, notices, totals, small, due, inst, not_computed, missing)


# ---------------------------------------------------------------------------------------------------------
# JSON calculator

FIELDS = ("jurisdiction", "tax_year", "one_house", "objects", "reductions", "partial")
OBJECT_FIELDS = (
    "id", "object", "class", "standard_value", "previous_tax", "previous_standard_value", "previous_city_area_tax",
    "existing_house", "city_area", "building_value", "fire_facility", "fire_risk", "previous_fire_facility_tax",
)
BILL_LEVEL = ("jurisdiction", "tax_year", "one_house", "partial")


def _opt_amount(data: dict[str, Any], name: str) -> int | None:
    if data.get(name) is None:
        return None
    return field_int(data, name, maximum=MAX_AMOUNT)


def _parse_object(raw: dict[str, Any]) -> BillObject:
    for k in raw:
        if k in BILL_LEVEL:
            raise InputError(k, f"{josa(k, '은')} 고지서 단위 항목입니다: objects 밖에 한 번만 쓰십시오")
    check_fields(raw, OBJECT_FIELDS)
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip() or len(ident) > 100:
        raise InputError("id", "id는 비어 있지 않은 문자열(100자 이하)이어야 합니다")
    obj = field_choice(raw, "object", CLASSES)
    klass = field_choice(raw, "class", CLASSES[obj])
    building_value = _opt_amount(raw, "building_value")
    if building_value is not None and obj != "house":
        raise InputError("building_value", "building_value는 주택의 건축물 부분 시가표준액입니다 (주택에만 씁니다)")
    fire_risk = field_choice(raw, "fire_risk", FIRE_RISKS, default="none")
    if fire_risk != "none" and obj != "building":
        raise InputError("fire_risk", "화재위험 건축물 중과(지방세법 제146조③2호·2의2)는 주택이 아닌 건축물에만 적용됩니다")
    return BillObject(
        id=ident,
        obj=obj,
        klass=klass,
        standard_value=field_int(raw, "standard_value", maximum=MAX_AMOUNT),
        previous_tax=_opt_amount(raw, "previous_tax"),
        previous_standard_value=_opt_amount(raw, "previous_standard_value"),
        previous_city_area_tax=_opt_amount(raw, "previous_city_area_tax"),
        existing_house=field_bool(raw, "existing_house", default=True),
        city_area=field_bool(raw, "city_area", default=True),
        building_value=building_value,
        fire_facility=field_bool(raw, "fire_facility", default=True),
        fire_risk=fire_risk,
        previous_fire_facility_tax=_opt_amount(raw, "previous_fire_facility_tax"),
    )


def _line_json(line: BillLine) -> dict[str, Any]:
    return {
        "id": line.id, "object": line.obj, "class": line.klass, "aggregate": line.aggregate,
        "tax_base": line.tax_base, "computed_tax": line.computed_tax, "tax": line.tax,
        "education_tax": line.education_tax, "city_area_tax": line.city_area_tax, "total": line.total,
        "small_amount_exempt": line.small_amount_exempt, "reduction": line.reduction,
        "fire_facility_tax": line.fire_facility_tax, "fire_facility": line.fire_facility,
    }


def _notice_json(n: BillNotice) -> dict[str, Any]:
    return {
        "kind": n.kind, "ids": n.ids, "property_tax": n.property_tax, "city_area_tax": n.city_area_tax,
        "education_tax": n.education_tax, "fire_facility_tax": n.fire_facility_tax,
        "small_amount_exempt": n.small_amount_exempt, "fire_facility_exempt": n.fire_facility_exempt,
        "lump_sum": n.lump_sum,
        "due": None if n.parts is None else [
            {"from": p.start, "to": p.end, "property_tax": p.property_tax, "city_area_tax": p.city_area_tax,
             "education_tax": p.education_tax, "fire_facility_tax": p.fire_facility_tax, "total": p.total}
            for p in n.parts],
    }


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``property-tax-bill`` — see docs/calc.md §10."""
    check_fields(data, FIELDS)
    jurisdiction = field_jurisdiction(data)
    tax_year = field_int(data, "tax_year", minimum=1900, maximum=2200)
    raw_objects = data.get("objects")
    if not isinstance(raw_objects, list) or not raw_objects:
        raise InputError("objects", "objects는 과세대상(property-tax 입력 + id)의 목록이어야 합니다 (1건 이상)")
    objects: list[BillObject] = []
    for i, raw in enumerate(raw_objects):
        if not isinstance(raw, dict):
            raise InputError(f"objects[{i}]", "각 과세대상은 JSON 객체여야 합니다")
        objects.append(_at(f"objects[{i}]", functools.partial(_parse_object, raw), keep=()))
    raw_reductions = data.get("reductions")
    if raw_reductions is not None and not isinstance(raw_reductions, dict):
        raise InputError("reductions", "reductions는 {대상 id: {beneficiary, direct_use, private_share}} 객체여야 합니다")
    bill = property_tax_bill(
        jurisdiction=jurisdiction,
        tax_year=tax_year,
        objects=objects,
        one_house=field_bool(data, "one_house", default=False),
        reductions=raw_reductions,
        partial=field_bool(data, "partial", default=False),
        trace=trace,
    )
    out: dict[str, Any] = {
        "objects": [_line_json(line) for line in bill.lines],
        "aggregates": bill.aggregates,
        "notices": [_notice_json(n) for n in bill.notices],
        "totals": bill.totals,
        "small_amount_exempt": bill.small_amount_exempt,
        "due": bill.due,
        "installment": bill.installment,
        "not_computed": bill.not_computed,
    }
    if bill.missing_rules:
        out["missing_rules"] = bill.missing_rules
    return out

