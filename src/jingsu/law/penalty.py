"""Late-payment penalties: calculator ``late-penalty`` and the typed function `late_penalty`.

**Which regime** — selected by the 납세의무 성립일 (`liability_date`):

- Regime A, 성립 before 2024-01-01 (지방세기본법 부칙 <제17768호> 제6조): 가산금 3% once on the day after the 납부기한,
  then 중가산금 for each full month after the 납부기한: 1.2%/month for months completing before 2019-01-01, 0.75% from
  then on; only when the tax of the notice is **30만원 or more**; at most 60 months. The legal basis moved: the old
  지방세법 (납부기한 passed in 2010), the old 지방세기본법 (2011-01-01 – 2017-03-27), the old 지방세징수법 제30조·제31조
  (from 2017-03-28); each YAML version carries its basis and the trace cites the version applied. No version before
  2010 (the 5% → 3% change of the 가산금 around 2006 is unverified): an older 납부기한 is a no-rule error.
- Regime B, 성립 from 2024-01-01 (지방세기본법 제55조①3호·4호, 시행령 제34조②): 3% once, then 0.66% for each full month,
  only when the tax per 납세고지서 per 세목 is **45만원 or more** (제55조④), at most 60 months ("1개월 미만은 없는 것으로
  본다", 제55조① 후단). The 3% applies whatever the amount (the threshold only concerns 제4호).

**The threshold is tested on the notice's tax** (`notice_tax`: 납세고지서별(·세목별) 세액), not on what is left unpaid
after a partial payment: the statute names the notice's tax, while the penalty is computed on the unpaid tax
(`principal`). Without `notice_tax` the two are the same amount (a notice nothing has been paid on).

**Month counting** (`jingsu.law.dates.full_months_after`): "납부기한이 지난 날부터 1개월이 지날 때마다" — the period
starts on the day after the 납부기한 (민법 제157조, via 지방세기본법 제23조) and a month ends on the day before the day
with the starting day's number in the next month, or on that month's last day when it has no such day (민법 제160조②③).
Month n therefore counts from the day after `period_end(due_date, n)`. Due 7-31 → month 1 on 9-1; due 1-30 → start
1-31 → month 1 ends 2-28 (2-29) → counts from 3-1. Months count from the 납부기한 of the notice, not from the 독촉 기한
(the statute says 납세고지서에 따른 납부기한; old 제31조 the same [S]).

**Self-assessed taxes** (`assessment="self-assessed"`): only the daily part (제55조①1호) — unpaid tax × days from the
day after the 법정납부기한 (`due_date`) to the payment or 고지 date (`as_of`) × the daily rate: 0.03% (to 2018),
0.025% (2019-01-01), 0.022% (2022-06-07), split by day at 2022-06-07 (시행령 부칙 <제32665호> 제2조); a penalty that
arose before 2019-01-01 keeps 0.03% for its days before 2022-06-07 (부칙 <제29436호> 제2조: no split in 2019).
The daily part is capped at 75% of the unpaid tax (제55조① 후단; in regime A from the 2017-03-28 text — a penalty
that arose earlier is refused with no-rule if it would exceed 75%, because the earlier cap is unverified).
Once a 고지서 is issued, its unpaid amount is a billed notice: call again with ``assessment="billed"`` and the
notice's 납부기한.

**주민세 사업소분 기본세율** (`business_basic_tax`, the part of `principal` computed under 지방세법 제81조①1호): no
제55조①1호·2호 가산세 on it for the days the relief covers (지방세법 부칙 <제17769호> 제12조: to 2026-12-31), split by
day like a rate change; the 3% and the monthly part of a billed notice (제55조①3호·4호) are not relieved.

**Rounding**: each part is truncated below 10원 — the 3% once, the monthly amount per month (each month's 가산세 is
성립 separately, 제34조①12호 of 지방세기본법 [V]), the daily part as a whole (국고금 관리법 제47조①).

Not modelled: 징수유예 periods (지방세징수법 제28조: no 3%/monthly part during a 유예), 납세의무자가 지방자치단체
(제55조⑤), 특별징수 (제56조), 무신고·과소신고가산세 (제53조·제54조).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Literal

from jingsu.korean import josa
from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_choice, field_date, field_int, field_jurisdiction
from jingsu.law.dates import full_months_after, period_end
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.trace import Trace

NAME = "late-penalty"
Assessment = Literal["billed", "self-assessed"]
DAY_SPLIT_2022 = date(2022, 6, 7)  # 시행령 부칙 <제32665호, 2022.6.7> 제2조
NO_SPLIT_2019 = date(2019, 1, 1)  # 시행령 부칙 <제29436호, 2018.12.31> 제2조
#: the cap the statute has in both regimes from 2017-03-28; used to decide when an older penalty needs the (unknown)
#: older cap rule (see `_self_assessed`)
_KNOWN_CAP = Fraction(75, 100)


@dataclass(frozen=True, slots=True)
class PenaltyResult:
    regime: Literal["A", "B"]
    initial: int  # 가산금 / 제55조①3호 (3%)
    months: int  # full months counted (≤ 60; 0 when the monthly part does not apply)
    monthly: int  # the monthly amount (for the last counted month in regime A)
    penalty: int  # total penalty
    days: int = 0  # self-assessed: days counted
    daily: int = 0  # self-assessed: the daily part
    # the amount the monthly threshold was tested on (billed); informative, not part of the result's identity
    notice_tax: int = dc_field(default=0, compare=False)


def _p(jurisdiction: str, path: str, on: date, field: str) -> Any:
    return _param(jurisdiction, path, on, field).value


def _param(jurisdiction: str, path: str, on: date, field: str = "due_date") -> params.Param:
    return params.get(jurisdiction, "penalty." + path, on, field)


def _t10(x: int) -> int:
    return x - x % 10


@dataclass(frozen=True, slots=True)
class _Segment:
    rate: Fraction
    months: int
    start: date  # the day the first month of the segment accrues
    end: date  # the day the last one accrues
    ref: str  # the legal basis of the rate (YAML ref of the version)


@functools.lru_cache(maxsize=1 << 14)
def _monthly_segments(jurisdiction: str, key: str, due_date: date, months: int) -> tuple[_Segment, ...]:
    """Months 1…`months` after `due_date`, grouped by the monthly rate version in force on the day each month accrues
    (the day after `period_end(due_date, n)`; regime A: 1.2% → 0.75% on 2019-01-01). Each month's amount is the
    unpaid tax × that rate, truncated below 10원, so a run of months at one rate is that amount times the run's
    length. Memoised: a pure function of its arguments, asked again for every notice with the same 납부기한."""
    segments: list[_Segment] = []
    for n in range(1, months + 1):
        accrues = period_end(due_date, n) + timedelta(days=1)
        p = _param(jurisdiction, f"{key}.monthly_rate", accrues, "as_of")
        rate = p.value
        assert isinstance(rate, Fraction)
        if segments and segments[-1].rate == rate and segments[-1].ref == p.ref:
            last = segments[-1]
            segments[-1] = _Segment(rate, last.months + 1, last.start, accrues, last.ref)
        else:
            segments.append(_Segment(rate, 1, accrues, accrues, p.ref))
    return tuple(segments)


params.register_derived_cache(_monthly_segments.cache_clear)


def regime_for(jurisdiction: str, liability_date: date) -> Literal["A", "B"]:
    start = _p(jurisdiction, "regime_b_start", liability_date, "liability_date")
    assert isinstance(start, date)
    return "A" if liability_date < start else "B"


def _check_amount(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(field, f"{josa(field, '은')} 0 이상의 정수(원)여야 합니다")
    return value


def late_penalty(
    *,
    jurisdiction: str,
    liability_date: date,
    due_date: date,
    principal: int,
    as_of: date,
    assessment: Assessment = "billed",
    notice_tax: int | None = None,
    business_basic_tax: int = 0,
    trace: Trace | None = None,
) -> PenaltyResult:
    """Penalty owed on `as_of` for `principal` (the unpaid tax of one notice for one 세목) unpaid after `due_date`.

    `notice_tax`: the notice's tax (per 세목) that the 30만/45만 threshold is tested on; ≥ `principal`; None = the
    notice is unpaid in full (`principal`). `business_basic_tax`: the part of `principal` that is 주민세 사업소분
    기본세율 세액 (지방세법 제81조①1호) — relieved of the daily part while 부칙 <제17769호> 제12조 runs."""
    principal = _check_amount(principal, "principal")
    if notice_tax is None:
        notice_tax = principal
    notice_tax = _check_amount(notice_tax, "notice_tax")
    if notice_tax < principal:
        raise InputError("notice_tax", "notice_tax(고지서의 세액)는 principal(미납 세액)보다 작을 수 없습니다")
    business_basic_tax = _check_amount(business_basic_tax, "business_basic_tax")
    if business_basic_tax > principal:
        raise InputError("business_basic_tax", "business_basic_tax(사업소분 기본세율 세액)는 principal을 넘을 수 없습니다")
    if due_date < liability_date:
        raise InputError("due_date", "납부기한이 납세의무 성립일보다 빠를 수 없습니다")
    regime = regime_for(jurisdiction, liability_date)
    if trace is not None:
        trace.add("적용 제도", "지방세기본법 부칙 <제17768호> 제1조·제6조", {"납세의무 성립일": liability_date},
                  "A (가산금·중가산금)" if regime == "A" else "B (납부지연가산세)")
    if assessment == "self-assessed":
        return _self_assessed(jurisdiction, regime, due_date, principal, as_of, business_basic_tax, trace)
    if business_basic_tax and trace is not None:
        trace.add("사업소분 기본세율 — 고지 후 가산세는 특례 대상 아님",
                  "지방세법 부칙 <제17769호> 제12조 (제55조①1호·2호만 해당)",
                  {"business_basic_tax": business_basic_tax}, "3%·월 가산은 전액에 적용")
    if as_of <= due_date:
        if trace is not None:
            trace.add("납부기한 내", "지방세기본법 제55조①", {"납부기한": due_date, "기준일": as_of}, 0)
        return PenaltyResult(regime, 0, 0, 0, 0, notice_tax=notice_tax)
    key = "regime_a" if regime == "A" else "regime_b"
    arise = due_date + timedelta(days=1)
    rate_p = _param(jurisdiction, f"{key}.initial_rate", arise, "due_date")
    rate = rate_p.value
    assert isinstance(rate, Fraction)
    initial = _t10(principal * rate.numerator // rate.denominator)
    if trace is not None:
        trace.add("가산금 (3%)" if regime == "A" else "납부지연가산세 3%", rate_p.ref,
                  {"세액": principal, "세율": rate, "발생일": arise}, initial)
    threshold_p = _param(jurisdiction, f"{key}.monthly_threshold", arise, "due_date")
    threshold = threshold_p.value
    max_months = _p(jurisdiction, f"{key}.max_months", arise, "due_date")
    assert isinstance(threshold, int) and isinstance(max_months, int)
    elapsed = full_months_after(due_date, as_of)
    months = min(elapsed, max_months)
    if notice_tax < threshold:
        if trace is not None:
            trace.add("월 가산 제외", threshold_p.ref,
                      {"고지서 세액": notice_tax, "미납 세액": principal, "기준(미만 제외)": threshold,
                       "경과월수": elapsed}, 0)
        return PenaltyResult(regime, initial, 0, 0, initial, notice_tax=notice_tax)
    total_monthly = 0
    monthly = 0
    segments = _monthly_segments(jurisdiction, key, due_date, months)
    for seg in segments:
        monthly = _t10(principal * seg.rate.numerator // seg.rate.denominator)
        total_monthly += monthly * seg.months
    if trace is not None:
        refs = "; ".join(dict.fromkeys(seg.ref for seg in segments)) or threshold_p.ref
        trace.add("중가산금" if regime == "A" else "납부지연가산세 (월)", refs,
                  {"세액": principal, "고지서 세액": notice_tax, "기준(미만 제외)": threshold, "납부기한": due_date,
                   "기준일": as_of, "경과월수": elapsed, "최대월수": max_months,
                   "구간": [{"rate": seg.rate, "monthly": _t10(principal * seg.rate.numerator // seg.rate.denominator),
                            "months": seg.months, "from": seg.start, "to": seg.end} for seg in segments]},
                  total_monthly)
    return PenaltyResult(regime, initial, months, monthly, initial + total_monthly, notice_tax=notice_tax)


def _self_assessed(
    jurisdiction: str, regime: Literal["A", "B"], due_date: date, principal: int, as_of: date, basic: int,
    trace: Trace | None,
) -> PenaltyResult:
    """Daily part (지방세기본법 제55조①1호; before 2024 납부불성실가산세)."""
    if as_of <= due_date:
        return PenaltyResult(regime, 0, 0, 0, 0)
    first = due_date + timedelta(days=1)  # 법정납부기한의 다음 날
    # walk the rate versions (and, with a 사업소분 기본세율 part, the relief's versions) over [first, as_of]
    exact = Fraction(0)
    day = first
    pieces: list[dict[str, Any]] = []
    refs: dict[str, None] = {}
    while day <= as_of:
        p = _param(jurisdiction, "daily_rate", day)
        rate = p.value
        assert isinstance(rate, Fraction)
        ref = p.ref
        seg_end = as_of if p.effective_to is None else min(as_of, p.effective_to - timedelta(days=1))
        if first < NO_SPLIT_2019 and NO_SPLIT_2019 <= day < DAY_SPLIT_2022:
            # 부칙 <제29436호> 제2조: a penalty that arose before 2019-01-01 keeps the old rate (no split in 2019)
            old = _param(jurisdiction, "daily_rate", first)
            assert isinstance(old.value, Fraction)
            rate = old.value
            ref = f"{old.ref} (부칙 <제29436호> 제2조)"
            seg_end = min(as_of, DAY_SPLIT_2022 - timedelta(days=1))
        base = principal
        if basic:
            ex = _param(jurisdiction, "business_basic_exemption", day, "business_basic_tax")
            if ex.value:
                base = principal - basic
                refs[ex.ref] = None
            if ex.effective_to is not None:
                seg_end = min(seg_end, ex.effective_to - timedelta(days=1))
        refs[ref] = None
        days = (seg_end - day).days + 1
        exact += base * days * rate
        pieces.append({"from": day, "to": seg_end, "days": days, "rate": rate, "base": base})
        day = seg_end + timedelta(days=1)
    daily = exact.numerator // exact.denominator
    cap_key = "regime_b.daily_cap" if regime == "B" else "regime_a.daily_cap"
    cap_p = params.find(jurisdiction, "penalty." + cap_key, first)
    if cap_p is not None:
        cap_rate = cap_p.value
        assert isinstance(cap_rate, Fraction)
        cap = principal * cap_rate.numerator // cap_rate.denominator
        if daily > cap:
            refs[cap_p.ref] = None
        daily = min(daily, cap)
    elif daily * _KNOWN_CAP.denominator > principal * _KNOWN_CAP.numerator:
        # the cap before 2017-03-28 is unverified: both readings (no cap / 75%) agree only up to 75%
        raise NoRuleForDate(f"penalty.{cap_key}", jurisdiction, first, field="due_date")
    daily = _t10(daily)
    days_total = (as_of - due_date).days
    if trace is not None:
        trace.add("납부지연가산세 (일)" if regime == "B" else "납부불성실가산세 (일)",
                  "; ".join(refs),
                  {"세액": principal, "사업소분 기본세율 세액": basic, "법정납부기한": due_date, "납부·고지일": as_of,
                   "구간": pieces}, daily)
    return PenaltyResult(regime, 0, 0, 0, daily, days_total, daily)


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``late-penalty`` — see docs/calc.md."""
    check_fields(data, ("jurisdiction", "liability_date", "due_date", "principal", "as_of", "assessment",
                        "notice_tax", "business_basic_tax"))
    jurisdiction = field_jurisdiction(data)
    liability_date = field_date(data, "liability_date")
    due_date = field_date(data, "due_date")
    principal = field_int(data, "principal", maximum=10**16)
    notice_tax = field_int(data, "notice_tax", maximum=10**16, default=principal)
    basic = field_int(data, "business_basic_tax", maximum=10**16, default=0)
    as_of = field_date(data, "as_of")
    assessment = field_choice(data, "assessment", ("billed", "self-assessed"), default="billed")
    r = late_penalty(
        jurisdiction=jurisdiction,
        liability_date=liability_date,
        due_date=due_date,
        principal=principal,
        as_of=as_of,
        assessment="billed" if assessment == "billed" else "self-assessed",
        notice_tax=notice_tax,
        business_basic_tax=basic,
        trace=trace,
    )
    out: dict[str, Any] = {"regime": r.regime, "initial": r.initial, "months": r.months, "monthly": r.monthly,
                           "penalty": r.penalty}
    if assessment == "self-assessed":
        out["days"] = r.days
        out["daily"] = r.daily
    else:
        out["notice_tax"] = r.notice_tax
    return out
