"""Issue #14, "The official", through the Django test client: a notice's delivery history, its portal address
(audited), sending it again (Kakao/SMS at once, KT and paper after a second person's approval), every list as XLSX
with the screen's filters (safe cells, Korean headers, number formats, personal data masked without
`reveal_personal_data`, every download audited), paging of the long lists, the audit log's filters, and the print
layout's hooks. Screenshots: test_official_browser.py."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from _staff_helpers import (
    HOME,
    add_money_world,
    add_payment_uploads,
    add_rewards_world,
    add_unmatched_payment,
    as_,
    no_inline,
    text,
)
from django.urls import reverse
from openpyxl import load_workbook

from _clock import T0
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, Resend
from jingsu.delivery.services import portal_link
from jingsu.notices.models import Notice
from jingsu.payments.models import Payment, Refund
from jingsu.staff.models import RollUpload
from jingsu.taxpayers.models import Taxpayer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def notice_of(world) -> Notice:
    return Notice.objects.get(taxpayer=world.taxpayer)


def workbook(r):
    assert r.status_code == 200, text(r)[-1500:] if r["Content-Type"].startswith("text") else r.status_code
    assert r["Content-Type"] == XLSX and "attachment; filename*=UTF-8''" in r["Content-Disposition"]
    assert ".xlsx" in r["Content-Disposition"]
    return load_workbook(io.BytesIO(r.content))


def rows_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def info(wb) -> dict[str, str]:
    return {r[0]: r[1] for r in rows_of(wb["내려받기 정보"]) if r[0] != "건수"}


def last_download(action: str) -> AuditLog:
    return AuditLog.objects.filter(action=action).latest("id")


# --- 1. the notice on the phone: history, portal address, resend ---------------------------------------------------


def test_the_taxpayer_page_shows_every_attempt_with_its_times_and_the_intermediarys_id(world, client):
    n = notice_of(world)
    a = n.attempts.get()
    DeliveryAttempt.objects.filter(pk=a.pk).update(sent_at=T0, delivered_at=T0 + timedelta(minutes=5),
                                                   read_at=T0 + timedelta(hours=3))
    r = as_(client, world, "section_chief").get(reverse("staff:taxpayer_detail", args=[world.taxpayer.pk]))
    body = text(r)
    facts = body[body.index(f'id="attempt-{a.pk}"'):]
    for expected in ("KT 공인알림문자", "열람", "중계자 문서 번호", "kt-1", "발송 키", a.key, "보낸 때",
                     "2026. 11. 23. 10:00", "2026. 11. 23. 10:05", "2026. 11. 23. 13:00", "보낸 횟수"):
        assert expected in facts, expected
    # 과장 reads; neither the address nor the resend are his
    assert f'action="{reverse("staff:notice_link", args=[n.pk])}"' not in body
    assert reverse("staff:notice_resend", args=[n.pk]) not in body
    no_inline(r)


def test_the_portal_address_is_shown_on_request_and_audited(world, client):
    n = notice_of(world)
    url = reverse("staff:notice_link", args=[n.pk])
    as_(client, world)
    page = text(client.get(reverse("staff:taxpayer_detail", args=[world.taxpayer.pk])))
    assert f'action="{url}"' in page and "포털 주소 보기·복사" in page
    assert n.token not in page, "the address is not on the page until asked for"
    before = AuditLog.objects.filter(action="staff.notice_link_view").count()
    r = client.get(url)
    assert r.status_code == 200 and n.token not in text(r)
    assert AuditLog.objects.filter(action="staff.notice_link_view").count() == before
    r = client.post(url)
    body = text(r)
    assert portal_link(n) in body and f"/n/{n.token}" in portal_link(n)
    assert 'data-copy-from="portal-link"' in body and "staff/page-tools.js" in body
    no_inline(r)
    row = last_download("staff.notice_link_view")
    assert row.actor == world.users["clerk"].get_username() and row.target_id == str(n.pk)
    assert row.target_type == "notices.notice"
    # the auditor and the section chief have no access to personal data: 403
    for role in ("auditor", "section_chief"):
        assert as_(client, world, role).post(url).status_code == 403


def _resend_form(client, n) -> dict:
    r = client.get(reverse("staff:notice_resend", args=[n.pk]))
    assert r.status_code == 200
    no_inline(r)
    key = re.search(r'name="key" value="([^"]+)"', text(r)).group(1)
    return {"key": key, "reason": "납세자 전화: 안내문을 받지 못함"}


def test_the_clerk_resends_by_sms_at_once_and_a_double_submit_makes_one_attempt(world, client):
    n = notice_of(world)
    as_(client, world)
    form = _resend_form(client, n)
    page = text(client.get(reverse("staff:notice_resend", args=[n.pk])))
    assert "문자 메시지 — 바로 발송, 30원" in page and "종이 우편(등기) — 승인 후 발송, 2,930원" in page
    assert "연계정보가 없어 보낼 수 없습니다" in page  # 카카오톡 and KT without a CI on record
    r = client.post(reverse("staff:notice_resend", args=[n.pk]), {**form, "option": "sms"}, follow=True)
    assert r.status_code == 200 and "문자 메시지로 다시 보냈습니다" in text(r)
    assert "발송 주기에서 곧 보냅니다" in text(r)  # no provider address in this process: the dispatch cycle sends it
    again = client.post(reverse("staff:notice_resend", args=[n.pk]), {**form, "option": "sms"})
    assert again.status_code == 302
    resend = Resend.objects.get(notice=n)
    assert resend.status == Resend.Status.APPROVED and resend.requested_by == world.users["clerk"].get_username()
    a = resend.attempt
    assert (a.channel, a.status, a.sequence, a.key) == (Channel.SMS, AttemptStatus.QUEUED, 2, f"{n.reference}-2")
    assert n.attempts.count() == 2, "one request, one attempt"
    row = AuditLog.objects.get(action="delivery.resend")
    assert row.reason == "납세자 전화: 안내문을 받지 못함" and row.target_id == str(n.pk)
    page = text(client.get(reverse("staff:taxpayer_detail", args=[world.taxpayer.pk])))
    assert "2차 문자 메시지" in page and "다시 보내기" in page


def test_paper_waits_for_a_second_person_who_approves_it_from_the_taxpayer_page(world, client):
    n = notice_of(world)
    as_(client, world)
    r = client.post(reverse("staff:notice_resend", args=[n.pk]), {**_resend_form(client, n), "option": "registered"},
                    follow=True)
    assert "다른 직원(팀장)이 승인하면 보냅니다" in text(r)
    resend = Resend.objects.get(notice=n)
    assert resend.status == Resend.Status.PENDING and resend.attempt is None and n.attempts.count() == 1
    assert AuditLog.objects.filter(action="delivery.resend_request").exists()
    # the clerk sees it waiting, without a button; a second request waits too
    page = text(client.get(reverse("staff:taxpayer_detail", args=[world.taxpayer.pk])))
    assert "다시 보내기 승인 대기" in page and f'id="approve-resend-{resend.pk}"' not in page
    assert client.post(reverse("staff:resend_approve", args=[resend.pk])).status_code == 403
    blocked = client.post(reverse("staff:notice_resend", args=[n.pk]),
                          {"key": "another-form", "reason": "문자로도 보내 주세요", "option": "sms"})
    assert blocked.status_code == 400 and "승인을 기다리는 다시 보내기 요청이 있습니다" in text(blocked)
    # the team lead approves on the taxpayer page and comes back to it
    as_(client, world, "team_lead")
    home = text(client.get(reverse("staff:home")))
    assert 'id="home-resends">1건' in home
    detail = reverse("staff:taxpayer_detail", args=[world.taxpayer.pk])
    page = text(client.get(detail))
    assert f'id="approve-resend-{resend.pk}"' in page
    r = client.post(reverse("staff:resend_approve", args=[resend.pk]), {"next": detail + f"#notice-{n.pk}"})
    assert r.status_code == 302 and r["Location"] == detail + f"#notice-{n.pk}"
    resend.refresh_from_db()
    assert resend.status == Resend.Status.APPROVED and resend.decided_by == world.users["team_lead"].get_username()
    assert (resend.attempt.channel, resend.attempt.cost, resend.attempt.status) == (
        Channel.PAPER, 2930, AttemptStatus.QUEUED)
    approve = AuditLog.objects.get(action="delivery.resend_approve")
    assert approve.detail["requested_by"] == world.users["clerk"].get_username()
    lst = text(client.get(reverse("staff:resend_list")))
    assert "김*준" in lst and "김민준" not in lst and "승인을 기다리는 요청이 없습니다" in lst


def test_a_rejected_request_sends_nothing(world, client):
    n = notice_of(world)
    as_(client, world)
    client.post(reverse("staff:notice_resend", args=[n.pk]), {**_resend_form(client, n), "option": "paper"})
    resend = Resend.objects.get(notice=n)
    as_(client, world, "team_lead")
    r = client.post(reverse("staff:resend_reject", args=[resend.pk]), {"reason": "주소 변동 없음"}, follow=True)
    assert "반려했습니다" in text(r)
    resend.refresh_from_db()
    assert resend.status == Resend.Status.REJECTED and resend.attempt is None and n.attempts.count() == 1
    assert AuditLog.objects.get(action="delivery.resend_reject").reason == "주소 변동 없음"


def test_a_resend_is_refused_with_the_reason(world, client):
    n = notice_of(world)
    as_(client, world)
    form = _resend_form(client, n)
    short = client.post(reverse("staff:notice_resend", args=[n.pk]), {**form, "option": "sms", "reason": "짧음"})
    assert short.status_code == 400 and "5자 이상" in text(short)
    kakao = client.post(reverse("staff:notice_resend", args=[n.pk]), {**form, "option": "kakao"})
    assert kakao.status_code == 400 and "지금 보낼 수 있는 채널을 고르세요" in text(kakao)
    assert not Resend.objects.exists()
    # a notice never sent (another taxpayer's, no attempt) says why and offers no form
    other = Notice.objects.filter(campaign=n.campaign).exclude(pk=n.pk).first()
    page = text(client.get(reverse("staff:notice_resend", args=[other.pk])))
    assert "아직 한 번도 보내지 않은 안내문입니다" in page and 'id="resend-form"' not in page


def test_a_resend_through_the_simulator_goes_out_at_once(world, client, settings, clock):
    from jingsu.simulator.process import SimulatorProcess

    n = notice_of(world)
    as_(client, world)
    with SimulatorProcess(start=T0, seed=5) as sim:
        settings.JINGSU_PROVIDER_URL = sim.url
        r = client.post(reverse("staff:notice_resend", args=[n.pk]), {**_resend_form(client, n), "option": "sms"},
                        follow=True)
    assert "발송 결과: 접수" in text(r), text(r)[:3000]
    a = Resend.objects.get(notice=n).attempt
    assert a.status == AttemptStatus.ACCEPTED and a.external_id and a.sent_at == clock.now()
    assert a.external_id in text(client.get(reverse("staff:taxpayer_detail", args=[world.taxpayer.pk])))


# --- 2. downloads ------------------------------------------------------------------------------------------------------


def _search(client, q: str) -> str:
    r = client.post(reverse("staff:taxpayer_search"), {"q": q, "by": "auto"})
    return r["Location"].split("s=")[1]


def test_search_results_download_with_names_for_those_who_may_reveal_and_masked_for_others(world, client):
    t = world.taxpayer
    as_(client, world)
    key = _search(client, "김민준")
    assert f"?s={key}" in text(client.get(reverse("staff:taxpayer_search") + f"?s={key}"))
    wb = workbook(client.get(reverse("staff:taxpayer_search_xlsx") + f"?s={key}"))
    header, *rows = rows_of(wb["검색 결과"])
    assert header == ["성명", "구분", "등록번호", "주소", "우편번호", "휴대전화", "전자송달 신청", "수신거부", "부과 건수"]
    assert rows == [["김민준", "개인", "850101-1******", t.address, t.postal_code, "010-1234-5678", "아니요", "아니요",
                     2]]
    assert wb["검색 결과"]["I2"].number_format == "#,##0" and wb["검색 결과"]["A2"].data_type == "s"
    assert wb["검색 결과"].freeze_panes == "A2"
    assert "그대로" in info(wb)["개인정보"] and info(wb)["조건"] == "검색 기준: 성명"
    row = last_download("staff.taxpayer_search_xlsx")
    assert row.detail["rows"] == 1 and row.detail["masked"] is False and "김민준" not in str(row.detail)
    # 과장 may search but not reveal: names, addresses and phones masked
    as_(client, world, "section_chief")
    key = _search(client, "김민준")
    wb = workbook(client.get(reverse("staff:taxpayer_search_xlsx") + f"?s={key}"))
    [[name, _kind, number, address, postal, mobile, *_]] = rows_of(wb["검색 결과"])[1:]
    assert (name, number, postal, mobile) == ("김*준", "850101-1******", None, "010-****-5678")
    assert address == "서울특별시 중랑구 면목로 *"
    assert last_download("staff.taxpayer_search_xlsx").detail["masked"] is True
    # without a saved search: the search page says so
    r = client.get(reverse("staff:taxpayer_search_xlsx"))
    assert r.status_code == 200 and "먼저 검색하세요" in text(r)


def test_formula_looking_text_is_written_as_text(world, client):
    Taxpayer.objects.filter(pk=world.taxpayer.pk).update(name="=HYPERLINK(\"http://x\")", address="+1+1")
    as_(client, world)
    key = _search(client, "HYPERLINK")
    ws = workbook(client.get(reverse("staff:taxpayer_search_xlsx") + f"?s={key}"))["검색 결과"]
    assert ws["A2"].value == "'=HYPERLINK(\"http://x\")" and ws["A2"].data_type == "s"
    assert ws["D2"].value == "'+1+1"


def test_money_lists_download_with_number_formats_and_page(world, client, clock):
    money = add_money_world(world, clock)
    for i in range(120):
        add_unmatched_payment(HOME, clock, external_id=f"bulk-{i:03d}", amount=1000 + i)
    as_(client, world)
    page1 = text(client.get(reverse("staff:money_unmatched")))
    assert "1 / 2쪽 (전체 121건)" in page1 and 'id="unmatched-xlsx"' in page1
    page2 = text(client.get(reverse("staff:money_unmatched") + "?page=2"))
    assert "bulk-119" in page2 and "bulk-000" not in page2
    wb = workbook(client.get(reverse("staff:money_unmatched_xlsx")))
    header, *rows = rows_of(wb["미확인 수납"])
    assert header[:5] == ["거래번호", "수납 일시", "수납 경로", "납부 수단", "금액(원)"] and len(rows) == 121
    ws = wb["미확인 수납"]
    assert ws["E2"].number_format == "#,##0" and ws["B2"].number_format == "yyyy. m. d. hh:mm"
    assert rows[0][0] == money.unmatched.external_id and rows[0][2] == "은행 수납 통지" or rows[0][2]
    assert ws["B2"].value.tzinfo is None and ws["B2"].value.hour == T0.hour  # Korean time
    assert last_download("staff.unmatched_xlsx").detail["rows"] == 121
    # refunds: a pending refund, the taxpayer's name as the role may see it
    payment = Payment.objects.get(external_id="tx-1")
    Refund.objects.create(jurisdiction=world.home, taxpayer=world.taxpayer, payment=payment,
                          levy=world.taxpayer.levies.first(), amount=7000, reason="과오납", created_at=clock.now())
    wb = workbook(client.get(reverse("staff:money_refunds_xlsx")))
    [header, row] = rows_of(wb["환급 대상"])
    assert header[1] == "납세자" and row[1] == "김민준" and row[5] == 7000 and row[7] == "환급 대상"
    # 일일 대사: one sheet per table, the day's payments, figures as on the screen
    wb = workbook(client.get(reverse("staff:money_reconciliation_xlsx") + "?date=2026-11-23"))
    assert wb.sheetnames == ["대사 결과별", "충당 구분별", "경로·수단별", "대사 기준별", "수납 파일", "수납 목록", "내려받기 정보"]
    total = rows_of(wb["대사 결과별"])[-1]
    assert total[0] == "합계" and total[1] == len(rows_of(wb["수납 목록"])) - 1
    assert info(wb)["조건"] == "수납일: 2026. 11. 23."
    recon = text(client.get(reverse("staff:money_reconciliation") + "?date=2026-11-23"))
    assert 'id="recon-xlsx"' in recon and "data-print" in recon


def test_the_roll_errors_download(world, client, clock):
    up = RollUpload.objects.create(
        jurisdiction_id=HOME, uploaded_by=world.users["clerk"], actor="clerk-11260", original_name="roll.csv",
        stored_name="x.csv", size=10, status=RollUpload.Status.INVALID, total_errors=2, created_at=clock.now(),
        errors=[{"row": 3, "column": "등록번호", "message": "등록번호 850101-1****** 검증번호 오류"},
                {"row": 0, "column": "", "message": "열 '세목코드'이 없습니다"}])
    as_(client, world)
    assert 'id="roll-errors-xlsx"' in text(client.get(reverse("staff:roll_detail", args=[up.pk])))
    wb = workbook(client.get(reverse("staff:roll_errors_xlsx", args=[up.pk])))
    assert rows_of(wb["검증 오류"]) == [["행", "열", "사유"], [3, "등록번호", "등록번호 850101-1****** 검증번호 오류"],
                                     ["파일", None, "열 '세목코드'이 없습니다"]]
    assert last_download("staff.roll_errors_xlsx").target_id == str(up.pk)


def test_a_campaigns_recipients_page_filter_and_download(world, client, clock):
    money = add_money_world(world, clock)
    c = money.campaign
    n = notice_of(world)
    as_(client, world, "auditor")
    assert 'id="recipients-link"' in text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    r = client.get(reverse("staff:campaign_recipients", args=[c.pk]))
    body = text(r)
    assert "김*준" in body and "김민준" not in body and "KT 공인알림문자" in body and "보내지 않음" in body
    no_inline(r)
    assert AuditLog.objects.filter(action="staff.campaign_recipients", target_id=str(c.pk)).exists()
    filtered = text(client.get(reverse("staff:campaign_recipients", args=[c.pk]) + "?channel=kt"))
    assert n.reference in filtered and "(1명)" in filtered
    wb = workbook(client.get(reverse("staff:campaign_recipients_xlsx", args=[c.pk]) + "?channel=kt"))
    header, row = rows_of(wb["받는 사람"])
    assert header[:4] == ["성명", "등록번호", "휴대전화", "주소"]
    assert row[0] == "김*준" and row[2] == "010-****-5678" and row[9] == "KT 공인알림문자" and row[10] == "열람"
    assert wb["받는 사람"]["H2"].number_format == "#,##0"
    assert info(wb)["조건"] == "캠페인: 11월 체납안내, 마지막 채널: KT 공인알림문자"
    row = last_download("staff.recipients_xlsx")
    assert row.detail["masked"] is True and row.detail["rows"] == 1
    # the clerk may reveal: names in full
    as_(client, world)
    wb = workbook(client.get(reverse("staff:campaign_recipients_xlsx", args=[c.pk]) + "?channel=kt"))
    assert rows_of(wb["받는 사람"])[1][0] == "김민준"
    total = Notice.objects.filter(campaign=c).count()
    assert len(rows_of(workbook(client.get(reverse("staff:campaign_recipients_xlsx", args=[c.pk])))["받는 사람"])) \
        == total + 1


def test_the_audit_log_filters_by_period_person_action_and_record_and_downloads_the_same(world, client, clock):
    from jingsu.core import audit

    profile = world.users["clerk"].staff_profile
    profile.display_name = "김담당"
    profile.save()
    clerk = world.users["clerk"].get_username()
    audit.record("taxpayer.reveal_registration_number", actor=clerk, jurisdiction=HOME, target=world.taxpayer,
                 reason="상담", clock=clock)
    clock.advance(timedelta(days=3))
    audit.record("taxpayer.reveal_registration_number", actor=clerk, jurisdiction=HOME, target=world.taxpayer,
                 reason="두 번째 상담", clock=clock)
    as_(client, world, "auditor")
    query = {"start": "2026-11-26", "end": "2026-11-26", "actor": "김담당",
             "action": "taxpayer.reveal_registration_number", "target_type": "taxpayers.taxpayer",
             "target_id": str(world.taxpayer.pk)}
    r = client.get(reverse("staff:audit_log"), query)
    assert r.context["page"].paginator.count == 1 and "두 번째 상담" in text(r)
    assert 'id="audit-xlsx"' in text(r) and "target_type=taxpayers.taxpayer" in text(r)
    wb = workbook(client.get(reverse("staff:audit_log_xlsx"), query))
    header, row = rows_of(wb["감사 기록"])
    assert header == ["일시", "사용자", "작업", "대상", "사유", "세부"]
    assert row[1] == f"김담당({clerk})" and row[2] == "등록번호 열람" and row[3] == f"납세자 {world.taxpayer.pk}번"
    assert row[4] == "두 번째 상담" and wb["감사 기록"]["A2"].number_format == "yyyy. m. d. hh:mm"
    assert info(wb)["조건"] == (f"작업: 등록번호 열람, 사용자: 김담당, 기간: 2026. 11. 26. ~ 2026. 11. 26., "
                              f"기록: 납세자 {world.taxpayer.pk}번")
    assert last_download("staff.audit_log_xlsx").detail["rows"] == 1
    bad = client.get(reverse("staff:audit_log"), {"start": "2026-11-26", "end": "2026-11-20"})
    assert "기간의 끝이 시작보다 앞섭니다" in text(bad) and bad.context["page"].paginator.count == 0
    # the download itself is in the log, in Korean
    page = text(client.get(reverse("staff:audit_log"), {"action": "staff.audit_log_xlsx"}))
    assert "감사 기록 내려받기" in page and "개인정보 가림" in page


def test_reward_lists_download(world, client, clock):
    r = add_rewards_world(world, clock)
    as_(client, world, "committee_member")
    for name, sheet, first in (("staff:rewards_actions_xlsx", "체납처분 기록", "처분일"),
                               ("staff:rewards_cases_xlsx", "안건", "안건"),
                               ("staff:rewards_claims_xlsx", "지급신청", "신청 번호"),
                               ("staff:rewards_clawbacks_xlsx", "환수", "통지일")):
        wb = workbook(client.get(reverse(name) + "?year=2026"))
        assert rows_of(wb[sheet])[0][0] == first, name
    claims = rows_of(workbook(client.get(reverse("staff:rewards_claims_xlsx")))["지급신청"])
    assert claims[1][0] == r.claim.pk and claims[1][2] == "한지민" and claims[1][7] == r.claim.amount
    assert claims[1][9] == r.claim.account_masked
    actions = rows_of(workbook(client.get(reverse("staff:rewards_actions_xlsx")))["체납처분 기록"])
    assert actions[1][1] == r.levy.tax_number
    done = {a.action for a in AuditLog.objects.filter(action__startswith="staff.reward_")}
    assert done == {"staff.reward_actions_xlsx", "staff.reward_cases_xlsx", "staff.reward_claims_xlsx",
                    "staff.reward_clawbacks_xlsx"}
    page = text(client.get(reverse("staff:rewards_actions")))
    assert 'id="actions-xlsx"' in page and "(1건, 최근 것부터)" in page


def test_the_reward_peoples_lists_download_masked_for_a_member_and_page(world, client, clock):
    from jingsu.rewards import services as rw

    r = add_rewards_world(world, clock)
    rw.add_civilian(Jurisdiction.by_code(HOME), name="김민수", address="서울특별시 중랑구 면목로 123", birth_date=date(1980, 1, 2),
                    actor="setup", clock=clock)
    as_(client, world, "committee_member")  # view_rewards without reveal_personal_data
    officials = rows_of(workbook(client.get(reverse("staff:rewards_officials_xlsx")))["공무원"])
    assert officials[0][:3] == ["번호", "성명", "직급"] and r.collector.name in [row[1] for row in officials[1:]]
    civilians = rows_of(workbook(client.get(reverse("staff:rewards_civilians_xlsx")))["민간인 신고자"])
    assert civilians[1][1] == "김*수" and "123" not in civilians[1][2] and civilians[1][3] == "****-**-**"
    findings = rows_of(workbook(client.get(reverse("staff:rewards_findings_xlsx")))["발굴"])
    assert findings[1][4] != "주식회사 숨은" and findings[1][4].startswith("주")
    assert findings[1][5] == str(r.collector) and findings[1][10] == "미확인"
    assert last_download("staff.reward_civilians_xlsx").detail["masked"] is True
    as_(client, world, "clerk")  # may reveal: names in full
    civilians = rows_of(workbook(client.get(reverse("staff:rewards_civilians_xlsx")))["민간인 신고자"])
    assert civilians[1][1] == "김민수" and civilians[1][2] == "서울특별시 중랑구 면목로 123"
    for name, table, button in (("staff:rewards_officials", "officials-table", "officials-xlsx"),
                                ("staff:rewards_civilians", "civilians-table", "civilians-xlsx"),
                                ("staff:rewards_findings", "findings-table", "findings-xlsx")):
        page = text(client.get(reverse(name)))
        assert f'id="{table}"' in page and f'id="{button}"' in page, name
    assert "(1명)" in text(client.get(reverse("staff:rewards_civilians")))


def test_campaigns_uploads_and_accounts_download_and_page(world, client, clock):
    add_money_world(world, clock)
    add_payment_uploads(world, clock)
    RollUpload.objects.bulk_create(RollUpload(
        jurisdiction_id=HOME, uploaded_by=world.users["clerk"], actor=world.users["clerk"].get_username(),
        original_name=f"roll-{i:02}.csv", stored_name=f"page-{i}.csv", size=10, status=RollUpload.Status.DONE,
        rows=100 + i, created_at=clock.now() + timedelta(minutes=i)) for i in range(21))
    as_(client, world, "clerk")
    campaigns = rows_of(workbook(client.get(reverse("staff:campaign_list_xlsx")))["캠페인"])
    assert campaigns[0][:3] == ["번호", "이름", "종류"] and [row[1] for row in campaigns[1:]] == ["11월 체납안내"]
    assert 'id="campaigns-xlsx"' in text(client.get(reverse("staff:campaign_list")))

    first = text(client.get(reverse("staff:roll_upload")))
    assert "1 / 2쪽 (전체 21건)" in first and "roll-20.csv" in first and "roll-00.csv" not in first
    assert "roll-00.csv" in text(client.get(reverse("staff:roll_upload") + "?page=2"))
    uploads = rows_of(workbook(client.get(reverse("staff:roll_uploads_xlsx")))["체납 자료 파일"])
    assert len(uploads) == 22 and uploads[1][2] == "roll-20.csv" and uploads[1][5] == 120
    files = rows_of(workbook(client.get(reverse("staff:money_files_xlsx")))["수납 파일"])
    assert [row[2] for row in files[1:]] == ["수납-20261123.csv"] and files[1][8] == 524_800  # HOME's only
    assert 'id="pay-uploads-xlsx"' in text(client.get(reverse("staff:money_file_upload")))

    as_(client, world, "sysadmin")
    users = rows_of(workbook(client.get(reverse("staff:users_xlsx")))["직원 계정"])
    assert users[0] == ["아이디", "이름", "역할", "상태", "로그인 잠김", "마지막 로그인", "만든 때"]
    assert {row[0] for row in users[1:]} == {u.get_username() for u in world.users.values()
                                             if u.staff_profile.jurisdiction_id == HOME}
    assert 'id="users-xlsx"' in text(client.get(reverse("staff:users")))
    assert {a.action for a in AuditLog.objects.filter(action__in=[
        "staff.campaign_list_xlsx", "staff.roll_uploads_xlsx", "staff.payment_uploads_xlsx", "staff.users_xlsx"])} \
        == {"staff.campaign_list_xlsx", "staff.roll_uploads_xlsx", "staff.payment_uploads_xlsx", "staff.users_xlsx"}


# --- 3. print ----------------------------------------------------------------------------------------------------------


def test_the_printed_pages_have_the_print_button_and_the_print_stylesheet(world, client, clock):
    from django.contrib.staticfiles import finders

    money = add_money_world(world, clock)
    add_rewards_world(world, clock)
    as_(client, world)
    for url in (reverse("staff:money_reconciliation"), reverse("staff:taxpayer_detail", args=[world.taxpayer.pk]),
                reverse("staff:effects_campaign", args=[money.campaign.pk]), reverse("staff:rewards_ledgers")):
        r = client.get(url)
        body = text(r)
        assert "staff/print.css" in body and 'data-print hidden' in body and "staff/page-tools.js" in body, url
        no_inline(r)
    css = open(finders.find("staff/print.css"), encoding="utf-8").read()
    assert "@media print" in css
    for hidden in (".console-nav", ".console-subnav", ".staff-console form", ".staff-console button",
                   ".staff-console input", ".staff-console select", ".console-pages"):
        assert hidden in css, hidden
    js = open(finders.find("staff/page-tools.js"), encoding="utf-8").read()
    assert "window.print()" in js and "navigator.clipboard" in js
