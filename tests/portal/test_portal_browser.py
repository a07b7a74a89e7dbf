"""The citizen's way in a real browser (Debian's Chromium via Playwright, phone-sized window), against a live jingsu
server and the simulator over HTTP: intermediary link → verified → notice → 간편결제 → paid shown; the SMS path with
the one-time code; the lock after five wrong codes. Screenshots: var/test-artifacts/screenshots/portal-*.png."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from _browser import chromium_page, orm, shot
from jingsu.clock import SEOUL, ManualClock
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.levies.models import Levy
from jingsu.notices.models import Notice
from jingsu.payments import gateway
from jingsu.payments.models import GatewayOrder, Payment
from jingsu.portal import views
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

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
        previous = (views.set_clock(clock), gateway.set_clock(clock))
        cache.clear()
        campaign = build_campaign(clock, Jurisdiction.objects.get(code="11260"))
        delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
        delivery.send_queued(providers, clock=clock)
        yield sim, clock
        views.set_clock(previous[0])
        gateway.set_clock(previous[1])


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
