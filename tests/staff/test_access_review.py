"""The monthly access-log check for the 개인정보 보호책임자 (jingsu.staff.access_review, `jingsu access-review`):
counts per staff account, the unusual volume rule, reveals outside working hours (지방공무원 복무규정 제2조①: 9–18시,
no Saturday, Sunday or 공휴일), every download; citizens and the system are not staff."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.staff import access_review as ar


def _log(actor: str, action: str, at: datetime, *, reason: str = "", target: str = "12") -> None:
    AuditLog.objects.create(jurisdiction_id="11260", at=at, actor=actor, action=action,
                            target_type="taxpayers.taxpayer", target_id=target, reason=reason, detail={})


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def october(db):
    # 2026-10-05 is the 대체공휴일 of 개천절; 10-09 한글날 (a Friday); 10-10 a Saturday
    for i in range(250):  # a busy account: 250 views in working hours
        _log("clerk-a", "staff.taxpayer_view", _at((6, 7, 8, 12)[i % 4], 10, i % 60))
    for i in range(10):
        _log("clerk-b", "staff.taxpayer_search", _at(6, 11, i))
        _log("clerk-c", "staff.taxpayer_view", _at(7, 14, i))
    _log("clerk-b", "taxpayer.reveal_registration_number", _at(6, 17, 59), reason="민원 2026-1006 본인 확인")
    _log("clerk-b", "taxpayer.reveal_registration_number", _at(6, 18, 0), reason="퇴근 후 확인")  # end hour: outside
    _log("clerk-c", "taxpayer.reveal_registration_number", _at(9, 11, 0), reason="공휴일 근무")   # 한글날
    _log("clerk-c", "taxpayer.reveal_registration_number", _at(10, 10, 0), reason="토요일 근무")  # Saturday
    _log("clerk-c", "taxpayer.reveal_registration_number", _at(8, 8, 59), reason="이른 출근")
    _log("clerk-b", "staff.taxpayer_search_xlsx", _at(6, 15, 0), target="")
    _log("clerk-b", "staff.login_failed", _at(6, 8, 0), target="")
    _log("citizen@10.0.0.1", "portal.view", _at(6, 23, 0))       # not staff
    _log("system:delivery", "taxpayer.ci_lookup", _at(6, 3, 0))   # not staff
    AuditLog.objects.create(jurisdiction_id="11560", at=_at(6, 23), actor="clerk-x", action="staff.taxpayer_view",
                            detail={})  # another office
    _log("clerk-b", "staff.taxpayer_view", datetime(2026, 11, 1, 0, 0, tzinfo=SEOUL))  # the next month


def test_the_review_counts_per_account_and_lists_what_needs_a_reason(october):
    review = ar.access_review(Jurisdiction.by_code("11260"), date(2026, 10, 1))
    by = {a.actor: a for a in review.accounts}
    assert set(by) == {"clerk-a", "clerk-b", "clerk-c"}
    assert (by["clerk-a"].views, by["clerk-a"].outside_hours) == (250, 0)
    assert (by["clerk-b"].views, by["clerk-b"].reveals, by["clerk-b"].downloads, by["clerk-b"].failed_logins) == (
        12, 2, 1, 1)
    assert by["clerk-b"].actions == 14 and by["clerk-b"].outside_hours == 2  # 18:00 reveal, 08:00 failed login
    assert review.median_views == 13  # of 250, 12 and 13 views
    assert [a.actor for a in review.unusual] == ["clerk-a"]  # 250 > max(3 × 13, 200)
    assert [r.reason for r in review.late_reveals] == ["퇴근 후 확인", "이른 출근", "공휴일 근무", "토요일 근무"]
    assert [r.action for r in review.downloads] == ["staff.taxpayer_search_xlsx"]


def test_the_command_prints_the_summary_writes_the_workbook_and_is_audited(october, tmp_path, capsys, clock):
    out = tmp_path / "access.xlsx"
    call_command("access_review", "11260", "--month", "2026-10", "--out", str(out), "--actor", "보호책임자")
    text = capsys.readouterr().out
    assert "중랑구 2026년 10월 접속기록 점검 (개인정보의 안전성 확보조치 기준 제8조②)" in text
    assert "근무시간: 9시~18시, 토·일요일과 공휴일 제외 (지방공무원 복무규정 제2조①)" in text
    assert "    - clerk-a: 250건" in text
    assert "근무시간 외 등록번호 열람: 4건 (사유 확인 필요)" in text and "내려받기: 1건 (사유 확인 필요)" in text
    wb = load_workbook(out)
    assert wb.sheetnames == ["요약", "직원별", "근무시간 외 열람", "내려받기"]
    late = [[c.value for c in row] for row in wb["근무시간 외 열람"].iter_rows(min_row=2)]
    assert late[0][:3] == ["2026. 10. 6. 18:00", "clerk-b", "등록번호 열람"] and late[0][4] == "퇴근 후 확인"
    assert wb["직원별"]["H2"].value == "예"
    row = AuditLog.objects.get(action="staff.access_review")
    assert row.actor == "보호책임자" and row.detail["month"] == "2026-10" and row.detail["unusual"] == 1


def test_a_month_to_come_and_a_bad_month_are_refused(db):
    with pytest.raises(CommandError, match="달은 2026-11처럼 적어 주십시오"):
        call_command("access_review", "11260", "--month", "2026/10")
    with pytest.raises(CommandError, match="아직 오지 않은 달은 점검할 수 없습니다"):
        call_command("access_review", "11260", "--month", "2027-01")
