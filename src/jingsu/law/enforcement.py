"""Enforcement thresholds and procedures (체납처분·행정제재): who qualifies for which measure on a date, why not, when
that changes, and the next step. Calculator ``enforcement``; typed API `evaluate`.

Measures (each one `Outcome`: ``qualifies``, ``reasons`` (article + missing condition, Korean), ``next_change``,
``next_step``):

- ``license_refusal`` — 지방세징수법 제7조①: any 체납 without a reason the office recognised (시행령 제9조) → the office
  may ask the licensing authority not to grant or renew 허가등.
- ``license_suspension`` — 제7조②: a licensed business with **3 or more** 체납 (납세고지서 1매 = 1회, 시행령
  제12조①) and 체납액 **≥ 30만원** (조례 30만–100만원, 제7조③), no 시행령 제9조 reason → may ask for 정지·취소.
- ``exit_ban`` — 제8조: 체납액 **≥ 3천만원**, one of the 시행령 제15조① cases, and the office found that the claim
  cannot be secured and 체납처분 may be evaded → **must** ask 법무부장관. Release (제8조③, 시행령 제15조③): paid in
  full, below 3천만원, secured, 소멸시효.
- ``credit_report`` — 제9조: 체납 발생일부터 1년이 지난 체납액 **≥ 500만원** (1호), or **3 or more** 체납 within the
  year and 체납액 ≥ 500만원 (2호, 시행령 제16조②); not while 심판청구등 are pending (단서) or a 시행령 제16조① case.
- ``disclosure`` — 제11조: 체납 발생일부터 1년이 지난 지방세 **≥ 1천만원** (조례 1천만–3천만원), 심의, 사전 통지,
  **6개월** 소명 (재심의 from the day after 통지일 + 6개월, 민법 제157조·제160조), not while 심판청구등 are pending,
  not when **50%** (30% before 2021–2023) of the 체납액 was paid (시행령 제19조①1호) or another 시행령 제19조① case.
- ``plate_impound`` — 지방세법 제131조, 시행령 제128조②: a 자동차세 체납 not paid by the 독촉 deadline → the
  등록번호판 **must** be 영치; release when paid (시행령 제128조④); 일시 해제 for livelihood use (제131조②, from
  2019-07-01): ≤ 6개월, once extended ≤ 3개월 (시행령 제128조의2②), cancelled e.g. when other 지방세 is in 체납 (④1호).
- ``seizure`` — 제33조①: per levy, the 독촉장 deadline passed unpaid (1호) or a 납기 전 징수 notice unpaid (2호); a
  자동차세 allows 체납처분 of that car without 독촉 (지방세법 제133조); never during a 징수유예 (제28조③).

Checks: ``seizure_release`` (제63조①②, 확정 전 압류 제33조⑤) for given seizures, and ``property`` (압류금지 재산
제40조, 구 제41조 until 2026-02-05; selected by the 압류일, 부칙 <제21327호> 제2조·제3조).

Readings (also in docs/calc.md §14):

- 체납 발생일 = the day after the 납부기한 (제2조①1호: not paid "by" the 납부기한). A period "체납 발생일부터 1년"
  starts that day at 0시, so it counts (민법 제157조 단서) and ends on the day before the same date a year later
  (민법 제160조②③); "1년이 지난" holds from the next day: due 2024-07-31 → 2025-08-01.
- 체납 횟수 and 체납액 are those of the levies given with an amount > 0 whose 납부기한 has passed on the date judged
  (the amount is what is owed now: 체납된 지방세 and 체납처분비, 제2조①2호). A levy under 심판청구등 is left out of
  the 제9조 and 제11조 sums (their 단서 name "체납된 지방세와 관련하여"), not out of the others.
- 제9조①2호 "1년에 3회 이상": 3 or more levies whose 체납 발생일 falls in the year ending on the date judged [I].
- 명단공개 납부비율: payments made from the 통지일 to the date judged, over the 체납액 notified [I].
- The as-of date is an input; nothing reads the clock. Dates after it (payments, 통지일, 압류일 …) are refused.
- ``next_change`` is the first later day on which ``qualifies`` flips if nothing else happens (no payment, no new
  levy): the candidate days are the levies' dates, the ends of the periods and the parameter versions' dates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from jingsu.korean import josa, kdate, won
from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_bool, field_date, field_jurisdiction
from jingsu.law.dates import add_months, period_end
from jingsu.law.errors import InputError, NoRuleForDate, ParamSchemaError
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.law.trace import Trace

NAME = "enforcement"
VEHICLE_TAX = "15"  # 자동차세 (jingsu.law.tax_items)
MEASURES = ("license_refusal", "license_suspension", "exit_ban", "credit_report", "disclosure", "plate_impound",
            "seizure")
#: 제63조 and 제33조⑤ facts the office records for a seizure: code → (must release?, article, Korean)
RELEASE_FACTS: dict[str, tuple[bool, str, str]] = {
    "assessment-cancelled": (True, "지방세징수법 제63조①1호", "부과가 취소되어 압류가 필요 없게 되었습니다"),
    "auction-stopped": (True, "지방세징수법 제63조①1호", "공매의 중지 등으로 압류가 필요 없게 되었습니다"),
    "third-party-claim": (True, "지방세징수법 제63조①2호", "제3자의 소유권 주장에 상당한 이유가 있다고 인정되었습니다"),
    "third-party-judgment": (True, "지방세징수법 제63조①3호", "제3자가 소유권 소송에서 승소 판결을 받고 증명하였습니다"),
    "protected-benefits": (True, "지방세징수법 제63조②5호",
                           "압류한 금융재산이 법률에 따라 압류가 금지된 급여금품임이 증명되었습니다 (즉시 해제)"),
    "security-offered": (True, "지방세징수법 제33조⑤1호",
                         "확정 전 압류의 통지를 받은 자가 납세담보를 제공하고 해제를 요구하였습니다"),
    "excess-value": (False, "지방세징수법 제63조②1호", "압류재산의 가격이 징수할 체납액 전액을 현저히 초과합니다"),
    "partly-paid": (False, "지방세징수법 제63조②2호", "압류에 관계되는 체납액의 일부가 납부되거나 충당되었습니다"),
    "assessment-partly-cancelled": (False, "지방세징수법 제63조②3호", "부과의 일부를 취소하였습니다"),
    "substitute-property": (False, "지방세징수법 제63조②4호", "체납자가 제공한 다른 재산을 압류하였습니다"),
    "vehicle-destroyed": (False, "지방세징수법 제63조②6호, 시행령 제61조",
                          "압류한 자동차가 사실상 멸실되었습니다 (자동차등록령 제31조⑤7호)"),
}


# ---------------------------------------------------------------------------------------------------------
# facts


@dataclass(frozen=True, slots=True)
class Levy:
    """One notice (납세고지서 1매) and what is owed on it now."""

    id: str
    tax_item: str  # jingsu.law.tax_items code; "15" 자동차세
    amount: int  # owed now (체납된 지방세와 체납처분비), int won
    due_date: date  # 납부기한
    demand_due_date: date | None = None  # 독촉장의 납부기한 (None: no 독촉장 yet)
    early_collection: bool = False  # 납기 전 징수의 고지 (제22조): 제33조①2호
    appeal_pending: bool = False  # 심판청구등 (이의신청·심판청구·감사원 심사청구·행정소송) 계속 중
    installment: bool = False  # 징수유예·분할납부 (제25조의2) in good standing
    vehicle: str | None = None  # 자동차세: the car (등록번호)

    @property
    def arrears_date(self) -> date:
        """체납 발생일: the day after the 납부기한."""
        return self.due_date + timedelta(days=1)

    def in_arrears(self, on: date) -> bool:
        return self.amount > 0 and on >= self.arrears_date


@dataclass(frozen=True, slots=True)
class Payment:
    date: date
    amount: int


@dataclass(frozen=True, slots=True)
class Seizure:
    """A 압류 already made, to check against the release rules."""

    id: str
    levy_ids: tuple[str, ...]
    seized_on: date
    precautionary: bool = False  # 확정 전 압류 (제33조②③)
    determined: bool = True  # for a precautionary seizure: the tax has since been 확정
    facts: frozenset[str] = frozenset()  # RELEASE_FACTS codes


@dataclass(frozen=True, slots=True)
class Property:
    """A thing the office wants to seize (or has seized), to check against 제40조 / 구 제41조."""

    id: str
    klass: str  # code of enforcement.seizure.exempt / conditionally_exempt
    other_property_offered: bool = False  # 구 제41조: the taxpayer offered other property enough for the 체납액
    seized_on: date | None = None  # the 압류일 that selects the rule (default: the as-of date)


@dataclass(frozen=True, slots=True)
class Facts:
    """A taxpayer's facts as of a date. Codes are the keys of the text tables in params/kr/enforcement.yaml."""

    jurisdiction: str
    levies: tuple[Levy, ...]
    payments: tuple[Payment, ...] = ()
    licensed_business: bool = False  # 허가등을 받아 사업을 경영하는 자 (제7조②)
    license_exceptions: frozenset[str] = frozenset()  # 시행령 제9조 reasons the office recognised
    exit_conditions: frozenset[str] = frozenset()  # 시행령 제15조① cases
    exit_unsecured: bool = False  # 조세채권을 확보할 수 없고 체납처분을 회피할 우려가 있다고 인정 (시행령 제15조①)
    exit_banned_since: date | None = None  # 출국금지 중 (since)
    exit_secured: bool = False  # 압류·담보 제공 등으로 출국금지 사유가 해소 (제8조③2호)
    prescription_complete: bool = False  # 지방세징수권의 소멸시효 완성 (제8조③3호)
    credit_exclusions: frozenset[str] = frozenset()  # 시행령 제16조① cases
    disclosure_notified_on: date | None = None  # 명단공개 대상자 통지일 (제11조③)
    disclosure_notified_arrears: int | None = None  # 통지 당시의 체납액
    disclosure_exclusions: frozenset[str] = frozenset()  # 시행령 제19조① 2호–6호 cases
    plate_impounded_on: date | None = None
    plate_livelihood: bool = False  # 직접적인 생계유지 목적으로 사용 (지방세법 제131조②)
    plate_release_from: date | None = None  # 일시 해제 시작일
    plate_release_extended: bool = False  # 일시 해제 기간을 연장함 (1회)
    seizures: tuple[Seizure, ...] = ()
    properties: tuple[Property, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a measure is not available (or a fact that blocks it): the article and the missing condition."""

    article: str
    condition: str  # a short code: "arrears", "min_amount", "min_count", "exception", …
    message: str  # Korean, for the official


@dataclass(frozen=True, slots=True)
class Outcome:
    measure: str
    qualifies: bool
    reasons: tuple[Reason, ...]
    next_step: str
    next_change: date | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evaluation:
    as_of: date
    jurisdiction: str
    measures: Mapping[str, Outcome]
    seizure_release: tuple[Mapping[str, Any], ...] = ()
    property: tuple[Mapping[str, Any], ...] = ()


# ---------------------------------------------------------------------------------------------------------
# parameters


def _param(jurisdiction: str, path: str, on: date) -> params.Param:
    return params.get(jurisdiction, "enforcement." + path, on, field="as_of")


def _int(jurisdiction: str, path: str, on: date) -> tuple[int, str]:
    p = _param(jurisdiction, path, on)
    v = params.typed_value(p, int)
    return int(v), p.ref


def _rangedwon(jurisdiction: str, path: str, range_path: str, on: date) -> tuple[int, str]:
    """A won amount a 조례 may set within a statutory range: a 구/시 value outside it is a parameter error."""
    p = _param(jurisdiction, path, on)
    v = int(params.typed_value(p, int))
    if p.jurisdiction != params.NATIONAL:
        rng = params.typed_value(_param(params.NATIONAL, range_path, on), dict)
        if not rng["min"] <= v <= rng["max"]:
            raise ParamSchemaError(f"enforcement.{path} ({p.jurisdiction}, from {p.effective_from}): {v:,}원 is outside "
                                   f"the range the law allows ({rng['min']:,}–{rng['max']:,}원)")
    return v, p.ref


def _table(jurisdiction: str, path: str, on: date) -> tuple[dict[str, str], str]:
    """A text table (codes → article text); `{}` when the version says ``value: null``."""
    p = _param(jurisdiction, path, on)
    if p.value is None:
        return {}, p.ref
    return dict(params.typed_value(p, dict)), p.ref


@functools.cache
def _all_codes(path: str) -> frozenset[str]:
    """Every code any version of a national text table knows (input validation accepts these)."""
    loaded = params.load_path(params.PARAMS_DIR / params.NATIONAL / "enforcement.yaml", params.NATIONAL,
                              "enforcement")
    codes: set[str] = set()
    for v in loaded.get("enforcement." + path, []):
        if isinstance(v.value, dict):
            codes |= set(v.value)
    return frozenset(codes)


@functools.cache
def _boundaries(jurisdiction: str) -> tuple[date, ...]:
    """Every `from`/`to` date of the enforcement parameters along the jurisdiction's chain (candidate change days)."""
    out: set[date] = set()
    for j in params.parents(jurisdiction):
        file = params.PARAMS_DIR / j / "enforcement.yaml"
        if not file.is_file():
            continue
        for versions in params.load_path(file, j, "enforcement").values():
            for v in versions:
                out.add(v.effective_from)
                if v.effective_to is not None:
                    out.add(v.effective_to)
    return tuple(sorted(out))


def _clear() -> None:
    _all_codes.cache_clear()
    _boundaries.cache_clear()


params.register_derived_cache(_clear)


# ---------------------------------------------------------------------------------------------------------
# helpers


def one_year_passed_on(levy: Levy, months: int = 12) -> date:
    """The first day on which "체납 발생일부터 `months`개월이 지난" holds (민법 제157조 단서, 제160조)."""
    return period_end(levy.due_date, months) + timedelta(days=1)


def _active(facts: Facts, on: date) -> list[Levy]:
    return [lv for lv in facts.levies if lv.in_arrears(on)]


def _total(levies: Iterable[Levy]) -> int:
    return sum(lv.amount for lv in levies)


def _step(trace: Trace | None, rule: str, article: str, inputs: dict[str, Any], output: object) -> None:
    if trace is not None:
        trace.add(rule, article, inputs, output)


def _recognised(codes: frozenset[str], table: Mapping[str, str]) -> list[str]:
    return [table[c] for c in sorted(codes) if c in table]


# ---------------------------------------------------------------------------------------------------------
# measures: each is (facts, on, trace) -> (qualifies, reasons, next_step, details)

_Result = tuple[bool, list[Reason], str, dict[str, Any]]


def _license_refusal(f: Facts, on: date, trace: Trace | None) -> _Result:
    active = _active(f, on)
    table, ref = _table(f.jurisdiction, "license.exceptions", on)
    reasons: list[Reason] = []
    if not active:
        reasons.append(Reason("지방세징수법 제7조①", "arrears", "납부기한이 지난 체납액이 없습니다"))
    for text in _recognised(f.license_exceptions, table):
        reasons.append(Reason(ref, "exception", f"인정된 예외사유가 있습니다: {text}"))
    ok = not reasons
    _step(trace, "관허사업 허가등 제한 요구", f"지방세징수법 제7조①; {ref}",
          {"체납 건수": len(active), "예외사유": sorted(f.license_exceptions)}, ok)
    step = ("허가등(허가·인가·면허·등록·신고와 그 갱신)이 필요한 사업의 주무관청에 허가등을 하지 아니할 것을 요구할 수 "
            "있습니다 (제7조①; 절차는 시행령 제11조). 요구한 뒤 징수하면 지체 없이 철회해야 합니다 (제7조④)."
            if ok else "요건이 갖추어지지 않아 허가등 제한을 요구할 수 없습니다.")
    return ok, reasons, step, {"arrears_count": len(active), "arrears": _total(active)}


def _license_suspension(f: Facts, on: date, trace: Trace | None) -> _Result:
    active = _active(f, on)
    n_min, ref_n = _int(f.jurisdiction, "license.min_count", on)
    amount_min, ref_a = _rangedwon(f.jurisdiction, "license.min_amount", "license.ordinance_range", on)
    table, ref_e = _table(f.jurisdiction, "license.exceptions", on)
    total = _total(active)
    reasons: list[Reason] = []
    if not f.licensed_business:
        reasons.append(Reason("지방세징수법 제7조②", "licensed_business",
                              "허가등을 받아 사업을 경영하는 자로 확인되지 않았습니다"))
    if len(active) < n_min:
        reasons.append(Reason(f"{ref_n}", "min_count",
                              f"체납 횟수가 {len(active)}회입니다 — {n_min}회 이상이어야 합니다 (납세고지서 1매를 1회로 계산)"))
    if total < amount_min:
        reasons.append(Reason(ref_a, "min_amount", f"체납액 {won(total)}이 {won(amount_min)} 미만입니다"))
    for text in _recognised(f.license_exceptions, table):
        reasons.append(Reason(ref_e, "exception", f"인정된 예외사유가 있습니다: {text}"))
    ok = not reasons
    _step(trace, "관허사업 정지·허가등 취소 요구", f"{ref_n}; {ref_a}",
          {"허가 사업자": f.licensed_business, "체납 횟수": len(active), "기준 횟수": n_min, "체납액": total,
           "기준 금액": amount_min}, ok)
    step = ("주무관청에 사업의 정지 또는 허가등의 취소를 문서(사업자 성명·주소, 사업종목, 이유, 참고사항)로 요구할 수 "
            "있습니다 (제7조②, 시행령 제13조). 징수하면 지체 없이 철회해야 합니다 (제7조④)."
            if ok else "사업의 정지·허가등의 취소를 요구할 요건이 갖추어지지 않았습니다.")
    return ok, reasons, step, {"arrears_count": len(active), "arrears": total, "min_count": n_min,
                               "min_amount": amount_min}


def _exit_ban(f: Facts, on: date, trace: Trace | None) -> _Result:
    active = _active(f, on)
    total = _total(active)
    amount_min, ref_a = _int(f.jurisdiction, "exit_ban.min_amount", on)
    table, ref_c = _table(f.jurisdiction, "exit_ban.conditions", on)
    conditions = _recognised(f.exit_conditions, table)
    reasons: list[Reason] = []
    if total < amount_min:
        reasons.append(Reason(ref_a, "min_amount", f"체납액 {won(total)}이 {won(amount_min)} 미만입니다"))
    if not conditions:
        reasons.append(Reason(ref_c, "conditions",
                              "시행령 제15조① 각 호(국외 이주·송금·국외자산·명단공개·국외 출입·사해행위 소송) 중 해당하는 "
                              "항목이 확인되지 않았습니다"))
    if not f.exit_unsecured:
        reasons.append(Reason("지방세징수법 시행령 제15조①", "unsecured",
                              "압류·공매, 담보 제공, 보증인의 납세보증서 등으로 조세채권을 확보할 수 없고 체납처분을 회피할 "
                              "우려가 있다고 인정되지 않았습니다"))
    ok = not reasons
    _step(trace, "출국금지 요청", f"{ref_a}; {ref_c}",
          {"체납액": total, "기준 금액": amount_min, "해당 항목": sorted(f.exit_conditions),
           "채권 확보 불가·회피 우려": f.exit_unsecured}, ok)
    details: dict[str, Any] = {"arrears": total, "min_amount": amount_min}
    release: list[Reason] = []
    if f.exit_banned_since is not None:
        if total == 0:
            release.append(Reason("지방세징수법 제8조③1호", "paid", "체납액을 전부 납부하였습니다"))
        elif total < amount_min:
            release.append(Reason("지방세징수법 제8조③4호, 시행령 제15조③", "below_threshold",
                                  f"체납된 지방세가 {won(amount_min)} 미만({won(total)})으로 되었습니다"))
        if f.exit_secured:
            release.append(Reason("지방세징수법 제8조③2호", "secured", "압류·담보 제공 등으로 출국금지 사유가 해소되었습니다"))
        if f.prescription_complete:
            release.append(Reason("지방세징수법 제8조③3호", "prescription", "지방세징수권의 소멸시효가 완성되었습니다"))
        details["release_required"] = bool(release)
        details["release_reasons"] = [_reason_json(r) for r in release]
        _step(trace, "출국금지 해제 요청", "지방세징수법 제8조③", {"출국금지일": f.exit_banned_since, "체납액": total},
              bool(release))
    if release:
        step = ("즉시 법무부장관에게 출국금지의 해제를 요청해야 합니다 (제8조③). 사업·직계존비속 사망·질병치료 등의 "
                "출국은 시행령 제15조④에 따라 해제를 요청할 수도 있습니다.")
    elif ok:
        step = ("법무부장관에게 출국금지를 요청해야 합니다 (제8조① '요청하여야 한다'). 요청서에 해당 항목, 조세채권을 "
                "확보할 수 없는 사유, 체납처분 회피 우려 사유를 구체적으로 적습니다 (시행령 제15조②).")
    else:
        step = "출국금지를 요청할 요건이 갖추어지지 않았습니다."
    return ok, reasons, step, details


def _credit(f: Facts, on: date, trace: Trace | None) -> _Result:
    amount_min, ref_a = _int(f.jurisdiction, "credit.min_amount", on)
    months, ref_m = _int(f.jurisdiction, "credit.age_months", on)
    count_min, ref_c = _int(f.jurisdiction, "credit.count", on)
    table, ref_x = _table(f.jurisdiction, "credit.exclusions", on)
    active = _active(f, on)
    appealed = [lv for lv in active if lv.appeal_pending]
    eligible = [lv for lv in active if not lv.appeal_pending]
    old = [lv for lv in eligible if on >= one_year_passed_on(lv, months)]
    old_total = _total(old)
    window_start = add_months(on, -12)
    recent = [lv for lv in eligible if lv.arrears_date > window_start]
    total = _total(eligible)
    ok1 = old_total >= amount_min
    ok2 = len(recent) >= count_min and total >= amount_min
    reasons: list[Reason] = []
    if not (ok1 or ok2):
        reasons.append(Reason(f"지방세징수법 제9조①1호; {ref_a}", "min_amount_aged",
                              f"1호: 체납 발생일부터 1년이 지난 체납액이 {won(old_total)}으로 {won(amount_min)} 미만입니다"))
        reasons.append(Reason(f"지방세징수법 제9조①2호; {ref_a}", "min_count_year",
                              f"2호: 최근 1년간 체납이 {len(recent)}회(기준 {count_min}회 이상), 체납액 {won(total)}"
                              f"(기준 {won(amount_min)} 이상)입니다"))
    for text in _recognised(f.credit_exclusions, table):
        reasons.append(Reason(ref_x, "exclusion", f"제공하지 않는 경우에 해당합니다: {text}"))
    ok = not reasons
    _step(trace, "체납자료 제공", f"지방세징수법 제9조①; {ref_a}; {ref_m}; {ref_c}",
          {"1년 경과 체납액": old_total, "최근 1년 체납 횟수": len(recent), "체납액": total, "기준 금액": amount_min,
           "심판청구등 계속 중(제외)": [lv.id for lv in appealed]}, ok)
    step = ("종합신용정보집중기관 등이 요구하면 체납자료를 제공할 수 있습니다 (제9조①). 제공한 뒤 납부·소멸시효 등으로 "
            "대상이 아니게 되면 그날부터 15일 이내에 요구자에게 통지합니다 (시행령 제17조④)."
            if ok else "체납자료를 제공할 요건이 갖추어지지 않았습니다.")
    return ok, reasons, step, {"aged_arrears": old_total, "recent_count": len(recent), "arrears": total,
                               "min_amount": amount_min, "excluded_levies": [lv.id for lv in appealed],
                               "basis": [b for b, x in (("1호", ok1), ("2호", ok2)) if x]}


def _nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=nth - 1)


_ORDINALS = {"첫째": 1, "둘째": 2, "셋째": 3, "넷째": 4}
_WEEKDAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4}


def publication_date(jurisdiction: str, earliest: date) -> date | None:
    """The practice publication day (e.g. 11월 셋째 주 수요일) on or after `earliest`; None when no version covers it."""
    p = params.find(jurisdiction, "enforcement.disclosure.publication_day", earliest)
    if p is None or not isinstance(p.value, str):
        return None
    parts = p.value.replace("월", " ", 1).split()  # "11월 셋째 주 수요일" → 11, 셋째, 주, 수요일
    month, nth, weekday = int(parts[0]), _ORDINALS[parts[1]], _WEEKDAYS[parts[3][0]]
    d = _nth_weekday(earliest.year, month, nth, weekday)
    return d if d >= earliest else _nth_weekday(earliest.year + 1, month, nth, weekday)


def explanation_period_end(jurisdiction: str, notified_on: date) -> date:
    """The last day of the 명단공개 소명 기간: 통지일부터 `disclosure.notice_months`(6)개월 (제11조③; 민법 제157조 — the
    통지일 itself is not counted — and 제160조). 재심의 may start the next day. The 사전 통지 prints this date."""
    months, _ = _int(jurisdiction, "disclosure.notice_months", notified_on)
    return period_end(notified_on, months)


def _disclosure(f: Facts, on: date, trace: Trace | None) -> _Result:
    amount_min, ref_a = _rangedwon(f.jurisdiction, "disclosure.min_amount", "disclosure.ordinance_range", on)
    months, ref_m = _int(f.jurisdiction, "disclosure.age_months", on)
    notice_months, ref_n = _int(f.jurisdiction, "disclosure.notice_months", on)
    table, ref_x = _table(f.jurisdiction, "disclosure.exclusions", on)
    active = _active(f, on)
    appealed = [lv for lv in active if lv.appeal_pending]
    old = [lv for lv in active if not lv.appeal_pending and on >= one_year_passed_on(lv, months)]
    base = _total(old)
    reasons: list[Reason] = []
    details: dict[str, Any] = {"base": base, "min_amount": amount_min, "excluded_levies": [lv.id for lv in appealed]}
    candidate = base >= amount_min
    if not candidate:
        reasons.append(Reason(ref_a, "min_amount",
                              f"체납 발생일부터 1년이 지난 지방세가 {won(base)}으로 {won(amount_min)} 미만입니다"
                              + (" (심판청구등이 계속 중인 체납은 제외)" if appealed else "")))
    for text in _recognised(f.disclosure_exclusions, table):
        reasons.append(Reason(ref_x, "exclusion", f"공개하지 않는 사유가 있습니다: {text}"))
    rereview: date | None = None
    if f.disclosure_notified_on is None:
        if candidate:
            reasons.append(Reason(ref_n, "notice",
                                  "명단공개 대상자임을 알리는 통지(소명 기회)가 아직 없습니다"))
    else:
        rereview = explanation_period_end(f.jurisdiction, f.disclosure_notified_on) + timedelta(days=1)
        details["rereview_from"] = rereview
        if on < rereview:
            reasons.append(Reason(ref_n, "explanation_period",
                                  f"소명 기간 중입니다 — 통지일({kdate(f.disclosure_notified_on)})부터 {notice_months}개월이 "
                                  f"지난 {kdate(rereview)}부터 재심의할 수 있습니다"))
        notified = f.disclosure_notified_arrears or 0
        paid = sum(p.amount for p in f.payments if f.disclosure_notified_on <= p.date <= on)
        details["paid_since_notice"] = paid
        ratio_p = _param(f.jurisdiction, "disclosure.paid_ratio", on)
        ratio = params.typed_value(ratio_p, Fraction)
        details["paid_ratio_min"] = ratio
        if notified > 0 and paid >= ratio * notified:
            reasons.append(Reason(ratio_p.ref, "paid_ratio",
                                  f"통지 후 체납액 {won(notified)}의 {_pct(ratio)} 이상({won(paid)})을 납부하였습니다"))
    ok = not reasons
    stage = ("not-eligible" if not candidate else "notify" if f.disclosure_notified_on is None
             else "explanation" if rereview is not None and on < rereview else "re-review")
    details["stage"] = stage
    if ok:
        details["publication_date"] = publication_date(f.jurisdiction, on)
    _step(trace, "고액·상습체납자 명단공개", f"지방세징수법 제11조①③; {ref_a}; {ref_m}; {ref_n}",
          {"1년 경과 체납액": base, "기준 금액": amount_min, "통지일": f.disclosure_notified_on, "재심의 가능일": rereview,
           "제외 사유": sorted(f.disclosure_exclusions)}, ok)
    if ok:
        pub = details.get("publication_date")
        step = ("지방세심의위원회가 납부이행 등을 고려하여 재심의하고 공개대상자를 선정합니다 (제11조③). 공개는 관보·공보, "
                "행정안전부·지방자치단체 정보통신망 게시 등으로 합니다 (제11조④)"
                + (f"; 전국 동시 공개일(관행)은 {kdate(pub)}입니다." if isinstance(pub, date) else "."))
    elif stage == "notify" and not any(r.condition == "exclusion" for r in reasons):
        step = ("지방세심의위원회 심의를 거쳐 명단공개 대상자임을 통지하고 소명 기회를 줍니다 (제11조③). 통지에는 납부 촉구와 "
                "공개 제외 사유의 소명자료 제출 안내를 담습니다 (시행령 제19조②).")
    elif stage == "explanation" and len(reasons) == 1:
        step = f"소명 기간이 끝난 뒤 {kdate(rereview)}부터 재심의할 수 있습니다."
    else:
        step = "명단을 공개할 수 없습니다."
    return ok, reasons, step, details


def _pct(r: Fraction) -> str:
    x = r * 100
    return f"{x.numerator}%" if x.denominator == 1 else f"{float(x):g}%"


def _plate(f: Facts, on: date, trace: Trace | None) -> _Result:
    rule = _param(f.jurisdiction, "plate.impound_after_demand", on)
    vehicle_levies = [lv for lv in f.levies if lv.tax_item == VEHICLE_TAX and lv.vehicle and lv.in_arrears(on)]
    cars: dict[str, list[Levy]] = {}
    for lv in vehicle_levies:
        cars.setdefault(str(lv.vehicle), []).append(lv)
    reasons: list[Reason] = []
    vehicles: list[dict[str, Any]] = []
    warn: list[str] = []
    for car, levies in sorted(cars.items()):
        ready = [lv for lv in levies if not lv.installment and lv.demand_due_date is not None
                 and on > lv.demand_due_date]
        vehicles.append({"vehicle": car, "qualifies": bool(ready), "levies": [lv.id for lv in levies],
                         "arrears": _total(levies)})
        if ready:
            continue
        for lv in levies:
            if lv.installment:
                reasons.append(Reason("지방세징수법 제25조의2·제28조③", "installment",
                                      f"{car}: {josa(lv.id, '은')} 징수유예(분할납부) 중입니다"))
            elif lv.demand_due_date is None:
                reasons.append(Reason(rule.ref, "demand",
                                      f"{car}: {lv.id}의 독촉장이 발급되지 않았습니다 (독촉기간 내 미납이 영치 요건)"))
            else:
                reasons.append(Reason(rule.ref, "demand_due",
                                      f"{car}: {lv.id}의 독촉기한({kdate(lv.demand_due_date)})이 지나지 않았습니다"))
                warn.append(f"{car} — 독촉기한 {kdate(lv.demand_due_date)}")
    if not cars:
        reasons.append(Reason("지방세법 제131조①", "vehicle_arrears", "체납된 자동차세(차량 지정)가 없습니다"))
    ok = any(v["qualifies"] for v in vehicles) and rule.value is True
    if ok:
        reasons = []
    details: dict[str, Any] = {"vehicles": vehicles}
    _step(trace, "자동차등록번호판 영치", rule.ref, {"차량": [v["vehicle"] for v in vehicles]}, ok)
    release_step = _plate_release(f, on, details, trace)
    if release_step:
        step = release_step
    elif ok:
        step = ("자동차등록증을 발급하지 아니하거나 등록번호판을 영치해야 합니다 (지방세법 제131조①, 시행령 제128조②) — "
                "영치하면 납세의무자에게 통지합니다 (③). 직접적인 생계유지 목적의 차량이면 일시 해제를 검토합니다 (제131조②).")
    elif warn:
        step = ("독촉기한까지 납부하지 않으면 번호판을 영치해야 합니다 (시행령 제128조②): 영치 예고(사전 안내)를 보낼 수 "
                "있습니다 — " + ", ".join(warn).removesuffix(".") + ".")
    else:
        step = "번호판 영치 요건이 갖추어지지 않았습니다."
    return ok, reasons, step, details


def _plate_release(f: Facts, on: date, details: dict[str, Any], trace: Trace | None) -> str:
    if f.plate_impounded_on is None:
        return ""
    owed = [lv for lv in f.levies if lv.tax_item == VEHICLE_TAX and lv.vehicle and lv.in_arrears(on)]
    release: dict[str, Any] = {"impounded_on": f.plate_impounded_on}
    details["release"] = release
    if not owed:
        release["required"] = True
        _step(trace, "영치 번호판 반환", "지방세법 시행령 제128조④", {"체납 자동차세": 0}, True)
        return ("체납된 자동차세를 납부하였으므로 영치한 번호판을 즉시 내주어야 합니다 (시행령 제128조④).")
    release["required"] = False
    p_months = params.find(f.jurisdiction, "enforcement.plate.temporary_release_months", on)
    if p_months is None:
        release["temporary_release"] = None
        return ""
    months, _ = _int(f.jurisdiction, "plate.temporary_release_months", on)
    ext, _ = _int(f.jurisdiction, "plate.temporary_release_extension_months", on)
    others = [lv for lv in _active(f, on) if lv.tax_item != VEHICLE_TAX]
    temp: dict[str, Any] = {"allowed": f.plate_livelihood, "max_months": months, "extension_months": ext}
    release["temporary_release"] = temp
    if f.plate_release_from is not None:
        end = period_end(f.plate_release_from, months)
        if f.plate_release_extended:
            end = period_end(end, ext)
        temp["ends"] = end
        temp["active"] = f.plate_release_from <= on <= end
        temp["may_cancel"] = [
            _reason_json(Reason("지방세법 시행령 제128조의2④1호", "other_arrears",
                                f"다른 지방세를 체납하고 있습니다: {', '.join(lv.id for lv in others)}"))
        ] if others else []
        _step(trace, "영치 일시 해제 기간", "지방세법 제131조②, 시행령 제128조의2②",
              {"시작일": f.plate_release_from, "연장": f.plate_release_extended}, end)
        if on > end:
            return f"일시 해제 기간({kdate(end)}까지)이 끝났습니다 — 번호판을 다시 영치합니다."
        if others:
            return ("다른 지방세를 체납하고 있어 일시 해제를 취소하고 다시 영치할 수 있습니다 (시행령 제128조의2④1호).")
        return (f"일시 해제 중입니다 ({kdate(end)}까지). 사유가 해소되지 않으면 1회에 한하여 {ext}개월 범위에서 "
                "연장할 수 있습니다 (시행령 제128조의2②)." if not f.plate_release_extended
                else f"일시 해제(연장) 중입니다 ({kdate(end)}까지).")
    if f.plate_livelihood:
        return (f"생계유지 목적의 차량이므로 번호판을 내주고 영치를 {months}개월 이내로 일시 해제할 수 있습니다 "
                "(지방세법 제131조②, 시행령 제128조의2②; 분할납부 조건을 붙일 수 있음, ③).")
    return ""


def _seizure(f: Facts, on: date, trace: Trace | None) -> _Result:
    rows: list[dict[str, Any]] = []
    reasons: list[Reason] = []
    for lv in _active(f, on):
        ground: str | None = None
        scope = "all"
        why: list[Reason] = []
        if lv.installment:
            why.append(Reason("지방세징수법 제28조③", "installment",
                              f"{lv.id}: 징수유예 기간 중에는 그 체납액에 대하여 체납처분을 할 수 없습니다"))
        elif lv.early_collection:
            ground = "지방세징수법 제33조①2호"
        elif lv.demand_due_date is not None and on > lv.demand_due_date:
            ground = "지방세징수법 제33조①1호"
        else:
            if lv.tax_item == VEHICLE_TAX and lv.vehicle:
                ground, scope = "지방세법 제133조", "vehicle"
            if lv.demand_due_date is None:
                why.append(Reason("지방세징수법 제33조①1호, 제32조①", "demand",
                                  f"{lv.id}: 독촉장이 발급되지 않았습니다 (납부기한이 지난 날부터 50일 이내 발급)"))
            else:
                why.append(Reason("지방세징수법 제33조①1호", "demand_due",
                                  f"{lv.id}: 독촉장의 납부기한({kdate(lv.demand_due_date)})이 지나지 않았습니다"))
        row: dict[str, Any] = {"id": lv.id, "qualifies": ground is not None, "ground": ground, "scope": scope}
        if ground is not None and scope == "vehicle":
            row["note"] = f"독촉 없이 해당 자동차({lv.vehicle})에 한하여 즉시 체납처분할 수 있습니다"
        if lv.appeal_pending and ground is not None:
            row["auction_blocked"] = "심판청구등이 계속 중이면 결정·판결 확정 전에는 공매할 수 없습니다 (제71조⑤)"
        if ground is None:
            row["reasons"] = [_reason_json(r) for r in why]
            reasons += why
        rows.append(row)
    if not rows:
        reasons.append(Reason("지방세징수법 제33조①", "arrears", "납부기한이 지난 체납액이 없습니다"))
    ok = any(r["qualifies"] for r in rows)
    if ok:
        reasons = []
    _step(trace, "압류 요건", "지방세징수법 제33조①, 지방세법 제133조",
          {lv["id"]: lv["ground"] for lv in rows}, ok)
    step = ("재산을 압류합니다 (제33조①) — 압류금지 재산(제40조)과 급여채권 한도(제42조)를 확인하고, 징수에 필요한 재산 "
            "외에는 압류하지 않습니다 (제43조). 동산은 점유(제48조), 채권은 제3채무자 통지(제51조), 부동산은 압류등기 "
            "촉탁(제55조), 자동차는 압류등록 촉탁(제56조)."
            if ok else "압류 요건(독촉 후 기한 경과 등)이 갖추어지지 않았습니다.")
    return ok, reasons, step, {"levies": rows}


_MEASURE_FUNCS: dict[str, Callable[[Facts, date, Trace | None], _Result]] = {
    "license_refusal": _license_refusal,
    "license_suspension": _license_suspension,
    "exit_ban": _exit_ban,
    "credit_report": _credit,
    "disclosure": _disclosure,
    "plate_impound": _plate,
    "seizure": _seizure,
}


def _reason_json(r: Reason) -> dict[str, str]:
    return {"article": r.article, "condition": r.condition, "message": r.message}


# ---------------------------------------------------------------------------------------------------------
# next change


def _candidates(f: Facts, as_of: date) -> list[date]:
    days: set[date] = set()
    for lv in f.levies:
        days.add(lv.arrears_date)
        for months in (12, 24):
            passed = one_year_passed_on(lv, months)
            days.add(passed)
        # 제9조①2호 window: the levy leaves the year ending on the date judged
        days.add(add_months(lv.arrears_date, 12))
        days.add(add_months(lv.arrears_date, 12) + timedelta(days=1))
        if lv.demand_due_date is not None:
            days.add(lv.demand_due_date + timedelta(days=1))
    if f.disclosure_notified_on is not None:
        for months in (6,):
            days.add(period_end(f.disclosure_notified_on, months) + timedelta(days=1))
    days.update(_boundaries(f.jurisdiction))
    return sorted(d for d in days if d > as_of)


def next_change(f: Facts, as_of: date, measure: str, now: bool) -> date | None:
    """The first day after `as_of` on which `measure`'s answer differs from `now`, if nothing else happens."""
    fn = _MEASURE_FUNCS[measure]
    for d in _candidates(f, as_of):
        try:
            q = fn(f, d, None)[0]
        except NoRuleForDate:
            return None
        if q != now:
            return d
    return None


# ---------------------------------------------------------------------------------------------------------
# checks: seizure release, exempt property


def _seizure_release(f: Facts, on: date, trace: Trace | None) -> tuple[dict[str, Any], ...]:
    by_id = {lv.id: lv for lv in f.levies}
    out: list[dict[str, Any]] = []
    for s in f.seizures:
        must: list[Reason] = []
        may: list[Reason] = []
        linked = [by_id[i] for i in s.levy_ids]
        if linked and all(lv.amount == 0 for lv in linked):
            must.append(Reason("지방세징수법 제63조①1호", "paid", "압류에 관계되는 체납액이 모두 납부·충당되어 압류가 필요 없게 되었습니다"))
        elif any(lv.amount == 0 for lv in linked):
            may.append(Reason("지방세징수법 제63조②2호", "partly-paid", "압류에 관계되는 체납액의 일부가 납부되거나 충당되었습니다"))
        for code in sorted(s.facts):
            required, article, text = RELEASE_FACTS[code]
            (must if required else may).append(Reason(article, code, text))
        nxt: date | None = None
        if s.precautionary and not s.determined:
            months, ref = _int(f.jurisdiction, "seizure.precautionary_months", on)
            limit = period_end(s.seized_on, months)
            if on > limit:
                must.append(Reason(ref, "not-determined",
                                   f"압류한 날부터 {months}개월({kdate(limit)}까지)이 지나도록 지방세를 확정하지 않았습니다"))
            else:
                nxt = limit + timedelta(days=1)
        row = {"id": s.id, "must_release": bool(must), "may_release": bool(may),
               "reasons": [_reason_json(r) for r in must + may], "next_change": nxt}
        _step(trace, "압류 해제 요건", "지방세징수법 제63조, 제33조⑤", {"압류": s.id, "사실": sorted(s.facts)},
              {"해제해야 함": bool(must), "해제할 수 있음": bool(may)})
        out.append(row)
    return tuple(out)


def _property(f: Facts, as_of: date, trace: Trace | None) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for p in f.properties:
        on = p.seized_on or as_of
        exempt, ref = _table(f.jurisdiction, "seizure.exempt", on)
        cond, ref_c = _table(f.jurisdiction, "seizure.conditionally_exempt", on)
        if p.klass in exempt:
            row = {"id": p.id, "seizable": False, "article": ref, "reason": f"압류할 수 없는 재산입니다: {exempt[p.klass]}"}
        elif p.klass in cond and p.other_property_offered:
            row = {"id": p.id, "seizable": False, "article": ref_c,
                   "reason": f"체납액에 충당할 만한 다른 재산을 제공하였으므로 압류할 수 없습니다: {cond[p.klass]}"}
        elif p.klass in cond:
            row = {"id": p.id, "seizable": True, "article": ref_c,
                   "reason": f"조건부 압류금지 재산 — 다른 재산을 제공하면 압류할 수 없습니다: {cond[p.klass]}"}
        else:
            row = {"id": p.id, "seizable": True, "article": ref,
                   "reason": f"{kdate(on)}에 시행되던 규정상 압류금지 재산이 아닙니다"}
        _step(trace, "압류금지 재산", str(row["article"]), {"재산": p.id, "분류": p.klass, "압류일": on}, row["seizable"])
        out.append(row)
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# the typed API


def evaluate(facts: Facts, as_of: date, trace: Trace | None = None,
             measures: Iterable[str] = MEASURES) -> Evaluation:
    """The `measures` (default: all) for `facts` on `as_of` (deterministic: no clock). Raises `NoRuleForDate`
    (field ``as_of``) when a rule a measure needs has no version for the date."""
    outcomes: dict[str, Outcome] = {}
    for name in measures:
        fn = _MEASURE_FUNCS[name]
        ok, reasons, step, details = fn(facts, as_of, trace)
        outcomes[name] = Outcome(name, ok, tuple(reasons), step, next_change(facts, as_of, name, ok), details)
    return Evaluation(as_of, facts.jurisdiction, outcomes, _seizure_release(facts, as_of, trace),
                      _property(facts, as_of, trace))


def outcome_json(o: Outcome) -> dict[str, Any]:
    return {"qualifies": o.qualifies, "reasons": [_reason_json(r) for r in o.reasons],
            "next_change": o.next_change, "next_step": o.next_step, **dict(o.details)}


# ---------------------------------------------------------------------------------------------------------
# JSON input

_TOP = ("jurisdiction", "as_of", "measures", "levies", "payments", "licensed_business", "exceptions", "exit_ban",
        "credit_exclusions", "disclosure", "plate", "seizures", "property")
_LEVY = ("id", "tax_item", "amount", "due_date", "demand_due_date", "early_collection", "appeal_pending",
         "installment", "vehicle")


def _obj(v: object, where: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise InputError(where, f"{josa(where, '은')} 객체여야 합니다")
    return v


def _list(data: Mapping[str, Any], key: str, where: str | None = None) -> list[Any]:
    f = where or key
    v = data.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise InputError(f, f"{josa(f, '은')} 목록이어야 합니다")
    return v


def _unknown(obj: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed_set = set(allowed)
    for k in obj:
        if k not in allowed_set:
            raise InputError(f"{where}.{k}", f"알 수 없는 입력 항목입니다: {where}.{k} (가능: {', '.join(sorted(allowed_set))})")


def _sub_date(obj: Mapping[str, Any], key: str, where: str, *, required: bool, as_of: date | None) -> date | None:
    f = f"{where}.{key}" if where else key
    if obj.get(key) is None:
        if required:
            raise InputError(f, f"{f} 항목이 필요합니다 (날짜, YYYY-MM-DD)")
        return None
    try:
        d = field_date(dict(obj), key)
    except InputError as e:
        raise InputError(f, e.message.replace(key, f, 1)) from None
    if as_of is not None and d > as_of:
        raise InputError(f, f"{josa(f, '은')} 기준일(as_of {as_of.isoformat()}) 이후일 수 없습니다: {d.isoformat()}")
    return d


def _sub_bool(obj: Mapping[str, Any], key: str, where: str) -> bool:
    f = f"{where}.{key}" if where else key
    try:
        return field_bool(dict(obj), key, default=False)
    except InputError:
        raise InputError(f, f"{josa(f, '은')} true 또는 false여야 합니다") from None


def _subwon(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> int | None:
    f = f"{where}.{key}"
    v = obj.get(key)
    if v is None:
        if required:
            raise InputError(f, f"{f} 항목이 필요합니다 (원 단위 정수)")
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f, f"{josa(f, '은')} 정수여야 합니다 (금액은 원 단위 정수)")
    if v < 0:
        raise InputError(f, f"{josa(f, '은')} 0 이상이어야 합니다")
    return v


def _codes(obj: Mapping[str, Any], key: str, where: str, table_path: str) -> frozenset[str]:
    f = f"{where}.{key}" if where else key
    raw = obj.get(key)
    if raw is None:
        return frozenset()
    known = _all_codes(table_path)
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise InputError(f, f"{josa(f, '은')} 코드 문자열의 목록이어야 합니다 (가능: {', '.join(sorted(known))})")
    for c in raw:
        if c not in known:
            raise InputError(f, f"{f}: 알 수 없는 코드입니다: {c!r} (가능: {', '.join(sorted(known))})")
    return frozenset(raw)


def _id(obj: Mapping[str, Any], where: str, seen: set[str]) -> str:
    v = obj.get("id")
    if not isinstance(v, str) or not v.strip():
        raise InputError(f"{where}.id", f"{where}.id 항목이 필요합니다 (문자열)")
    if v in seen:
        raise InputError(f"{where}.id", f"{where}.id가 중복됩니다: {v}")
    seen.add(v)
    return v


def _parse_levy(raw: object, where: str, seen: set[str], as_of: date) -> Levy:
    o = _obj(raw, where)
    _unknown(o, _LEVY, where)
    lid = _id(o, where, seen)
    item = o.get("tax_item")
    if not isinstance(item, str) or item not in TAX_ITEMS:
        raise InputError(f"{where}.tax_item", f"{where}.tax_item 값이 올바르지 않습니다: {item!r} "
                                             f"(세목 코드: {', '.join(f'{k} {v.name}' for k, v in TAX_ITEMS.items())})")
    amount = _subwon(o, "amount", where)
    assert amount is not None
    due = _sub_date(o, "due_date", where, required=True, as_of=None)
    assert due is not None
    demand_due = _sub_date(o, "demand_due_date", where, required=False, as_of=None)
    if demand_due is not None and demand_due <= due:
        raise InputError(f"{where}.demand_due_date",
                         f"{where}.demand_due_date(독촉장의 납부기한)는 납부기한({due.isoformat()}) 뒤여야 합니다")
    vehicle = o.get("vehicle")
    if vehicle is not None:
        if not isinstance(vehicle, str) or not vehicle.strip():
            raise InputError(f"{where}.vehicle", f"{where}.vehicle은 차량 등록번호 문자열이어야 합니다")
        if item != VEHICLE_TAX:
            raise InputError(f"{where}.vehicle", f"{where}.vehicle은 자동차세(tax_item {VEHICLE_TAX})에만 줄 수 있습니다")
    return Levy(lid, item, amount, due, demand_due, _sub_bool(o, "early_collection", where),
                _sub_bool(o, "appeal_pending", where), _sub_bool(o, "installment", where), vehicle)


def parse_measures(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The optional ``measures`` list (default: all of `MEASURES`)."""
    raw = data.get("measures")
    if raw is None:
        return MEASURES
    if not isinstance(raw, list) or not raw or any(m not in MEASURES for m in raw) or len(set(raw)) != len(raw):
        raise InputError("measures", f"measures는 다음 중 하나 이상의 목록이어야 합니다 (중복 없이): {', '.join(MEASURES)}")
    return tuple(raw)


def parse(data: Mapping[str, Any]) -> tuple[Facts, date]:
    """The calculator's JSON input → (`Facts`, as-of date); `InputError` names the JSON field."""
    check_fields(dict(data), _TOP)
    jurisdiction = field_jurisdiction(dict(data))
    as_of = field_date(dict(data), "as_of")
    seen: set[str] = set()
    levies = tuple(_parse_levy(raw, f"levies[{i}]", seen, as_of) for i, raw in enumerate(_list(data, "levies")))
    by_id = {lv.id for lv in levies}
    payments: list[Payment] = []
    for i, raw in enumerate(_list(data, "payments")):
        w = f"payments[{i}]"
        o = _obj(raw, w)
        _unknown(o, ("date", "amount"), w)
        d = _sub_date(o, "date", w, required=True, as_of=as_of)
        amt = _subwon(o, "amount", w)
        assert d is not None and amt is not None
        payments.append(Payment(d, amt))
    exit_o = _obj(data.get("exit_ban") or {}, "exit_ban")
    _unknown(exit_o, ("conditions", "unsecured", "banned_since", "secured", "prescription_complete"), "exit_ban")
    disc = _obj(data.get("disclosure") or {}, "disclosure")
    _unknown(disc, ("notified_on", "notified_arrears", "exclusions"), "disclosure")
    notified_on = _sub_date(disc, "notified_on", "disclosure", required=False, as_of=as_of)
    notified_arrears = _subwon(disc, "notified_arrears", "disclosure", required=notified_on is not None)
    if notified_arrears is not None and notified_on is None:
        raise InputError("disclosure.notified_on", "disclosure.notified_arrears를 쓰려면 disclosure.notified_on(통지일)이 필요합니다")
    plate = _obj(data.get("plate") or {}, "plate")
    _unknown(plate, ("impounded_on", "livelihood", "temporary_release_from", "extended"), "plate")
    impounded_on = _sub_date(plate, "impounded_on", "plate", required=False, as_of=as_of)
    release_from = _sub_date(plate, "temporary_release_from", "plate", required=False, as_of=as_of)
    if release_from is not None and (impounded_on is None or release_from < impounded_on):
        raise InputError("plate.temporary_release_from",
                         "plate.temporary_release_from(일시 해제일)은 plate.impounded_on(영치일) 이후여야 합니다")
    seizures: list[Seizure] = []
    sids: set[str] = set()
    for i, raw in enumerate(_list(data, "seizures")):
        w = f"seizures[{i}]"
        o = _obj(raw, w)
        _unknown(o, ("id", "levy_ids", "seized_on", "precautionary", "determined", "facts"), w)
        sid = _id(o, w, sids)
        ids = o.get("levy_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(x, str) for x in ids):
            raise InputError(f"{w}.levy_ids", f"{w}.levy_ids는 압류에 관계되는 levies의 id 목록이어야 합니다 (한 개 이상)")
        for x in ids:
            if x not in by_id:
                raise InputError(f"{w}.levy_ids", f"{w}.levy_ids: levies에 없는 id입니다: {x!r}")
        seized_on = _sub_date(o, "seized_on", w, required=True, as_of=as_of)
        assert seized_on is not None
        facts_raw = o.get("facts") or []
        if not isinstance(facts_raw, list) or any(c not in RELEASE_FACTS for c in facts_raw):
            raise InputError(f"{w}.facts", f"{w}.facts: 알 수 없는 코드가 있습니다 (가능: {', '.join(RELEASE_FACTS)})")
        precautionary = _sub_bool(o, "precautionary", w)
        determined = _sub_bool(o, "determined", w) if o.get("determined") is not None else not precautionary
        seizures.append(Seizure(sid, tuple(ids), seized_on, precautionary, determined, frozenset(facts_raw)))
    props: list[Property] = []
    pids: set[str] = set()
    classes = _all_codes("seizure.exempt") | _all_codes("seizure.conditionally_exempt")
    for i, raw in enumerate(_list(data, "property")):
        w = f"property[{i}]"
        o = _obj(raw, w)
        _unknown(o, ("id", "class", "other_property_offered", "seized_on"), w)
        pid = _id(o, w, pids)
        klass = o.get("class")
        if not isinstance(klass, str) or klass not in classes:
            raise InputError(f"{w}.class", f"{w}.class 값이 올바르지 않습니다: {klass!r} (가능: {', '.join(sorted(classes))})")
        props.append(Property(pid, klass, _sub_bool(o, "other_property_offered", w),
                              _sub_date(o, "seized_on", w, required=False, as_of=as_of)))
    facts = Facts(
        jurisdiction=jurisdiction,
        levies=levies,
        payments=tuple(payments),
        licensed_business=_sub_bool(data, "licensed_business", ""),
        license_exceptions=_codes(data, "exceptions", "", "license.exceptions"),
        exit_conditions=_codes(exit_o, "conditions", "exit_ban", "exit_ban.conditions"),
        exit_unsecured=_sub_bool(exit_o, "unsecured", "exit_ban"),
        exit_banned_since=_sub_date(exit_o, "banned_since", "exit_ban", required=False, as_of=as_of),
        exit_secured=_sub_bool(exit_o, "secured", "exit_ban"),
        prescription_complete=_sub_bool(exit_o, "prescription_complete", "exit_ban"),
        credit_exclusions=_codes(data, "credit_exclusions", "", "credit.exclusions"),
        disclosure_notified_on=notified_on,
        disclosure_notified_arrears=notified_arrears,
        disclosure_exclusions=_codes(disc, "exclusions", "disclosure", "disclosure.exclusions"),
        plate_impounded_on=impounded_on,
        plate_livelihood=_sub_bool(plate, "livelihood", "plate"),
        plate_release_from=release_from,
        plate_release_extended=_sub_bool(plate, "extended", "plate"),
        seizures=tuple(seizures),
        properties=tuple(props),
    )
    return facts, as_of


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``enforcement``: every measure for one taxpayer on `as_of` (docs/calc.md §14)."""
    facts, as_of = parse(data)
    ev = evaluate(facts, as_of, trace, parse_measures(data))
    active = _active(facts, as_of)
    return {
        "as_of": as_of,
        "jurisdiction": facts.jurisdiction,
        "arrears": {
            "total": _total(active),
            "count": len(active),
            "levies": [{"id": lv.id, "tax_item": lv.tax_item, "amount": lv.amount, "due_date": lv.due_date,
                        "arrears_date": lv.arrears_date, "one_year_passed_on": one_year_passed_on(lv),
                        "in_arrears": lv.in_arrears(as_of)} for lv in facts.levies],
        },
        "measures": {name: outcome_json(o) for name, o in ev.measures.items()},
        "seizure_release": list(ev.seizure_release),
        "property": list(ev.property),
    }
