"""분할 납부 (jingsu.assistance): the office's rules, a citizen's request, the official's approval creating installments
with their own 전자납부번호 and due dates, the bills and the reminder SMS sent by the dispatch cycle (once), payments
with an installment's number, a missed installment flagged, completion, rejection and cancellation — on a real
database and the simulator over HTTP."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from _delivery_helpers import build_campaign

from jingsu.assistance import services as assistance
from jingsu.assistance.models import Installment, InstallmentPlan, InstallmentRule, Rule
from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.law.procedure import next_working_day
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices.models import Notice
from jingsu.payments import services as payments
from jingsu.payments.models import Payment

PHONE = "01012345678"  # 김민준's number on record


@pytest.fixture
def notice(clock, jungnang):
    jungnang.office_name, jungnang.office_team, jungnang.office_phone = "중랑구 세무1과", "체납징수팀", "02-2094-1234"
    jungnang.save()
    build_campaign(clock, jungnang)
    return Notice.objects.select_related("jurisdiction", "taxpayer", "campaign").get(taxpayer__name="김민준")


def at(clock, moment: datetime, sim=None) -> None:
    clock.advance(moment - clock.now())
    if sim is not None and sim.control.now() < clock.now():
        sim.control.set_clock(clock.now())


def test_split_and_the_offices_rules():
    assert assistance.split(100_000, 3) == [33_340, 33_330, 33_330]
    assert sum(assistance.split(123_457, 4)) == 123_457 and len(set(assistance.split(123_457, 4)[1:])) == 1
    assert assistance.allowed_counts(400_000, Rule(max_count=6, min_amount=100_000)) == [2, 3, 4]
    assert assistance.allowed_counts(150_000, Rule(max_count=6, min_amount=100_000)) == []


@pytest.mark.django_db
def test_request_approve_bills_reminders_payment_and_completion(clock, notice, sim, providers):
    today = clock.now().astimezone(SEOUL).date()
    owed = assistance.owed_now(notice, today)
    assert owed > 400_000  # 김민준: two levies with penalties
    InstallmentRule.objects.create(jurisdiction_id="11260", max_count=4, min_amount=100_000)
    with pytest.raises(assistance.AssistanceError, match="2회에서 4회"):
        assistance.request_installments(notice, count=5, remote="10.0.0.1", clock=clock)
    plan = assistance.request_installments(notice, count=3, remote="10.0.0.1", clock=clock)
    assert plan.status == InstallmentPlan.Status.REQUESTED and plan.amount == owed
    with pytest.raises(assistance.AssistanceError, match="이미"):
        assistance.request_installments(notice, count=2, remote="10.0.0.1", clock=clock)
    audit = AuditLog.objects.get(action="installment.request")
    assert audit.actor == "citizen@10.0.0.1" and audit.detail["count"] == 3

    plan = assistance.approve_plan(plan, actor="clerk", clock=clock)
    rows = list(plan.installments.order_by("sequence"))
    assert [r.sequence for r in rows] == [1, 2, 3] and sum(r.amount for r in rows) == owed
    assert all(r.amount >= 100_000 for r in rows)
    for r in rows:  # each its own valid 전자납부번호, naming the installment, due on a working day
        assert numbers.is_installment(r.payment_number) and numbers.installment_id_of(r.payment_number) == r.pk
        assert r.payment_number.startswith("11260") and next_working_day("11260", r.due_date) == r.due_date
    assert rows[0].due_date >= today + timedelta(days=14) and rows[1].due_date.month == rows[0].due_date.month % 12 + 1
    assert set(Levy.objects.filter(notice_lines__notice=notice).values_list("status", flat=True)) == {"installment"}
    assert AuditLog.objects.filter(action="installment.approve", actor="clerk").exists()
    with pytest.raises(assistance.AssistanceError, match="승인"):
        assistance.approve_plan(plan, actor="clerk", clock=clock)

    # the dispatch cycle: the bills go to the bank, the citizen is told (once), no reminder yet (too early)
    first = assistance.run_cycle(providers, clock=clock)
    assert (first.bills, first.decisions, first.reminders) == (3, 1, 0)
    told = sim.control.sms_inbox(PHONE)[-1]
    assert told.startswith("[중랑구 세무1과 체납징수팀] 분할 납부 요청이 승인되었습니다")
    assert f"/n/{notice.token}" in told and told.endswith("문의: 중랑구 세무1과 체납징수팀 02-2094-1234")
    assert assistance.run_cycle(providers, clock=clock).__dict__ == {"bills": 0, "decisions": 0, "reminders": 0}

    # three days before the first due date, at 10:00: one reminder, with nothing personal in it, sent once
    at(clock, datetime.combine(rows[0].due_date - timedelta(days=3), datetime.min.time(), SEOUL)
       + timedelta(hours=10), sim)
    assert assistance.run_cycle(providers, clock=clock).reminders == 1
    texts = sim.control.sms_inbox(PHONE)
    reminder = texts[-1]
    assert reminder.startswith("[중랑구 세무1과 체납징수팀] 분할 납부 안내") and "02-2094-1234" in reminder
    assert rows[0].payment_number not in reminder and not re.search(r"\d{1,3}(,\d{3})+원", reminder)
    assert assistance.run_cycle(providers, clock=clock).reminders == 0
    assert sim.control.sms_inbox(PHONE) == texts  # not sent twice

    # the first installment paid at the bank with its own number: matched to the plan's levies, credited to it
    at(clock, datetime.combine(rows[0].due_date, datetime.min.time(), SEOUL) + timedelta(hours=11), sim)
    sim.control.bank_add([{"transaction_id": "TXINST1", "amount": rows[0].amount,
                           "payment_number": rows[0].payment_number}])
    payments.read_bank_feed(providers, clock=clock)
    payment = Payment.objects.get(external_id="TXINST1")
    assert payment.status == Payment.Status.MATCHED and payment.matched_by == "installment"
    assert payment.allocations.values_list("levy__notice_lines__notice", flat=True).distinct().get() == notice.pk
    rows[0].refresh_from_db()
    assert rows[0].paid and rows[0].paid_at == payment.received_at

    # the second one's reminder is due, but at night nothing goes out
    at(clock, datetime.combine(rows[1].due_date - timedelta(days=2), datetime.min.time(), SEOUL)
       + timedelta(hours=22), sim)
    assert assistance.send_reminders(providers, clock=clock) == 0

    # the second is missed: flagged after its due date
    day_after = rows[1].due_date + timedelta(days=1)
    assert list(assistance.missed_installments(Jurisdiction.by_code("11260"), day_after)) == [rows[1]]
    assert rows[1].missed(day_after) and not rows[2].missed(day_after)

    # the rest paid with the levies' own numbers: every levy 완납, the plan 완납
    at(clock, datetime.combine(day_after, datetime.min.time(), SEOUL) + timedelta(hours=10), sim)
    on = clock.now().astimezone(SEOUL).date()
    txs = [{"transaction_id": f"TXREST{line.pk}", "amount": line.levy.owed(on).total,
            "payment_number": line.payment_number}
           for line in notice.lines.select_related("levy") if line.levy.owed(on).total]
    sim.control.bank_add(txs)
    payments.read_bank_feed(providers, clock=clock)
    plan.refresh_from_db()
    assert plan.status == InstallmentPlan.Status.COMPLETED and plan.completed_at is not None
    assert list(assistance.missed_installments(Jurisdiction.by_code("11260"), day_after)) == []


@pytest.mark.django_db
def test_payment_beyond_one_installment_goes_to_the_next(clock, notice):
    plan = assistance.approve_plan(assistance.request_installments(notice, count=4, remote="x", clock=clock),
                                   actor="clerk", clock=clock)
    rows = list(plan.installments.order_by("sequence"))
    payments.record_payment(source="bank-feed", external_id="TXTWO", received_at=clock.now(),
                            amount=rows[0].amount + rows[1].amount + 10, channel="e-payment",
                            payment_number=rows[0].payment_number, virtual_account="", tax_number="",
                            jurisdiction=None, clock=clock)
    paid = {i.sequence: (i.paid, i.paid_amount) for i in Installment.objects.filter(plan=plan)}
    assert paid[1] == (True, rows[0].amount) and paid[2] == (True, rows[1].amount) and paid[3] == (False, 10)
    # a number of no installment stays unmatched with the usual reason
    unknown = numbers.installment_number("11260", "14", 2024, 999_999)
    p, _ = payments.record_payment(source="bank-feed", external_id="TXNONE", received_at=clock.now(), amount=1000,
                                   channel="e-payment", payment_number=unknown, virtual_account="", tax_number="",
                                   jurisdiction=None, clock=clock)
    assert p.status == Payment.Status.UNMATCHED and "부과 건이 없습니다" in p.unmatched_reason


@pytest.mark.django_db
def test_reject_and_cancel(clock, notice, sim, providers):
    plan = assistance.request_installments(notice, count=2, remote="x", clock=clock)
    with pytest.raises(assistance.AssistanceError, match="사유"):
        assistance.reject_plan(plan, actor="clerk", reason=" ", clock=clock)
    plan = assistance.reject_plan(plan, actor="clerk", reason="체납 이력으로 분할 불가", clock=clock)
    assert plan.status == InstallmentPlan.Status.REJECTED and plan.installments.count() == 0
    assert assistance.run_cycle(providers, clock=clock).decisions == 1
    assert "분할 납부 요청에 대한 답변이 있습니다" in sim.control.sms_inbox(PHONE)[-1]
    # asked again after a rejection: a new request; approved, then cancelled (levies back to 정상)
    again = assistance.approve_plan(assistance.request_installments(notice, count=2, remote="x", clock=clock),
                                    actor="clerk", clock=clock)
    assert set(Levy.objects.filter(notice_lines__notice=notice).values_list("status", flat=True)) == {"installment"}
    cancelled = assistance.cancel_plan(again, actor="clerk", reason="2회 연속 미납", clock=clock)
    assert cancelled.status == InstallmentPlan.Status.CANCELLED
    assert set(Levy.objects.filter(notice_lines__notice=notice).values_list("status", flat=True)) == {"normal"}
    assert AuditLog.objects.filter(action="installment.cancel", reason="2회 연속 미납").exists()


@pytest.mark.django_db
def test_too_little_to_split(clock, notice):
    InstallmentRule.objects.create(jurisdiction_id="11260", max_count=6, min_amount=10_000_000)
    with pytest.raises(assistance.AssistanceError, match="10,000,000원 이상"):
        assistance.request_installments(notice, count=2, remote="x", clock=clock)


@pytest.mark.django_db
def test_approval_refused_when_the_amount_no_longer_allows_the_count(clock, notice):
    plan = assistance.request_installments(notice, count=6, remote="x", clock=clock)
    InstallmentRule.objects.create(jurisdiction_id="11260", max_count=3, min_amount=50_000)
    with pytest.raises(assistance.AssistanceError, match="6회로 나눌 수 없습니다"):
        assistance.approve_plan(plan, actor="clerk", clock=clock)
    assert InstallmentPlan.objects.get(pk=plan.pk).status == InstallmentPlan.Status.REQUESTED


def test_installment_numbers_are_their_own_kind():
    n = numbers.installment_number("11260", "14", 2024, 7)
    assert numbers.is_valid(n) and numbers.is_installment(n) and numbers.installment_id_of(n) == 7
    levy = numbers.payment_number("11260", "14", 2024, 7)
    assert not numbers.is_installment(levy) and n != levy
    with pytest.raises(ValueError):
        numbers.installment_id_of(levy)
    assert date  # imported for the schedule checks above
