"""세입징수 포상금 (collection rewards): calculators ``reward`` and ``reward-clawback``.

The ordinances are data (``params/<구>/reward.yaml``); the national layer (지방세기본법 제146조, 시행령 제82조, and the
지방세환급가산금 이율 used for clawback interest) is in ``params/kr/reward.yaml``. docs/rewards.md explains every
interpretive decision; docs/calc.md §9 is the JSON contract.

Order of the computation for one decision (`calculate`):

1. Each merit: eligibility (type, method, 연차, exclusions, 국장급, 민간인, 공무원 직무) and its gross amount
   G = rate × base (1원 미만 버림). The layer that decides is the ordinance, or — for informant merits and
   은닉재산 신고 from the day the decree table is in force — 지방세기본법 시행령 제82조.
   제3조6호나목 (before the national layer): the tier is chosen by 탈루세액 등 and its formula is applied to 징수액.
2. Per-merit caps on G: 건당 30만원 for 제3조1~4호 — for arrears (1~3호) on the officials' part of G (Σ official
   shares × G, "공무원간의 공동지급의 경우를 포함"), then divided among the officials by their shares (reading
   ``officials-pool``); for 제3조4 on the whole merit (its civilians have no 단서); 1천만원
   for 제3조5·6호, 1억원 for the national table. 영등포 민간인 on an arrears merit: G × share capped at 1천만원
   (제4조① 단서), outside the officials' 30만원. Shares are exact fractions.
3. Each claimant's amount on its own: 1원 미만 버림, 10원 미만 절사 (국고금 관리법 제47조①) — equal shares are equal
   payments; what the split leaves is paid to no one (reading ``remainder-unpaid``).
4. Per person per month cap (100만원, 제3조1~4호 only), allocated merit by merit in the order
   (collected_on or decided_on, merit id), claimants in input order.
5. merit amount = Σ its claimants' payments; payee = Σ per (claimant id, month); total = Σ payees.

Each merit's output names the readings it used (``readings``: id, Korean text, article) where the text allows two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jingsu.korean import josa
from jingsu.law import params
from jingsu.law.calc import calculator, field_date, field_jurisdiction
from jingsu.law.errors import InputError, NoRuleForDate, ParamSchemaError
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.params import Brackets, Param
from jingsu.law.trace import Trace, jsonable

NAME = "reward"
CLAWBACK_NAME = "reward-clawback"

MERIT_TYPES = ("arrears", "unauthorized-use", "evasion", "informant", "proposal", "commission")
METHODS = (
    "seizure",
    "plate-impound",
    "license-restriction",
    "prosecution",
    "hidden-asset-report",
    "other-special",
    "regular-notice-paid-by-deadline",
    "auction-distribution",
    "auction-distribution-with-objection",
    "deferred-carryover",
)
KINDS = ("official", "civilian")
CLAWBACK_KINDS = ("fraud", "refunded")

_COMMON_FIELDS = {"id", "type", "claimants", "collected_on"}
_TYPE_FIELDS: dict[str, set[str]] = {
    "arrears": {"collected", "arrears_age", "method"},
    "unauthorized-use": {"assessed"},
    "evasion": {"collected"},
    "informant": {"evaded", "collected", "prosecuted", "verified", "official_on_duty", "national_tax_based"},
    "proposal": {"amount"},
    "commission": {"commission_fee"},
}
_CLAIMANT_FIELDS = {"id", "kind", "director_or_above", "direct", "share"}
_TOP_FIELDS = ("jurisdiction", "decided_on", "merits")
_CLAWBACK_FIELDS = ("jurisdiction", "kind", "amount", "paid_on", "notified_on")

_NATIONAL = "지방세기본법 시행령 제82조 (국가 층)"
_ORDINANCE_LAYER = "조례"


# ---------------------------------------------------------------------------------------------------------
# input


@dataclass(frozen=True, slots=True)
class Claimant:
    id: str
    kind: str
    director_or_above: bool
    direct: bool
    share: Fraction


@dataclass(frozen=True, slots=True)
class Merit:
    index: int
    id: str
    type: str
    claimants: tuple[Claimant, ...]
    collected_on: date | None
    values: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"merits[{self.index}]"


def parse_share(value: object, where: str) -> Fraction:
    """A share in (0, 1]: a JSON number (read by its shortest decimal form, so 0.1 is exactly 1/10), a decimal
    string ("0.5"), or an exact fraction ``{"num": 1, "den": 3}`` (as `reduction` accepts; a third has no decimal
    form, and equal shares must sum to exactly 1). The string "1/3" is refused. Kept exact as a Fraction."""
    if isinstance(value, bool) or value is None:
        raise InputError(where, f'{josa(where, "은")} 0보다 크고 1 이하인 수여야 합니다 (예: 0.5, "0.5", {{"num": 1, "den": 3}})')
    if isinstance(value, dict):
        if set(value) != {"num", "den"}:
            raise InputError(where, f'{where} 객체는 num과 den만 가집니다 (예: {{"num": 1, "den": 3}})')
        num, den = value["num"], value["den"]
        if any(isinstance(x, bool) or not isinstance(x, int) for x in (num, den)) or den <= 0:
            raise InputError(where, f"{where}의 num은 정수, den은 양의 정수여야 합니다")
        frac = Fraction(num, den)
        if not 0 < frac <= 1:
            raise InputError(where, f"{josa(where, '은')} 0보다 크고 1 이하여야 합니다: {num}/{den}")
        return frac
    text: str
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InputError(where, f'{josa(where, "은")} 수, 소수 문자열 또는 {{"num", "den"}} 객체여야 합니다 (예: 0.5, "0.5")')
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise InputError(where, f'{where}: 소수로 읽을 수 없습니다: {value!r} (예: "0.5")') from None
    if not d.is_finite():
        raise InputError(where, f"{josa(where, '은')} 유한한 수여야 합니다")
    share = Fraction(d)
    if not 0 < share <= 1:
        raise InputError(where, f"{josa(where, '은')} 0보다 크고 1 이하여야 합니다: {value!r}")
    return share


def _bool(obj: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    v = obj.get(key, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InputError(f"{where}.{key}", f"{where}.{josa(key, '은')} true 또는 false여야 합니다")
    return v


def _int(obj: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    f = f"{where}.{key}"
    if key not in obj or obj[key] is None:
        raise InputError(f, f"{f} 항목이 필요합니다")
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f, f"{josa(f, '은')} 정수여야 합니다 (금액은 원 단위 정수)")
    if v < minimum:
        raise InputError(f, f"{josa(f, '은')} {minimum:,} 이상이어야 합니다")
    return v


def _date(obj: Mapping[str, Any], key: str, where: str) -> date:
    try:
        return field_date(dict(obj), key)
    except InputError as e:
        raise InputError(f"{where}.{key}", e.message.replace(key, f"{where}.{key}", 1)) from None


def _unknown(obj: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for k in obj:
        if k not in allowed:
            raise InputError(f"{where}.{k}", f"알 수 없는 입력 항목입니다: {where}.{k} (가능: {', '.join(sorted(allowed))})")


def _parse_claimants(raw: object, where: str) -> tuple[Claimant, ...]:
    f = f"{where}.claimants"
    if not isinstance(raw, list) or not raw:
        raise InputError(f, f"{f}: 포상금을 받을 사람(claimants)이 한 명 이상 필요합니다")
    out: list[Claimant] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        w = f"{f}[{i}]"
        if not isinstance(c, dict):
            raise InputError(w, f"{josa(w, '은')} 객체여야 합니다")
        _unknown(c, _CLAIMANT_FIELDS, w)
        cid = _unique_id(c, w, seen, "같은 공적 안에서 중복됩니다")
        kind = c.get("kind")
        if kind not in KINDS:
            raise InputError(f"{w}.kind", f"{w}.kind 값이 올바르지 않습니다: {kind!r} (가능: official, civilian)")
        if "share" not in c or c["share"] is None:
            if len(raw) > 1:
                raise InputError(f"{w}.share", f"{w}.share 항목이 필요합니다 (여러 명이 나눌 때)")
            share = Fraction(1)
        else:
            share = parse_share(c["share"], f"{w}.share")
        out.append(
            Claimant(
                id=cid,
                kind=str(kind),
                director_or_above=_bool(c, "director_or_above", w, False),
                direct=_bool(c, "direct", w, False),
                share=share,
            )
        )
    total = sum((c.share for c in out), Fraction(0))
    if total != 1:
        raise InputError(f, f"{f}: 지분(share)의 합이 정확히 1이어야 합니다 (현재 {jsonable(total)})")
    return tuple(out)


def _unique_id(obj: dict[str, Any], where: str, seen: set[str], duplicate: str) -> str:
    """The object's non-empty string `id`, not seen before in its list (an input error naming `<where>.id`)."""
    oid = obj.get("id")
    if not isinstance(oid, str) or not oid.strip():
        raise InputError(f"{where}.id", f"{where}.id 항목이 필요합니다 (문자열)")
    if oid in seen:
        raise InputError(f"{where}.id", f"{where}.id가 {duplicate}: {oid}")
    seen.add(oid)
    return oid


def _parse_merits(raw: object) -> list[Merit]:
    if not isinstance(raw, list) or not raw:
        raise InputError("merits", "merits 항목이 필요합니다 (공적 목록, 한 건 이상)")
    merits: list[Merit] = []
    ids: set[str] = set()
    for i, m in enumerate(raw):
        where = f"merits[{i}]"
        if not isinstance(m, dict):
            raise InputError(where, f"{josa(where, '은')} 객체여야 합니다")
        mid = _unique_id(m, where, ids, "중복됩니다")
        typ = m.get("type")
        if typ not in MERIT_TYPES:
            raise InputError(f"{where}.type", f"{where}.type 값이 올바르지 않습니다: {typ!r} (가능: {', '.join(MERIT_TYPES)})")
        _unknown(m, _COMMON_FIELDS | _TYPE_FIELDS[str(typ)], where)
        collected_on = _date(m, "collected_on", where) if m.get("collected_on") is not None else None
        if typ == "arrears" and collected_on is None:
            raise InputError(f"{where}.collected_on", f"{where}.collected_on 항목이 필요합니다 (징수일, YYYY-MM-DD)")
        merits.append(
            Merit(
                index=i,
                id=mid,
                type=str(typ),
                claimants=_parse_claimants(m.get("claimants"), where),
                collected_on=collected_on,
                values=m,
            )
        )
    return merits


# ---------------------------------------------------------------------------------------------------------
# parameters


def _has_ordinance(jurisdiction: str) -> bool:
    return any(
        (params.PARAMS_DIR / j / "reward.yaml").is_file() for j in params.parents(jurisdiction) if j != params.NATIONAL
    )


def _get(jurisdiction: str, path: str, on: date, fld: str) -> Param:
    return params.get(jurisdiction, path, on, fld)


_value = params.typed_value


def _ordinance(jurisdiction: str, on: date, fld: str) -> tuple[str, Param]:
    if not _has_ordinance(jurisdiction):
        raise NoRuleForDate("reward.ordinance (세입징수 포상금 조례 미수록)", jurisdiction, on, field="jurisdiction")
    p = _get(jurisdiction, "reward.ordinance", on, fld)
    return str(_value(p, str)), p


# ---------------------------------------------------------------------------------------------------------
# per-merit evaluation


@dataclass(slots=True)
class _Line:
    claimant: Claimant
    amount: int  # after per-merit caps and 10원 미만 절사, before the monthly cap
    month_capped: bool
    paid: int = 0
    exact: Fraction = Fraction(0)  # the claimant's exact part before 1원·10원 끝수 (for the 끝수 reading)


@dataclass(slots=True)
class _Eval:
    merit: Merit
    eligible: bool
    reason: str
    layer: str
    gross: int
    month: str
    sort_date: date
    lines: list[_Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readings: list[dict[str, str]] = field(default_factory=list)


def _line(c: Claimant, exact: Fraction | int, month_capped: bool) -> _Line:
    """A claimant's line for an exact amount: 1원 미만 버림, then 10원 미만 절사 (국고금 관리법 제47조①), each
    payment on its own — so equal shares of one amount are equal payments."""
    fr = Fraction(exact)
    return _Line(c, trunc10(fr.numerator // fr.denominator), month_capped, exact=fr)


#: reading ids named in the output (docs/rewards.md §2 argues each)
READING_OFFICIALS_POOL = "officials-pool"
READING_REMAINDER = "remainder-unpaid"


class _Ctx:
    def __init__(self, jurisdiction: str, decided_on: date, trace: Trace | None) -> None:
        self.j = jurisdiction
        self.on = decided_on
        self.trace = trace
        self.name, self.ordinance_p = _ordinance(jurisdiction, decided_on, "decided_on")
        caps_p = _get(jurisdiction, "reward.caps", decided_on, "decided_on")
        self.caps: dict[str, int] = _value(caps_p, dict)
        self.caps_ref = caps_p.ref
        self.month_basis = str(_value(_get(jurisdiction, "reward.cap_month_basis", decided_on, "decided_on"), str))

    def param(self, path: str, fld: str = "decided_on", on: date | None = None) -> Param:
        return _get(self.j, path, on or self.on, fld)

    def step(self, rule: str, article: str, inputs: dict[str, Any], output: object) -> None:
        if self.trace is not None:
            self.trace.add(rule, article, inputs, output)


def _month_of(ctx: _Ctx, m: Merit) -> tuple[str, date]:
    sort_date = m.collected_on or ctx.on
    basis = m.collected_on if (ctx.month_basis == "collected_on" and m.collected_on is not None) else ctx.on
    return f"{basis.year:04d}-{basis.month:02d}", sort_date


def _new_eval(ctx: _Ctx, m: Merit, layer: str = _ORDINANCE_LAYER) -> _Eval:
    month, sort_date = _month_of(ctx, m)
    return _Eval(m, False, "", layer, 0, month, sort_date)


def _ineligible(ev: _Eval, reason: str) -> _Eval:
    ev.eligible = False
    ev.reason = reason
    ev.lines = [_Line(c, 0, False) for c in ev.merit.claimants]
    return ev


def _eval_arrears(ctx: _Ctx, m: Merit) -> _Eval:
    w = m.where
    collected = _int(m.values, "collected", w)
    age = _int(m.values, "arrears_age", w)
    method = m.values.get("method")
    if method not in METHODS:
        raise InputError(f"{w}.method", f"{w}.method 값이 올바르지 않습니다: {method!r} (가능: {', '.join(METHODS)})")
    assert m.collected_on is not None
    ev = _new_eval(ctx, m)
    if age < 1:
        return _ineligible(
            ev, f"{ctx.name} 제2조①1·제3조: 체납 연차 0 (당해연도 체납액)은 지난년도 체납액이 아님 — 지급 제외"
        )

    national = params.find(ctx.j, "reward.national.hidden_asset_tiers", ctx.on)
    if method == "hidden-asset-report" and national is not None:
        return _eval_hidden_asset_national(ctx, m, ev, collected, national)

    # 지급 제외 / 특별공적 (영등포 제2조②④·부칙 제2조; 중랑 제2조②)
    basis_p = ctx.param("reward.arrears.exclusion_date_basis")
    basis = str(_value(basis_p, str))
    excl_on = m.collected_on if basis == "collected_on" else ctx.on
    excl_p = params.find(ctx.j, "reward.arrears.excluded_methods", excl_on)
    excluded: dict[str, str] = _value(excl_p, dict) if excl_p is not None else {}
    qual_p = ctx.param("reward.arrears.qualifying_methods")
    qualifying: dict[str, str] = _value(qual_p, dict)
    if method in excluded:
        assert excl_p is not None
        ctx.step(
            f"공적 {m.id}: 지급 제외 징수 방법", excl_p.ref, {"method": method, "selecting_date": excl_on}, 0
        )
        return _ineligible(ev, f"{ctx.name} {excluded[method]} — 지급 제외")
    if method in qualifying:
        ground = qualifying[method]
        ground_ref = qual_p.ref
    else:
        # e.g. 영등포: collected before the 시행일 — 부칙 제2조 says 제2조④ applies only to later collections
        ground = f"부칙 제2조: 조례 시행 전 징수분({m.collected_on.isoformat()})이라 제2조④ 지급 제외를 적용하지 않음"
        ground_ref = basis_p.ref
    ctx.step(f"공적 {m.id}: 특별공적 인정 근거", ground_ref, {"method": method, "collected_on": m.collected_on}, ground)

    rates_p = ctx.param("reward.arrears.rates")
    rates: dict[str, Fraction] = _value(rates_p, dict)
    key = str(min(age, 3))
    rate = rates[key]
    gross = mul_floor(collected, rate)
    ev.gross = gross
    tier = {"1": "1년차", "2": "2년차", "3": "3년차 이상"}[key]
    article = {"1": "제3조1", "2": "제3조2", "3": "제3조3"}[key]
    ctx.step(
        f"공적 {m.id}: 지난년도 체납액 {tier} — 징수액 × 포상금률 (원 미만 버림) [조례]",
        rates_p.ref,
        {"collected": collected, "arrears_age": age, "rate": rate},
        gross,
    )

    civ_allowed = bool(_value(ctx.param("reward.arrears.civilians"), bool))
    director_article = str(_value(ctx.param("reward.arrears.director_rule"), str))
    per_case = ctx.caps["per_case"]
    # 제4조①1 "건당 30만원 (공무원간의 공동지급의 경우를 포함한다)": the officials of the merit together get at most
    # 30만원 — their part of G (Σ official shares) is capped, then divided among them by their shares. A civilian's
    # part is outside it (① 단서: 민간인은 1천만원 이하). With officials only, this is min(G, 30만) × share.
    off_share = sum((c.share for c in m.claimants if c.kind == "official"), Fraction(0))
    off_gross = gross * off_share
    pool = min(off_gross, Fraction(per_case))
    if off_share and pool < off_gross:
        ev.notes.append(f"제4조①1 건당 {per_case:,}원 한도 적용 (공무원 공동지급 포함)")
        ctx.step(f"공적 {m.id}: 건당 한도 (공무원 몫 합계)", ctx.caps_ref,
                 {"gross": gross, "official_share": off_share, "official_part": off_gross, "per_case": per_case},
                 pool)
    if off_share and off_share < 1:
        ev.readings.append({
            "id": READING_OFFICIALS_POOL,
            "text": (f"공무원·민간인 공동 공적: 건당 {per_case:,}원 한도는 공무원 몫(지분 합 {jsonable(off_share)})의 "
                     "합계에 적용하고, 민간인 몫은 그 한도 밖에서 제4조① 단서(민간인 1천만원 이하)를 따름"),
            "article": f"{ctx.name} 제4조①1호 괄호(공무원간의 공동지급)·① 단서",
        })
    eligible_any = False
    for c in m.claimants:
        if c.kind == "civilian":
            if not civ_allowed:
                ev.lines.append(_Line(c, 0, False))
                ev.notes.append(f"{c.id}: {ctx.name} 제2조①1 — 체납액 징수 포상금은 공무원만 대상 (민간인 지급 제외)")
                continue
            civ_cap = ctx.caps["civilian"]
            exact = min(gross * c.share, Fraction(civ_cap))
            if exact == civ_cap:
                ev.notes.append(f"{c.id}: 제4조① 단서 민간인 {civ_cap:,}원 한도")
            ev.lines.append(_line(c, exact, False))
            eligible_any = True
            continue
        if c.director_or_above and not c.direct:
            ev.lines.append(_Line(c, 0, True))
            ev.notes.append(f"{c.id}: {ctx.name} {director_article} 국장급 이상 관리직 — 직접 징수한 특별공적이 아니면 지급 제외")
            ctx.step(f"공적 {m.id}: 국장급 제외 ({c.id})", f"{ctx.name} {director_article}", {"direct": c.direct}, 0)
            continue
        ev.lines.append(_line(c, pool * c.share / off_share, True))
        eligible_any = True
    ev.eligible = eligible_any
    ev.reason = f"{ctx.name} {article}: {ground}; {tier} 체납액 — 징수액 {collected:,}원의 {_pct(rate)}"
    if not eligible_any:
        ev.reason = f"{ctx.name} {article}: 지급받을 수 있는 사람이 없음 — 지급 제외"
    return ev


def _eval_hidden_asset_national(ctx: _Ctx, m: Merit, ev: _Eval, collected: int, tiers_p: Param) -> _Eval:
    ev.layer = _NATIONAL
    floors: dict[str, int] = _value(ctx.param("reward.national.floors"), dict)
    cap_p = ctx.param("reward.national.cap")
    cap = int(_value(cap_p, int))
    floor = floors["hidden_asset"]
    if collected < floor:
        ctx.step(f"공적 {m.id}: 은닉재산 신고 최저 징수금액 [국가]", tiers_p.ref, {"collected": collected}, 0)
        return _ineligible(
            ev,
            f"지방세기본법 제146조②, 시행령 제82조④: 은닉재산 신고로 징수된 금액 {collected:,}원이 "
            f"{floor:,}원 미만 — 지급 제외",
        )
    tiers: Brackets = _value(tiers_p, Brackets)
    gross = min(tiers.apply(collected), cap)
    ev.gross = gross
    ctx.step(
        f"공적 {m.id}: 은닉재산 신고 포상금 = 징수금액 × 지급률표, 1억원 한도 [국가: 시행령 제82조②]",
        tiers_p.ref,
        {"collected": collected, "cap": cap},
        gross,
    )
    for c in m.claimants:
        if c.kind == "official":
            ev.lines.append(_Line(c, 0, False))
            ev.notes.append(f"{c.id}: 지방세기본법 제146조② — 공무원이 직무와 관련하여 은닉재산을 신고한 경우 지급 제외")
        else:
            ev.lines.append(_line(c, gross * c.share, False))
    ev.eligible = any(c.kind == "civilian" for c in m.claimants)
    ev.reason = (
        f"지방세기본법 제146조①2, 시행령 제82조②: 은닉재산 신고로 징수된 {collected:,}원에 지급률표 적용 "
        f"({gross:,}원, 건당 1억원 한도) — 국가 층이 조례보다 우선"
    )
    if not ev.eligible:
        ev.reason = "지방세기본법 제146조②: 공무원이 직무와 관련하여 은닉재산을 신고 — 지급 제외"
    return ev


def _eval_simple_rate(ctx: _Ctx, m: Merit, base_field: str, path: str, article: str, desc: str) -> _Eval:
    base = _int(m.values, base_field, m.where)
    p = ctx.param(path)
    rate: Fraction = _value(p, Fraction)
    gross = mul_floor(base, rate)
    ev = _new_eval(ctx, m)
    ev.gross = gross
    ctx.step(f"공적 {m.id}: {desc} × 포상금률 (원 미만 버림) [조례]", p.ref, {base_field: base, "rate": rate}, gross)
    ev.reason = f"{ctx.name} {article}: {desc} {base:,}원의 {_pct(rate)}"
    return ev


def _eval_unauthorized(ctx: _Ctx, m: Merit) -> _Eval:
    ev = _eval_simple_rate(ctx, m, "assessed", "reward.unauthorized_use.rate", "제3조4", "무단점용 등 발견 부과액")
    per_case = ctx.caps["per_case"]
    capped = min(ev.gross, per_case)
    if capped < ev.gross:
        ev.notes.append(f"제4조①1 건당 {per_case:,}원 한도 적용")
        ctx.step(f"공적 {m.id}: 건당 한도", ctx.caps_ref, {"gross": ev.gross, "per_case": per_case}, capped)
    ev.lines = [_line(c, capped * c.share, True) for c in m.claimants]
    ev.eligible = True
    return ev


def _cap_1000(ctx: _Ctx, ev: _Eval) -> int:
    cap = ctx.caps["evasion_informant"]
    capped = min(ev.gross, cap)
    if capped < ev.gross:
        ev.notes.append(f"제4조② {cap:,}원 한도 적용")
        ctx.step(f"공적 {ev.merit.id}: 제3조5·6호 한도", ctx.caps_ref, {"gross": ev.gross, "cap": cap}, capped)
    return capped


def _eval_evasion(ctx: _Ctx, m: Merit) -> _Eval:
    ev = _eval_simple_rate(ctx, m, "collected", "reward.evasion.rate", "제3조5", "포탈 등 적발 후 추징한 징수액")
    capped = _cap_1000(ctx, ev)
    ev.lines = [_line(c, capped * c.share, False) for c in m.claimants]
    ev.eligible = True
    return ev


def _eval_informant(ctx: _Ctx, m: Merit) -> _Eval:
    w = m.where
    evaded = _int(m.values, "evaded", w)
    collected = _int(m.values, "collected", w)
    prosecuted = _bool(m.values, "prosecuted", w, False)
    verified = _bool(m.values, "verified", w, True)
    on_duty = _bool(m.values, "official_on_duty", w, False)
    national_based = _bool(m.values, "national_tax_based", w, False)
    ev = _new_eval(ctx, m)

    tiers_p = params.find(ctx.j, "reward.national.informant_tiers", ctx.on)
    if tiers_p is not None:  # 지방세기본법 제146조⑦ → 시행령 제82조① decides, not the ordinance
        ev.layer = _NATIONAL
        if on_duty:
            return _ineligible(ev, "지방세기본법 제146조②: 공무원이 직무와 관련하여 자료를 제공 — 지급 제외")
        if not verified:
            return _ineligible(ev, "지방세기본법 제146조③: 사실이 확인되는 중요한 자료가 아님 — 지급 제외")
        floors: dict[str, int] = _value(ctx.param("reward.national.floors"), dict)
        if evaded < floors["informant"]:
            return _ineligible(
                ev,
                f"지방세기본법 제146조②, 시행령 제82조④: 탈루세액등 {evaded:,}원이 {floors['informant']:,}원 미만 — 지급 제외",
            )
        cap = int(_value(ctx.param("reward.national.cap"), int))
        tiers: Brackets = _value(tiers_p, Brackets)
        gross = min(tiers.apply(evaded), cap)
        ev.gross = gross
        ctx.step(
            f"공적 {m.id}: 탈루 자료 제공 포상금 = 탈루세액등 × 지급률표, 1억원 한도 [국가: 시행령 제82조①]",
            tiers_p.ref,
            {"evaded": evaded, "cap": cap},
            gross,
        )
        ev.lines = [_line(c, gross * c.share, False) for c in m.claimants]
        ev.eligible = True
        ev.reason = (
            f"지방세기본법 제146조①1, 시행령 제82조①: 탈루세액등 {evaded:,}원에 지급률표 적용 ({gross:,}원, "
            "1억원 한도) — 국가 층이 조례 제3조6호보다 우선"
        )
        return ev

    if prosecuted:
        p = ctx.param("reward.informant.prosecuted_rate")
        rate: Fraction = _value(p, Fraction)
        ev.gross = mul_floor(collected, rate)
        ctx.step(f"공적 {m.id}: 고발 후 추징 — 징수액 × 포상금률 [조례]", p.ref, {"collected": collected, "rate": rate}, ev.gross)
        ev.reason = f"{ctx.name} 제3조6가: 고발하고 추징한 징수액 {collected:,}원의 {_pct(rate)}"
    else:
        if on_duty:
            return _ineligible(ev, f"{ctx.name} 제3조6나 단서: 공무원이 직무와 관련하여 자료를 제공 — 지급 제외")
        if national_based:
            return _ineligible(ev, f"{ctx.name} 제3조6나 단서: 국세를 과세표준으로 하는 지방세에 대한 자료 — 지급 제외")
        min_p = ctx.param("reward.informant.min_evaded")
        minimum = int(_value(min_p, int))
        if evaded < minimum:
            return _ineligible(
                ev, f"{ctx.name} 제3조6나 단서: 탈루세액 등 {evaded:,}원이 신고 건당 {minimum:,}원 미만 — 지급 제외"
            )
        if not verified:
            return _ineligible(ev, f"{ctx.name} 제3조6나 단서: 제공된 자료의 사실검증을 할 수 없음 — 지급 제외")
        if collected <= 0:
            return _ineligible(
                ev, f"{ctx.name} 제3조6나·제8조②: 징수액이 없음 — 포상금은 해당 징수액의 수납이 확인된 후에 지급"
            )
        tp = ctx.param("reward.informant.tiers")
        tiers_o: Brackets = _value(tp, Brackets)
        # 나목 (1)~(3): "탈루세액 등이 … 이하(초과) : [base] + [over] 초과징수액의 [rate]" — the tier is chosen by
        # 탈루세액 등 (evaded) and its formula is applied to 징수액 (collected); the base is fixed by the tier.
        row = tiers_o.row_for(evaded)
        above = max(collected - row.over, 0)
        ev.gross = row.base + mul_floor(above, row.rate)
        ctx.step(
            f"공적 {m.id}: 탈루 자료 제공 — 탈루세액 등으로 구간을 고르고 그 산식을 징수액에 적용 [조례]",
            tp.ref,
            {"evaded": evaded, "collected": collected, "tier_over": row.over, "base": row.base, "rate": row.rate,
             "collected_above_over": above},
            ev.gross,
        )
        part, cond = {
            0: ("(1)", "1천만원 이상 5천만원 이하"),
            50_000_000: ("(2)", "5천만원 초과 1억원 이하"),
            100_000_000: ("(3)", "1억원 초과"),
        }.get(row.over, ("", ""))
        if row.over == 0:
            formula = f"징수액 {collected:,}원의 {_pct(row.rate)}"
        else:
            formula = (f"{row.base:,}원 + 징수액 {collected:,}원 중 {row.over:,}원 초과분 {above:,}원의 "
                       f"{_pct(row.rate)}")
            if above == 0:
                formula += f" (징수액이 {row.over:,}원 이하라 초과징수액 없음 — 문언대로 {row.base:,}원)"
        ev.reason = f"{ctx.name} 제3조6나{part}: 탈루세액 등 {evaded:,}원({cond}) — {formula}"
    capped = _cap_1000(ctx, ev)
    ev.lines = [_line(c, capped * c.share, False) for c in m.claimants]
    ev.eligible = True
    return ev


def _eval_proposal(ctx: _Ctx, m: Merit) -> _Eval:
    p = ctx.param("reward.proposal.range")
    rng: dict[str, int] = _value(p, dict)
    lo, hi = rng["min"], rng["max"]
    f = f"{m.where}.amount"
    if m.values.get("amount") is None:
        if lo != hi:
            raise InputError(f, f"{f} 항목이 필요합니다 (위원회가 정한 금액, {lo:,}원 이상 {hi:,}원 이하)")
        amount = lo
    else:
        amount = _int(m.values, "amount", m.where)
        if not lo <= amount <= hi:
            if lo == hi:
                raise InputError(f, f"{f}: {ctx.name} 제3조7은 건당 {lo:,}원입니다 (입력 {amount:,}원)")
            raise InputError(f, f"{f}: {ctx.name} 제3조7은 건당 {lo:,}원 이상 {hi:,}원 이하입니다 (입력 {amount:,}원)")
    ev = _new_eval(ctx, m)
    ev.gross = amount
    ctx.step(f"공적 {m.id}: 창의적 제안·제도개선 [조례]", p.ref, {"min": lo, "max": hi, "amount": amount}, amount)
    ev.lines = [_line(c, amount * c.share, False) for c in m.claimants]
    ev.eligible = True
    ev.reason = f"{ctx.name} 제3조7: 창의적 제안·제도개선 건당 {amount:,}원"
    return ev


def _eval_commission(ctx: _Ctx, m: Merit) -> _Eval:
    if params.find(ctx.j, "reward.commission.rate", ctx.on) is None:
        raise InputError(
            f"{m.where}.type", f"{m.where}.type: {ctx.name}에는 징수촉탁(commission) 포상금 조항이 없습니다"
        )
    ev = _eval_simple_rate(ctx, m, "commission_fee", "reward.commission.rate", "제3조8", "징수촉탁교부금")
    for c in m.claimants:
        if c.kind == "civilian":
            ev.lines.append(_Line(c, 0, False))
            ev.notes.append(f"{c.id}: {ctx.name} 제2조①4 — 징수촉탁 포상금은 공무원만 대상")
        else:
            ev.lines.append(_line(c, ev.gross * c.share, False))
    ev.eligible = any(c.kind == "official" for c in m.claimants)
    if not ev.eligible:
        ev.reason = f"{ctx.name} 제2조①4: 징수촉탁 포상금은 공무원만 대상 — 지급 제외"
    return ev


_EVALUATORS = {
    "arrears": _eval_arrears,
    "unauthorized-use": _eval_unauthorized,
    "evasion": _eval_evasion,
    "informant": _eval_informant,
    "proposal": _eval_proposal,
    "commission": _eval_commission,
}


def _pct(rate: Fraction) -> str:
    pct = rate * 100
    if pct.denominator == 1:
        return f"100분의 {pct.numerator}"
    return f"{jsonable(rate)}"


# ---------------------------------------------------------------------------------------------------------
# the calculator


def calculate(data: Mapping[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    """Rewards for one committee decision; same dict in and out as ``jingsu calc reward`` (raises `InputError`,
    `NoRuleForDate`)."""
    if not isinstance(data, Mapping):
        raise InputError(None, "입력은 JSON 객체여야 합니다")
    d = dict(data)
    for k in d:
        if k not in _TOP_FIELDS:
            raise InputError(k, f"알 수 없는 입력 항목입니다: {k} (가능: {', '.join(_TOP_FIELDS)})")
    j = field_jurisdiction(d)
    decided_on = field_date(d, "decided_on")
    merits = _parse_merits(d.get("merits"))
    ctx = _Ctx(j, decided_on, trace)
    ctx.step("포상금 조례", ctx.ordinance_p.ref, {"jurisdiction": j, "decided_on": decided_on}, ctx.name)

    evals = [_EVALUATORS[m.type](ctx, m) for m in merits]

    # monthly cap per person (제4조①2), in a fixed order: (collected_on or decided_on, merit id)
    month_cap = ctx.caps["per_person_month"]
    used: dict[tuple[str, str], int] = {}
    payees: dict[tuple[str, str], int] = {}
    for ev in sorted(evals, key=lambda e: (e.sort_date, e.merit.id)):
        for line in ev.lines:
            key = (line.claimant.id, ev.month)
            pay = line.amount
            if line.month_capped and pay > 0:
                room = max(month_cap - used.get(key, 0), 0)
                if pay > room:
                    ev.notes.append(
                        f"{line.claimant.id}: 제4조①2 개인별 월 {month_cap:,}원 한도 ({ev.month}) — "
                        f"{pay:,}원 중 {room:,}원 지급"
                    )
                    ctx.step(
                        f"공적 {ev.merit.id}: 개인별 월 한도 ({line.claimant.id}, {ev.month})",
                        ctx.caps_ref,
                        {"amount": pay, "already": used.get(key, 0), "cap": month_cap},
                        room,
                    )
                    pay = room
                used[key] = used.get(key, 0) + pay
            line.paid = pay
            if pay > 0:
                payees[key] = payees.get(key, 0) + pay

    out_merits: list[dict[str, Any]] = []
    for ev in evals:
        _remainder_reading(ctx, ev)
        amount = sum(line.paid for line in ev.lines)
        reason = ev.reason
        if ev.notes:
            reason = f"{reason} ({'; '.join(ev.notes)})"
        if ev.eligible:
            ctx.step(
                f"공적 {ev.merit.id}: 지급액 (한도·10원 미만 절사 후) — {ev.layer}",
                ctx.ordinance_p.ref if ev.layer == _ORDINANCE_LAYER else "지방세기본법 제146조, 시행령 제82조",
                {"gross": ev.gross, "claimants": {line.claimant.id: line.paid for line in ev.lines}},
                amount,
            )
        else:
            ctx.step(f"공적 {ev.merit.id}: 지급 제외 — {ev.layer}", reason, {"type": ev.merit.type}, 0)
        out_merits.append({"id": ev.merit.id, "eligible": ev.eligible, "amount": amount, "reason": reason,
                           "readings": ev.readings})

    payee_rows = [
        {"id": cid, "month": month, "amount": amt}
        for (cid, month), amt in sorted(payees.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    total = sum(payees.values())
    ctx.step(
        "합계 = 지급받을 사람·월별 합계의 합",
        "국고금 관리법 제47조① (10원 미만 끝수 계산하지 아니함, 지급액마다 적용)",
        {"payees": len(payee_rows)},
        total,
    )
    return {"merits": out_merits, "payees": payee_rows, "total": total}


def _remainder_reading(ctx: _Ctx, ev: _Eval) -> None:
    """Name the 끝수 reading when a merit split among several payees leaves won unpaid: each payee's part is floored
    to won and truncated below 10원 on its own (국고금 관리법 제47조① — the 끝수 of each 지출 is not computed), so
    equal shares pay equal amounts and the remainder goes to no one (it stays in the budget)."""
    payable = [line for line in ev.lines if line.exact > 0]
    if len(payable) < 2:
        return
    dropped = sum((line.exact for line in payable), Fraction(0)) - sum(line.amount for line in payable)
    won = dropped.numerator // dropped.denominator
    if won < 1:
        return
    ev.readings.append({
        "id": READING_REMAINDER,
        "text": (f"지분별 지급액마다 원 미만·10원 미만 끝수를 버려 같은 지분은 같은 금액; 나누고 남은 {won:,}원은 "
                 "누구에게도 지급하지 않음"),
        "article": "국고금 관리법 제47조① (지방세기본법 제59조 준용) — 지급액마다 적용",
    })
    ctx.step(f"공적 {ev.merit.id}: 지분 끝수 — 지급하지 않는 잔액", "국고금 관리법 제47조①",
             {"exact": {line.claimant.id: line.exact for line in payable},
              "paid": {line.claimant.id: line.amount for line in payable}}, won)


@calculator(NAME)
def _reward_calc(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    return calculate(data, trace)


# ---------------------------------------------------------------------------------------------------------
# clawback (환수, 제9조)


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """One stretch of days at one 환급가산금 이율: days ``start``..``end`` inclusive."""

    start: date
    end: date
    days: int
    rate: Fraction
    basis: str  # "annual" (× days / 365) or "daily" (× days)
    interest: int  # 1원 미만 버림
    ref: str


@dataclass(frozen=True, slots=True)
class ClawbackResult:
    principal: int
    interest: int
    total: int
    rate_periods: tuple[RatePeriod, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "interest": self.interest,
            "total": self.total,
            "rate_periods": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    "days": p.days,
                    "rate": jsonable(p.rate),
                    "basis": p.basis,
                    "interest": p.interest,
                }
                for p in self.rate_periods
            ],
        }


def clawback(
    jurisdiction: str, kind: str, amount: int, paid_on: date, notified_on: date, trace: Trace | None = None
) -> ClawbackResult:
    """환수액: ``refunded`` (제9조②, 이중부과 등으로 환급) → the reward without interest; ``fraud`` (제9조①③) →
    the reward plus interest at the 지방세환급가산금 이율 for the days after ``paid_on`` up to and including
    ``notified_on`` (민법 제157조 초일 불산입, via 지방세기본법 제23조), split where the rate changes. Each period's
    interest is floored to won; the interest total is truncated below 10원 (국고금 관리법 제47조①)."""
    if kind not in CLAWBACK_KINDS:
        raise InputError("kind", f"kind 값이 올바르지 않습니다: {kind!r} (가능: fraud, refunded)")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InputError("amount", "amount는 0 이상의 정수(원)여야 합니다")
    if notified_on < paid_on:
        raise InputError("notified_on", "notified_on(환수통지일)은 paid_on(지급일) 이후여야 합니다")
    name, op = _ordinance(jurisdiction, paid_on, "paid_on")
    if trace is not None:
        trace.add("포상금 조례", op.ref, {"jurisdiction": jurisdiction, "paid_on": paid_on}, name)
    if kind == "refunded":
        if trace is not None:
            trace.add(
                "이중부과 등 행정착오로 환급 — 지급한 포상금만 환수 (이자 없음)",
                f"{name} 제9조②",
                {"amount": amount},
                amount,
            )
        return ClawbackResult(amount, 0, amount, ())
    basis_p = _get(jurisdiction, "reward.clawback.interest_basis", paid_on, "paid_on")
    periods: list[RatePeriod] = []
    day = paid_on + timedelta(days=1)
    while day <= notified_on:
        p = _get(jurisdiction, "reward.clawback.interest_rate", day, "notified_on")
        table: dict[str, Fraction] = _value(p, dict)
        end = notified_on
        if p.effective_to is not None and p.effective_to - timedelta(days=1) < end:
            end = p.effective_to - timedelta(days=1)
        days = (end - day).days + 1
        if "annual" in table:
            basis, rate = "annual", table["annual"]
            exact = amount * rate * days / 365
        elif "daily" in table:
            basis, rate = "daily", table["daily"]
            exact = amount * rate * days
        else:
            raise ParamSchemaError(f"{p.path} ({p.jurisdiction}, from {p.effective_from}): needs `annual` or `daily`")
        interest = exact.numerator // exact.denominator
        periods.append(RatePeriod(day, end, days, rate, basis, interest, p.ref))
        if trace is not None:
            trace.add(
                f"환수 이자 {day.isoformat()}~{end.isoformat()} ({days}일, {'연' if basis == 'annual' else '1일'} 이율)",
                f"{basis_p.value} — {p.ref}",
                {"amount": amount, "rate": rate, "days": days},
                interest,
            )
        day = end + timedelta(days=1)
    interest_total = trunc10(sum(pr.interest for pr in periods))
    if trace is not None:
        trace.add(
            "환수 이자 합계, 10원 미만 절사",
            f"{basis_p.ref}; 국고금 관리법 제47조①",
            {"periods": len(periods)},
            interest_total,
        )
    return ClawbackResult(amount, interest_total, amount + interest_total, tuple(periods))


@calculator(CLAWBACK_NAME)
def _clawback_calc(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    for k in data:
        if k not in _CLAWBACK_FIELDS:
            raise InputError(k, f"알 수 없는 입력 항목입니다: {k} (가능: {', '.join(_CLAWBACK_FIELDS)})")
    j = field_jurisdiction(data)
    kind = data.get("kind")
    if not isinstance(kind, str):
        raise InputError("kind", "kind 항목이 필요합니다 (fraud 또는 refunded)")
    amount = data.get("amount")
    if amount is None:
        raise InputError("amount", "amount 항목이 필요합니다 (지급한 포상금, 원)")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InputError("amount", "amount는 정수여야 합니다 (금액은 원 단위 정수)")
    paid_on = field_date(data, "paid_on")
    notified_on = field_date(data, "notified_on")
    return clawback(j, kind, amount, paid_on, notified_on, trace).as_dict()
