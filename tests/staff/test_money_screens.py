"""The money screens (issue #8 item 5: unmatched queue and matching by hand, refunds, the day's reconciliation) and
the effect dashboard (item 6) through the Django test client on a real database."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from _staff_helpers import (
    HOME,
    OTHER,
    add_money_world,
    add_unmatched_payment,
    as_,
    browser_login,
    no_inline,
    text,
)
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices.models import Campaign
from jingsu.payments.files import import_payment_file
from jingsu.payments.models import Allocation, Payment, PaymentFile, Refund
from jingsu.payments.services import record_payment
from jingsu.reports.effects import campaign_effects, period_effects
from jingsu.staff import money_views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]


@pytest.fixture
def money(world, clock):
    return add_money_world(world, clock)


def a_levy(world) -> Levy:
    return world.taxpayer.levies.exclude(status=Levy.Status.PAID).order_by("tax_number").first()


def match_confirmed(client, url, data):
    """Match by hand as the screen does it: the preview first (nothing written), then the confirmation of what was
    previewed."""
    preview = client.post(url, {**data, "confirm": "0"})
    assert preview.status_code == 200 and 'id="match-confirm"' in text(preview), text(preview)[-2000:]
    previewed = re.search(r'name="previewed" value="([^"]*)"', text(preview)).group(1)
    return client.post(url, {**data, "confirm": "1", "previewed": previewed})


# --- the unmatched queue and matching by hand -----------------------------------------------------------------------


def test_an_unmatched_payment_appears_in_the_queue_with_its_reason(world, money, client):
    r = as_(client, world).get(reverse("staff:money_unmatched"))
    assert r.status_code == 200
    body = text(r)
    assert "unmatched-home" in body and "unmatched-other" not in body
    assert "전자납부번호에 해당하는 부과 건이 없습니다." in body
    assert "123,450원" in body
    assert money.unmatched.payment_number in body
    assert 'id="unmatched-count">1건' in body
    no_inline(r)


def test_matching_by_hand_with_a_reason_moves_the_payment_and_writes_an_audit_row(world, money, client):
    levy = a_levy(world)
    url = reverse("staff:money_payment", args=[money.unmatched.pk])
    page = as_(client, world).get(url + f"?levy_ref={levy.tax_number}")
    assert page.status_code == 200
    assert levy.tax_number in text(page) and "찾은 부과 건" in text(page)
    no_inline(page)
    data = {"levy_ref": levy.tax_number, "scope": "levy", "reason": "납세자 전화 확인: 과세번호 착오"}
    # the preview shows the allocation and writes nothing; a confirmation of other values is previewed again
    preview = client.post(url, {**data, "confirm": "0"})
    assert 'id="match-preview"' in text(preview) and levy.tax_number in text(preview) and "본세 등" in text(preview)
    assert Payment.objects.get(pk=money.unmatched.pk).status == Payment.Status.UNMATCHED
    assert not AuditLog.objects.filter(action="payment.match_by_hand").exists()
    unconfirmed = client.post(url, {**data, "scope": "taxpayer", "confirm": "1", "previewed": f"{levy.pk}|levy"})
    assert unconfirmed.status_code == 200 and 'id="match-preview"' in text(unconfirmed)
    assert Payment.objects.get(pk=money.unmatched.pk).status == Payment.Status.UNMATCHED
    r = match_confirmed(client, url, data)
    assert r.status_code == 302 and r["Location"] == reverse("staff:money_unmatched")
    p = Payment.objects.get(pk=money.unmatched.pk)
    assert p.status in (Payment.Status.MATCHED, Payment.Status.OVERPAID)
    assert p.matched_by == "manual" and p.unmatched_reason == ""
    assert p.allocations.aggregate(s=Sum("amount"))["s"] == p.amount
    assert set(p.allocations.exclude(head=Allocation.Head.REFUND).values_list("levy_id", flat=True)) == {levy.pk}
    log = AuditLog.objects.get(action="payment.match_by_hand", target_id=str(p.pk))
    assert log.actor == world.users["clerk"].get_username()
    assert log.reason == "납세자 전화 확인: 과세번호 착오" and log.jurisdiction_id == HOME
    # gone from the queue, with the success message
    after = client.get(reverse("staff:money_unmatched"))
    assert f'id="payment-{p.pk}"' not in text(after) and "수기 대사했습니다" in text(after)
    assert 'id="unmatched-empty"' in text(after)
    # the payment's page now shows the allocation and no form
    done = client.get(url)
    assert "이 수납은 대사가 끝났습니다." in text(done) and "수기 대사" in text(done)


def test_matching_to_all_of_a_taxpayers_arrears_by_payment_number(world, money, client):
    levy = a_levy(world)
    number = numbers.payment_number(HOME, levy.tax_item, levy.tax_year, levy.pk)
    outstanding = {lv.pk for lv in world.taxpayer.levies.exclude(status=Levy.Status.PAID)}
    r = match_confirmed(as_(client, world), reverse("staff:money_payment", args=[money.unmatched.pk]),
                        {"levy_ref": number, "scope": "taxpayer", "reason": "가상계좌 착오 입금 확인"})
    assert r.status_code == 302
    p = Payment.objects.get(pk=money.unmatched.pk)
    assert p.matched_by == "manual"
    assert set(p.allocations.values_list("levy_id", flat=True)) <= outstanding


def test_a_missing_reason_is_shown_as_an_error_and_nothing_changes(world, money, client):
    levy = a_levy(world)
    as_(client, world)
    before = AuditLog.objects.count()
    r = client.post(reverse("staff:money_payment", args=[money.unmatched.pk]),
                                {"levy_ref": levy.tax_number, "scope": "levy", "reason": ""})
    assert r.status_code == 200
    assert "수기 대사 사유를 5자 이상 적어 주십시오." in text(r)
    assert 'id="match-reason-error"' in text(r)
    p = Payment.objects.get(pk=money.unmatched.pk)
    assert p.status == Payment.Status.UNMATCHED and p.matched_by == "" and not p.allocations.exists()
    assert AuditLog.objects.count() == before
    no_inline(r)


def test_an_unknown_or_mistyped_levy_reference_is_an_error(world, money, client):
    url = reverse("staff:money_payment", args=[money.unmatched.pk])
    as_(client, world)
    r = client.post(url, {"levy_ref": "11260-99-1999-9999999", "scope": "levy", "reason": "사유를 적었습니다"})
    assert r.status_code == 200 and "부과 건을 찾을 수 없습니다" in text(r)
    bad = money.unmatched.payment_number[:-1] + str((int(money.unmatched.payment_number[-1]) + 1) % 10)
    r = client.post(url, {"levy_ref": bad, "scope": "levy", "reason": "사유를 적었습니다"})
    assert "검증번호 오류" in text(r)
    # another jurisdiction's levy cannot be reached by its 과세번호
    other_levy = Levy.objects.filter(jurisdiction_id=OTHER).first()
    r = client.post(url, {"levy_ref": other_levy.tax_number, "scope": "levy", "reason": "사유를 적었습니다"})
    assert "부과 건을 찾을 수 없습니다" in text(r)
    assert Payment.objects.get(pk=money.unmatched.pk).status == Payment.Status.UNMATCHED


def test_a_payment_already_matched_is_refused_by_the_service(world, money, client, clock):
    from jingsu.payments.services import match_by_hand

    levy = a_levy(world)
    match_by_hand(money.unmatched, levy=levy, actor="someone-else", reason="먼저 처리한 사람", clock=clock)
    r = as_(client, world).post(reverse("staff:money_payment", args=[money.unmatched.pk]),
                                {"levy_ref": levy.tax_number, "scope": "levy", "reason": "두 번째 처리 시도"})
    assert r.status_code == 200 and "이미 대사가 끝난 수납입니다." in text(r)


def test_another_jurisdictions_payment_is_404(world, money, client):
    url = reverse("staff:money_payment", args=[money.other_unmatched.pk])
    as_(client, world)
    assert client.get(url).status_code == 404
    r = client.post(url, {"levy_ref": a_levy(world).tax_number, "scope": "levy", "reason": "다른 구의 수납 처리"})
    assert r.status_code == 404
    assert Payment.objects.get(pk=money.other_unmatched.pk).status == Payment.Status.UNMATCHED


def test_roles_without_manage_payments_get_403(world, money, client):
    urls = [reverse("staff:money_unmatched"), reverse("staff:money_refunds"), reverse("staff:money_reconciliation"),
            reverse("staff:money_payment", args=[money.unmatched.pk])]
    for role in ("section_chief", "team_lead", "auditor", "committee_member", "sysadmin"):
        as_(client, world, role)
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
        r = client.post(urls[-1], {"levy_ref": a_levy(world).tax_number, "scope": "levy", "reason": "권한 없는 처리"})
        assert r.status_code == 403
    assert Payment.objects.get(pk=money.unmatched.pk).status == Payment.Status.UNMATCHED
    # the menu shows 수납 only to who may use it
    assert "수납</a>" not in text(as_(client, world, "section_chief").get(reverse("staff:home")))
    assert "수납</a>" in text(as_(client, world, "clerk").get(reverse("staff:home")))


# --- refunds ------------------------------------------------------------------------------------------------------


def test_refunds_to_be_notified_with_totals(world, money, client, clock):
    levy = a_levy(world)
    number = numbers.payment_number(HOME, levy.tax_item, levy.tax_year, levy.pk)
    record_payment(source="bank-feed", external_id="over-1", received_at=clock.now(),
                   amount=levy.outstanding_amount + 10_000_000, channel="e-payment", payment_number=number,
                   virtual_account="", tax_number="", jurisdiction=None, clock=clock)
    pending = Refund.objects.filter(jurisdiction_id=HOME, status=Refund.Status.PENDING)
    assert pending.count() == 1
    total = pending.aggregate(s=Sum("amount"))["s"]
    r = as_(client, world).get(reverse("staff:money_refunds"))
    assert r.status_code == 200
    body = text(r)
    assert f'id="refund-amount">{total:,}원' in body and 'id="refund-count">1건' in body
    assert levy.tax_number in body and "over-1" in body
    assert "김*준" in body and "김민준" not in body  # masked in the list; the taxpayer page (audited) shows it
    no_inline(r)


# --- the day's reconciliation --------------------------------------------------------------------------------------


def test_the_reconciliation_summary_equals_the_rows(world, money, client, clock, tmp_path):
    day = clock.now().date()
    levies = list(Levy.objects.filter(jurisdiction_id=HOME).exclude(status=Levy.Status.PAID).order_by("pk")[:3])
    at = datetime(2026, 11, 23, 14, 0, tzinfo=SEOUL)
    # paid in full by 전자납부번호, an overpayment, a partial payment by 과세번호, another unmatched, and one the next day
    record_payment(source="bank-feed", external_id="r-1", received_at=at, amount=levies[0].outstanding_amount,
                   channel="e-payment", payment_number=numbers.payment_number(HOME, levies[0].tax_item, levies[0].tax_year,
                                                                       levies[0].pk),
                   virtual_account="", tax_number="", jurisdiction=None, clock=clock)
    record_payment(source="bank-feed", external_id="r-2", received_at=at, amount=levies[1].outstanding_amount + 5_000,
                   channel="easy-pay", payment_number=numbers.payment_number(HOME, levies[1].tax_item, levies[1].tax_year,
                                                                       levies[1].pk),
                   virtual_account="", tax_number="", jurisdiction=None, clock=clock)
    add_unmatched_payment(HOME, clock, external_id="r-4", amount=7_000, received_at=at)
    add_unmatched_payment(HOME, clock, external_id="r-next-day", amount=999_000, received_at=at + timedelta(days=1))
    # a 수납 file imported that day (CSV, CP949), with a payment by 과세번호
    f = tmp_path / "bank-20261123.csv"
    f.write_bytes(("거래번호,수납일시,금액,전자납부번호,가상계좌,과세번호,납부수단\r\n"
                   f"file-1,20261123150000,10000,,,{levies[2].tax_number},04\r\n").encode("cp949"))
    import_payment_file(f, jurisdiction=Jurisdiction.by_code(HOME), layout="csv", source="counter", actor="clerk", clock=clock)

    start = datetime(2026, 11, 23, tzinfo=SEOUL)
    rows = Payment.objects.filter(jurisdiction_id=HOME, received_at__gte=start,
                                  received_at__lt=start + timedelta(days=1))
    s = money_views.reconciliation_summary(world.home, day)
    assert s["count"] == rows.count() == 6  # build_world's, r-1, r-2, file-1, r-4 and the world's unmatched
    assert s["amount"] == sum(p.amount for p in rows)
    for st in s["by_status"]:
        mine = [p for p in rows if p.status == st["status"]]
        assert (st["count"], st["amount"]) == (len(mine), sum(p.amount for p in mine)), st
    allocs = Allocation.objects.filter(payment__in=rows)
    for h in s["by_head"]:
        mine = [a for a in allocs if a.head == h["head"]]
        assert (h["count"], h["amount"]) == (len(mine), sum(a.amount for a in mine)), h
    assert s["allocated"] == sum(a.amount for a in allocs)
    assert {r["label"]: r["count"] for r in s["by_rule"]} == {"전자납부번호": 2, "과세번호": 1, "대사 전": 1}
    assert sum(r["count"] for r in s["by_source"]) == 6
    assert [x.name for x in s["files"]] == ["bank-20261123.csv"]
    assert s["files_amount"] == PaymentFile.objects.get().amount == 10_000

    r = as_(client, world).get(reverse("staff:money_reconciliation"))  # default: today (Asia/Seoul)
    assert r.status_code == 200
    body = text(r)
    assert "2026. 11. 23." in body
    assert f'id="recon-amount">{s["amount"]:,}원' in body and 'id="recon-count">6건' in body
    unmatched = [p for p in rows if p.status == Payment.Status.UNMATCHED]
    assert f"{len(unmatched)}건</td><td class=\"num\">{sum(p.amount for p in unmatched):,}원" in body
    overpaid = next(h for h in s["by_head"] if h["head"] == "refund")
    assert overpaid["amount"] == 5_000 and "환급 대상" in body
    assert "bank-20261123.csv" in body and "은행 수납" in body and "간편결제" in body and "창구 수납 파일" in body
    # the codes stay in the database; the page names them (payments.models' label tables)
    assert not any(code in body for code in ("bank-feed", "counter-file", "easy-pay", "e-payment", "virtual-account"))
    no_inline(r)
    # the next day holds only the late payment; a bad date is an error, not a crash
    nxt = client.get(reverse("staff:money_reconciliation") + "?date=2026-11-24")
    assert 'id="recon-amount">999,000원' in text(nxt) and "이날 가져온 수납 파일이 없습니다." in text(nxt)
    bad = client.get(reverse("staff:money_reconciliation") + "?date=어제")
    assert bad.status_code == 200 and "YYYY-MM-DD" in text(bad)


# --- effects ------------------------------------------------------------------------------------------------------


def test_the_effect_page_of_a_campaign_shows_the_reports_figures(world, money, client):
    campaign = money.campaign
    e = campaign_effects(campaign)
    r = as_(client, world, "section_chief").get(reverse("staff:effects_campaign", args=[campaign.pk]))
    assert r.status_code == 200
    body = text(r)
    assert campaign.name in body
    assert f'id="fx-notices">{e["notices"]:,}건' in body
    assert f'id="fx-delivery-rate">{e["delivery_rate"] * 100:.1f}%' in body
    assert f'id="fx-read-rate">{e["read_rate"] * 100:.1f}%' in body
    assert f'id="fx-saving">{e["saving"]:,}원' in body
    assert "3시간 안" in body and "3일 안" in body and "30일 안" in body
    assert "연도별 성과" in body and "연간 절감 비용" in body and "2026년" in body
    assert body.count("<svg") >= 3 and 'role="img"' in body
    if e["uplift"] is None:
        assert "대조군이 없어" in body
    no_inline(r)
    # 효과 보고서 in the menu; the campaign is listed on the dashboard
    home = client.get(reverse("staff:effects_home"))
    assert home.status_code == 200 and campaign.name in text(home)


def test_the_effect_page_with_a_control_group_shows_the_uplift_and_its_interval(world, clock, client):
    import random

    from jingsu.notices import services as notices
    from jingsu.notices.models import Notice

    c = notices.create_campaign(world.home, name="대조군 캠페인", kind="arrears", as_of=clock.now().date(),
                                actor="maker", clock=clock, control_share=50)
    # the same taxpayers as build_world's campaign; a seed that puts some (not all) of them in the control group
    ids = list(Notice.objects.filter(campaign__jurisdiction=world.home).values_list("taxpayer_id", flat=True))
    c.control_seed = next(seed for seed in range(1, 1000)
                          if 0 < sum(random.Random(f"{seed}:{t}").random() * 100 < 50 for t in ids) < len(ids))
    c.save(update_fields=["control_seed"])
    notices.build_campaign(c, actor="maker", clock=clock)
    e = campaign_effects(c)
    assert e["control_group"] > 0 and e["uplift"] is not None
    r = as_(client, world, "team_lead").get(reverse("staff:effects_campaign", args=[c.pk]))
    body = text(r)
    assert "납부율 차이" in body and "95% 신뢰구간" in body and "chart-rate-title" in body
    lo, hi = e["uplift"]["interval"]
    assert f"{lo * 100:+.1f}%p ~ {hi * 100:+.1f}%p" in body
    no_inline(r)


def test_the_xlsx_download_opens_with_openpyxl(world, money, client):
    campaign = money.campaign
    e = campaign_effects(campaign)
    r = as_(client, world, "auditor").get(reverse("staff:effects_campaign_xlsx", args=[campaign.pk]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["요약", "채널별", "연도별"]
    summary = {row[0]: row[1] for row in wb["요약"].iter_rows(values_only=True)}
    assert summary["안내 대상(대조군 제외)"] == e["notices"] and summary["보고서"] == campaign.name
    assert AuditLog.objects.filter(action="staff.effects_xlsx", target_id=str(campaign.pk)).exists()


def test_the_period_report_and_its_download(world, money, client):
    as_(client, world)
    default = client.get(reverse("staff:effects_period"))
    assert default.status_code == 200 and "2026. 1. 1. ~ 2026. 11. 23." in text(default)
    e = period_effects(Jurisdiction.by_code(HOME), datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    r = client.get(reverse("staff:effects_period") + "?start=2026-11-01&end=2026-11-30")
    assert r.status_code == 200
    body = text(r)
    assert f'id="fx-notices">{e["notices"]:,}건' in body and "캠페인 1개" in body
    assert "/staff/effects/period.xlsx?start=2026-11-01&amp;end=2026-11-30" in body
    no_inline(r)
    x = client.get(reverse("staff:effects_period_xlsx") + "?start=2026-11-01&end=2026-11-30")
    wb = load_workbook(io.BytesIO(x.content))
    assert {row[0]: row[1] for row in wb["요약"].iter_rows(values_only=True)}["보고서"] == "2026-11-01 ~ 2026-11-30"
    bad = client.get(reverse("staff:effects_period") + "?start=2026-11-30&end=2026-11-01")
    assert bad.status_code == 200 and "종료일이 시작일보다 앞섭니다." in text(bad)


def test_effects_are_jurisdiction_scoped_and_need_view_reports(world, money, client):
    other = money.other_campaign
    as_(client, world)
    assert client.get(reverse("staff:effects_campaign", args=[other.pk])).status_code == 404
    assert client.get(reverse("staff:effects_campaign_xlsx", args=[other.pk])).status_code == 404
    assert other.name not in text(client.get(reverse("staff:effects_home")))
    assert Campaign.objects.filter(pk=other.pk, jurisdiction_id=OTHER).exists()
    for role in ("committee_member", "sysadmin"):
        as_(client, world, role)
        assert client.get(reverse("staff:effects_home")).status_code == 403
        assert client.get(reverse("staff:effects_campaign", args=[money.campaign.pk])).status_code == 403


# --- in a browser (Chromium via Playwright, 1366×768; see tests/_browser.py) ------------------------------------------


@pytest.fixture
def money_page(browser_world, clock, live_server):
    from _browser import chromium_page

    done = add_money_world(browser_world, clock)  # before the browser starts (tests/_browser.py says why)
    with chromium_page(live_server.url) as pg:
        pg.money = done
        yield pg


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_match_an_unmatched_payment_and_read_the_effects_in_a_browser(money_page, browser_world):
    from _staff_helpers import orm, shot

    page, done = money_page, money_page.money
    levy_number = orm(lambda: a_levy(browser_world).tax_number)
    browser_login(page, f"clerk-{HOME}")
    page.click("nav.console-nav >> text=수납")
    page.wait_for_selector("#unmatched-table")
    assert "123,450원" in page.inner_text("#unmatched-table")
    shot(page, "12-money-unmatched")
    page.click(f"#payment-{done.unmatched.pk} >> text=수기 대사")
    page.fill("#lookup-ref", levy_number)
    page.click("button:has-text('찾기')")
    page.wait_for_selector("#found-levy")
    # keyboard only: the reason field, then Enter on the submit button
    page.focus("#match-reason")
    page.keyboard.type("납세자 전화 확인: 과세번호 착오")
    page.focus("form[method=post] button[type=submit]:has-text('미리 보기')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#match-preview")  # what the match would allocate, nothing written yet
    assert orm(lambda: Payment.objects.get(pk=done.unmatched.pk).matched_by) == ""
    page.focus("#match-confirm")
    page.keyboard.press("Enter")
    page.wait_for_selector("#unmatched-empty")
    assert "수기 대사했습니다" in page.inner_text("main")
    assert orm(lambda: Payment.objects.get(pk=done.unmatched.pk).matched_by) == "manual"
    assert orm(lambda: AuditLog.objects.filter(action="payment.match_by_hand").count()) == 1

    page.click("nav.console-nav >> text=효과 보고서")
    page.click(f"text={done.campaign.name}")
    page.wait_for_selector("#fx-figures")
    assert page.locator("svg[role=img]").count() >= 3
    shot(page, "13-effects")
    assert page.console_errors == [] and page.failed_responses == []


# --- 감액 정정 (a levy lowered after money was booked on it) ------------------------------------------------------------


def test_a_reduction_is_previewed_then_made_and_its_refund_listed(world, money, client, clock):
    levy = (world.taxpayer.levies.filter(allocations__isnull=True).exclude(status=Levy.Status.PAID)
            .order_by("tax_number").first())
    pay = record_payment(source="bank-feed", external_id="reduce-1", received_at=clock.now(), amount=levy.billed_amount,
                         channel="e-payment", payment_number="", virtual_account="", tax_number=levy.tax_number,
                         jurisdiction=HOME, clock=clock)[0]
    levy.refresh_from_db()
    assert levy.paid_amount == levy.billed_amount
    # the taxpayer page links the correction for a role that handles money; a role that does not sees no link
    url = reverse("staff:money_levy_reduce", args=[levy.pk])
    assert url in text(as_(client, world).get(reverse("staff:taxpayer_detail", args=[levy.taxpayer_id])))
    assert url not in text(as_(client, world, "team_lead").get(reverse("staff:taxpayer_detail",
                                                                         args=[levy.taxpayer_id])))
    assert as_(client, world, "team_lead").get(url).status_code == 403
    form = as_(client, world).get(url)
    assert form.status_code == 200 and 'id="reduce-confirm"' not in text(form)
    no_inline(form)
    lowered = {"principal": levy.principal - 10_000, "education_tax": levy.education_tax,
               "city_area_tax": levy.city_area_tax, "reason": "과세표준 오류 정정"}
    preview = client.post(url, {**lowered, "confirm": "0"})
    body = text(preview)
    assert preview.status_code == 200 and 'id="reduce-confirm"' in body
    assert 'id="reduce-refund">10,000원' in body
    assert not Refund.objects.filter(levy=levy).exists()  # the preview writes nothing
    # amounts changed after the preview: shown again, not made
    changed = client.post(url, {**lowered, "principal": levy.principal - 20_000, "confirm": "1",
                                "previewed": f"{lowered['principal']},{levy.education_tax},{levy.city_area_tax}"})
    assert changed.status_code == 200 and "미리 본 뒤 금액이 바뀌었습니다" in text(changed)
    assert not Refund.objects.filter(levy=levy).exists()
    made = client.post(url, {**lowered, "confirm": "1",
                             "previewed": f"{lowered['principal']},{levy.education_tax},{levy.city_area_tax}"})
    assert made.status_code == 302
    refund = Refund.objects.get(levy=levy)
    assert (refund.amount, refund.payment_id, refund.status) == (10_000, pay.pk, Refund.Status.PENDING)
    assert AuditLog.objects.get(action="levy.reduce").actor == world.users["clerk"].get_username()
    assert "10,000원" in text(client.get(reverse("staff:money_refunds")))
    # an increase is no reduction: refused with the field named, nothing written
    up = client.post(url, {**lowered, "principal": levy.principal + 1, "confirm": "0"})
    assert "감액 정정이 아닙니다" in text(up) and Refund.objects.filter(levy=levy).count() == 1


def test_a_match_by_hand_is_undone_by_reversal_entries_and_the_payment_waits_again(world, money, client):
    levy = a_levy(world)
    url = reverse("staff:money_payment", args=[money.unmatched.pk])
    paid_before = Levy.objects.get(pk=levy.pk).paid_amount
    assert match_confirmed(as_(client, world), url, {"levy_ref": levy.tax_number, "scope": "levy",
                                                     "reason": "납세자 전화 확인: 과세번호 착오"}).status_code == 302
    matched = Payment.objects.get(pk=money.unmatched.pk)
    assert Levy.objects.get(pk=levy.pk).paid_amount > paid_before
    page = client.get(url)
    assert 'id="unmatch-submit"' in text(page)
    # a reason is required
    short = client.post(reverse("staff:money_payment_unmatch", args=[matched.pk]), {"reason": "틀림"})
    assert short.status_code == 302 and "5자 이상" in text(client.get(url))
    assert Payment.objects.get(pk=matched.pk).status != Payment.Status.UNMATCHED
    r = client.post(reverse("staff:money_payment_unmatch", args=[matched.pk]), {"reason": "다른 사람의 과세번호였음"})
    assert r.status_code == 302
    p = Payment.objects.get(pk=matched.pk)
    assert (p.status, p.matched_by) == (Payment.Status.UNMATCHED, "")
    assert p.unmatched_reason == "수기 대사 취소: 다른 사람의 과세번호였음"
    # nothing deleted: every allocation stands with its reversal, and the payment's allocations net to zero
    allocations = list(p.allocations.values_list("head", "amount"))
    assert sorted(a for _, a in allocations if a > 0) == sorted(-a for _, a in allocations if a < 0)
    assert p.allocations.aggregate(s=Sum("amount"))["s"] == 0
    assert Levy.objects.get(pk=levy.pk).paid_amount == paid_before
    log = AuditLog.objects.get(action="payment.unmatch_by_hand", target_id=str(p.pk))
    assert log.reason == "다른 사람의 과세번호였음" and log.actor == world.users["clerk"].get_username()
    # back in the queue, and it can be matched again (to the right levy)
    assert f'id="payment-{p.pk}"' in text(client.get(reverse("staff:money_unmatched")))
    assert match_confirmed(client, url, {"levy_ref": levy.tax_number, "scope": "levy",
                                         "reason": "다시 확인한 과세번호로 대사"}).status_code == 302
    # matched again and undone again: the reversal takes what the payment stands at now, net of the first undo
    r = client.post(reverse("staff:money_payment_unmatch", args=[p.pk]), {"reason": "다시 한 번 취소합니다"})
    assert Payment.objects.get(pk=p.pk).status == Payment.Status.UNMATCHED
    assert p.allocations.aggregate(s=Sum("amount"))["s"] == 0
    assert Levy.objects.get(pk=levy.pk).paid_amount == paid_before


def test_an_automatic_match_cannot_be_undone_by_hand(world, money, client, clock):
    payment = Payment.objects.filter(jurisdiction_id=HOME).exclude(matched_by="manual").exclude(
        status=Payment.Status.UNMATCHED).first() or money.unmatched
    r = as_(client, world).post(reverse("staff:money_payment_unmatch", args=[payment.pk]),
                                {"reason": "자동 대사를 취소해 봄"})
    assert r.status_code == 302 and "수기 대사한 수납만 취소할 수 있습니다." in text(client.get(r["Location"]))
