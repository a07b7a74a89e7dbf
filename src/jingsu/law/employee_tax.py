"""종업원분: calculator ``employee-tax``.

지방소득세 종업원분 (2010.1.1~2013.12.31) and 주민세 종업원분 (2014.1.1~, 지방세법 제84조의2~7). The tax base is
the 급여총액 paid in the month (제84조의2); the liability arises when wages are paid (지방세기본법 제34조), so the
first day of `month` (the month of payment) selects every parameter version — all boundaries fall on 1월 1일.

    면세점 (제84조의4):
      2010-01 ~ 2015-12  종업원 수 ≤ 50명                          → 부과하지 않음
      2016-01 ~ 2019-12  최근 1년 월평균 급여총액 ≤ 270만원 × 50     → 부과하지 않음
      2020-01 ~ 2024-12                             ≤ 300만원 × 50
      2025-01 ~                                     ≤ 360만원 × 50 (시행령 제85조의2②)
    세액 = 그 달 급여총액 × 1천분의 5 (원 미만 버림), 10원 미만 절사

Input JSON: ``jurisdiction``, ``month`` (``YYYY-MM``, the month the wages were paid), ``payroll`` (그 달의 급여총액,
won), ``employees`` (그 달의 종업원 수), ``average_payroll`` (optional: 최근 12개월 급여총액의 월평균금액, 시행령
제85조의2①; from 2016 the exemption test uses it — when absent, the month's payroll stands in for it and the output
says so with ``average_payroll_source: "month"``).
Output: ``tax_item``, ``tax``, ``exempt``, ``exemption_basis``, ``exempt_limit``, ``rate``, and for the payroll test
``average_payroll`` and ``average_payroll_source``.

Not covered: 중소기업 고용지원 공제 (제84조의5), 급여총액에서 빼는 비과세 급여 (시행령 제78조의2: the caller passes the
taxable 급여총액), 조례에 의한 세율 가감 (제84조의3②) beyond the 2010 중랑구 조례 (rate = 표준세율).
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Any

from jingsu.korean import josa
from jingsu.law._resident_reduction_support import get_param, param_value
from jingsu.law.calc import calculator, check_fields, field_int, field_jurisdiction, field_opt_int
from jingsu.law.errors import InputError
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.trace import Trace

NAME = "employee-tax"
FIELDS = ("jurisdiction", "month", "payroll", "employees", "average_payroll")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(data: dict[str, Any], field: str = "month") -> date:
    """``YYYY-MM`` → the first day of that month."""
    v = data.get(field)
    if v is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (급여를 지급한 달, YYYY-MM)")
    m = _MONTH_RE.match(v) if isinstance(v, str) else None
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise InputError(field, f"{josa(field, '은')} YYYY-MM 형식의 달이어야 합니다: {v!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


@calculator(NAME)
def employee_tax(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    check_fields(data, FIELDS)
    j = field_jurisdiction(data)
    on = parse_month(data)
    payroll = field_int(data, "payroll")
    employees = field_int(data, "employees")
    average_in = field_opt_int(data, "average_payroll")

    item_p = get_param(j, "employee_tax.item", on, "month")
    item = param_value(item_p, str, item_p.path)
    basis_p = get_param(j, "employee_tax.exemption_basis", on, "month")
    basis = param_value(basis_p, str, basis_p.path)
    if trace is not None:
        trace.add("세목 (급여 지급월 기준)", item_p.ref, {"month": on}, item)

    out: dict[str, Any] = {"tax_item": item, "exemption_basis": basis}
    if basis == "employees":
        lim_p = get_param(j, "employee_tax.exempt_employees", on, "month")
        limit = param_value(lim_p, int, lim_p.path)
        exempt = employees <= limit
        out["exempt_limit"] = limit
        if trace is not None:
            trace.add(
                "면세점 (종업원 수)",
                lim_p.ref,
                {"employees": employees, "limit": limit},
                "면세" if exempt else "과세",
            )
    elif basis == "average_payroll":
        unit_p = get_param(j, "employee_tax.exempt_average_unit", on, "month")
        mult_p = get_param(j, "employee_tax.exempt_average_multiplier", on, "month")
        unit = param_value(unit_p, int, unit_p.path)
        mult = param_value(mult_p, int, mult_p.path)
        limit = unit * mult
        average = payroll if average_in is None else average_in
        exempt = average <= limit
        out["exempt_limit"] = limit
        out["average_payroll"] = average
        out["average_payroll_source"] = "month" if average_in is None else "input"
        if trace is not None:
            trace.add(
                "면세점 (최근 1년 월평균 급여총액 ≤ 금액 × 50)",
                f"{mult_p.ref}; {unit_p.ref}; 시행령 제85조의2①",
                {
                    "average_payroll": average,
                    "average_payroll_source": out["average_payroll_source"],
                    "unit": unit,
                    "multiplier": mult,
                    "limit": limit,
                },
                "면세" if exempt else "과세",
            )
    else:  # pragma: no cover - schema guards it
        raise InputError("month", f"알 수 없는 면세점 기준: {basis}")

    rate_p = get_param(j, "employee_tax.rate", on, "month")
    rate = param_value(rate_p, Fraction, rate_p.path)
    out["rate"] = rate
    tax = 0
    if not exempt:
        raw = mul_floor(payroll, rate)
        tax = trunc10(raw)
        if trace is not None:
            trace.add(
                "세액 = 그 달 급여총액 × 세율 (원 미만 버림)",
                rate_p.ref,
                {"payroll": payroll, "rate": rate},
                raw,
            )
            trace.add("10원 미만 절사", "지방세기본법 제59조, 국고금 관리법 제47조①", {"amount": raw}, tax)
    out["exempt"] = exempt
    out["tax"] = tax
    return out
