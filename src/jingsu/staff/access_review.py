"""The monthly review of the staff access log for the 개인정보 보호책임자 (`jingsu access-review`; the console's
감사 기록 screens read the same log row by row).

개인정보의 안전성 확보조치 기준 제8조②: the access records are checked at least once a month, and every download
of personal data has its reason confirmed. The review reads one month of the audit log (the 접속기록; staff only —
citizens' portal rows and system rows are not 개인정보취급자) and lists:

- per staff account: actions, views of personal data (search, taxpayer page, levy lookup, contact and portal-link
  views, recipient lists, reveals), downloads, actions outside working hours, failed logins;
- unusual volume: an account whose views of personal data exceed both UNUSUAL_FACTOR × the median of the accounts
  that viewed any, and UNUSUAL_MIN (a fixed floor, so that a quiet month does not flag everyone);
- every reveal of a registration number outside working hours (before the start or from the end hour of
  지방공무원 복무규정 제2조①, or on a Saturday, Sunday or 공휴일), with its stated reason;
- every download, for its reason to be confirmed.

Outputs: a `AccessReview` (the command prints its summary) and an XLSX of four sheets.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO

from jingsu.clock import SEOUL
from jingsu.core.exports import xlsx_append
from jingsu.core.formats import kdatetime
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.law import retention as law
from jingsu.law.errors import NoRuleForDate
from jingsu.law.holidays import default_calendar
from jingsu.staff.audit_labels import action_label, target_label

#: actions that show a staff member personal data (the 접속기록's "처리한 정보주체")
PERSONAL_VIEWS = frozenset({
    "staff.taxpayer_search", "staff.taxpayer_view", "staff.levy_lookup", "staff.callback_view",
    "staff.notice_link_view", "staff.campaign_recipients", "taxpayer.reveal_registration_number",
})
REVEAL = "taxpayer.reveal_registration_number"
FAILED_LOGIN = frozenset({"staff.login_failed", "staff.lockout"})
UNUSUAL_FACTOR = 3
UNUSUAL_MIN = 200


def is_download(action: str) -> bool:
    return action.endswith("_xlsx")


def _staff(actor: str) -> bool:
    return not actor.startswith(("citizen@", "system:"))


@dataclass
class AccountLine:
    actor: str
    actions: int = 0
    views: int = 0
    reveals: int = 0
    downloads: int = 0
    outside_hours: int = 0
    failed_logins: int = 0
    unusual: bool = False


@dataclass
class AccessReview:
    jurisdiction: Jurisdiction
    month: date  # its first day
    start_hour: int
    end_hour: int
    basis: str
    accounts: list[AccountLine] = field(default_factory=list)
    late_reveals: list[AuditLog] = field(default_factory=list)
    downloads: list[AuditLog] = field(default_factory=list)
    median_views: float = 0.0

    @property
    def unusual(self) -> list[AccountLine]:
        return [a for a in self.accounts if a.unusual]


def parse_month(text: str) -> date:
    """'2026-11' → date(2026, 11, 1); a Korean ValueError otherwise."""
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"달은 2026-11처럼 적어 주십시오: {text}") from None


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def outside_hours(at: datetime, start_hour: int, end_hour: int) -> bool:
    local = at.astimezone(SEOUL)
    if local.weekday() >= 5:
        return True
    try:
        if default_calendar().on(local.date()):
            return True
    except NoRuleForDate:
        pass  # a year the holiday calendar does not list: weekdays and hours only
    return not (time(start_hour) <= local.time() < time(end_hour))


def access_review(jurisdiction: Jurisdiction, month: date) -> AccessReview:
    start_hour, end_hour, basis = law.working_hours(jurisdiction.code, month)
    review = AccessReview(jurisdiction, month, start_hour, end_hour, basis)
    begin = datetime.combine(month, time(0), SEOUL)
    end = datetime.combine(_next_month(month), time(0), SEOUL)
    lines: dict[str, AccountLine] = {}
    rows = (AuditLog.objects.filter(jurisdiction=jurisdiction, at__gte=begin, at__lt=end)
            .exclude(actor__startswith="citizen@").exclude(actor__startswith="system:").order_by("at", "id"))
    for row in rows.iterator(chunk_size=5000):
        line = lines.setdefault(row.actor, AccountLine(row.actor))
        line.actions += 1
        late = outside_hours(row.at, start_hour, end_hour)
        line.outside_hours += late
        if row.action in PERSONAL_VIEWS:
            line.views += 1
        if row.action == REVEAL:
            line.reveals += 1
            if late:
                review.late_reveals.append(row)
        if is_download(row.action):
            line.downloads += 1
            review.downloads.append(row)
        if row.action in FAILED_LOGIN:
            line.failed_logins += 1
    viewers = [a.views for a in lines.values() if a.views]
    review.median_views = statistics.median(viewers) if viewers else 0.0
    for a in lines.values():
        a.unusual = a.views > max(UNUSUAL_FACTOR * review.median_views, UNUSUAL_MIN)
    review.accounts = sorted(lines.values(), key=lambda a: (-a.views, a.actor))
    return review


def summary_lines(review: AccessReview) -> list[str]:
    j, m = review.jurisdiction, review.month
    totals: Counter[str] = Counter()
    for a in review.accounts:
        totals.update({"actions": a.actions, "views": a.views, "downloads": a.downloads,
                       "outside": a.outside_hours, "failed": a.failed_logins})
    lines = [
        f"{j.name} {m.year}년 {m.month}월 접속기록 점검 (개인정보의 안전성 확보조치 기준 제8조②)",
        f"  직원 계정 {len(review.accounts):,}개, 기록 {totals['actions']:,}건, 개인정보 열람 {totals['views']:,}건, "
        f"내려받기 {totals['downloads']:,}건, 근무시간 외 {totals['outside']:,}건, 로그인 실패·잠김 {totals['failed']:,}건",
        f"  근무시간: {review.start_hour}시~{review.end_hour}시, 토·일요일과 공휴일 제외 ({review.basis})",
    ]
    if review.unusual:
        lines.append(f"  평소보다 많은 열람 (중앙값 {review.median_views:,.0f}건의 {UNUSUAL_FACTOR}배와 {UNUSUAL_MIN}건을 넘음):")
        lines += [f"    - {a.actor}: {a.views:,}건" for a in review.unusual]
    else:
        lines.append("  평소보다 많은 열람: 없음")
    lines.append(f"  근무시간 외 등록번호 열람: {len(review.late_reveals):,}건" + (" (사유 확인 필요)" if review.late_reveals
                                                                               else ""))
    lines.append(f"  내려받기: {len(review.downloads):,}건" + (" (사유 확인 필요)" if review.downloads else ""))
    return lines


def render_xlsx(review: AccessReview) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "요약"
    for line in summary_lines(review):
        xlsx_append(ws, (line.strip(),))
    ws.column_dimensions["A"].width = 110

    ws = wb.create_sheet("직원별")
    xlsx_append(ws, ("직원 계정", "기록", "개인정보 열람", "등록번호 열람", "내려받기", "근무시간 외", "로그인 실패·잠김",
                     "평소보다 많은 열람"))
    for a in review.accounts:
        xlsx_append(ws, (a.actor, a.actions, a.views, a.reveals, a.downloads, a.outside_hours, a.failed_logins,
                         "예" if a.unusual else ""))
        for col in range(2, 8):
            ws.cell(row=ws.max_row, column=col).number_format = "#,##0"

    def events(title: str, rows: list[AuditLog]) -> None:
        sheet = wb.create_sheet(title)
        xlsx_append(sheet, ("일시", "직원 계정", "한 일", "대상", "사유", "확인한 사유(보호책임자)"))
        for r in rows:
            xlsx_append(sheet, (kdatetime(r.at), r.actor, action_label(r.action),
                                target_label(r.target_type, r.target_id) if r.target_id else "", r.reason, ""))
        for col, width in zip("ABCDEF", (20, 18, 30, 24, 40, 30), strict=True):
            sheet.column_dimensions[col].width = width

    events("근무시간 외 열람", review.late_reveals)
    events("내려받기", review.downloads)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
