"""The 포상금 screens (issue #7 item 7) through the Django test client on a real database: the whole flow as 담당자
and 공적심사위원, real downloads, roles and jurisdictions."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from _staff_helpers import (
    _INLINE_SCRIPT,
    ACTION_DAY,
    BACKEND,
    HOME,
    MEETING_DAY,
    PAY_DAY,
    REWARD_LEVY,
    add_rewards_people,
    add_rewards_world,
    as_,
    browser_login,
    pay_levy,
    text,
)
from django.urls import reverse
from openpyxl import load_workbook

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog
from jingsu.korean import josa
from jingsu.rewards.models import (
    Attendance,
    Claim,
    Clawback,
    Decision,
    EnforcementAction,
    Meeting,
    RewardCase,
    TransferBatch,
    Vote,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]


def test_the_whole_flow_through_the_screens(world, client, clock):
    r = add_rewards_people(world, clock)
    clerk = as_(client, world, "clerk")

    # 3. record the seizure (by 과세번호, by the official), with a refused try first: the field is named
    url = reverse("staff:rewards_action_record")
    bad = clerk.post(url, {"tax_number": "11260-99-0000-0000000", "kind": "seizure",
                           "person": f"official:{r.collector.pk}", "taken_on": "2026-11-02"})
    assert bad.status_code == 200 and "과세번호: 이 지자체에 그 과세번호의 부과 건이 없습니다." in text(bad)
    bad = clerk.post(url, {"tax_number": REWARD_LEVY, "kind": "deferral", "person": f"official:{r.collector.pk}",
                           "taken_on": "2026-11-02"})
    assert "유예 후 납부기한" in text(bad) and "징수유예에는 유예 후 납부기한을 입력하세요." in text(bad)
    # an action dated after today (the console's clock: 2026. 11. 23.) is a typing error, refused with its field
    bad = clerk.post(url, {"tax_number": REWARD_LEVY, "kind": "seizure", "person": f"official:{r.collector.pk}",
                           "taken_on": "2027-11-02"})
    assert "처분일(2027. 11. 2.)이 오늘(2026. 11. 23.)보다 늦습니다" in text(bad)
    assert not EnforcementAction.objects.filter(levy=r.levy).exists()
    ok = clerk.post(url, {"tax_number": REWARD_LEVY, "kind": "seizure", "person": f"official:{r.collector.pk}",
                          "taken_on": ACTION_DAY.isoformat(), "notes": "부동산 압류"})
    assert ok.status_code == 302
    action = EnforcementAction.objects.get(levy=r.levy)
    assert action.kind == "seizure" and action.official == r.collector and action.created_by == f"clerk-{HOME}"
    page = text(clerk.get(reverse("staff:rewards_actions")))
    assert REWARD_LEVY in page and "압류" in page and "2026. 11. 2." in page
    assert f"{REWARD_LEVY}에 압류를 기록했습니다." in page  # the particle the word takes, never 을(를)

    # the money comes in through jingsu.payments (전자납부번호 → reconcile)
    pay_levy(r.levy, PAY_DAY, clock)

    # 4. open the cases for the year
    ok = clerk.post(reverse("staff:rewards_cases_open"), {"year": "2026"})
    assert ok.status_code == 302 and ok["Location"].endswith("?year=2026")
    case = RewardCase.objects.get(jurisdiction_id=HOME, levy=r.levy)
    assert case.status == RewardCase.Status.OPEN and case.collection_year == 2026
    page = text(clerk.get(reverse("staff:rewards_cases"), {"year": 2026}))
    assert case.number in page and "심사 대기" in page and "한지민(1)" in page

    # 2. the ledger shows the row before the decision (masked taxpayer, 심사 전)
    page = text(clerk.get(reverse("staff:rewards_ledgers"), {"year": 2026}))
    assert REWARD_LEVY in page and "이*연" in page and "이서연" not in page and "심사 전" in page
    assert "2026. 11. 10." in page

    # 5. committee: roll and meetings; a meeting, the agenda
    page = text(clerk.get(reverse("staff:rewards_committee")))
    assert "재무국 세입징수공적심사위원회" in page and "구성이 조례 기준에 맞습니다" in page
    ok = clerk.post(reverse("staff:rewards_meeting_create"),
                    {"committee": r.committee.pk, "held_on": MEETING_DAY.isoformat()})
    meeting = Meeting.objects.get(committee=r.committee)
    assert ok.status_code == 302 and ok["Location"] == reverse("staff:rewards_meeting", args=[meeting.pk])
    ok = clerk.post(reverse("staff:rewards_meeting_agenda", args=[meeting.pk]), {"case": case.pk})
    assert ok.status_code == 302
    assert f"{josa(case.number, '을')} 상정했습니다." in text(clerk.get(ok["Location"]))
    case.refresh_from_db()
    assert case.meeting == meeting and case.status == RewardCase.Status.ON_AGENDA
    # the clerk cannot record attendance, votes or the decision
    for name in ("attendance", "votes", "decide"):
        assert clerk.post(reverse(f"staff:rewards_meeting_{name}", args=[meeting.pk])).status_code == 403

    # attendance as 공적심사위원: the collector (a claimant) is refused with the ordinance's reason
    member = as_(client, world, "committee_member")
    # the member's first screen lists the meeting awaiting the vote, with its agenda, linked
    home = text(member.get(reverse("staff:home")))
    assert 'id="home-meetings"' in home and reverse("staff:rewards_meeting", args=[meeting.pk]) in home
    assert "1건" in home.split('id="home-meetings"')[1].split("</table>")[0]
    attend = reverse("staff:rewards_meeting_attendance", args=[meeting.pk])
    refused = member.post(attend, {"member": r.barred.pk})
    body = text(refused)
    assert refused.status_code == 200
    assert "출석한 위원: 위원 한지민은 안건" in body and "지급대상자이므로 이 회의에 출석할 수 없습니다" in body
    assert not Attendance.objects.filter(meeting=meeting, member=r.barred).exists()
    assert member.post(attend, {"member": r.members[0].pk}).status_code == 302
    # deciding now is refused: 1 of 5 present is no quorum; the reason is shown, nothing is written
    early = member.post(reverse("staff:rewards_meeting_decide", args=[meeting.pk]))
    assert early.status_code == 200 and "출석: 의사정족수 미달: 재적위원 5명 중 1명 출석" in text(early)
    assert not Decision.objects.filter(meeting=meeting).exists()
    for m in r.members[1:]:
        assert member.post(attend, {"member": m.pk}).status_code == 302
    assert Attendance.objects.filter(meeting=meeting).count() == 4
    # the member cannot put cases on the agenda (담당자's job)
    assert member.post(reverse("staff:rewards_meeting_agenda", args=[meeting.pk]), {"case": case.pk}).status_code == 403

    # votes: one grid, a choice per case and present member (3 yes, 1 no: two thirds of 4 → carried)
    grid = {f"vote-{case.pk}-{m.pk}": "yes" for m in r.members[:3]} | {f"vote-{case.pk}-{r.members[3].pk}": "no"}
    page = text(member.get(reverse("staff:rewards_meeting", args=[meeting.pk])))
    assert all(f'name="{k}"' in page for k in grid)
    assert member.post(reverse("staff:rewards_meeting_votes", args=[meeting.pk]), grid).status_code == 302
    assert Vote.objects.filter(meeting=meeting, in_favour=True).count() == 3
    assert Vote.objects.filter(meeting=meeting, in_favour=False).count() == 1
    # posting the grid again records nothing twice
    assert member.post(reverse("staff:rewards_meeting_votes", args=[meeting.pk]), grid).status_code == 302
    assert Vote.objects.filter(meeting=meeting).count() == 4

    # decide: amounts and reasons on the page, the 심사결정서 PDF
    assert member.post(reverse("staff:rewards_meeting_decide", args=[meeting.pk])).status_code == 302
    decision = Decision.objects.get(meeting=meeting)
    item = decision.items.get()
    assert item.approved and item.amount > 0 and decision.total == item.amount
    page = text(member.get(reverse("staff:rewards_meeting", args=[meeting.pk])))
    assert f"{decision.total:,}원" in page and item.reason in page and "가결" in page and "3 / 1" in page
    assert 'name="vote-' not in page and "의결하기" not in page  # decided: no more forms
    pdf = member.get(reverse("staff:rewards_decision_pdf", args=[meeting.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    assert AuditLog.objects.filter(action="reward.decision.download", actor=f"committee_member-{HOME}").exists()

    # 6. claims: submit for the payee, documents, budget, schedule, transfer, paid
    clerk = as_(client, world, "clerk")
    page = text(clerk.get(reverse("staff:rewards_claims"), {"year": 2026}))
    assert "한지민 지급신청" in page and f"{decision.total:,}원" in page
    ok = clerk.post(reverse("staff:rewards_claim_submit") + "?year=2026",
                    {"decision": decision.pk, "payee": r.collector.payee_key, "submitted_on": "2026-11-21"})
    assert ok.status_code == 302
    claim = Claim.objects.get(decision=decision)
    assert claim.amount == decision.total and claim.status == Claim.Status.SUBMITTED
    again = clerk.post(reverse("staff:rewards_claim_submit"),
                       {"decision": decision.pk, "payee": r.collector.payee_key, "submitted_on": "2026-11-21"})
    assert again.status_code == 200 and "지급 대상자: " in text(again) and "이미 신청했습니다" in text(again)
    claim_pdf = clerk.get(reverse("staff:rewards_claim_pdf", args=[claim.pk]))
    assert claim_pdf.content.startswith(b"%PDF") and claim_pdf["Content-Type"] == "application/pdf"
    claim_xlsx = clerk.get(reverse("staff:rewards_claim_xlsx", args=[claim.pk]))
    wb = load_workbook(io.BytesIO(claim_xlsx.content))
    assert wb.sheetnames == ["지급신청서", "심사결정서"]
    assert wb["지급신청서"].cell(row=3, column=6).value == claim.amount
    assert "110123456789" not in str([c.value for c in wb["지급신청서"][3]])  # account masked

    # no budget yet: scheduling carries the claim to 2027 (제8조① 단서)
    ok = clerk.post(reverse("staff:rewards_claim_schedule", args=[claim.pk]) + "?year=2026", {"as_of": "2026-11-23"})
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CARRIED and claim.budget_year == 2027
    # a 2027 claim cannot be approved in 2026: the refusal is shown on the claim's row
    refused = clerk.post(reverse("staff:rewards_claim_schedule", args=[claim.pk]), {"as_of": "2026-11-23"})
    assert refused.status_code == 200 and "2027년으로 이월된 신청입니다" in text(refused)
    # the 2027 budget, then approval in 2027 (the console's clock moves into 2027 with the office)
    clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=SEOUL))
    ok = clerk.post(reverse("staff:rewards_budget"), {"year": "2027", "amount": "1000000"})
    assert ok.status_code == 302
    page = text(clerk.get(reverse("staff:rewards_claims"), {"year": 2027}))
    assert "1,000,000원" in page
    ok = clerk.post(reverse("staff:rewards_claim_schedule", args=[claim.pk]), {"as_of": "2027-01-05"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.budget_year == 2027
    page = text(clerk.get(reverse("staff:rewards_claims"), {"year": 2027}))
    assert f"{1_000_000 - claim.amount:,}원" in page  # remaining budget

    refused = clerk.post(reverse("staff:rewards_batch_create"), {"year": "2026", "created_on": "2027-01-05"})
    assert refused.status_code == 200 and "회계연도: 2026년에 이체할 지급 확정 신청이 없습니다." in text(refused)
    ok = clerk.post(reverse("staff:rewards_batch_create"), {"year": "2027", "created_on": "2027-01-05"})
    assert ok.status_code == 302
    batch = TransferBatch.objects.get(jurisdiction_id=HOME)
    transfer = clerk.get(reverse("staff:rewards_transfer_file", args=[batch.pk]))
    assert transfer.status_code == 200 and "cp949" in transfer["Content-Type"]
    rows = list(csv.reader(io.StringIO(transfer.content.decode("cp949"))))
    assert rows[0] == ["은행", "계좌번호", "예금주", "금액", "적요"]
    assert rows[1][:4] == ["088", "110123456789", "한지민", str(claim.amount)]
    row = AuditLog.objects.get(action="reward.batch.transfer-file")
    assert row.actor == f"clerk-{HOME}" and row.target_id == str(batch.pk) and "계좌번호" in row.reason
    clock.set(datetime(2027, 1, 6, 10, 0, tzinfo=SEOUL))
    ok = clerk.post(reverse("staff:rewards_batch_paid", args=[batch.pk]), {"paid_on": "2027-01-06"})
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID and claim.paid_on == date(2027, 1, 6)
    again = clerk.post(reverse("staff:rewards_batch_paid", args=[batch.pk]), {"paid_on": "2027-01-06"})
    assert again.status_code == 200

    # 7. a fraud clawback on the paid claim, with a reason
    short = clerk.post(reverse("staff:rewards_clawback_open"),
                       {"claim": claim.pk, "notified_on": "2027-03-02", "reason": "짧음"})
    assert short.status_code == 200 and "환수 사유를 5자 이상" in text(short)
    clock.set(datetime(2027, 3, 2, 10, 0, tzinfo=SEOUL))
    ok = clerk.post(reverse("staff:rewards_clawback_open"),
                    {"claim": claim.pk, "notified_on": "2027-03-02", "reason": "공적 사실 허위 기재 확인"})
    assert ok.status_code == 302
    clawback = Clawback.objects.get(claim=claim)
    assert clawback.principal == claim.amount and clawback.total >= claim.amount
    page = text(clerk.get(reverse("staff:rewards_clawbacks")))
    assert "공적 사실 허위 기재 확인" in page and f"{clawback.total:,}원" in page and "2027. 3. 2." in page

    # 1. the first screen sums it up (2027: paid, clawback)
    page = text(clerk.get(reverse("staff:rewards_home"), {"year": 2027}))
    assert f"{claim.amount:,}원" in page and "환수" in page
    # 2. the ledger now shows the reward, and both downloads are real files, audited
    page = text(clerk.get(reverse("staff:rewards_ledgers"), {"year": 2026}))
    assert f"{item.amount:,}원" in page and case.number in page
    xlsx = clerk.get(reverse("staff:rewards_ledger_xlsx"), {"year": 2026})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["별지1 징수대장", "별지2 과징대장"]
    values = [c.value for c in wb["별지1 징수대장"][3]]
    assert REWARD_LEVY in values and "이*연" in values and "이서연" not in values and item.amount in values
    ledger = clerk.get(reverse("staff:rewards_ledger_pdf"), {"year": 2026})
    assert ledger.content.startswith(b"%PDF") and ledger["Content-Type"] == "application/pdf"
    assert AuditLog.objects.filter(action="reward.ledger.download", actor=f"clerk-{HOME}").count() == 2
    # every step left its service's audit row
    for action_name in ("reward.action.record", "reward.case.open", "reward.meeting.create", "reward.meeting.agenda",
                        "reward.meeting.attend", "reward.meeting.vote", "reward.meeting.decide",
                        "reward.claim.submit", "reward.claim.carry", "reward.budget.set", "reward.claim.approve",
                        "reward.batch.create", "reward.batch.paid", "reward.clawback.open"):
        assert AuditLog.objects.filter(action=action_name, jurisdiction_id=HOME).exists(), action_name


@pytest.fixture
def done(world, clock):
    return add_rewards_world(world, clock)


def test_read_only_roles_see_but_cannot_change(world, client, done):
    for role in ("section_chief", "auditor", "team_lead"):
        c = as_(client, world, role)
        page = text(c.get(reverse("staff:rewards_meeting", args=[done.meeting.pk])))
        assert f"{done.decision.total:,}원" in page
        assert "출석 기록" not in page and "상정하기" not in page
        page = text(c.get(reverse("staff:rewards_claims"), {"year": 2026}))
        assert "이체 파일(CSV)" not in page and "예산 정하기" not in page
        assert c.get(reverse("staff:rewards_transfer_file", args=[done.batch.pk])).status_code == 403
        assert c.post(reverse("staff:rewards_budget"), {"year": "2026", "amount": "1"}).status_code == 403
        assert c.post(reverse("staff:rewards_clawback_open"), {}).status_code == 403
    # 공적심사위원 reads the ledger, cannot record actions; 시스템관리자 sees nothing of the rewards
    c = as_(client, world, "committee_member")
    assert c.get(reverse("staff:rewards_ledgers")).status_code == 200
    # the decided meeting no longer waits on the member's first screen
    assert 'id="home-meetings-none"' in text(c.get(reverse("staff:home")))
    assert c.post(reverse("staff:rewards_action_record"), {}).status_code == 403
    assert c.get(reverse("staff:rewards_transfer_file", args=[done.batch.pk])).status_code == 403
    c = as_(client, world, "sysadmin")
    assert c.get(reverse("staff:rewards_home")).status_code == 403
    assert "포상금" not in text(c.get("/staff/"))


def test_another_jurisdiction_gets_404(world, client, done):
    client.force_login(world.other_clerk, backend=BACKEND)
    for name, pk in (("rewards_meeting", done.meeting.pk), ("rewards_decision_pdf", done.meeting.pk),
                     ("rewards_meeting_agenda", done.meeting.pk), ("rewards_claim_pdf", done.claim.pk),
                     ("rewards_claim_schedule", done.claim.pk), ("rewards_transfer_file", done.batch.pk),
                     ("rewards_batch_paid", done.batch.pk)):
        assert client.get(reverse(f"staff:{name}", args=[pk])).status_code == 404, name
        assert client.post(reverse(f"staff:{name}", args=[pk]), {"paid_on": "2026-11-23"}).status_code == 404, name
    # lists and ledgers show only the own jurisdiction's records; ids of another one are refused in forms
    assert REWARD_LEVY not in text(client.get(reverse("staff:rewards_ledgers"), {"year": 2026}))
    assert REWARD_LEVY not in text(client.get(reverse("staff:rewards_actions"))).split("actions-table", 1)[-1]
    r = client.post(reverse("staff:rewards_action_record"),
                    {"tax_number": REWARD_LEVY, "kind": "seizure", "person": f"official:{done.collector.pk}",
                     "taken_on": "2026-11-02"})
    assert r.status_code == 200 and 'aria-invalid="true"' in text(r)
    assert not EnforcementAction.objects.filter(created_by=world.other_clerk.username).exists()
    r = client.post(reverse("staff:rewards_clawback_open"),
                    {"claim": done.claim.pk, "notified_on": "2026-12-01", "reason": "다른 구의 신청 환수 시도"})
    assert r.status_code == 200 and not Clawback.objects.exists()


def test_pages_have_no_inline_style_or_script_and_are_korean(world, client, done):
    c = as_(client, world, "clerk")
    for url in (reverse("staff:rewards_home"), reverse("staff:rewards_ledgers") + "?year=2026",
                reverse("staff:rewards_actions"), reverse("staff:rewards_cases") + "?year=2026",
                reverse("staff:rewards_committee"), reverse("staff:rewards_meeting", args=[done.meeting.pk]),
                reverse("staff:rewards_claims") + "?year=2026", reverse("staff:rewards_clawbacks")):
        page = text(c.get(url))
        # no inline style or script (the CSP); a static script file is fine (the ledgers' 인쇄 button)
        assert "style=" not in page and not _INLINE_SCRIPT.search(page), url
        assert 'lang="ko"' in page and 'aria-current="page"' in page and "csrfmiddlewaretoken" in page, url


# --- in a browser (Chromium via Playwright, 1366×768; see tests/_browser.py) ------------------------------------------


@pytest.fixture
def rewards_page(browser_world, clock, live_server):
    from _browser import chromium_page

    done = add_rewards_world(browser_world, clock)  # before the browser starts (tests/_browser.py says why)
    with chromium_page(live_server.url) as pg:
        pg.rewards = done
        yield pg


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_meeting_and_ledger_in_a_browser(rewards_page):
    from _staff_helpers import orm, shot

    page, done = rewards_page, rewards_page.rewards
    browser_login(page, f"clerk-{HOME}")
    page.click("nav.console-nav >> text=포상금")
    page.wait_for_selector("#rw-cases")
    page.click("nav.console-subnav >> text=징수대장·과징대장")
    page.wait_for_selector("#ledger-one")
    ledger = page.inner_text("#ledger-one")
    total = orm(lambda: Decision.objects.get(pk=done.decision.pk).total)
    assert REWARD_LEVY in ledger and "이*연" in ledger and f"{total:,}원" in ledger and "2026. 11. 10." in ledger
    assert "이서연" not in page.content()
    shot(page, "10-rewards-ledger")

    page.goto(f"/staff/rewards/meetings/{done.meeting.pk}/")
    page.wait_for_selector("#decision-items")
    main = page.inner_text("main")
    assert "2026. 11. 20." in main and f"{total:,}원" in main and "가결" in main and "4명" in main
    assert page.locator("#decision-pdf").is_visible()
    shot(page, "11-rewards-meeting")
    # keyboard: the skip link, then Tab reaches the 포상금 sub-menu links with a visible outline
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "본문 바로가기"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('nav') && document.activeElement.closest('nav').className") \
        == "console-subnav"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert page.console_errors == [] and page.failed_responses == []


def test_cancelled_levies_are_clawed_back_from_the_screen_not_the_command_line(world, client, done):
    from jingsu.levies.models import Levy
    from jingsu.rewards.models import Clawback

    c = as_(client, world)  # 담당자 (manage_rewards)
    page = text(c.get(reverse("staff:rewards_clawbacks")))
    assert 'id="clawback-detect"' in page and "jingsu " not in page
    nothing = c.post(reverse("staff:rewards_clawback_detect"), follow=True)
    assert "새로 환수할 부과취소 건이 없습니다." in text(nothing)
    Levy.objects.filter(pk=done.meeting.cases.first().levy_id).update(status=Levy.Status.CANCELLED)
    opened = c.post(reverse("staff:rewards_clawback_detect"), follow=True)
    assert "부과취소된 건의 환수를 1건 열었습니다" in text(opened)
    assert Clawback.objects.filter(kind="refunded").count() == 1
    again = c.post(reverse("staff:rewards_clawback_detect"), follow=True)  # safe to run again
    assert "새로 환수할 부과취소 건이 없습니다." in text(again) and Clawback.objects.count() == 1
    # read-only roles see no button and cannot post
    auditor = as_(client, world, "auditor")
    assert 'id="clawback-detect"' not in text(auditor.get(reverse("staff:rewards_clawbacks")))
    assert auditor.post(reverse("staff:rewards_clawback_detect")).status_code == 403
    # the 환급 대상 page links the refund campaign in the wizard, with the kind chosen
    refunds = text(as_(client, world).get(reverse("staff:money_refunds")))
    assert "jingsu " not in refunds
    wizard = text(c.get(reverse("staff:campaign_new") + "?kind=refund"))
    assert 'value="refund" selected' in wizard or re.search(r'value="refund"[^>]*selected', wizard)
