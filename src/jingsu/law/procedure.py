"""Procedure dates: 납부기한 지정, 독촉, 송달지연, 공시송달, 이의신청. Calculator ``procedure-dates``.

Day counting (지방세기본법 제23조 → 민법 제157조·제159조): a period "…한 날부터 N일" does not count its first day
(it does not start at 0시), so it ends at the end of day + N. A period "…이 지난 날부터 N일" starts at 0시 of the next
day, which counts, so it also ends on day + N. "N일이 지난 날" is read as day + N (the 국세 practice for the same
wording, 국세기본법 제8조; [I]). The date that selects each rule's version is the event date of that step (고지일,
납부기한, 발급일, 도달일, 공고일, 통지일).

지방세기본법 제24조 (기한의 특례): a 기한 of 신고, 신청, 청구, 서류 제출, 통지, 납부 or 징수 that falls on a Saturday,
Sunday, 공휴일, 대체공휴일 or 근로자의 날·노동절 moves to the next day that is none of these — every deadline here
goes through `next_working_day` with the holiday calendar (`jingsu.law.holidays`, data in params/holidays.yaml). The
공시송달 effective date is not a 기한 but the end of a period: 민법 제161조 (via 제23조) moves it off a Saturday or
공휴일 (`rule="period_end"`). A date in a year the calendar does not cover raises `NoRuleForDate`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jingsu.law import params
from jingsu.law.calc import calculator, check_fields, field_date, field_jurisdiction
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.holidays import HolidayCalendar, default_calendar
from jingsu.law.trace import Trace

NAME = "procedure-dates"
_RULES = {"deadline": "procedure.closed_days.deadline", "period_end": "procedure.closed_days.period_end"}


def _days(jurisdiction: str, path: str, on: date, field: str) -> tuple[int, str]:
    try:
        p = params.get(jurisdiction, "procedure." + path, on)
    except NoRuleForDate as e:
        e.field = field
        raise
    assert isinstance(p.value, int)
    return p.value, p.ref


def _after_days(
    jurisdiction: str, path: str, start: date, field: str, step: str, start_label: str,
    calendar: HolidayCalendar | None, trace: Trace | None, rule: str = "deadline",
) -> date:
    """`start` plus the days of ``procedure.<path>`` (the trace step `step`), then the next day not closed under
    `rule` (`next_working_day`). `field` names the input whose date selected the versions."""
    n, ref = _days(jurisdiction, path, start, field)
    raw = start + timedelta(days=n)
    if trace is not None:
        trace.add(step, ref, {start_label: start, "일수": n}, raw)
    return next_working_day(jurisdiction, raw, rule=rule, calendar=calendar, trace=trace, field=field)


def next_working_day(
    jurisdiction: str, d: date, *, rule: str = "deadline", calendar: HolidayCalendar | None = None,
    trace: Trace | None = None, field: str | None = None,
) -> date:
    """`d`, or the first later day that is not closed under `rule`: ``deadline`` = 지방세기본법 제24조① (기한의 특례),
    ``period_end`` = 민법 제161조 (기간의 만료). The rule's version is the one in force on `d`.

    Raises `NoRuleForDate` (field `field`) when the rule or the holiday calendar does not cover a day examined."""
    cal = calendar if calendar is not None else default_calendar()
    try:
        p = params.get(jurisdiction, _RULES[rule], d)
        closed = p.value
        assert isinstance(closed, dict)
        out = d
        reasons: list[str] = []
        while cal.closed(out, closed):
            names = [h.name for h in cal.on(out)] or ["토요일" if out.weekday() == 5 else "일요일"]
            reasons.append(f"{out.isoformat()} {'·'.join(names)}")
            out += timedelta(days=1)
        cal.on(out)  # the day reached must be covered too
    except NoRuleForDate as e:
        e.field = field
        raise
    if trace is not None and out != d:
        trace.add("기한의 특례" if rule == "deadline" else "기간 말일의 휴일", p.ref,
                  {"기한": d, "휴일": reasons}, out)
    return out


def latest_notice_due_date(
    jurisdiction: str, notice_date: date, *, calendar: HolidayCalendar | None = None, trace: Trace | None = None
) -> date:
    """Latest 납부기한 that may be set on a 고지 of `notice_date`: 지방세징수법 제14조 (30일 이내), narrowed for 구세 of
    중랑구 by 조례 제12조 (15일 이내) — the jurisdiction's own value wins over the national one; then 제24조."""
    return _after_days(jurisdiction, "notice_due_days", notice_date, "notice_date", "납부기한 지정", "고지일",
                       calendar, trace)


def demand_issue_deadline(
    jurisdiction: str, due_date: date, *, calendar: HolidayCalendar | None = None, trace: Trace | None = None
) -> date:
    """Last day to issue the 독촉장: 납부기한이 지난 날부터 50일 이내 (지방세징수법 제32조①); a 통지 기한, so 제24조."""
    return _after_days(jurisdiction, "demand_issue_days", due_date, "due_date", "독촉장 발급기한", "납부기한",
                       calendar, trace)


def demand_payment_deadline(
    jurisdiction: str, issue_date: date, *, calendar: HolidayCalendar | None = None, trace: Trace | None = None
) -> date:
    """Latest 납부기한 on a 독촉장 issued on `issue_date`: 발급일부터 20일 이내 (지방세징수법 제32조③); then 제24조."""
    return _after_days(jurisdiction, "demand_pay_days", issue_date, "demand_issue_date", "독촉장 납부기한", "발급일",
                       calendar, trace)


def due_date_after_late_arrival(
    jurisdiction: str, due_date: date, arrival_date: date, *, early_collection: bool = False,
    calendar: HolidayCalendar | None = None, trace: Trace | None = None,
) -> date:
    """지방세기본법 제31조: the 납부기한 of a 고지서·독촉장 that arrived late.

    ① If it arrived after the 납부기한, or the 납부기한 falls within 7 days of arrival (due ≤ arrival + 7), the 납부기한
    becomes 14 days after arrival (then 제24조). ② For a 납기 전 징수 notice (지방세징수법 제22조②): the arrival date
    when it arrived after the 납부기한, else the 납부기한 itself.
    """
    if early_collection:
        d = arrival_date if arrival_date > due_date else due_date
        if trace is not None:
            trace.add("송달지연 (납기 전 징수)", "지방세기본법 제31조②", {"납부기한": due_date, "도달일": arrival_date}, d)
        return d
    window, ref_w = _days(jurisdiction, "late_arrival.window_days", arrival_date, "arrival_date")
    ext, ref_e = _days(jurisdiction, "late_arrival.extension_days", arrival_date, "arrival_date")
    late = arrival_date > due_date or due_date <= arrival_date + timedelta(days=window)
    raw = arrival_date + timedelta(days=ext) if late else due_date
    if trace is not None:
        trace.add("송달지연으로 인한 납부기한 연장", f"지방세기본법 제31조①; {ref_w}; {ref_e}",
                  {"납부기한": due_date, "도달일": arrival_date, "연장": late}, raw)
    if not late:
        return raw
    return next_working_day(jurisdiction, raw, calendar=calendar, trace=trace, field="arrival_date")


def public_notice_served(
    jurisdiction: str, posted: date, *, calendar: HolidayCalendar | None = None, trace: Trace | None = None
) -> date:
    """공시송달: deemed served 14 days after the 공고 (지방세기본법 제33조①). Not a 기한 of 제24조: the end of a period,
    moved off a Saturday or 공휴일 by 민법 제161조 (지방세기본법 제23조) — [I], docs/calc.md §6."""
    return _after_days(jurisdiction, "public_notice_days", posted, "posted_date", "공시송달 효력", "공고일",
                       calendar, trace, rule="period_end")


def appeal_deadline(
    jurisdiction: str, notified: date, *, calendar: HolidayCalendar | None = None, trace: Trace | None = None
) -> date:
    """Last day of the 이의신청 (처분의 통지를 받은 날부터 90일 이내, 지방세기본법 제90조): a 청구 기한, so 제24조.
    The 포상금 조례 (영등포·중랑 제8조② 단서) wait for this 불복청구기간 before paying a 제3조4–6호 reward."""
    return _after_days(jurisdiction, "appeal_days", notified, "notified_date", "이의신청 기간", "통지일",
                       calendar, trace)


@calculator(NAME)
def calculate(data: dict[str, Any], trace: Trace | None) -> dict[str, Any]:
    """``procedure-dates``: give any of notice_date, due_date, arrival_date, demand_issue_date, posted_date,
    notified_date. Every deadline is moved by 지방세기본법 제24조 with the holiday calendar."""
    check_fields(data, ("jurisdiction", "notice_date", "due_date", "arrival_date", "demand_issue_date",
                        "posted_date", "notified_date"))
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
    if data.get("notified_date") is not None:
        out["appeal_deadline"] = appeal_deadline(jurisdiction, field_date(data, "notified_date"), trace=trace)
    if not out:
        raise InputError(None, "notice_date, due_date, demand_issue_date, posted_date, notified_date 중 하나 이상이 "
                               "필요합니다")
    return out
