"""Issue #14, "The official", in a real browser (Chromium via Playwright, 1366×768): the clerk on the phone reads a
notice's delivery history, copies its portal address, asks for a registered-mail resend that the team lead
approves; the lists with their XLSX buttons and pages; the audit log's filters; and the print layout of 일일 대사,
the taxpayer page, the effect report and the reward ledgers (print media: no menu, buttons or forms).

Screenshots (var/test-artifacts/screenshots/, listed in docs/staff-console.md): 33-taxpayer-history,
33p-taxpayer-print, 34-notice-link, 35-resend-form, 36-resend-pending, 37-resend-approval, 38-search-results-xlsx,
39-money-unmatched-pages, 40-reconciliation, 40p-reconciliation-print, 41p-effects-print, 42p-ledgers-print,
43-campaign-recipients, 44-reward-actions, 45-roll-errors, 46-audit-filtered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _staff_helpers import (
    HOME,
    add_money_world,
    add_rewards_world,
    add_unmatched_payment,
    browser_login,
    orm,
    shot,
)

from _clock import T0
from jingsu.core.models import AuditLog
from jingsu.delivery.models import DeliveryAttempt, Resend
from jingsu.notices.models import Notice

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def official_world(browser_world, clock):
    """Built before the browser starts (tests/_browser.py): money, rewards, 120 more unmatched payments (two pages),
    a roll upload with errors, and the KT attempt's times."""
    from jingsu.staff.models import RollUpload

    world = browser_world
    world.money = add_money_world(world, clock)
    add_rewards_world(world, clock)
    for i in range(120):
        add_unmatched_payment(HOME, clock, external_id=f"bulk-{i:03d}", amount=10_000 + i)
    n = Notice.objects.get(taxpayer=world.taxpayer)
    DeliveryAttempt.objects.filter(notice=n).update(sent_at=T0 + timedelta(minutes=2),
                                                    delivered_at=T0 + timedelta(minutes=3),
                                                    read_at=T0 + timedelta(hours=3))
    world.upload = RollUpload.objects.create(
        jurisdiction_id=HOME, uploaded_by=world.users["clerk"], actor=f"clerk-{HOME}", original_name="체납자료.csv",
        stored_name="x.csv", size=1024, status=RollUpload.Status.INVALID, total_errors=2, created_at=clock.now(),
        errors=[{"row": 3, "column": "등록번호", "message": "등록번호 850101-1****** 검증번호가 맞지 않습니다"},
                {"row": 7, "column": "본세", "message": "숫자가 아닙니다"}])
    world.notice = n
    return world


def logout(page):
    page.click("form.console-logout button")
    page.wait_for_selector("#id_username")


def printed(page, name: str):
    """The page as printed: no menu, buttons or forms; then back to the screen."""
    page.emulate_media(media="print")
    assert not page.locator(".console-nav").is_visible()
    assert page.locator("main form, main button").evaluate_all("els => els.every(e => !e.offsetParent)")
    shot(page, name)
    page.emulate_media(media="screen")


def test_the_official_on_the_phone_and_the_lists(official_world, page, live_server):
    world = official_world
    n = world.notice
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    browser_login(page, f"clerk-{HOME}")

    # 1. the taxpayer page: every attempt with its times and the intermediary's id
    page.goto(f"/staff/taxpayers/{world.taxpayer.pk}/")
    history = page.inner_text(f"#notice-{n.pk} ~ ol.console-attempts")
    assert "중계자 문서 번호" in history and "kt-1" in history and "2026. 11. 23. 13:00" in history
    assert page.locator("[data-print]").is_visible(), "the script shows the 인쇄 button"
    shot(page, "33-taxpayer-history")
    printed(page, "33p-taxpayer-print")

    # the portal address, copied to the clipboard
    page.click(f"#link-{n.pk}")
    page.wait_for_selector("#portal-link")
    link = page.input_value("#portal-link")
    assert link.endswith(f"/n/{n.token}")
    page.click("[data-copy-from=portal-link]")
    page.wait_for_selector("[data-copy-status]:has-text('복사')")
    assert "복사했습니다" in page.inner_text("[data-copy-status]")
    assert page.evaluate("navigator.clipboard.readText()") == link
    shot(page, "34-notice-link")
    assert orm(lambda: AuditLog.objects.filter(action="staff.notice_link_view", target_id=str(n.pk)).count()) == 1

    # sending again by registered mail: a request for the team lead
    page.goto(f"/staff/notices/{n.pk}/resend/")
    page.click("#resend-form label:has-text('종이 우편(등기)')")
    assert page.is_checked("input[name=option][value=registered]")
    page.fill("#resend-reason", "납세자 전화: 등기로 다시 받고 싶음")
    shot(page, "35-resend-form")
    page.click("#resend-submit")
    page.wait_for_selector(".console-resend-pending")
    assert "다른 직원(팀장)이 승인하면 보냅니다" in page.inner_text(".console-messages")
    page.evaluate("window.scrollTo(0, 0)")  # the redirect lands on the notice's anchor
    shot(page, "36-resend-pending")

    # 2. lists: search results with their download, two pages of unmatched payments, the day's reconciliation
    page.goto("/staff/taxpayers/")
    page.fill("#search-q", "김민준")
    page.press("#search-q", "Enter")
    page.wait_for_selector("#results-xlsx")
    shot(page, "38-search-results-xlsx")
    with page.expect_download() as download:
        page.click("#results-xlsx")
    assert download.value.suggested_filename.startswith("납세자검색-11260-")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto("/staff/money/unmatched/")
    assert "1 / 2쪽" in page.inner_text(".console-pages")
    page.click(".console-pages >> text=다음 쪽 →")
    page.wait_for_selector("text=2 / 2쪽")
    shot(page, "39-money-unmatched-pages")
    page.goto("/staff/money/reconciliation/?date=2026-11-23")
    shot(page, "40-reconciliation")
    printed(page, "40p-reconciliation-print")
    page.goto(f"/staff/effects/campaigns/{world.money.campaign.pk}/")
    printed(page, "41p-effects-print")
    page.goto("/staff/rewards/ledgers/?year=2026")
    printed(page, "42p-ledgers-print")
    page.goto(f"/staff/campaigns/{world.money.campaign.pk}/recipients/")
    page.select_option("#r-channel", "kt")
    page.click("#recipients-filter button[type=submit]")
    page.wait_for_selector("#recipients-table")
    assert "김*준" in page.inner_text("#recipients-table")
    shot(page, "43-campaign-recipients")
    page.goto("/staff/rewards/actions/")
    page.wait_for_selector("#actions-xlsx")
    shot(page, "44-reward-actions")
    page.goto(f"/staff/rolls/{world.upload.pk}/")
    page.wait_for_selector("#roll-errors-xlsx")
    shot(page, "45-roll-errors")
    # every other long list pages and downloads as XLSX (issue #14)
    for url, button, name in (("/staff/campaigns/", "#campaigns-xlsx", "47-campaign-list"),
                              ("/staff/rolls/", "#roll-uploads-xlsx", "48-roll-uploads"),
                              ("/staff/money/files/", "#pay-uploads-xlsx", "49-payment-uploads"),
                              ("/staff/rewards/officials/", "#officials-xlsx", "50-reward-officials"),
                              ("/staff/rewards/findings/", "#findings-xlsx", "51-reward-findings"),
                              ("/staff/rewards/claims/", "#claims-xlsx", "52-reward-claims")):
        page.goto(url)
        assert page.locator(button).is_visible(), url
        shot(page, name)
    page.goto("/staff/campaigns/")
    with page.expect_download() as download:
        page.click("#campaigns-xlsx")
    assert download.value.suggested_filename.startswith(f"안내캠페인-{HOME}-")
    assert page.console_errors == []
    logout(page)

    # the team lead approves the resend
    browser_login(page, f"team_lead-{HOME}")
    assert "1건" in page.inner_text("#home-resends")
    page.click("text=다시 보내기 요청")
    page.wait_for_selector("#resends-pending")
    shot(page, "37-resend-approval")
    page.click("#resends-pending button:has-text('승인하고 보내기')")
    page.wait_for_selector("#resends-none")
    assert orm(lambda: Resend.objects.get(notice=n).status) == Resend.Status.APPROVED
    logout(page)

    # 3. the auditor filters the audit log and sees the downloads and the resend in words
    browser_login(page, f"auditor-{HOME}")
    page.goto("/staff/audit/")
    page.select_option("#f-action", "delivery.resend_approve")
    page.fill("#f-start", "2026-11-23")
    page.fill("#f-end", "2026-11-23")
    page.click("#audit-filter button[type=submit]")
    page.wait_for_selector("#audit-table")
    table = page.inner_text("#audit-table")
    assert "안내문 다시 보내기 승인" in table and "종이 우편" in table and "2,930원" in table
    shot(page, "46-audit-filtered")
    assert page.console_errors == []
    logout(page)

    # the system administrator's account list downloads too
    browser_login(page, f"sysadmin-{HOME}")
    page.goto("/staff/users/")
    assert page.locator("#users-xlsx").is_visible()
    shot(page, "53-users")
    assert page.console_errors == []
