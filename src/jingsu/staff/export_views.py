"""XLSX downloads of the console's lists (issue #14), each with its screen's permission and filters. The rules —
safe cells, Korean headers, number formats, masking of personal data without `reveal_personal_data`, the audit row
`staff.<list>_xlsx` — are in `staff.downloads`; these views only say which rows and columns.

| URL (under /staff/) | permission | list |
|---|---|---|
| `taxpayers/results.xlsx?s=` | view_taxpayer | a saved search's taxpayers (all pages) |
| `audit.xlsx?…` | view_audit_log | the audit log with the screen's filters |
| `rolls/<upload_id>/errors.xlsx` | import_roll | a roll upload's validation errors (those kept) |
| `money/unmatched.xlsx` | manage_payments | 미확인 수납 |
| `money/refunds.xlsx` | manage_payments | 환급 대상 |
| `money/reconciliation.xlsx?date=` | manage_payments | 일일 대사 (the summary tables and the day's payments) |
| `rewards/actions.xlsx`, `cases.xlsx?year=`, `claims.xlsx`, `clawbacks.xlsx` | view_rewards | 포상금 lists |
| `rewards/officials.xlsx`, `civilians.xlsx`, `findings.xlsx` | view_rewards | the reward process's people and 숨은 세원 발굴 |
| `campaigns.xlsx` | view_reports | the campaign list |
| `rolls/uploads.xlsx` | import_roll | roll files uploaded |
| `money/files.xlsx` | manage_payments | 수납 files uploaded |
| `users.xlsx` | manage_users | the office's staff accounts |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from jingsu.core.formats import kdate
from jingsu.payments.models import Payment, Refund, channel_label, matched_by_label, source_label
from jingsu.rewards.models import Claim, Clawback
from jingsu.staff import (
    audit_labels,
    campaign_views,
    money_views,
    queries,
    rewards_setup_views,
    rewards_views,
    services,
    user_views,
    views,
)
from jingsu.staff.access import StaffRequest, console_today, scoped_or_404, staff_view
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.downloads import Col, People, Sheet, xlsx_response
from jingsu.staff.forms import SearchForm
from jingsu.staff.models import PaymentUpload, RollUpload, UploadBase

# --- taxpayers -------------------------------------------------------------------------------------------------------


@staff_view("view_taxpayer")
def taxpayer_search_xlsx(request: StaffRequest) -> HttpResponse:
    """The saved search `?s=` (views.taxpayer_search keeps it in the session), every page of it. The audit row says
    how the search was made and how many came back — not the query (it may be a name)."""
    saved = request.session.get(views.SEARCHES, {}).get(request.GET.get("s", ""))
    if saved is None:
        messages.info(request, "내려받을 검색 결과가 없습니다. 먼저 검색하세요.")
        return render(request, "staff/taxpayer_search.html", {"form": SearchForm(initial={"by": "auto"}),
                                                              "result": None})
    by, rows, problem = queries.search_queryset(_j(request), saved.get("q", ""), saved["by"],
                                                registration_hash=saved.get("hash"))
    people = People(request)
    cols = [Col("성명", width=14), Col("구분", width=8), Col("등록번호", width=16), Col("주소", width=40),
            Col("우편번호", width=9), Col("휴대전화", width=15), Col("전자송달 신청", width=12), Col("수신거부", width=9),
            Col("부과 건수", "count", 10)]

    def data() -> Any:
        for t in (rows.iterator(chunk_size=2000) if rows is not None else ()):
            yield [people.name(t.name), t.get_kind_display(), t.registration_masked, people.address(t.address),
                   t.postal_code if people.reveal else "", people.mobile(t.mobile), "예" if t.e_service else "아니요",
                   "예" if t.opt_out else "아니요", t.levy_count]

    return xlsx_response(request, action="staff.taxpayer_search_xlsx", title="납세자 검색 결과",
                         filename="납세자검색", sheets=[Sheet("검색 결과", cols, data())],
                         filters=[("검색 기준", queries.BY_LABELS.get(by, "")), ("문제", problem)], people=people)


# --- the audit log ---------------------------------------------------------------------------------------------------


@staff_view("view_audit_log")
def audit_log_xlsx(request: StaffRequest) -> HttpResponse:
    """The audit log with the screen's filters (기간, 작업, 사용자, 기록), in words as on the screen."""
    q = views.audit_query(request)
    cols = [Col("일시", "datetime", 18), Col("사용자", width=24), Col("작업", width=22), Col("대상", width=28),
            Col("사유", width=30), Col("세부", width=60)]

    def data() -> Any:
        chunk: list[Any] = []
        for row in q.rows.iterator(chunk_size=2000):
            chunk.append(row)
            if len(chunk) == 2000:
                yield from _audit_rows(chunk)
                chunk = []
        yield from _audit_rows(chunk)

    return xlsx_response(request, action="staff.audit_log_xlsx", title="감사 기록", filename="감사기록",
                         sheets=[Sheet("감사 기록", cols, data())], filters=q.filters)


def _audit_rows(rows: list[Any]) -> Any:
    for r in views.audit_shown(rows):
        yield [r["at"], r["actor"], r["action"], r["target"], r["reason"],
               ", ".join(f"{k}: {v}" for k, v in r["detail"])]


# --- roll upload errors ----------------------------------------------------------------------------------------------


@staff_view("import_roll")
def roll_errors_xlsx(request: StaffRequest, upload_id: int) -> HttpResponse:
    upload = scoped_or_404(request, RollUpload, pk=upload_id)
    cols = [Col("행", "count", 8), Col("열", width=18), Col("사유", width=80)]
    rows = [[e.get("row") or "파일", e.get("column", ""), e.get("message", "")] for e in (upload.errors or [])]
    kept = len(rows)
    return xlsx_response(request, action="staff.roll_errors_xlsx", title=f"체납 자료 검증 오류: {upload.original_name}",
                         filename="체납자료오류", sheets=[Sheet("검증 오류", cols, rows)], target=upload,
                         filters=[("파일", upload.original_name),
                                  ("전체 오류", f"{upload.total_errors:,}건 (보관한 것 {kept:,}건)")])


# --- money -----------------------------------------------------------------------------------------------------------

_PAYMENT_COLS = [Col("거래번호", width=22), Col("수납 일시", "datetime", 18), Col("수납 경로", width=14),
                 Col("납부 수단", width=12), Col("금액(원)", "won", 14), Col("전자납부번호", width=22),
                 Col("가상계좌", width=18), Col("과세번호", width=24)]


def _payment_row(p: Payment) -> list[Any]:
    return [p.external_id, p.received_at, source_label(p.source), channel_label(p.channel) if p.channel else "",
            p.amount, p.payment_number, p.virtual_account, p.tax_number]


@staff_view("manage_payments")
def unmatched_xlsx(request: StaffRequest) -> HttpResponse:
    rows = money_views.unmatched_payments(_j(request))
    cols = [*_PAYMENT_COLS, Col("미확인 사유", width=40)]
    return xlsx_response(request, action="staff.unmatched_xlsx", title="미확인 수납", filename="미확인수납",
                         sheets=[Sheet("미확인 수납", cols, ([*_payment_row(p), p.unmatched_reason]
                                                         for p in rows.iterator(chunk_size=2000)))],
                         filters=[("상태", "미확인")])


@staff_view("manage_payments")
def refunds_xlsx(request: StaffRequest) -> HttpResponse:
    people = People(request)
    cols = [Col("발생일", "date", 12), Col("납세자", width=14), Col("등록번호", width=16), Col("과세번호", width=24),
            Col("수납 거래번호", width=22), Col("환급액(원)", "won", 14), Col("사유", width=40), Col("상태", width=10)]

    def data() -> Any:
        for r in money_views.pending_refunds(_j(request)).iterator(chunk_size=2000):
            t = r.taxpayer
            yield [r.created_at, people.name(t.name) if t else "", t.registration_masked if t else "",
                   r.levy.tax_number if r.levy else "", r.payment.external_id if r.payment else "", r.amount,
                   r.reason, r.get_status_display()]

    return xlsx_response(request, action="staff.refunds_xlsx", title="안내할 환급 대상", filename="환급대상",
                         sheets=[Sheet("환급 대상", cols, data())],
                         filters=[("상태", str(Refund.Status.PENDING.label))], people=people)


@staff_view("manage_payments")
def reconciliation_xlsx(request: StaffRequest) -> HttpResponse:
    """일일 대사 of `?date=` (default today): the screen's tables, one sheet each, and the day's payments."""
    day = money_views._parse_date(request.GET.get("date")) or console_today()
    s = money_views.reconciliation_summary(_j(request), day)
    start, end = money_views._day_bounds(day)
    three = [Col("구분", width=20), Col("건수", "count", 10), Col("금액(원)", "won", 16)]
    payments = (Payment.objects.filter(jurisdiction=_j(request), received_at__gte=start, received_at__lt=end)
                .order_by("received_at", "pk"))
    sheets = [
        Sheet("대사 결과별", three, [[r["label"], r["count"], r["amount"]] for r in s["by_status"]]
              + [["합계", s["count"], s["amount"]]]),
        Sheet("충당 구분별", three, [[r["label"], r["count"], r["amount"]] for r in s["by_head"]]
              + [["합계", None, s["allocated"]]]),
        Sheet("경로·수단별", [Col("수납 경로", width=16), Col("납부 수단", width=14), Col("건수", "count", 10),
                           Col("금액(원)", "won", 16)],
              [[r["source"], r["channel"], r["count"], r["amount"]] for r in s["by_source"]]),
        Sheet("대사 기준별", three, [[r["label"], r["count"], r["amount"]] for r in s["by_rule"]]),
        Sheet("수납 파일", [Col("가져온 일시", "datetime", 18), Col("파일 이름", width=30), Col("형식", width=10),
                          Col("수납 경로", width=14), Col("건수", "count", 10), Col("금액(원)", "won", 16),
                          Col("가져온 사람", width=20)],
              [[f.imported_at, f.name, "고정 길이" if f.layout == "fixed" else "CSV", f.source_label, f.records,
                f.amount, audit_labels.actor_label(f.imported_by)] for f in s["files"]]),
        Sheet("수납 목록", [*_PAYMENT_COLS, Col("상태", width=10), Col("대사 기준", width=14), Col("미확인 사유", width=30)],
              ([*_payment_row(p), p.get_status_display(), matched_by_label(p.matched_by) if p.matched_by else "",
                p.unmatched_reason] for p in payments.iterator(chunk_size=2000))),
    ]
    return xlsx_response(request, action="staff.reconciliation_xlsx", title=f"일일 대사 현황 {kdate(day)}",
                         filename=f"일일대사-{day.isoformat()}", sheets=sheets, filters=[("수납일", kdate(day))])


# --- rewards ---------------------------------------------------------------------------------------------------------


def _payee(people: People, official: Any, civilian: Any) -> str:
    """An official by name and post (their duty); a civilian informant is a private person: masked."""
    if official is not None:
        return str(official)
    if civilian is not None:
        return f"민간인 {people.name(civilian.name)}"
    return ""


@staff_view("view_rewards")
def reward_actions_xlsx(request: StaffRequest) -> HttpResponse:
    people = People(request)
    cols = [Col("처분일", "date", 12), Col("과세번호", width=24), Col("종류", width=18), Col("처분한 사람", width=30),
            Col("유예 후 납부기한", "date", 14), Col("비고", width=30), Col("기록한 사람", width=22),
            Col("기록한 때", "datetime", 18)]
    rows = ([a.taken_on, a.levy.tax_number, a.get_kind_display(), _payee(people, a.official, a.civilian),
             a.deferred_until, a.notes, audit_labels.actor_label(a.created_by), a.created_at]
            for a in rewards_views.enforcement_actions(_j(request)).iterator(chunk_size=2000))
    return xlsx_response(request, action="staff.reward_actions_xlsx", title="체납처분 기록", filename="체납처분기록",
                         sheets=[Sheet("체납처분 기록", cols, rows)], people=people)


@staff_view("view_rewards")
def reward_cases_xlsx(request: StaffRequest) -> HttpResponse:
    year = rewards_views._year(request)
    people = People(request)
    cols = [Col("안건", width=10), Col("구분", width=16), Col("요지", width=40), Col("공적자(지분)", width=36),
            Col("징수액(원)", "won", 14), Col("징수일", "date", 12), Col("상태", width=10), Col("회의일", "date", 12)]
    rows = ([c.number, c.get_merit_type_display(), c.title,
             ", ".join(f"{_payee(people, cl.official, cl.civilian)}({cl.share})" for cl in c.claimants.all()),
             c.collected, c.collected_on, c.get_status_display(), c.meeting.held_on if c.meeting else None]
            for c in rewards_views.reward_cases(_j(request), year))
    return xlsx_response(request, action="staff.reward_cases_xlsx", title=f"포상금 안건 {year}년",
                         filename=f"포상금안건-{year}", sheets=[Sheet("안건", cols, rows)],
                         filters=[("연도", f"{year}년")], people=people)


@staff_view("view_rewards")
def reward_claims_xlsx(request: StaffRequest) -> HttpResponse:
    people = People(request)
    cols = [Col("신청 번호", "count", 10), Col("심사결정일", "date", 12), Col("성명", width=14),
            Col("소속(주소)", width=30), Col("직급", width=12), Col("건수", "count", 8), Col("징수액(원)", "won", 14),
            Col("포상금(원)", "won", 14), Col("거래은행", width=12), Col("계좌번호", width=18), Col("신청일", "date", 12),
            Col("상태", width=10), Col("지급 연도", "year", 10), Col("지급일", "date", 12)]
    rows = ([c.pk, c.decision.decided_on, people.name(c.name) if c.civilian_id else c.name,
             people.address(c.affiliation) if c.civilian_id else c.affiliation, c.rank, c.case_count, c.collected,
             c.amount, c.bank_display, c.account_masked, c.submitted_on, c.get_status_display(), c.budget_year,
             c.paid_on]
            for c in Claim.objects.filter(jurisdiction=_j(request)).select_related("decision").order_by("-pk"))
    return xlsx_response(request, action="staff.reward_claims_xlsx", title="포상금 지급신청", filename="포상금지급신청",
                         sheets=[Sheet("지급신청", cols, rows)], people=people)


@staff_view("view_rewards")
def reward_clawbacks_xlsx(request: StaffRequest) -> HttpResponse:
    people = People(request)
    cols = [Col("통지일", "date", 12), Col("구분", width=16), Col("대상자", width=14), Col("신청 번호", "count", 10),
            Col("포상금 지급일", "date", 12), Col("원금(원)", "won", 14), Col("이자(원)", "won", 12),
            Col("환수액(원)", "won", 14), Col("상태", width=10), Col("환수일", "date", 12), Col("사유", width=40)]
    rows = ([c.notified_on, c.get_kind_display(), people.name(c.claim.name) if c.claim.civilian_id else c.claim.name,
             c.claim_id, c.paid_on, c.principal, c.interest, c.total, c.get_status_display(), c.collected_on,
             c.reason]
            for c in Clawback.objects.filter(jurisdiction=_j(request)).select_related("claim")
            .order_by("-notified_on", "-pk"))
    return xlsx_response(request, action="staff.reward_clawbacks_xlsx", title="포상금 환수", filename="포상금환수",
                         sheets=[Sheet("환수", cols, rows)], people=people)


@staff_view("view_rewards")
def reward_officials_xlsx(request: StaffRequest) -> HttpResponse:
    """The officials registered for rewards: staff of the office, named with their post; accounts masked as on the
    screen (the full number goes only into the transfer file)."""
    cols = [Col("번호", "count", 8), Col("성명", width=12), Col("직급", width=12), Col("부서", width=20),
            Col("국", width=16), Col("국장급 이상", width=10), Col("거래은행", width=12), Col("계좌번호", width=18),
            Col("예금주", width=12), Col("상태", width=8), Col("등록일", "datetime", 18)]
    rows = ([o.pk, o.name, o.rank, o.department, o.bureau, "예" if o.director_or_above else "아니요", o.bank_display,
             o.account_masked or "미등록", o.account_holder, "사용" if o.active else "비활성", o.created_at]
            for o in rewards_setup_views.officials_of(_j(request)).iterator(chunk_size=2000))
    return xlsx_response(request, action="staff.reward_officials_xlsx", title="포상금 대상 공무원",
                         filename="포상금대상공무원", sheets=[Sheet("공무원", cols, rows)])


@staff_view("view_rewards")
def reward_civilians_xlsx(request: StaffRequest) -> HttpResponse:
    """Civilian informants: private people, so name and address masked without `reveal_personal_data`; the birth
    date and the account are always the masked copies the screen shows."""
    people = People(request)
    cols = [Col("번호", width=12), Col("성명", width=12), Col("주소", width=40), Col("생년월일", width=12),
            Col("거래은행", width=12), Col("계좌번호", width=18), Col("예금주", width=12), Col("등록일", "datetime", 18)]
    rows = ([c.payee_key, people.name(c.name), people.address(c.address), c.birth_date_masked or "", c.bank_display,
             c.account_masked or "미등록", people.name(c.account_holder), c.created_at]
            for c in rewards_setup_views.civilians_of(_j(request)).iterator(chunk_size=2000))
    return xlsx_response(request, action="staff.reward_civilians_xlsx", title="민간인 신고자",
                         filename="민간인신고자", sheets=[Sheet("민간인 신고자", cols, rows)], people=people)


@staff_view("view_rewards")
def reward_findings_xlsx(request: StaffRequest) -> HttpResponse:
    """숨은 세원 발굴 (별지 제2호서식's rows): the taxpayer's name masked without `reveal_personal_data`."""
    people = People(request)
    cols = [Col("번호", "count", 8), Col("구분", width=14), Col("발굴세원", width=30), Col("세목", width=10),
            Col("납세의무자", width=12), Col("발굴자", width=24), Col("부과액(원)", "won", 14),
            Col("탈루세액 등(원)", "won", 14), Col("징수액(원)", "won", 14), Col("징수일", "date", 12),
            Col("징수 확인", width=14), Col("안건", width=8)]
    findings = rewards_setup_views.findings_of(_j(request))
    with_case = set(findings.filter(cases__isnull=False).values_list("pk", flat=True))

    def data() -> Any:
        for f in findings.iterator(chunk_size=2000):
            finder = (str(f.official) if f.official else f"민간인 {people.name(f.civilian.name if f.civilian else '')}")
            yield [f.pk, f.get_category_display(), f.source_description, f.tax_item, people.name(f.taxpayer_name),
                   finder, f.assessed, f.evaded, f.collected if f.confirmed_by else None, f.collected_on,
                   f.confirmed_by or "미확인",
                   "있음" if f.pk in with_case else "없음"]

    return xlsx_response(request, action="staff.reward_findings_xlsx", title="숨은 세원 발굴",
                         filename="숨은세원발굴", sheets=[Sheet("발굴", cols, data())], people=people)


# --- campaigns, uploads, accounts ------------------------------------------------------------------------------------


@staff_view("view_reports")
def campaign_list_xlsx(request: StaffRequest) -> HttpResponse:
    cols = [Col("번호", "count", 8), Col("이름", width=30), Col("종류", width=16), Col("기준일", "date", 12),
            Col("납부기한", "date", 12), Col("상태", width=10), Col("만든 사람", width=20), Col("승인한 사람", width=20),
            Col("만든 때", "datetime", 18)]
    rows = ([c.pk, c.name, c.get_kind_display(), c.as_of, c.pay_by, c.get_status_display(),
             audit_labels.actor_label(c.created_by), audit_labels.actor_label(c.approved_by) if c.approved_by else "",
             c.created_at]
            for c in campaign_views.campaign_rows(_j(request)).iterator(chunk_size=2000))
    return xlsx_response(request, action="staff.campaign_list_xlsx", title="안내 캠페인 목록", filename="안내캠페인",
                         sheets=[Sheet("캠페인", cols, rows)])


_UPLOAD_COLS = [Col("번호", "count", 8), Col("올린 때", "datetime", 18), Col("파일 이름", width=36),
                Col("올린 사람", width=20), Col("상태", width=10)]


def _uploads_xlsx(request: StaffRequest, model: type[UploadBase], *, cols: list[Col],
                  figures: Callable[[Any], list[Any]], action: str, title: str, filename: str,
                  sheet: str) -> HttpResponse:
    """A list of the jurisdiction's console uploads, newest first: the shared columns, the kind's `figures`, the
    errors and who confirmed the import."""
    cols = [*_UPLOAD_COLS, *cols, Col("오류", "count", 10), Col("가져온 사람", width=20)]
    rows = ([u.pk, u.created_at, u.original_name, audit_labels.actor_label(u.actor), u.get_status_display(),
             *figures(u), u.total_errors, audit_labels.actor_label(u.confirmed_by) if u.confirmed_by else ""]
            for u in model.objects.filter(jurisdiction=_j(request)).order_by("-created_at", "-pk")
            .iterator(chunk_size=2000))
    return xlsx_response(request, action=action, title=title, filename=filename, sheets=[Sheet(sheet, cols, rows)])


@staff_view("import_roll")
def roll_uploads_xlsx(request: StaffRequest) -> HttpResponse:
    return _uploads_xlsx(request, RollUpload, cols=[Col("자료 행", "count", 10)], figures=lambda u: [u.rows],
                         action="staff.roll_uploads_xlsx", title="올린 체납 자료", filename="체납자료파일",
                         sheet="체납 자료 파일")


@staff_view("manage_payments")
def payment_uploads_xlsx(request: StaffRequest) -> HttpResponse:
    return _uploads_xlsx(
        request, PaymentUpload,
        cols=[Col("형식", width=10), Col("수납 경로", width=12), Col("건수", "count", 10), Col("금액(원)", "won", 16)],
        figures=lambda u: [u.get_layout_display(), u.get_source_display(), u.records, u.amount],
        action="staff.payment_uploads_xlsx", title="올린 수납 파일", filename="수납파일", sheet="수납 파일")


@staff_view("manage_users")
def users_xlsx(request: StaffRequest) -> HttpResponse:
    """The office's accounts, as the screen shows them: no password, no set-up link."""
    profiles = user_views.staff_accounts(_j(request))
    locked = services.locked_usernames(list(profiles.values_list("user__username", flat=True)))
    cols = [Col("아이디", width=20), Col("이름", width=14), Col("역할", width=16), Col("상태", width=10),
            Col("로그인 잠김", width=10), Col("마지막 로그인", "datetime", 18), Col("만든 때", "datetime", 18)]
    rows = ([p.user.get_username(), p.display_name, p.role_obj.name,
             "사용 중" if p.user.is_active else "사용 중지", "잠김" if p.user.get_username() in locked else "",
             p.user.last_login, p.created_at]
            for p in profiles.iterator(chunk_size=2000))
    return xlsx_response(request, action="staff.users_xlsx", title="직원 계정", filename="직원계정",
                         sheets=[Sheet("직원 계정", cols, rows)])


urlpatterns = [
    path("taxpayers/results.xlsx", taxpayer_search_xlsx, name="taxpayer_search_xlsx"),
    path("audit.xlsx", audit_log_xlsx, name="audit_log_xlsx"),
    path("rolls/<int:upload_id>/errors.xlsx", roll_errors_xlsx, name="roll_errors_xlsx"),
    path("money/unmatched.xlsx", unmatched_xlsx, name="money_unmatched_xlsx"),
    path("money/refunds.xlsx", refunds_xlsx, name="money_refunds_xlsx"),
    path("money/reconciliation.xlsx", reconciliation_xlsx, name="money_reconciliation_xlsx"),
    path("rewards/actions.xlsx", reward_actions_xlsx, name="rewards_actions_xlsx"),
    path("rewards/cases.xlsx", reward_cases_xlsx, name="rewards_cases_xlsx"),
    path("rewards/claims.xlsx", reward_claims_xlsx, name="rewards_claims_xlsx"),
    path("rewards/clawbacks.xlsx", reward_clawbacks_xlsx, name="rewards_clawbacks_xlsx"),
    path("rewards/officials.xlsx", reward_officials_xlsx, name="rewards_officials_xlsx"),
    path("rewards/civilians.xlsx", reward_civilians_xlsx, name="rewards_civilians_xlsx"),
    path("rewards/findings.xlsx", reward_findings_xlsx, name="rewards_findings_xlsx"),
    path("campaigns.xlsx", campaign_list_xlsx, name="campaign_list_xlsx"),
    path("rolls/uploads.xlsx", roll_uploads_xlsx, name="roll_uploads_xlsx"),
    path("money/files.xlsx", payment_uploads_xlsx, name="money_files_xlsx"),
    path("users.xlsx", users_xlsx, name="users_xlsx"),
]
