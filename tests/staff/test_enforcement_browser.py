"""Issue #16 ("Done when": browser tests cover one case per measure from worklist to closing), in a real browser
(Chromium via Playwright, 1366×768). For each measure — 명단공개, 관허사업 정지·취소, 출국금지 요청, 신용정보 제공,
번호판 영치, 압류 — one taxpayer who qualifies under the law on the suite's clock (2026-11-23) is found by the 담당자 in
체납처분 대상's tab for the measure, the case is opened from the row with the findings the measure needs, moved stage
by stage with a reason, the rights-restricting step is requested and approved by the 팀장 in the approval queue (the
담당자 cannot approve it: the screen says so, and a forged approval is refused), and the case ends in 해제. Before a
사전 통지·예고 stage (명단공개, 관허사업, 신용정보, 번호판 영치) the 담당자 prepares the step notice on the case page
(조치 예정일 today + 30 days; 명단공개 left empty) and another person approves its campaign and hands it to delivery
(tests/_step_notices.py's `mark_sent`); the move into the stage is refused until then (the screen names the notice)
and is dated today, the notice's date. 명단공개 stops at 소명 기간: once every other case has been requested, the clock
(shared with the live server) moves to the day after the 소명 기간's last day (`law.enforcement.explanation_period_end`
from the 통지일), the 담당자 moves it to 심의 and requests 공개, and the 팀장 approves all the requests on that later day
(the law is checked again for the requests' date and for today). For 번호판 영치 and 압류 the end comes from money: a
payment recorded through jingsu.payments makes the case "해제 가능" (the payments hook) and the 담당자 releases it.
One more case (관허사업 허가 제한, its 예고 sent the same way), opened from the taxpayer page, is turned down by the
팀장 with a reason and closed (종결) by the 담당자.

Every page is checked for English words and bracketed particles (tests/staff/test_words.py's reader). Screenshots
(var/test-artifacts/screenshots/, listed in docs/staff-console.md): 54-enforcement-worklist, 55-enforcement-open,
56-enforcement-open-refused, 57-enforcement-case-pending, 58-enforcement-queue, 59-enforcement-case-in-force,
60-enforcement-release-ready, 61-enforcement-case-released, 62-enforcement-cases."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from _staff_helpers import HOME, console_login, console_logout, orm, shot
from test_words import _names, korean_main

from _step_notices import mark_sent, sent_demand
from jingsu.clock import SEOUL, today
from jingsu.core import crypto
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.enforcement.models import EnforcementCase, MoveRequest
from jingsu.law.enforcement import explanation_period_end
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices.models import Notice
from jingsu.payments.models import Payment
from jingsu.payments.services import reconcile
from jingsu.rewards import services as rewards
from jingsu.taxpayers.models import Taxpayer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLERK, LEAD = f"clerk-{HOME}", f"team_lead-{HOME}"
OFFICIAL = "한지민"


# --- the world: one taxpayer per measure, qualifying by the law on 2026-11-23 (tests/_clock.py T0) -----------------


def _taxpayer(clock, name: str, n: int) -> Taxpayer:
    reg = f"7505051{n:06d}"
    return Taxpayer.objects.create(
        jurisdiction_id=HOME, kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시 중랑구 봉화산로 179 (신내동)", created_at=clock.now(), updated_at=clock.now())


def _levy(clock, tp: Taxpayer, n: int, *, principal: int, due: date, tax_item: str = "14", vehicle: str = "") -> Levy:
    return Levy.objects.create(
        jurisdiction_id=HOME, taxpayer=tp, tax_number=f"{HOME}-{tax_item}-{due.year}-{8_100_000 + n:07d}",
        tax_item=tax_item, tax_year=due.year, period="정기", principal=principal, billed_amount=principal,
        object_description=vehicle, liability_date=date(due.year, 1, 1), original_due_date=due, due_date=due,
        created_at=clock.now(), updated_at=clock.now())


def _demand(clock, levies: list[Levy], *, pay_by: date, sent_on: date) -> Notice:
    """A 독촉장 jingsu sent (campaign of kind 독촉장, 납부기한 `pay_by`), delivered on `sent_on`."""
    return sent_demand(levies, pay_by=pay_by, sent_on=sent_on, clock=clock, name=f"독촉 {levies[0].taxpayer.name}")


def _pay_all(levy_id: int, clock) -> None:
    """All the levy owes today, by its 전자납부번호, through the real reconciliation (jingsu.payments' hooks run)."""
    lv = Levy.objects.get(pk=levy_id)
    on = clock.now().astimezone(SEOUL).date()
    payment = Payment.objects.create(
        jurisdiction_id=HOME, source="bank-feed", external_id=f"enf-{lv.pk}", amount=lv.owed(on).total,
        received_at=datetime.combine(on, time(9, 30), tzinfo=SEOUL), channel="e-payment",
        payment_number=numbers.payment_number(HOME, lv.tax_item, lv.tax_year, lv.pk), created_at=clock.now())
    reconcile(payment, clock=clock)


@pytest.fixture
def enforcement_world(browser_world, clock):
    """Built before the browser starts (tests/_browser.py)."""
    c = clock
    people = {}
    # 명단공개 (제11조): 1천만 원 이상, 체납 발생일부터 1년 경과
    tp = _taxpayer(c, "강명단", 1)
    _levy(c, tp, 1, principal=20_000_000, due=date(2024, 9, 30))
    people["disclosure"] = tp
    # 관허사업 정지·취소 (제7조②): 3회 이상, 30만 원 이상 — the licensed business is the office's finding
    tp = _taxpayer(c, "윤관허", 2)
    for i, month in enumerate((3, 6, 9)):
        _levy(c, tp, 10 + i, principal=200_000, due=date(2025, month, 10))
    people["license_suspension"] = tp
    # 출국금지 요청 (제8조): 3천만 원 이상 — the 시행령 제15조① case and 조세채권 확보 불가 are the office's findings
    tp = _taxpayer(c, "서출국", 3)
    _levy(c, tp, 3, principal=40_000_000, due=date(2024, 9, 30))
    people["exit_ban"] = tp
    # 신용정보 제공 (제9조): 500만 원 이상, 1년 경과
    tp = _taxpayer(c, "조신용", 4)
    _levy(c, tp, 4, principal=6_000_000, due=date(2025, 9, 30))
    people["credit_report"] = tp
    # 번호판 영치 (지방세법 제131조): 자동차세, 독촉장 납부기한 경과
    tp = _taxpayer(c, "한영치", 5)
    car = _levy(c, tp, 5, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="12가3456")
    _demand(c, [car], pay_by=date(2026, 7, 31), sent_on=date(2026, 7, 10))
    people["plate_impound"] = tp
    # 압류 (제33조①): 독촉장 납부기한 경과
    tp = _taxpayer(c, "오압류", 6)
    seized = _levy(c, tp, 6, principal=2_000_000, due=date(2026, 7, 31))
    _demand(c, [seized], pay_by=date(2026, 9, 10), sent_on=date(2026, 8, 20))
    people["seizure"] = tp
    rewards.add_official(Jurisdiction.by_code(HOME), name=OFFICIAL, rank="지방세무주사", department="세무1과 체납징수팀",
                         bureau="재정국", director_or_above=False, bank="국민은행", account="123-45-67890123",
                         actor="setup", clock=c)
    return SimpleNamespace(people=people, car=car, seized=seized, names=_names(browser_world))


# --- what a person does ----------------------------------------------------------------------------------------------


_login, _logout, _korean = console_login, console_logout, korean_main


def _messages(page) -> str:
    return " ".join(page.locator(".console-message").all_inner_texts())


def _move(page, to: str, reason: str, *, official: bool = False) -> str:
    """A move on today's date (the form's default: a 사전 통지·예고 stage may not be dated before its notice)."""
    page.select_option("#move-to", to)
    if official:
        page.select_option("#move-official", label=f"세무1과 체납징수팀 지방세무주사 {OFFICIAL}")
    page.fill("#move-reason", reason)
    page.click("#move-button")
    page.wait_for_load_state()
    return _messages(page)


def _history(page) -> list[str]:
    return page.locator("#history-table tbody tr").all_inner_texts()


def _send_notice(page, case_id: int, kind: str, measure_on: date | None, names, *, clock) -> None:
    """The case's step notice (사전 통지·예고): the 담당자 prepares it on the case page (조치 예정일 `measure_on`; None
    leaves it empty — 명단공개: the publication day after the 소명 기간), sees its campaign waiting; another person
    (the 팀장) approves the campaign and hands it to delivery (tests/_step_notices.py's `mark_sent`, as the campaign
    screen's 발송 does, without providers); the case page then shows the notice gone out."""
    assert page.inner_text("#notice-h") == kind
    assert page.locator("#notice-none").is_visible()
    assert page.inner_text("#notice-button") == f"{kind} 준비"
    if measure_on is not None:
        page.fill("#notice-measure-on", measure_on.isoformat())
    else:
        assert page.input_value("#notice-measure-on") == ""
    page.click("#notice-button")
    page.wait_for_url(re.compile(rf"/staff/enforcement/cases/{case_id}/$"))
    campaign = orm(lambda: EnforcementCase.objects.select_related("notice__campaign").get(pk=case_id).notice.campaign)
    said = _messages(page)
    assert f"캠페인 {campaign.pk}번({kind})을 만들고 대상을 확정했습니다: 안내문 1건." in said, said
    assert (campaign.get_kind_display(), campaign.status, campaign.as_of) == (kind, "built", today(clock))
    assert (campaign.measure_on == measure_on) if measure_on else (campaign.measure_on > today(clock))
    assert page.inner_text("#notice-status") == "발송 대기" and page.locator("#notice-not-sent").is_visible()
    assert page.locator("#notice-form").count() == 0  # one notice per case
    link = page.locator("#notice-campaign")
    assert f"캠페인 {campaign.pk}번" in link.inner_text()
    assert link.get_attribute("href").endswith(f"/staff/campaigns/{campaign.pk}/"), link.get_attribute("href")
    _korean(page, names)
    orm(lambda: mark_sent(campaign, clock, approver=LEAD))
    page.reload()
    assert page.inner_text("#notice-status") == "발송 중"
    assert page.locator("#notice-not-sent").count() == 0
    assert "문서 발송 중" in page.inner_text("#evidence-table")


#: measure → `tab`: the row's 구분 in 체납처분 대상; `opened_on`: 대상 선정일 (None: today); `findings`: the boxes the
#: 담당자 ticks when opening; `notice`: the step notice (사전 통지·예고) that must go out before the case moves into
#: `before`'s first stage — (campaign kind, 조치 예정일 in days from today; None: left empty), or None for a measure
#: without one; `before`: the stages before the rights-restricting one (code, name, reason), moved on today;
#: `later`: those moved only once the 소명 기간 is over (after every other case has been requested);
#: `restricting`: (code, name, with the acting official for the 포상금 ledgers); `reason`: why it is requested.
PLAN = {
    "disclosure": SimpleNamespace(
        tab="확인 필요", opened_on=None, findings=[], notice=("명단공개 사전 통지", None), before=[
            ("notified", "사전 통지", "명단공개 사전 통지문 발송"),
            ("explanation", "소명 기간", "소명 기간 6개월 부여")],
        later=[("review", "심의", "소명 기간 경과, 지방세심의위원회 상정")],
        restricting=("published", "공개", False), reason="심의위원회 의결에 따라 명단 공개"),
    "license_suspension": SimpleNamespace(
        tab="확인 필요", opened_on=None, findings=["licensed_business"], notice=("관허사업 제한 예고", 30),
        before=[("forewarned", "제한 예고", "관허사업 제한 예고문 발송")], later=[],
        restricting=("requested", "정지·취소 요청", True), reason="주무관청에 영업정지 요청"),
    "exit_ban": SimpleNamespace(
        tab="확인 필요", opened_on=None, findings=["exit_unsecured", "exit_conditions"], notice=None, before=[],
        later=[], restricting=("requested", "출국금지 요청", False), reason="법무부에 출국금지 요청"),
    "credit_report": SimpleNamespace(
        tab="대상", opened_on=None, findings=[], notice=("신용정보 제공 예고", 30),
        before=[("forewarned", "제공 예고", "신용정보 제공 예고문 발송")], later=[],
        restricting=("provided", "제공", False), reason="신용정보집중기관에 체납자료 제공"),
    "plate_impound": SimpleNamespace(
        tab="대상", opened_on=date(2026, 11, 2), findings=[], notice=("번호판 영치 예고", 30),
        before=[("forewarned", "영치 예고", "영치 예고문 발송")], later=[],
        restricting=("impounded", "영치", True), reason="현장 번호판 영치"),
    "seizure": SimpleNamespace(
        tab="대상", opened_on=None, findings=[], notice=None, before=[], later=[],
        restricting=("seized", "압류", True), reason="예금 채권 압류"),
}


def _stages(page, plan, stages) -> None:
    for code, name, reason in stages:
        said = _move(page, code, reason)
        assert f"{name} 단계로 넘겼습니다" in said, said
        assert page.inner_text("#case-stage") == name
        assert any(reason in r and name in r for r in _history(page)), _history(page)
        if code == "notified" or (code == "forewarned" and plan.notice):  # the notice's record kept with the case
            assert "단계로 넘길 때의 기록" in page.inner_text("#case-notice")


def _request(page, plan) -> None:
    """The 담당자 asks for the rights-restricting step; nothing takes effect before the approval."""
    code, name, official = plan.restricting
    said = _move(page, code, plan.reason, official=official)
    assert f"{name} 단계로 넘기는 요청을 올렸습니다" in said, said
    assert page.inner_text("#case-stage") != name
    assert page.inner_text("#pending-h") == f"승인 대기: {name}"
    assert page.locator("#approve-button").count() == 0  # the maker cannot approve
    assert "요청한 사람은 승인할 수 없습니다" in page.inner_text("#pending-note")


def test_one_case_per_measure_from_the_worklist_to_its_end(enforcement_world, page, clock):
    w = enforcement_world
    names = w.names
    cases: dict[str, int] = {}
    requests: dict[str, int] = {}

    # --- the 담당자 finds each taxpayer in the measure's tab, opens the case and asks for the restricting step -----
    _login(page, CLERK)
    page.click("text=체납처분 대상")
    page.wait_for_url(re.compile(r"/staff/enforcement/"))
    for measure, plan in PLAN.items():
        tp = w.people[measure]
        page.goto(f"/staff/enforcement/?measure={measure}")
        row = page.locator(f"#row-{tp.pk}")
        assert tp.name in row.inner_text()
        status = row.locator("th").inner_text()
        assert status == plan.tab, (measure, row.inner_text())
        main = _korean(page, names)
        assert page.locator('nav.console-subnav a[aria-current="page"]').inner_text() in main
        if measure == "exit_ban":
            shot(page, "54-enforcement-worklist")
        row.locator(f"#open-{tp.pk}").click()
        page.wait_for_url(re.compile(rf"/staff/enforcement/taxpayers/{tp.pk}/open/"))
        assert page.input_value("#open-measure") == measure  # the tab's measure, chosen already
        main = _korean(page, names)
        judged = page.inner_text(f"#measure-{measure}")
        if plan.tab == "대상":
            assert "요건 충족" in judged, judged
        elif measure == "disclosure":  # the 사전 통지 is the case's own first step
            assert "통지(소명 기회)가 아직 없습니다" in judged, judged
        if measure == "exit_ban":  # without the office's findings the law says no (제15조), nothing is written
            page.fill("#open-reason", "고액 체납 출국금지 검토")
            page.click("#open-button")
            page.wait_for_load_state()
            refused = _messages(page)
            assert "출국금지 요청은 요건이 갖추어지지 않았습니다" in refused and "제15조" in refused, refused
            _korean(page, names)
            shot(page, "56-enforcement-open-refused")
        if plan.opened_on:
            page.fill("#open-on", plan.opened_on.isoformat())
        for finding in plan.findings:  # the box KRDS draws on the label is what a person clicks
            box = page.locator(f'#open-form input[name="{finding}"]').first
            page.click(f'label[for="{box.get_attribute("id")}"]')
            assert box.is_checked(), finding
        page.fill("#open-reason", f"{tp.name} 체납 정리 계획")
        if measure == "license_suspension":
            page.wait_for_timeout(500)  # KRDS draws the tick with a 0.4 s transition
            shot(page, "55-enforcement-open")
        page.click("#open-button")
        page.wait_for_url(re.compile(r"/staff/enforcement/cases/\d+/$"))
        cases[measure] = int(page.url.rstrip("/").rsplit("/", 1)[1])
        assert "사건을 열었습니다" in _messages(page)
        assert page.inner_text("#case-stage") == "대상 선정"
        _korean(page, names)
        if plan.findings:
            recorded = page.inner_text("#recorded")
            assert ("허가등을 받아 사업을 경영함" if measure == "license_suspension" else "출국금지 요청 사유") in recorded

        if plan.notice:
            kind, days = plan.notice
            if measure == "credit_report":  # the move waits for the notice, and the screen says which
                code, _, reason = plan.before[0]
                said = _move(page, code, reason)
                assert f"먼저 {kind} 안내문을 보내야 합니다" in said, said
                assert page.inner_text("#case-stage") == "대상 선정"
            _send_notice(page, cases[measure], kind, days and today(clock) + timedelta(days=days), names, clock=clock)
        _stages(page, plan, plan.before)
        if plan.later:  # 명단공개: 심의 only after the 소명 기간, by the law from the 통지일 (today); below
            rereview = explanation_period_end(HOME, today(clock)) + timedelta(days=1)
            law = page.inner_text('section[aria-labelledby="law-h"]')
            assert f"소명 기간이 끝난 뒤 {kdate(rereview)}부터 재심의할 수 있습니다" in law, law
            _korean(page, names)
            continue
        _request(page, plan)
        _korean(page, names)
        requests[measure] = orm(lambda c=cases[measure]: MoveRequest.objects.get(
            case_id=c, decision=MoveRequest.Decision.PENDING).pk)
        if measure == "seizure":
            shot(page, "57-enforcement-case-pending")
            # a forged approval by the one who asked (a second tab of the same session): refused in Korean (403),
            # and the case does not move
            forged = page.context.new_page()
            forged.goto(f"/staff/enforcement/cases/{cases[measure]}/")
            with forged.expect_navigation():
                forged.evaluate("""([rid]) => {
                  const f = document.createElement('form'); f.method = 'post'; f.action = location.pathname;
                  const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
                  for (const [k, v] of [['action', 'approve'], ['request', rid], ['csrfmiddlewaretoken', token]]) {
                    const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;
                    f.append(i);
                  }
                  document.body.append(f); f.submit(); }""", [str(requests[measure])])
            assert "이 화면을 볼 권한이 없습니다" in forged.inner_text("main")
            forged.close()
            assert orm(lambda: MoveRequest.objects.get(pk=requests["seizure"]).decision) == "pending"
            page.reload()
            assert page.inner_text("#case-stage") == "대상 선정" and page.locator("#pending").is_visible()

    # one more case, opened from the taxpayer page, that the 팀장 will turn down: 관허사업 허가 제한 of 강명단
    tp = w.people["disclosure"]
    page.goto("/staff/enforcement/?measure=license_refusal")
    page.locator(f"#row-{tp.pk} td a").first.click()
    page.wait_for_url(re.compile(rf"/staff/taxpayers/{tp.pk}/$"))
    assert f"명단공개 {cases['disclosure']}번 (소명 기간)" in page.inner_text("main")  # its open case, by stage
    page.click("#open-case-link")
    page.select_option("#open-measure", "license_refusal")
    assert "요건 충족" in page.inner_text("#measure-license_refusal")
    page.fill("#open-reason", "명단공개 대상자 관허사업 점검")
    page.click("#open-button")
    page.wait_for_url(re.compile(r"/staff/enforcement/cases/\d+/$"))
    cases["refused"] = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert "관허사업 허가 제한 사건을 열었습니다" in _messages(page)
    _send_notice(page, cases["refused"], "관허사업 제한 예고", today(clock) + timedelta(days=30), names, clock=clock)
    assert "제한 예고 단계로 넘겼습니다" in _move(page, "forewarned", "허가 제한 예고문 발송")
    assert "제한 요청 단계로 넘기는 요청을 올렸습니다" in _move(page, "requested", "주무관청에 허가 제한 요구",
                                                         official=True)
    requests["refused"] = orm(lambda: MoveRequest.objects.get(case_id=cases["refused"], decision="pending").pk)
    _logout(page)

    # --- 명단공개: the 소명 기간 runs out (the law's last day from the 통지일, the notice's date); then 심의 and 공개 ---
    notified_on = orm(lambda: date.fromisoformat(
        EnforcementCase.objects.get(pk=cases["disclosure"]).recorded["disclosure_notified_on"]))
    assert notified_on == today(clock)
    rereview = explanation_period_end(HOME, notified_on) + timedelta(days=1)
    clock.advance(timedelta(days=(rereview - today(clock)).days))
    assert today(clock) == rereview
    _login(page, CLERK)
    plan = PLAN["disclosure"]
    page.goto(f"/staff/enforcement/cases/{cases['disclosure']}/")
    assert page.inner_text("#case-stage") == "소명 기간"
    assert "요건 충족" in page.inner_text("#law-answer")
    _stages(page, plan, plan.later)
    _request(page, plan)
    _korean(page, names)
    requests["disclosure"] = orm(lambda: MoveRequest.objects.get(case_id=cases["disclosure"], decision="pending").pk)
    _logout(page)

    # --- the 팀장 approves each request in the queue --------------------------------------------------------------------
    _login(page, LEAD)
    page.goto("/staff/enforcement/approvals/")
    main = _korean(page, names)
    assert "요청 (7건)" in main, main[:400]
    shot(page, "58-enforcement-queue")
    row = page.locator(f"#request-{requests['refused']}")
    row.locator(f"#reject-{requests['refused']}").fill("예고 후 납부 약속, 다음 달 다시 검토")
    row.locator("button", has_text="반려").click()
    page.wait_for_url(re.compile(r"/staff/enforcement/approvals/$"))
    assert "요청을 반려했습니다" in _messages(page)
    for measure, plan in PLAN.items():
        code, name, _ = plan.restricting
        row = page.locator(f"#request-{requests[measure]}")
        assert name in row.inner_text() and plan.reason in row.inner_text()
        row.locator("button", has_text="승인").click()
        page.wait_for_url(re.compile(r"/staff/enforcement/approvals/$"))
        said = _messages(page)
        assert f"승인했습니다. 사건이 {name} 단계가 되었습니다" in said, (measure, said)
    assert page.locator("#queue-empty").is_visible()
    # approved after the 소명 기간: the law's re-check ran for the requests' date and for today (amounts only grew)
    decided = orm(lambda: sorted((r.on, r.decided_at.astimezone(SEOUL).date()) for r in MoveRequest.objects.filter(
        pk__in=[requests[m] for m in PLAN], decision=MoveRequest.Decision.APPROVED)))
    assert decided == [(notified_on, rereview)] * (len(PLAN) - 1) + [(rereview, rereview)], decided
    page.goto(f"/staff/enforcement/cases/{cases['exit_ban']}/")
    assert page.inner_text("#case-stage") == "출국금지 요청"
    history = _history(page)
    assert any("대상 선정 → 출국금지 요청" in r and "법무부에 출국금지 요청" in r for r in history), history
    assert "출국금지일" in page.inner_text("#recorded")
    _korean(page, names)
    shot(page, "59-enforcement-case-in-force")
    _logout(page)

    # --- money: the 자동차세 and the seized levy are paid; the cases show 해제 가능 at once (payments hook) ----------
    orm(lambda: _pay_all(w.car.pk, clock))
    orm(lambda: _pay_all(w.seized.pk, clock))
    assert orm(lambda: sorted(EnforcementCase.objects.filter(release_ready=True).values_list("measure", flat=True))) \
        == ["plate_impound", "seizure"]

    # --- the 담당자 ends every case: 해제 -------------------------------------------------------------------------------
    _login(page, CLERK)
    page.goto("/staff/enforcement/cases/?ready=1")
    listed = page.locator("table tbody tr").all_inner_texts()
    assert len(listed) == 2, listed
    _korean(page, names)
    for measure, plan in PLAN.items():
        page.goto(f"/staff/enforcement/cases/{cases[measure]}/")
        code, name, _ = plan.restricting
        assert page.inner_text("#case-stage") == name
        history = _history(page)
        assert any(plan.reason in r and f"→ {name}" in r for r in history), history
        if measure in ("plate_impound", "seizure"):
            ready = page.inner_text("#release-ready")
            assert "해제 가능" in ready
            assert ("지방세법 시행령 제128조④" if measure == "plate_impound" else "지방세징수법 제63조①1호") in ready, ready
            _korean(page, names)
            assert page.input_value("#move-to") == "released"  # the flag puts 해제 first in the form
            if measure == "plate_impound":
                shot(page, "60-enforcement-release-ready")
            reason = "체납액 완납으로 해제"
        else:
            assert page.locator("#release-ready").count() == 0
            reason = f"{name} 해제: 체납액 분납 확약"
        said = _move(page, "released", reason)
        assert "해제 단계로 넘겼습니다" in said, said
        assert page.inner_text("#case-stage") == "해제"
        assert page.locator("#move-form").count() == 0 and page.locator("#release-ready").count() == 0
        history = _history(page)
        assert any(f"{name} → 해제" in r and reason in r for r in history), history
        assert len(history) == len(plan.before) + len(plan.later) + 2
        assert "종료" in page.inner_text("main")
        _korean(page, names)
        if measure == "seizure":
            shot(page, "61-enforcement-case-released")
    # the turned-down request: the stage stays, the 팀장's reason is shown, and the 담당자 closes the case (종결)
    page.goto(f"/staff/enforcement/cases/{cases['refused']}/")
    assert page.inner_text("#case-stage") == "제한 예고"
    main = _korean(page, names)
    assert "제한 요청 — 반려" in main and "예고 후 납부 약속, 다음 달 다시 검토" in main, main
    assert "종결 단계로 넘겼습니다" in _move(page, "closed", "납부 약속 이행 중, 제한 요구하지 않음")
    assert page.inner_text("#case-stage") == "종결"
    assert any("제한 예고 → 종결" in r and "납부 약속 이행 중" in r for r in _history(page))
    _korean(page, names)

    page.goto("/staff/enforcement/cases/?scope=all")
    main = _korean(page, names)
    assert main.count("해제") >= 6
    shot(page, "62-enforcement-cases")

    done = orm(lambda: dict(EnforcementCase.objects.filter(pk__in=cases.values()).values_list("measure", "status")))
    assert done == {**{m: "released" for m in PLAN}, "license_refusal": "closed"}
    assert not page.console_errors, page.console_errors
    assert not page.failed_responses, page.failed_responses
