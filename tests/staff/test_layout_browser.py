"""The console's layout at 1366×768 (issue #14 item 4) in a real browser (Chromium via Playwright): amounts
right-aligned with thousands separators (home figures too), no table cell whose content spills into its neighbour
(the taxpayer page's wide tables wrap or scroll), the effect page's intervals not clipped, the campaign wizard in
KRDS inputs, radio buttons with one label each, links that look like links; and the screens of items 1–3 (수납 파일
가져오기, the roll upload's limits and template, the wizard's channel split). Screenshots: var/test-artifacts/
screenshots/19-… to 27-… (docs/staff-console.md lists them)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from _staff_helpers import HOME, browser_login, orm, shot

from jingsu.core.models import Jurisdiction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "formats" / "samples"

#: cells whose content is wider than the cell (it is drawn over the next one), tables wider than their box with no
#: scrolling, and text cut off by a box that hides overflow
OVERFLOW_JS = """() => {
  const bad = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (cell.scrollWidth > cell.clientWidth + 1) bad.push('cell: ' + cell.innerText.slice(0, 60));
  }
  for (const table of document.querySelectorAll('main table')) {
    let box = table.parentElement, scrolls = false;
    while (box && box.tagName !== 'MAIN') {
      const o = getComputedStyle(box).overflowX;
      if (o === 'auto' || o === 'scroll') { scrolls = true; break; }
      box = box.parentElement;
    }
    const r = table.getBoundingClientRect(), main = document.querySelector('main').getBoundingClientRect();
    if (!scrolls && r.right > main.right + 1) bad.push('table wider than the page: ' + (table.id || table.className));
  }
  for (const el of document.querySelectorAll('main *')) {
    const s = getComputedStyle(el);
    if (['SELECT', 'OPTION', 'INPUT', 'TEXTAREA'].includes(el.tagName)) continue;
    if (el.getBoundingClientRect().width <= 2) continue;  // visually hidden for screen readers (sr-only)
    if ((s.overflowX === 'hidden' || s.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1
        && el.innerText.trim()) bad.push('clipped: ' + el.innerText.slice(0, 60));
  }
  return bad;
}"""


def no_overflow(page, name: str) -> None:
    bad = page.evaluate(OVERFLOW_JS)
    if bad:
        shot(page, f"overflow-{name}")
    assert bad == [], name


@pytest.fixture
def layout_world(browser_world, clock, tmp_path, settings):
    """The console's world, plus a taxpayer with long values (the taxpayer page's widest case), a campaign with a
    control group (the effect page's intervals) and a payment to match by hand (radio buttons)."""
    from _staff_helpers import add_money_world

    from jingsu.notices import services as notices
    from jingsu.taxpayers.models import Taxpayer

    settings.VAR_DIR = tmp_path / "var"
    world = browser_world
    add_money_world(world, clock)
    Taxpayer.objects.filter(pk=world.taxpayer.pk).update(
        address="서울특별시 중랑구 면목로 100길 23-45 면목현대아파트 101동 1502호 (면목동, 주민센터 앞 상가 2층)")
    from jingsu.notices.models import Notice
    from jingsu.payments.services import record_payment
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll

    roll = tmp_path / "more.csv"
    generate_roll(jurisdiction=HOME, taxpayers=150, seed=14, out=roll, today=date(2026, 11, 23))
    import_roll(roll, jurisdiction=Jurisdiction.by_code(HOME), clock=clock)
    c = notices.create_campaign(world.home, name="대조군이 있는 12월 체납안내", kind="arrears", as_of=date(2026, 11, 23),
                                actor="maker", control_share=30, clock=clock)
    notices.build_campaign(c, actor="maker", clock=clock)
    notices.approve_campaign(c, actor="checker", clock=clock)
    # some of them pay (treated and control alike), so the intervals carry real amounts
    for i, n in enumerate(Notice.objects.filter(campaign=c).prefetch_related("lines__levy").order_by("pk")[:60]):
        line = n.lines.all()[0]
        record_payment(source="bank-feed", external_id=f"layout-{i}", received_at=clock.now() + timedelta(hours=2),
                       amount=line.total, channel="e-payment", payment_number=line.payment_number,
                       virtual_account="", tax_number="", jurisdiction=None, clock=clock)
    clock.advance(timedelta(days=4))
    world.effects_campaign = c
    return world


@pytest.fixture
def layout_page(layout_world, live_server, clock):
    from _browser import chromium_page

    with chromium_page(live_server.url) as pg:  # the console on the runtime's clock: the test's
        yield pg


def test_console_layout_at_1366(layout_page, layout_world, clock):
    from jingsu.staff import payment_uploads
    from jingsu.staff.models import PaymentUpload

    page, world = layout_page, layout_world
    browser_login(page, f"clerk-{HOME}")
    page.wait_for_url(re.compile(r"/staff/$"))

    # home: figures with separators
    figures = page.inner_text("#home-arrears ~ dl, section[aria-labelledby=home-arrears] dl")
    assert re.search(r"\d{1,3}(,\d{3})+원", figures), figures
    no_overflow(page, "home")
    shot(page, "19-home-figures")

    # links look like links: underlined, not the text colour
    link = page.locator("main a[href='/staff/campaigns/']").first
    assert link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    assert link.evaluate("a => getComputedStyle(a).color") != page.evaluate(
        "getComputedStyle(document.querySelector('main p') || document.body).color")

    # the taxpayer page: every table fits or scrolls, no cell spills over
    page.goto(f"/staff/taxpayers/{world.taxpayer.pk}/")
    page.wait_for_selector("#tp-levies")
    no_overflow(page, "taxpayer")
    for table in page.locator("main table").all():
        cells = table.locator("tbody tr").first.locator("td, th").all()
        boxes = [c.bounding_box() for c in cells if c.is_visible()]
        for left, right in zip(boxes, boxes[1:], strict=False):
            assert left["x"] + left["width"] <= right["x"] + 1, "cells overlap"
    amounts = page.locator("section[aria-labelledby=tp-levies] td.num").all()
    assert amounts and all(a.evaluate("e => getComputedStyle(e).textAlign") == "right" for a in amounts)
    shot(page, "20-taxpayer")

    # the effect page: the intervals are whole
    page.goto(f"/staff/effects/campaigns/{world.effects_campaign.pk}/")
    page.wait_for_selector("#fx-figures")
    shot(page, "21-effects-intervals")
    no_overflow(page, "effects")
    intervals = page.locator(".console-interval").all()
    assert intervals
    for el in intervals:
        box = el.bounding_box()
        card = el.evaluate("e => e.closest('.console-card').getBoundingClientRect().right")
        assert box["x"] + box["width"] <= card, el.inner_text()
        assert "~" in el.inner_text()

    # the wizard: KRDS inputs everywhere, the channel split in the live preview
    page.goto("/staff/campaigns/new/")
    page.fill("#id_name", "배치 확인")
    page.wait_for_selector("#preview-split tbody th")
    plain = page.evaluate("""() => [...document.querySelectorAll('#campaign-form input, #campaign-form select')]
      .filter(e => !['hidden', 'checkbox', 'radio', 'submit', 'button'].includes(e.type))
      .filter(e => !e.classList.contains('krds-input') && !e.classList.contains('krds-form-select'))
      .map(e => e.name)""")
    assert plain == []
    split = page.inner_text("#preview-split")
    assert "카카오톡 전자문서" in split and "종이 우편" in split
    no_overflow(page, "wizard")
    shot(page, "22-campaign-wizard")
    page.locator("#campaign-preview").scroll_into_view_if_needed()
    page.screenshot(path=str(Path(shot.__globals__["SCREENSHOTS"]) / "22b-campaign-split.png"))

    # radio buttons: one label each (the group's title is a legend, not a second label)
    page.goto(f"/staff/money/payments/{world.money.unmatched.pk}/")
    page.wait_for_selector("input[type=radio]")
    for radio in page.locator("input[type=radio]").all():
        rid = radio.get_attribute("id")
        assert page.locator(f"label[for='{rid}']").count() == 1
        assert radio.evaluate("r => r.labels.length") == 1
    assert page.locator("label[for='match-scope']").count() == 0
    no_overflow(page, "match")
    shot(page, "23-money-match-radios")

    # the roll upload: limits in Korean units and the template link
    page.goto("/staff/rolls/")
    limits = page.inner_text("#roll-limits")
    assert "300MB" in limits and "1,048,575행" in limits and "65,535행" in limits
    assert page.locator("#roll-template-link").is_visible()
    shot(page, "24-roll-upload-limits")

    # 수납 파일 가져오기: upload the sample, read the report, confirm, see the result
    page.goto("/staff/money/files/")
    page.set_input_files("#pay-file", str(SAMPLES / "payments-sample.csv"))
    page.check("#pay-layout_0")
    page.click("#pay-upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/money/files/\d+/$"))
    orm(payment_uploads.run_pending)  # the dispatch cycle's step
    page.reload()
    page.wait_for_selector("#pay-validated")
    shot(page, "25-money-file-validated")
    page.click("#pay-confirm-form button")
    orm(payment_uploads.run_pending)
    page.reload()
    page.wait_for_selector("#pay-result:not([hidden])")
    assert "524,800원" in page.inner_text("#pay-result")
    assert orm(lambda: PaymentUpload.objects.get().status) == "done"
    no_overflow(page, "file done")
    shot(page, "26-money-file-done")
    clock.advance(timedelta(minutes=1))
    assert page.console_errors == [] and page.failed_responses == []
