"""가산금 on unpaid 과태료 (질서위반행위규제법 제24조): calculator ``fine-penalty`` and the typed `fine_penalty`.

- 가산금 (제24조①): the unpaid 과태료 × 5% (납부기한 passed before 2017-06-03) or 3% (from then on), once, from the day
  after the 납부기한.
- 중가산금 (제24조②): the unpaid 과태료 × 1.2% for each full month after the 납부기한, at most 60 months; months are
  counted as for 지방세 (`jingsu.law.dates.full_months_after`: due 7-31 → month 1 on 9-1). There is no amount
  threshold.
- Each amount is truncated below 10원 (국고금 관리법 제47조, as for 지방자치단체의 징수금 [I]).
The rate version is selected by the day after the 납부기한 (가산금) and by the day each month accrues (중가산금).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_date, field_int, field_jurisdiction
from jingsu.law.dates import full_months_after, period_end
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.trace import Trace

NAME = "fine-penalty"
ARTICLE = "질서위반행위규제법 제24조"


@dataclass(frozen=True, slots=True)
class FinePenaltyResult:
    initial: int  # 가산금
    months: int  # full months counted (≤ 60)
    monthly: int  # 중가산금 per month
    penalty: int  # 가산금 + 중가산금


def _rate(jurisdiction: str, path: str, on: date, field: str) -> Fraction:
    try:
        value = params.get(jurisdiction, "fine_penalty." + path, on).value
    except NoRuleForDate as e:
        e.field = field
        raise
    assert isinstance(value, Fraction)
    return value


def _t10(x: int) -> int:
    return x - x % 10


@functools.lru_cache(maxsize=1 << 14)
def _monthly_rates(jurisdiction: str, due_date: date, months: int) -> tuple[tuple[Fraction, int], ...]:
    """Months 1…`months` after `due_date` as runs of (중가산금 rate in force the day the month accrues, number of
    months). Memoised: a pure function of its arguments, asked again for every fine with the same 납부기한."""
    runs: list[tuple[Fraction, int]] = []
    for n in range(1, months + 1):
        rate = _rate(jurisdiction, "monthly_rate", period_end(due_date, n) + timedelta(days=1), "as_of")
        if runs and runs[-1][0] == rate:
            runs[-1] = (rate, runs[-1][1] + 1)
        else:
            runs.append((rate, 1))
    return tuple(runs)


params.register_derived_cache(_monthly_rates.cache_clear)


def fine_penalty(*, jurisdiction: str, due_date: date, principal: int, as_of: date,
                 trace: Trace | None = None) -> FinePenaltyResult:
    """가산금 and 중가산금 owed on `as_of` for a 과태료 of `principal` unpaid after `due_date`."""
    if isinstance(principal, bool) or not isinstance(principal, int) or principal < 0:
        raise InputError("principal", "principal은 0 이상의 정수(원)여야 합니다")
    if as_of <= due_date:
        if trace is not None:
            trace.add("납부기한 내", ARTICLE, {"납부기한": due_date, "기준일": as_of}, 0)
        return FinePenaltyResult(0, 0, 0, 0)
    arise = due_date + timedelta(days=1)
    rate = _rate(jurisdiction, "initial_rate", arise, "due_date")
    initial = _t10(principal * rate.numerator // rate.denominator)
    if trace is not None:
        trace.add("가산금", ARTICLE + "①", {"과태료": principal, "율": rate, "발생일": arise}, initial)
    max_months = params.get(jurisdiction, "fine_penalty.max_months", arise).value
    assert isinstance(max_months, int)
    months = min(full_months_after(due_date, as_of), max_months)
    total = 0
    monthly = 0
    for mrate, count in _monthly_rates(jurisdiction, due_date, months):
        monthly = _t10(principal * mrate.numerator // mrate.denominator)
        total += monthly * count
    if trace is not None:
        trace.add("중가산금", ARTICLE + "②", {"과태료": principal, "납부기한": due_date, "기준일": as_of,
                                           "경과월수": months, "최대월수": max_months, "월 중가산금": monthly}, total)
    return FinePenaltyResult(initial, months, monthly, initial + total)


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``fine-penalty`` — see docs/calc.md."""
    check_fields(data, ("jurisdiction", "due_date", "principal", "as_of"))
    result = fine_penalty(
        jurisdiction=field_jurisdiction(data),
        due_date=field_date(data, "due_date"),
        principal=field_int(data, "principal"),
        as_of=field_date(data, "as_of"),
        trace=trace,
    )
    return {"initial": result.initial, "months": result.months, "monthly": result.monthly,
            "penalty": result.penalty}
