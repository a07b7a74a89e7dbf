"""The citizen's way in a real browser (Debian's Chromium via Playwright, phone-sized window), against a live jingsu
server and the simulator over HTTP: intermediary link → verified → notice → 간편결제 → paid shown; the SMS path with
the one-time code; the lock after five wrong codes; and the citizen's flow of issue #14 (the sender, unbroken numbers
with copy buttons, 분할 납부 and 상담 요청, the link opened again, the paid state and its 납부확인서).
Screenshots: var/test-artifacts/screenshots/portal-*.png (listed in docs/portal.md)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from _browser import chromium_page, orm, shot
from jingsu.clock import SEOUL, ManualClock
from jingsu.core.runtime import installed, runtime
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.levies.models import Levy
from jingsu.notices.models import Notice
from jingsu.payments.models import GatewayOrder, Payment
from jingsu.portal import views
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402
from test_portal_citizen import pay_in_full

from _clock import T0

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = "01012345678"


@pytest.fixture
def world(live_server, settings, monkeypatch):
    from datetime import datetime

    from django.core.cache import cache

    from jingsu.core.models import Jurisdiction

    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL))
    with SimulatorProcess(start=T0, seed=21) as sim:
        sim.control.set_clock(clock.now())
        settings.JINGSU_PORTAL_URL = live_server.url  # links in documents and the gateway's notify URL
        settings.JINGSU_PROVIDER_URL = sim.url
        providers = simulator_providers(sim.url, pg_secret=settings.JINGSU_PG_SECRET)
        monkeypatch.setattr(views, "providers", lambda: providers)
        cache.clear()
        Jurisdiction.objects.filter(code="11260").update(office_name="중랑구 세무1과", office_team="체납징수팀",
                                                         office_phone="02-2094-1234")
        campaign = build_campaign(clock, Jurisdiction.objects.get(code="11260"))
        delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
        delivery.send_queued(providers, clock=clock)
        with installed(runtime().with_clock(clock)):  # the portal and /callbacks/pg on this clock
            yield sim, clock


def test_intermediary_link_verify_read_pay_and_see_it_paid(world, live_server):
    sim, clock = world
    attempt = (DeliveryAttempt.objects.filter(channel__in=(Channel.KAKAO, Channel.KT), status=AttemptStatus.ACCEPTED)
               .select_related("notice").first())
    assert attempt is not None
    opened = (sim.control.open_kakao_document(attempt.external_id) if attempt.channel == Channel.KAKAO
              else sim.control.open_kt_message(attempt.external_id))
    notice_id = attempt.notice_id
    with chromium_page(live_server.url, width=390, height=844, mobile=True) as page:
        page.goto(opened["url"])
        assert "token=" not in page.url  # the one-time token does not stay in the address bar
        assert "납부하실 금액" in page.inner_text("main")
        shot(page, "portal-01-notice", max_width=390)
        page.locator("form[action$='/pay'] button").first.click()
        page.wait_for_url(re.compile(r".*/pg/v1/checkout/.*"))
        shot(page, "portal-02-checkout", max_width=390)
        page.get_by_role("button", name="결제하기").click()
        page.wait_for_url(re.compile(rf".*/n/{re.escape(attempt.notice.token)}$"))
        text = page.inner_text("main")
        assert "납부가 확인되었습니다" in text and "납부 완료" in text
        shot(page, "portal-03-paid", max_width=390)
        assert not page.console_errors, (page.console_errors, page.failed_responses)
    order = orm(lambda: GatewayOrder.objects.select_related("levy").get(levy__notice_lines__notice_id=notice_id))
    assert order.status == GatewayOrder.Status.PAID
    assert orm(lambda: Levy.objects.get(pk=order.levy_id).outstanding_amount) == 0
    assert orm(lambda: Payment.objects.filter(external_id=order.tid).count()) == 1
    assert orm(lambda: Notice.objects.get(pk=notice_id).read_at) is not None
    assert orm(lambda: DeliveryAttempt.objects.get(pk=attempt.pk).status) == AttemptStatus.READ


def test_sms_link_with_birth_date_and_one_time_code(world, live_server):
    sim, _ = world
    token = Notice.objects.get(taxpayer__name="김민준").token
    with chromium_page(live_server.url, width=390, height=844, mobile=True) as page:
        page.goto(f"/n/{token}")
        assert "본인 확인" in page.inner_text("main")
        shot(page, "portal-04-verify", max_width=390)
        page.fill("#identity", "850101")
        page.get_by_role("button", name="인증번호 받기").click()
        assert "010-****-5678" in page.inner_text("main")
        code = re.search(r"인증번호 (\d{6})", sim.control.sms_inbox(PHONE)[-1]).group(1)
        page.fill("#code", code)
        page.get_by_role("button", name="확인", exact=True).click()
        assert "11260-14-2024-0000001" in page.inner_text("main")
        shot(page, "portal-05-notice-after-code", max_width=390)


def test_five_wrong_codes_lock_the_notice(world, live_server):
    token = Notice.objects.get(taxpayer__name="김민준").token
    with chromium_page(live_server.url, width=390, height=844, mobile=True) as page:
        page.goto(f"/n/{token}")
        page.fill("#identity", "850101")
        page.get_by_role("button", name="인증번호 받기").click()
        for _ in range(5):
            page.fill("#code", "000000")
            page.get_by_role("button", name="확인", exact=True).click()
        assert "1시간 동안 이 안내문을 열 수 없습니다" in page.inner_text("main")
        assert page.locator("#code").count() == 0
        shot(page, "portal-06-locked", max_width=390)


def test_citizen_flow_sender_numbers_requests_reopened_link_and_paid(world, live_server):
    """Issue #14 "The citizen" at 390×844: the page names 중랑구 세무1과 체납징수팀 and its number; the 전자납부번호
    stays on one line and its 복사 button copies the digits; 분할 납부 and 상담 요청 are asked for; once approved the
    installments show with their own numbers; the Kakao/KT link opened again in a fresh browser neither counts nor
    locks and the SMS way in works there; paid in full, the page says so and gives the 납부확인서."""
    from playwright.sync_api import expect

    from jingsu.assistance import services as assistance
    from jingsu.assistance.models import CallbackRequest, InstallmentPlan
    from jingsu.portal.models import NoticeAccess

    sim, clock = world
    attempt = (DeliveryAttempt.objects.filter(channel__in=(Channel.KAKAO, Channel.KT), status=AttemptStatus.ACCEPTED,
                                              notice__taxpayer__name="김민준").select_related("notice").first())
    assert attempt is not None, "김민준 (CI on record) got an electronic document"
    opened = (sim.control.open_kakao_document(attempt.external_id) if attempt.channel == Channel.KAKAO
              else sim.control.open_kt_message(attempt.external_id))
    notice = attempt.notice
    line = notice.lines.order_by("levy__tax_number").first()
    with chromium_page(live_server.url, width=390, height=844, mobile=True) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page.goto(opened["url"])
        main = page.inner_text("main")
        assert "납부하실 금액" in main and "문의: 중랑구 세무1과 체납징수팀 02-2094-1234" in main
        assert page.inner_text("header").startswith("중랑구 세무1과 체납징수팀")
        number = page.locator(f"#payno-{line.pk}")
        assert number.evaluate("e => e.getClientRects().length") == 1  # one line, never broken mid-number
        assert "".join(number.inner_text().split()) == line.payment_number
        copy = page.locator(f"button[data-copy='payno-{line.pk}']")
        assert copy.is_visible()
        copy.click()
        expect(copy).to_have_attribute("data-copied", line.payment_number)
        assert page.evaluate("navigator.clipboard.readText()") == line.payment_number
        expect(page.locator("#portal-live")).to_have_text("전자납부번호를 복사했습니다.")  # said to screen readers
        shot(page, "portal-07-numbers-and-sender", max_width=390)
        # 분할 납부: 3회; 상담 요청: 생계 곤란, 오후
        page.locator("label[for='count-3']").click()
        assert page.locator("#count-3").is_checked()
        page.get_by_role("button", name="분할 납부 요청").click()
        assert "3회 분할 납부 요청을 접수했습니다" in page.inner_text("main")
        page.select_option("#reason", "hardship")
        page.locator("label[for='time-afternoon']").click()
        page.fill("#note", "오후에 통화 가능합니다")
        page.get_by_role("button", name="상담 요청").click()
        assert "상담 요청을 접수했습니다" in page.inner_text("main")
        shot(page, "portal-08-requests", max_width=390)
        plan = orm(lambda: InstallmentPlan.objects.get(notice=notice))
        assert plan.count == 3
        assert orm(lambda: CallbackRequest.objects.get(notice=notice).preferred_time) == "afternoon"
        orm(lambda: assistance.approve_plan(plan, actor="clerk", clock=clock))
        page.reload()
        assert "분할 납부 일정 (3회)" in page.inner_text("main")
        first = orm(lambda: plan.installments.get(sequence=1))
        assert page.locator(f"#inst-{first.pk}").evaluate("e => e.getClientRects().length") == 1
        assert page.locator(f"button[data-copy='inst-{first.pk}']").is_visible()
        page.locator(f"#inst-{first.pk}").scroll_into_view_if_needed()
        shot(page, "portal-09-installments", max_width=390)
        # the same intermediary link in a fresh browser: not a failed try; reopen it, or the SMS way in
        page.context.clear_cookies()
        page.goto(opened["url"])
        text = page.inner_text("main")
        assert ("카카오톡에서 안내문을 다시 열어 주세요" if attempt.channel == Channel.KAKAO
                else "공인알림문자에서 안내문을 다시 열어 주세요") in text
        shot(page, "portal-10-link-opened-again", max_width=390)
        assert orm(lambda: NoticeAccess.objects.get(notice=notice).failures) == 0
        page.fill("#identity", "850101")
        page.get_by_role("button", name="인증번호 받기").click()
        code = re.search(r"인증번호 (\d{6})", sim.control.sms_inbox(PHONE)[-1]).group(1)
        page.fill("#code", code)
        page.get_by_role("button", name="확인", exact=True).click()
        assert "분할 납부 일정 (3회)" in page.inner_text("main")
        # paid in full at the bank: the page says so, no warning, no buttons, no account; the 납부확인서
        orm(lambda: pay_in_full(notice, clock))
        page.reload()
        main = page.inner_text("main")
        assert "모두 납부하셨습니다" in main and "체납처분 예고" not in main and "가상계좌" not in main
        assert page.locator("form[action$='/pay']").count() == 0 and page.locator("button[data-copy]").count() == 0
        shot(page, "portal-11-paid-with-receipt", max_width=390)
        with page.expect_download() as download:
            page.get_by_role("link", name="납부확인서 PDF 내려받기").click()
        assert Path(download.value.path()).read_bytes()[:4] == b"%PDF"
        assert not page.console_errors, (page.console_errors, page.failed_responses)
    assert orm(lambda: InstallmentPlan.objects.get(pk=plan.pk).status) == InstallmentPlan.Status.COMPLETED
