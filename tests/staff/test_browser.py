"""The console in a real browser (Chromium via Playwright), at 1366×768. Screenshots: var/test-artifacts/screenshots/.

Needs Debian's chromium at /usr/bin/chromium (scripts/system-packages.sh installs it); fails loudly without it."""

from __future__ import annotations

import pytest
from _staff_helpers import HOME, browser_login, orm, shot

from jingsu.core.models import AuditLog

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)




def test_five_wrong_passwords_lock_the_account(page):
    page.goto("/staff/login/")
    shot(page, "01-login")
    for _ in range(4):
        browser_login(page, f"clerk-{HOME}", "틀린-비밀번호")
        assert "아이디 또는 비밀번호가 맞지 않습니다" in page.inner_text("main")
    shot(page, "02-login-failed")
    browser_login(page, f"clerk-{HOME}", "틀린-비밀번호")
    message = page.inner_text("#lockout-message")
    assert "15분 동안 로그인할 수 없습니다" in message
    shot(page, "03-locked-out")
    browser_login(page, f"clerk-{HOME}")  # the right password, still locked
    assert page.locator("#lockout-message").is_visible()
    assert orm(lambda: AuditLog.objects.filter(action="staff.lockout", actor=f"clerk-{HOME}").exists())


def test_clerk_searches_opens_and_reveals_with_a_reason(page, browser_world):
    world = browser_world
    browser_login(page, f"clerk-{HOME}")
    assert page.locator(".console-jurisdiction").inner_text().startswith("중랑구")
    assert "담당자" in page.inner_text(".console-user")
    assert page.evaluate("document.fonts.check('16px \"Pretendard GOV\"')")
    shot(page, "04-home-clerk")

    page.fill("#search-q", "김민준")
    page.press("#search-q", "Enter")
    page.wait_for_selector("table.console-table")
    assert "850101-1******" in page.inner_text("main")
    shot(page, "05-search-results")

    page.click(f"a[href='/staff/taxpayers/{world.taxpayer.pk}/']")
    page.wait_for_selector("#tp-levies")
    text = page.inner_text("main")
    doc_hash = orm(lambda: world.taxpayer.notices.get().doc_hash)
    assert doc_hash in text and "KT 공인알림문자" in text and "50,000원" in text
    assert "850101-1234566" not in page.content()
    shot(page, "06-taxpayer")
    # Back returns to the results (a GET without the name in its URL), then forward to the taxpayer again
    page.go_back()
    page.wait_for_selector("#results-count")
    assert "850101-1******" in page.inner_text("main") and "김민준" not in page.url
    page.go_forward()
    page.wait_for_selector("#tp-levies")

    page.click("text=전체 번호 열람(사유 기재)")
    page.click("button[type=submit]:has-text('열람하기')")  # no reason → refused
    assert "열람 사유를 입력해야 합니다" in page.inner_text("main")
    page.fill("#id_reason", "체납 상담 중 본인 확인")
    page.click("button[type=submit]:has-text('열람하기')")
    assert page.inner_text("#revealed-number") == "850101-1234566"
    shot(page, "07-revealed")
    row = orm(lambda: AuditLog.objects.get(action="taxpayer.reveal_registration_number"))
    assert row.actor == f"clerk-{HOME}" and row.reason == "체납 상담 중 본인 확인"
    assert row.target_id == str(world.taxpayer.pk)
    assert page.console_errors == []  # static files found, no CSP violations


def test_keyboard_skip_link_and_tab_to_search(page):
    browser_login(page, f"clerk-{HOME}")
    page.wait_for_selector("#search-q")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "본문 바로가기"
    assert page.locator("#krds-skip-link a").is_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shot(page, "08-skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-q":
            break
    assert page.evaluate("document.activeElement.id") == "search-q"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("김민준")
    page.keyboard.press("Enter")
    page.wait_for_selector("table.console-table")
    assert "김민준" in page.inner_text("table.console-table")


def test_auditor_sees_the_audit_log(page):
    browser_login(page, f"auditor-{HOME}")
    page.click("nav >> text=감사 기록")
    page.wait_for_selector("#audit-table")
    table = page.inner_text("#audit-table")
    assert "로그인" in table and "staff.login" not in table  # actions in words (staff.audit_labels)
    shot(page, "09-audit-log")
    assert page.console_errors == []
