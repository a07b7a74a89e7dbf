"""Procedure dates: 납부기한 지정, 독촉, 송달지연, 공시송달. Calculator ``procedure-dates``.

Day counting (지방세기본법 제23조 → 민법 제157조·제159조): a period "…한 날부터 N일" does not count its first day
(it does not start at 0시), so it ends at the end of day + N. A period "…이 지난 날부터 N일" starts at 0시 of the next
day, which counts, so it also ends on day + N. "N일이 지난 날" is read as day + N (the 국세 practice for the same
wording, 국세기본법 제8조; [I]). The date that selects each rule's version is the event date of that step (고지일,
납부기한, 발급일, 도달일, 공고일).

A 기한 that falls on a Saturday, Sunday or 공휴일 moves to the next working day (지방세기본법 제24조); functions take an
optional `holidays` set and apply it when given (the law module has no holiday calendar of its own).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta
from typing import Any

from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_date, field_jurisdiction
from jingsu.law.dates import next_working_day
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.trace import Trace

NAME = "procedure-dates"
_NO_HOLIDAYS: frozenset[date] = frozenset()


def _days(jurisdiction: str, path: str, on: date, field: str) -> tuple[int, str]:
    try:
        p = params.get(jurisdiction, "procedure." + path, on)
    except NoRuleForDate as e:
        e.field = field
        raise
    assert isinstance(p.value, int)
    return p.value, p.ref


def _adjust(d: date, holidays: Container[date] | None) -> date:
    return d if holidays is None else next_working_day(d, holidays)


def latest_notice_due_date(
    jurisdiction: str, notice_date: date, *, holidays: Container[date] | None = None, trace: Trace | None = None
) -> date:
    """Latest 납부기한 that may be set on a 고지 of `notice_date`: 지방세징수법 제14조 (30일 이내), narrowed for 구세 of
    중랑구 by 조례 제12조 (15일 이내) — the jurisdiction's own value wins over the national one."""
    n, ref = _days(jurisdiction, "notice_due_days", notice_date, "notice_date")
    d = _adjust(notice_date + timedelta(days=n), holidays)
    if trace is not None:
        trace.add("납부기한 지정", ref, {"고지일": notice_date, "일수": n}, d)
    return d


def demand_issue_deadline(
    jurisdiction: str, due_date: date, *, trace: Trace | None = None
) -> date:
    """Last day to issue the 독촉장: 납부기한이 지난 날부터 50일 이내 (지방세징수법 제32조①)."""
    n, ref = _days(jurisdiction, "demand_issue_days", due_date, "due_date")
    d = due_date + timedelta(days=n)
    if trace is not None:
        trace.add("독촉장 발급기한", ref, {"납부기한": due_date, "일수": n}, d)
    return d


def demand_payment_deadline(
    jurisdiction: str, issue_date: date, *, holidays: Container[date] | None = None, trace: Trace | None = None
) -> date:
    """Latest 납부기한 on a 독촉장 issued on `issue_date`: 발급일부터 20일 이내 (지방세징수법 제32조③)."""
    n, ref = _days(jurisdiction, "demand_pay_days", issue_date, "demand_issue_date")
    d = _adjust(issue_date + timedelta(days=n), holidays)
    if trace is not None:
        trace.add("독촉장 납부기한", ref, {"발급일": issue_date, "일수": n}, d)
    return d


def due_date_after_late_arrival(
    jurisdiction: str, due_date: date, arrival_date: date, *, early_collection: bool = False,
    holidays: Container[date] | None = None, trace: Trace | None = None,
) -> date:
    """지방세기본법 제31조: the 납부기한 of a 고지서·독촉장 that arrived late.

    ① If it arrived after the 납부기한, or the 납부기한 falls within 7 days of arrival (due ≤ arrival + 7), the 납부기한
    becomes 14 days after arrival. ② For a 납기 전 징수 notice (지방세징수법 제22조②): the arrival date when it arrived
    after the 납부기한, else the 납부기한 itself.
    """
    if early_collection:
        d = arrival_date if arrival_date > due_date else due_date
        if trace is not None:
            trace.add("송달지연 (납기 전 징수)", "지방세기본법 제31조②", {"납부기한": due_date, "도달일": arrival_date}, d)
        return d
    window, ref_w = _days(jurisdiction, "late_arrival.window_days", arrival_date, "arrival_date")
    ext, ref_e = _days(jurisdiction, "late_arrival.extension_days", arrival_date, "arrival_date")
    late = arrival_date > due_date or due_date <= arrival_date + timedelta(days=window)
    d = _adjust(arrival_date + timedelta(days=ext), holidays) if late else due_date
    if trace is not None:
        trace.add("송달지연으로 인한 납부기한 연장", f"지방세기본법 제31조①; {ref_w}; {ref_e}",
                  {"납부기한": due_date, "도달일": arrival_date, "연장": late}, d)
    return d


def public_notice_served(jurisdiction: str, posted: date, *, trace: Trace | None = None) -> date:
    """공시송달: deemed served 14 days after the 공고 (지방세기본법 제33조①)."""
    n, ref = _days(jurisdiction, "public_notice_days", posted, "posted_date")
    d = posted + timedelta(days=n)
    if trace is not None:
        trace.add("공시송달 효력", ref, {"공고일": posted, "일수": n}, d)
    return d


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``procedure-dates``: give any of notice_date, due_date, arrival_date, demand_issue_date, posted_date."""
    check_fields(data, ("jurisdiction", "notice_date", "due_date", "arrival_date", "demand_issue_date",
                        "posted_date"))
    jurisdiction = field_jurisdiction(data)
    out: dict[str, Any] = {}
    if data.get("notice_date") is not None:
        out["latest_due_date"] = latest_notice_due_date(jurisdiction, field_date(data, "notice_date"), trace=trace)
    if data.get("due_date") is not None:
        due = field_date(data, "due_date")
        out["demand_issue_deadline"] = demand_issue_deadline(jurisdiction, due, trace=trace)
        if data.get("arrival_date") is not None:
            out["due_date_after_arrival"] = due_date_after_late_arrival(
                jurisdiction, due, field_date(data, "arrival_date"), trace=trace)
    elif data.get("arrival_date") is not None:
        raise InputError("due_date", "arrival_date를 쓰려면 due_date(원래 납부기한)가 필요합니다")
    if data.get("demand_issue_date") is not None:
        out["demand_payment_deadline"] = demand_payment_deadline(
            jurisdiction, field_date(data, "demand_issue_date"), trace=trace)
    if data.get("posted_date") is not None:
        out["public_notice_served"] = public_notice_served(jurisdiction, field_date(data, "posted_date"), trace=trace)
    if not out:
        raise InputError(None, "notice_date, due_date, demand_issue_date, posted_date 중 하나 이상이 필요합니다")
    return out
