"""Claims, the payment rules of 제8조, the budget carry-over, the transfer file, and clawback (제9조)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rewards import documents, services
from jingsu.rewards.models import Claim, Clawback, RewardError

YDP = "11560"
pytestmark = pytest.mark.django_db
DAY = date(2026, 4, 15)


def decide(ydp_committee, clock, cases, held_on=DAY):
    committee, members = ydp_committee
    meeting = services.create_meeting(committee, held_on=held_on, actor="t", clock=clock)
    for c in cases:
        services.put_on_agenda(meeting, c, actor="t", clock=clock)
    for m in members[:4]:
        services.record_attendance(meeting, m, actor="t", clock=clock)
        for c in cases:
            services.record_vote(meeting, c, m, in_favour=True, actor="t", clock=clock)
    return services.decide_meeting(meeting, actor="t", clock=clock)


@pytest.fixture
def paid_case(make_levy, pay, official, clock):
    def make(amount=5_000_000, collector=None, paid_on=date(2026, 3, 10)):
        levy = make_levy(principal=amount)
        collector = collector or official("징수자")
        services.record_action(levy, kind="seizure", taken_on=date(2026, 3, 2), official=collector, actor="t",
                               clock=clock)
        pay(levy, amount, paid_on)
        [case] = services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, levy=levy, actor="t", clock=clock)
        return case, collector

    return make


def test_claim_forms_pdf_and_xlsx_with_the_decision(ydp_committee, paid_case, clock):
    case, kim = paid_case()
    decision = decide(ydp_committee, clock, [case])
    claim = services.submit_claim(decision, kim, submitted_on=date(2026, 4, 20), actor="t", clock=clock)
    assert (claim.amount, claim.case_count, claim.collected, claim.rank, claim.bank) == (
        150_000, 1, 5_000_000, "지방세무주사", "국민은행")  # 2년차: 5,000,000 × 3/100 (영등포 제3조2)
    assert claim.account_masked.endswith("0123") and "67890123" not in claim.account_masked
    with pytest.raises(RewardError):
        services.submit_claim(decision, kim, submitted_on=date(2026, 4, 20), actor="t", clock=clock)
    html = documents.claim_html(claim)
    assert "포상금 지급 신청서" in html and "심사결정서" in html and case.number in html
    assert documents.page_count(html) >= 2  # the form, then the attached decision
    assert documents.claim_pdf(claim).startswith(b"%PDF")
    wb = load_workbook(io.BytesIO(documents.claim_xlsx(claim)))
    assert wb.sheetnames == ["지급신청서", "심사결정서"]
    assert wb["지급신청서"].cell(row=3, column=6).value == 150_000
    assert wb["심사결정서"].cell(row=3, column=1).value == case.number


def test_payment_waits_for_the_money(ydp_committee, paid_case, clock):
    case, kim = paid_case(paid_on=date(2026, 3, 10))
    decision = decide(ydp_committee, clock, [case])
    claim = services.submit_claim(decision, kim, submitted_on=DAY, actor="t", clock=clock)
    services.set_budget(Jurisdiction.by_code(YDP), 2026, 10_000_000, actor="t", clock=clock)
    blockers = services.payment_blockers(claim, date(2026, 3, 9))
    assert blockers and "수납이 확인되지" in blockers[0]
    assert services.payment_blockers(claim, DAY) == []


def test_finding_waits_for_money_and_finality(ydp_committee, official, clock):
    kim = official("발굴자")
    f = services.record_finding(Jurisdiction.by_code(YDP), category="unauthorized-use", tax_item="도로점용료", source_description="무단점용",
                                taxpayer_name="갑", official=kim, assessed=3_000_000,
                                assessment_notified_on=date(2026, 3, 1), actor="t", clock=clock)
    case = services.open_finding_case(f, actor="t", clock=clock)
    # 이의신청 90일 (지방세기본법 제90조): 2026-05-30 is a Saturday, so the 기한 is Monday 2026-06-01 (제24조)
    assert case.appeal_period_end == date(2026, 6, 1)
    decision = decide(ydp_committee, clock, [case])
    claim = services.submit_claim(decision, kim, submitted_on=DAY, actor="t", clock=clock)
    services.set_budget(Jurisdiction.by_code(YDP), 2026, 10_000_000, actor="t", clock=clock)
    with pytest.raises(RewardError) as e:
        services.schedule_claim(claim, as_of=date(2026, 5, 20), actor="t", clock=clock)
    assert "수납이 확인되지" in e.value.message and "불복청구기간" in e.value.message
    services.confirm_finding_collection(f, collected=3_000_000, collected_on=date(2026, 5, 1), confirmed_by="정팀장",
                                        actor="t", clock=clock)
    for day in (date(2026, 5, 31), date(2026, 6, 1)):  # money in, but an 이의신청 may still be filed on 06-01
        with pytest.raises(RewardError) as e:
            services.schedule_claim(claim, as_of=day, actor="t", clock=clock)
        assert "불복청구기간" in e.value.message and "수납" not in e.value.message
    claim = services.schedule_claim(claim, as_of=date(2026, 6, 2), actor="t", clock=clock)
    assert claim.status == Claim.Status.APPROVED


def test_budget_carry_over_transfer_file_and_paid(ydp_committee, paid_case, official, clock):
    (a, kim), (b, lee) = paid_case(collector=official("김가")), paid_case(collector=official("이나"))
    decision = decide(ydp_committee, clock, [a, b])
    ca = services.submit_claim(decision, kim, submitted_on=DAY, actor="t", clock=clock)
    cb = services.submit_claim(decision, lee, submitted_on=DAY, actor="t", clock=clock)
    services.set_budget(Jurisdiction.by_code(YDP), 2026, 200_000, actor="t", clock=clock)
    assert services.schedule_claim(ca, as_of=DAY, actor="t", clock=clock).status == Claim.Status.APPROVED
    cb = services.schedule_claim(cb, as_of=DAY, actor="t", clock=clock)
    assert (cb.status, cb.budget_year, cb.carried_from) == (Claim.Status.CARRIED, 2027, 2026)
    assert services.budget_remaining(Jurisdiction.by_code(YDP), 2026) == 50_000
    with pytest.raises(RewardError):  # not before the year it was carried to
        services.schedule_claim(cb, as_of=date(2026, 12, 1), actor="t", clock=clock)
    batch = services.create_transfer_batch(Jurisdiction.by_code(YDP), year=2026, created_on=DAY, actor="t", clock=clock)
    data = documents.transfer_file(batch)
    text = data.decode("cp949")
    assert text.splitlines() == ["은행,계좌번호,예금주,금액,적요", "국민은행,1234567890123,김가,150000,세입징수포상금2026"]  # digits only (Official.set_account)
    services.mark_batch_paid(batch, paid_on=date(2026, 4, 30), actor="t", clock=clock)
    ca.refresh_from_db()
    assert (ca.status, ca.paid_on) == (Claim.Status.PAID, date(2026, 4, 30))
    with pytest.raises(RewardError):
        services.mark_batch_paid(batch, paid_on=date(2026, 5, 1), actor="t", clock=clock)
    # next year: the carried claim is paid from the 2027 budget
    services.set_budget(Jurisdiction.by_code(YDP), 2027, 1_000_000, actor="t", clock=clock)
    cb = services.schedule_claim(cb, as_of=date(2027, 1, 10), actor="t", clock=clock)
    assert (cb.status, cb.budget_year, cb.carried_from) == (Claim.Status.APPROVED, 2027, 2026)
    summary = services.reward_summary(Jurisdiction.by_code(YDP), 2026)
    assert summary["paid"] == 150_000 and summary["budget_remaining"] == 50_000
    assert "포상금 요약" in services.format_summary(summary)
    for action in ("reward.claim.submit", "reward.claim.approve", "reward.claim.carry", "reward.batch.create",
                   "reward.batch.paid", "reward.budget.set"):
        assert AuditLog.objects.filter(action=action).exists(), action


def _paid_claim(ydp_committee, paid_case, clock, **kw):
    case, kim = paid_case(**kw)
    decision = decide(ydp_committee, clock, [case])
    claim = services.submit_claim(decision, kim, submitted_on=DAY, actor="t", clock=clock)
    services.set_budget(Jurisdiction.by_code(YDP), 2026, 10_000_000, actor="t", clock=clock)
    services.schedule_claim(claim, as_of=DAY, actor="t", clock=clock)
    batch = services.create_transfer_batch(Jurisdiction.by_code(YDP), year=2026, created_on=DAY, actor="t", clock=clock)
    services.mark_batch_paid(batch, paid_on=date(2026, 5, 1), actor="t", clock=clock)
    claim.refresh_from_db()
    return case, claim


def test_fraud_clawback_adds_interest(ydp_committee, paid_case, clock):
    _, claim = _paid_claim(ydp_committee, paid_case, clock)
    c = services.open_fraud_clawback(claim, notified_on=date(2026, 11, 1), reason="허위 공적", actor="t", clock=clock)
    assert c.kind == Clawback.Kind.FRAUD and c.principal == 150_000 and c.interest > 0
    assert c.total == c.principal + c.interest
    assert c.calculator_input == {"jurisdiction": YDP, "kind": "fraud", "amount": 150_000, "paid_on": "2026-05-01",
                                  "notified_on": "2026-11-01"}
    with pytest.raises(RewardError):
        services.open_fraud_clawback(claim, notified_on=date(2026, 11, 2), reason="x", actor="t", clock=clock)


def test_refunded_collection_claws_back_without_interest(ydp_committee, paid_case, clock):
    case, claim = _paid_claim(ydp_committee, paid_case, clock)
    payment = case.payments.get()
    _, [c] = services.record_collection_refund(Jurisdiction.by_code(YDP), amount=5_000_000, refunded_on=date(2026, 6, 1),
                                               reason="이중부과", payment=payment, actor="t", clock=clock)
    assert (c.kind, c.principal, c.interest, c.total) == (Clawback.Kind.REFUNDED, 150_000, 0, 150_000)
    assert AuditLog.objects.filter(action="reward.clawback.open").count() == 1


def test_cancelled_levy_is_detected_once_and_not_netted(ydp_committee, paid_case, official, clock):
    case, claim = _paid_claim(ydp_committee, paid_case, clock)
    Levy.objects.filter(pk=case.levy_id).update(status=Levy.Status.CANCELLED)
    [c] = services.detect_cancelled_levies(Jurisdiction.by_code(YDP), as_of=date(2026, 7, 1), actor="t", clock=clock)
    assert c.total == 150_000 and c.interest == 0
    assert services.detect_cancelled_levies(Jurisdiction.by_code(YDP), as_of=date(2026, 7, 2), actor="t", clock=clock) == []
    # a later reward to the same official is claimed in full: no set-off (제9조 즉시 환수, no set-off authorised)
    later, _ = paid_case(collector=claim.official, paid_on=date(2026, 7, 10))
    decision = decide(ydp_committee, clock, [later], held_on=date(2026, 8, 1))
    later_claim = services.submit_claim(decision, claim.official, submitted_on=date(2026, 8, 2), actor="t",
                                        clock=clock)
    assert later_claim.amount == 150_000
    assert services.reward_summary(Jurisdiction.by_code(YDP), 2026)["clawbacks"] == {"count": 1, "total": 150_000, "open": 150_000,
                                                                "netted": 0}


# --- what payments asks of rewards (through payments.hooks: payments is a floor below and does not import rewards) --


def test_a_reduction_that_gives_back_rewarded_money_claws_the_reward_back(ydp_committee, paid_case, clock):
    from jingsu.payments.corrections import reduce_levy

    case, claim = _paid_claim(ydp_committee, paid_case, clock)
    levy = case.levy
    reduce_levy(levy, principal=4_000_000, education_tax=levy.education_tax, city_area_tax=levy.city_area_tax,
                reason="과세표준 정정", actor="t", clock=clock)
    [c] = Clawback.objects.filter(claim=claim)
    assert (c.kind, c.principal, c.interest) == (Clawback.Kind.REFUNDED, 30_000, 0)  # 1,000,000 × 3/100
    assert c.refund.amount == 1_000_000 and c.refund.reason == "감액 정정: 과세표준 정정"


def test_a_match_by_hand_a_reward_case_rests_on_cannot_be_undone(make_levy, official, clock):
    from datetime import datetime, time

    from jingsu.clock import SEOUL
    from jingsu.payments.models import Payment
    from jingsu.payments.services import PaymentError, match_by_hand, reconcile, unmatch_by_hand

    levy = make_levy(principal=2_000_000)
    payment = reconcile(Payment.objects.create(
        jurisdiction_id=YDP, source="test", external_id="by-hand-1", amount=2_000_000, channel="bank",
        received_at=datetime.combine(date(2026, 3, 10), time(11, 0), tzinfo=SEOUL), created_at=clock.now()),
        clock=clock)
    assert payment.status == Payment.Status.UNMATCHED
    match_by_hand(payment, levy=levy, actor="clerk", reason="입금자 확인 완료", clock=clock)
    services.record_action(levy, kind="seizure", taken_on=date(2026, 3, 2), official=official("징수자"), actor="t",
                           clock=clock)
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, levy=levy, actor="t", clock=clock)
    with pytest.raises(PaymentError, match="포상금 안건의 징수 실적"):
        unmatch_by_hand(payment, actor="clerk", reason="다른 납세자의 입금이었음", clock=clock)
