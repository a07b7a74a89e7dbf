"""A wording experiment (issue #17) walked in a real browser (Chromium via Playwright, 1366×768), as each person does
it: the 담당자 builds a 체납안내문 campaign with a 10% 대조군 and two 비교군 in the wizard's step 6 (A the campaign's
template, B the wording library's 체납처분 예고 version, 45% each, stratified by 체납액 구간), then records the 실험 설계
on the campaign page and sees its 검정력; the 팀장 approves the campaign and the record shows as frozen. Outside the
browser (through `orm()`, tests/_browser.py) the notices are handed to delivery and one of them is paid, and the clock
— the console's (tests/conftest.py) — moves past the 관찰 기간. The 팀장 then reads 효과 보고서 → the campaign →
실험 보고서 (the verdicts, the frozen pre-registration, each group) and downloads the full report and its workbook.

Every page is checked for English words and bracketed particles (tests/staff/test_words.py's reader). Screenshots
(var/test-artifacts/screenshots/): 63-experiment-wizard-step, 64-experiment-arms, 65-experiment-record-power,
66-experiment-frozen, 67-experiment-report."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from _staff_helpers import HOME, SCREENSHOTS, console_login, console_logout, orm, shot
from test_words import _names, korean_main

from _money import pay_levy
from jingsu.core import crypto
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.levies.models import Levy
from jingsu.notices.models import Campaign, Notice
from jingsu.reports.experiments import experiment_report
from jingsu.taxpayers.models import Taxpayer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLERK, LEAD = f"clerk-{HOME}", f"team_lead-{HOME}"
NAME = "브라우저 문구 실험"
HYPOTHESIS = "체납처분 예고 문구가 기본 문구보다 기간 내 납부율을 높인다"
VARIANT = "체납처분 예고 서식"  # the wording library's version picked for 비교군 B (migration 0017)


SURNAMES = "김이박최정강조윤장임"
GIVEN = ("민수", "서윤", "지호", "하은")


@pytest.fixture
def experiment_world(browser_world, clock):
    """Forty more taxpayers with one 재산세 arrear each (amounts spread over the 체납액 구간), so that the 대조군
    and both 비교군 get notices whatever the draw; built before the browser starts (tests/_browser.py)."""
    now = clock.now()
    for n in range(40):
        reg = f"8001011{n:06d}"
        tp = Taxpayer.objects.create(
            jurisdiction_id=HOME, kind="individual", name=SURNAMES[n % 10] + GIVEN[n // 10],
            registration_hash=crypto.lookup_hash(reg), registration_encrypted=crypto.encrypt(reg),
            registration_masked=crypto.mask_registration_number(reg),
            address="서울특별시 중랑구 봉화산로 179 (신내동)", created_at=now, updated_at=now)
        principal = (30_000, 150_000, 600_000, 2_500_000)[n % 4] + 1_000 * n
        due = date(2025, 9, 30)
        Levy.objects.create(
            jurisdiction_id=HOME, taxpayer=tp, tax_number=f"{HOME}-14-2025-{8_200_000 + n:07d}", tax_item="14",
            tax_year=2025, period="정기", principal=principal, billed_amount=principal, liability_date=date(2025, 6, 1),
            original_due_date=due, due_date=due, created_at=now, updated_at=now)
    return browser_world


_login, _logout, _korean = console_login, console_logout, korean_main


def _part(page, selector: str, name: str) -> None:
    """A screenshot of one part of the page (no horizontal scrolling on the page either)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, f"{name}: page is {width}px wide"
    part = page.locator(selector)
    part.scroll_into_view_if_needed()
    part.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _hand_to_delivery_and_pay(campaign_id: int, clock) -> str:
    """What the dispatch cycle and the bank would do: every sent notice accepted by 카카오톡 now; one notice of
    비교군 B paid in full two days later. Returns the paid taxpayer's name."""
    now = clock.now()
    sent = Notice.objects.filter(campaign_id=campaign_id, control_group=False)
    for n in sent:
        DeliveryAttempt.objects.create(notice=n, channel=Channel.KAKAO, sequence=1, key=f"{n.reference}-1",
                                       status=AttemptStatus.ACCEPTED, sent_at=now, created_at=now, updated_at=now)
    paid = sent.filter(arm__label="B").exclude(taxpayer__name="김민준").order_by("pk").first()  # 김민준 paid already
    levy = paid.lines.first().levy
    pay_levy(levy, levy.billed_amount, date(2026, 11, 25), clock=clock)
    return paid.taxpayer.name


def test_a_wording_experiment_from_the_wizard_to_its_report(experiment_world, page, browser_world, clock):
    names = orm(lambda: _names(browser_world))

    # --- 1. the 담당자 builds the campaign with step 6 ------------------------------------------------------------------
    _login(page, CLERK)
    page.click("nav >> text=안내 캠페인")
    page.click("text=새 캠페인 만들기")
    page.wait_for_url(re.compile(r"/staff/campaigns/new/$"))
    page.select_option("#id_kind", "arrears")
    page.fill("#id_name", NAME)
    page.fill("#id_control_share", "10")
    step = page.locator("#campaign-step-experiment")
    assert "6. 문구 실험 (비교군)" in step.inner_text()
    page.click("label[for=id_experiment]")  # KRDS draws the box on the label
    assert page.locator("#id_experiment").is_checked()
    page.fill("#id_arm_a_name", "기본 문구")
    page.fill("#id_arm_a_share", "45")
    page.fill("#id_arm_b_name", "체납처분 예고")
    offered = page.locator("#id_arm_b_template option:not([disabled])").all_inner_texts()
    [label] = [o for o in offered if o.startswith("체납처분 예고 · ") and VARIANT in o]  # the style first
    page.select_option("#id_arm_b_template", label=label)
    page.fill("#id_arm_b_share", "45")
    step.locator("label", has_text="체납액 구간").click()
    page.wait_for_function("document.querySelector('#campaign-preview [data-field=\"notices\"]').textContent !== '—'")
    page.wait_for_function("!document.getElementById('campaign-preview-note').textContent.includes('계산 중')")
    _korean(page, names)
    _part(page, "#campaign-step-experiment", "63-experiment-wizard-step")
    page.click("#campaign-create")
    page.wait_for_url(re.compile(r"/staff/campaigns/\d+/$"))
    campaign_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    main = _korean(page, names)
    assert "캠페인을 만들고 대상을 확정했습니다" in main, main[:400]

    # the 실험 section: both arms with their notices, the 대조군, the stratum, and the record still missing
    section = page.locator("#campaign-experiment")
    rows = page.locator("#experiment-arms tbody tr").all_inner_texts()
    assert len(rows) == 3, rows
    assert rows[0].startswith("A") and "기본 문구" in rows[0] and "45%" in rows[0] and "건" in rows[0], rows[0]
    assert rows[1].startswith("B") and "체납처분 예고" in rows[1] and "45%" in rows[1] and "건" in rows[1], rows[1]
    assert rows[2].startswith("대조군") and "발송하지 않음" in rows[2] and "10%" in rows[2], rows[2]
    counts = [int(re.search(r"([\d,]+)건", r.split("\t")[-1]).group(1).replace(",", "")) for r in rows]
    built = orm(lambda: Notice.objects.filter(campaign_id=campaign_id).count())
    assert sum(counts) == built > 0
    assert section.locator("#experiment-strata").inner_text() == "층화 기준: 체납액 구간"
    assert "실험 설계가 아직 기록되지 않았습니다. 승인하기 전에 기록해야 합니다." in section.inner_text()
    _part(page, "#campaign-experiment", "64-experiment-arms")

    # --- 2. the 담당자 records the 실험 설계 -----------------------------------------------------------------------
    page.fill("#id_hypothesis", HYPOTHESIS)
    page.click("#experiment-form label:has-text('기간 내 납부율')")
    page.fill("#id_window_days", "14")
    page.fill("#id_min_effect", "5")
    page.fill("#id_baseline", "30")
    with page.expect_navigation():
        page.click("#experiment-save")
    assert page.url.endswith(f"/staff/campaigns/{campaign_id}/"), page.url
    _korean(page, names)
    record = page.inner_text("#experiment-record")
    assert HYPOTHESIS in record and "기간 내 납부율" in record and "14일" in record, record
    assert "5%포인트" in record, record
    power = page.inner_text("#experiment-power")
    assert re.match(r"검정력: \d+%", power), power
    assert page.locator("#experiment-frozen").count() == 0
    _part(page, "#campaign-experiment", "65-experiment-record-power")
    assert page.locator("#approve-button").count() == 0  # the maker cannot approve
    _logout(page)

    # --- 3. the 팀장 approves; the record is frozen --------------------------------------------------------------------
    _login(page, LEAD)
    page.goto(f"/staff/campaigns/{campaign_id}/")
    assert page.locator("#experiment-form").count() == 0  # the team lead does not prepare campaigns
    with page.expect_navigation():  # back on the same address
        page.click("#approve-button")
    main = _korean(page, names)
    assert "캠페인을 승인했습니다" in main, main[:400]
    frozen = page.inner_text("#experiment-frozen")
    assert frozen.startswith("승인 때 고정됨: 2026. 11. 23.") and "승인자" in frozen, frozen
    assert page.locator("#experiment-form").count() == 0 and page.locator("#experiment-edit").count() == 0
    assert page.locator("#experiment-report").inner_text() == "실험 보고서 보기"
    _part(page, "#campaign-experiment", "66-experiment-frozen")
    assert orm(lambda: Campaign.objects.get(pk=campaign_id).status) == Campaign.Status.APPROVED

    # --- 4. outside the browser: delivery, a payment, and the 관찰 기간 over --------------------------------------------
    payer = orm(lambda: _hand_to_delivery_and_pay(campaign_id, clock))
    clock.advance(timedelta(days=15))
    report = orm(lambda: experiment_report(Campaign.objects.get(pk=campaign_id), now=clock.now()))
    assert report["complete"] and report["verdicts"], report["summary"]

    # --- 5. the 팀장 reads the report and downloads it ------------------------------------------------------------------
    page.click("nav >> text=효과 보고서")
    page.wait_for_url(re.compile(r"/staff/effects/"))
    page.click(f"#campaign-table >> text={NAME}")
    page.click("#fx-experiment")
    page.wait_for_url(re.compile(rf"/staff/effects/.*{campaign_id}.*"))
    main = _korean(page, names)
    assert page.inner_text("h1").startswith(f"실험 보고서: {NAME}")
    verdicts = page.locator("#xr-verdicts li").all_inner_texts()
    assert verdicts == report["verdicts"], verdicts
    assert all("잠정 결과" not in v for v in verdicts)  # the window is over
    assert any(v.startswith(("B와 A의 납부율 차이", "B(체납처분 예고) 문구가 A(기본 문구)보다")) for v in verdicts), verdicts
    assert "주요 결과 지표: 기간 내 납부율" in page.inner_text("#xr-summary")
    pre = page.inner_text("#xr-preregistration")
    for shown in (HYPOTHESIS, "기간 내 납부율", "첫 발송부터 14일", "5%p", "30%", "체납액 구간", "신뢰수준"):
        assert shown in pre, (shown, pre)
    assert "아직 승인 전" not in pre and "2026. 11. 23." in pre
    groups = {g.split("\t")[0]: g.split("\t")[1:] for g in page.locator("#xr-groups tbody tr").all_inner_texts()}
    assert sorted(groups) == ["A 기본 문구", "B 체납처분 예고", "대조군"], groups
    assert groups["대조군"][0] == "발송하지 않음"
    assert VARIANT in groups["B 체납처분 예고"][0]
    for key, g in (("control", groups["대조군"]), ("A", groups["A 기본 문구"]), ("B", groups["B 체납처분 예고"])):
        size = next(x for x in report["groups"] if x["key"] == key)
        assert g[1:3] == [f"{size['n']:,}건", f"{size['paid']:,}건"], (key, g)
    assert int(groups["B 체납처분 예고"][2].rstrip("건")) >= 1, payer  # the payment made in 비교군 B
    shot(page, "67-experiment-report")

    with page.expect_download() as html:
        page.click("text=보고서 내려받기(그래프 포함)")
    assert html.value.suggested_filename == f"실험보고서-캠페인{campaign_id}.html"
    body = open(html.value.path(), encoding="utf-8").read()
    assert "<svg" in body and HYPOTHESIS in body
    with page.expect_download() as xlsx:
        page.click("#experiment-xlsx")
    assert xlsx.value.suggested_filename == f"실험보고서-캠페인{campaign_id}.xlsx"
    with open(xlsx.value.path(), "rb") as f:
        assert f.read(2) == b"PK"
    assert not page.console_errors, page.console_errors
    assert not page.failed_responses, page.failed_responses
