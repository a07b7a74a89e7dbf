"""A campaign from the form to its end in a real browser (Chromium via Playwright, 1366×768): the clerk builds it with
the live count, the team lead approves it (a second person) and sends it through the simulator over real HTTP, and
the campaign page's progress — updated without reloading — reaches the end while the dispatch cycle runs.

The dispatch cycle runs in this test (through `orm()`, on its own connection), as `jingsu dispatch` would in its own
process; the console and the simulator share one manual clock that the test moves forward."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from _staff_helpers import HOME, browser_login, orm, shot

from _browser import SCREENSHOTS
from _clock import T0
from jingsu.core.models import AuditLog
from jingsu.delivery import control, paper
from jingsu.delivery import services as delivery
from jingsu.notices.models import Campaign, Notice
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAME = "브라우저 체납안내"


def _login(page, username):
    browser_login(page, username)
    page.wait_for_url(re.compile(r"/staff/$"))


def _logout(page):
    page.click(".console-logout button")
    page.wait_for_url(re.compile(r"/staff/login/"))


def test_build_approve_as_a_second_user_send_and_watch_progress_reach_the_end(page, browser_world, clock,
                                                                               settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with SimulatorProcess(start=T0, seed=21) as sim:
        sim.control.set_clock(clock.now())
        settings.JINGSU_PROVIDER_URL = sim.url
        _run(page, clock, sim)


def _run(page, clock, sim):
    # --- the clerk builds it ------------------------------------------------------------------------------------
    _login(page, f"clerk-{HOME}")
    page.goto("/staff/campaigns/new/")
    page.fill("#id_name", NAME)
    page.fill("#id_min_amount", "1000")
    page.select_option("#id_channel_2", "sms")  # 카카오톡 → 문자 → KT → 종이
    page.select_option("#id_channel_3", "kt")
    page.fill("#id_control_share", "0")
    counted = page.locator('#campaign-preview [data-field="notices"]')
    page.wait_for_function("document.querySelector('#campaign-preview [data-field=\"notices\"]').textContent !== '—'")
    page.wait_for_function("!document.getElementById('campaign-preview-note').textContent.includes('계산 중')")
    expected = int(counted.inner_text().replace(",", ""))
    assert expected > 0
    assert page.inner_text('#preview-alert [data-alert="title"]') not in ("", "—")
    page.click("#preview-document-button")  # step 5: the document the selection's first taxpayer would get
    preview = page.frame_locator("#preview-document-frame").locator("body")
    preview.get_by_text("지방세 체납액 납부 안내문").wait_for()
    page.locator("#preview-document-frame").screenshot(path=str(SCREENSHOTS / "16b-campaign-preview-document.png"))
    shot(page, "16-campaign-new")
    page.click("#campaign-create")
    page.wait_for_url(re.compile(r"/staff/campaigns/\d+/$"))
    campaign_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert "캠페인을 만들고 대상을 확정했습니다" in page.inner_text("main")
    assert page.inner_text("#campaign-channels") == "카카오톡 전자문서 → 문자 메시지 → KT 공인알림문자 → 종이 우편"
    frame = page.frame_locator("#campaign-document-frame")
    reference = page.inner_text("#doc-h").split("안내문 한 통: ")[1].rstrip(")")
    assert reference in frame.locator("body").inner_text()  # the document as the citizen receives it
    assert page.locator("#approve-button").count() == 0  # the maker cannot approve
    shot(page, "17-campaign-built")
    page.locator("#campaign-document-frame").scroll_into_view_if_needed()
    page.locator("#campaign-document-frame").screenshot(path=str(SCREENSHOTS / "17b-campaign-sample-document.png"))
    _logout(page)

    # --- the team lead approves and sends --------------------------------------------------------------------------
    _login(page, f"team_lead-{HOME}")
    page.goto(f"/staff/campaigns/{campaign_id}/")
    page.click("#approve-button")
    assert "캠페인을 승인했습니다" in page.inner_text("main")
    page.click("#send-button")
    main = page.inner_text("main")
    assert "발송을 시작했습니다" in main, main[:400]
    assert page.inner_text("#progress-status") == "발송 중"
    assert page.locator("#pause-button").is_visible()

    c = orm(lambda: Campaign.objects.get(pk=campaign_id))
    assert c.created_by == f"clerk-{HOME}" and c.approved_by == f"team_lead-{HOME}"
    assert orm(lambda: Notice.objects.filter(campaign_id=campaign_id).count()) == expected

    # --- the dispatch cycle runs; the page follows without reloading ---------------------------------------------------
    providers = simulator_providers(sim.url)
    page.evaluate("window.__notReloaded = true")
    for step in range(40):  # half a day per turn: reads, fallbacks, the read deadline and paper
        if step:
            clock.advance(timedelta(hours=12))
        sim.control.set_clock(clock.now())

        def turn():
            delivery.send_queued(providers, clock=clock)
            delivery.poll_statuses(providers, clock=clock)
            delivery.fallback_due(clock=clock)
            delivery.send_queued(providers, clock=clock)
            paper.print_batch(providers, clock=clock, pdf=False)
            return control.complete_finished(clock=clock)

        if orm(turn):
            break
    assert orm(lambda: Campaign.objects.get(pk=campaign_id).status) == Campaign.Status.COMPLETED

    deadline = time.monotonic() + 30  # the page polls every 5 seconds
    while page.inner_text("#progress-status") != "완료" and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert page.inner_text("#progress-status") == "완료"
    assert page.evaluate("window.__notReloaded") is True, "the page must update without reloading"
    assert page.get_attribute("#progress-sent", "value") == "100"
    assert page.get_attribute("#progress-settled", "value") == "100"
    settled = page.locator('#progress-bars [data-progress="settled"]').inner_text()
    assert int(settled.replace(",", "")) == expected
    assert "완료" in page.inner_text("#progress-note")
    shot(page, "18-campaign-progress-done")
    assert not page.console_errors, page.console_errors
    assert orm(lambda: AuditLog.objects.filter(action="campaign.complete", target_id=str(campaign_id)).exists())
