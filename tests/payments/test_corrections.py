"""감액 정정 (payments.corrections): a levy lowered after money was booked on it gives the excess back as a refund —
by reversal entries, never a silent negative or an edit of the payments' record — and the roll importer still
refuses such a reduction and names this flow (issue #12, item 2)."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.payments.corrections import CorrectionError, plan_reduction, reduce_levy
from jingsu.payments.models import Allocation, Payment, Refund
from jingsu.payments.services import BANK_FEED, record_payment
from jingsu.rolls.importer import RollRejected, import_roll

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
A = "11260-14-2024-0000001"  # 김민준 재산세 2024: 본세 120,000 + 지방교육세 24,000 + 도시지역분 16,800
PAID_AT = datetime(2026, 11, 23, 14, 0, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db


@pytest.fixture
def levy(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    return Levy.objects.get(tax_number=A)


def pay(clock, levy, amount, tid):
    payment, _ = record_payment(
        source=BANK_FEED, external_id=tid, received_at=PAID_AT, amount=amount, channel="e-payment",
        payment_number=numbers.payment_number("11260", levy.tax_item, levy.tax_year, levy.pk),
        virtual_account="", tax_number="", jurisdiction="11260", clock=clock)
    return payment


def heads(levy):
    return {row["head"]: row["total"] for row in
            Allocation.objects.filter(levy=levy).values("head").annotate(total=Sum("amount"))}


def test_a_paid_levy_halved_gives_half_back_as_refunds_by_reversal_entries(clock, levy):
    first = pay(clock, levy, 100_000, "T1")  # tax only
    levy.refresh_from_db()
    second = pay(clock, levy, levy.outstanding_amount, "T2")  # the rest of the tax and the whole penalty
    levy.refresh_from_db()
    assert levy.status == Levy.Status.PAID and levy.paid_amount == 160_800
    old_penalty = levy.penalty
    # below 45만 원 per 세목 the 납부지연가산세 is the one-time 3% (지방세기본법 제55조①3): 3% of 136,800 (본세 with
    # 도시지역분) + 3% of 24,000 (지방교육세) = 4,104 + 720, each cut to whole 10 won (지방세기본법 제59조, 국고금 관리법 제47조:
    # 10원 미만 버림) = 4,100 + 720 = 4,820; halving the tax gives 2,052 → 2,050 and 360: 2,410
    assert old_penalty == 4_820

    plan = reduce_levy(levy, principal=60_000, education_tax=12_000, city_area_tax=8_400,
                       reason="이중부과 정정(재산세 2024 2기)", actor="clerk", clock=clock)

    levy.refresh_from_db()
    assert (levy.billed_amount, levy.penalty) == (80_400, 2_410)
    assert (levy.paid_amount, levy.penalty_paid) == (80_400, 2_410)
    assert levy.status == Levy.Status.PAID and levy.outstanding_amount == 0
    assert (plan.excess_tax, plan.excess_penalty, plan.refund) == (80_400, 2_410, 82_810)
    # the latest payment gives back first: T2 carried 60,800 of tax and 4,820 of penalty
    refunds = {r.payment.external_id: r.amount for r in Refund.objects.filter(levy=levy)}
    assert refunds == {"T2": 60_800 + 2_410, "T1": 80_400 - 60_800}
    assert all(r.status == Refund.Status.PENDING and r.reason.startswith("감액 정정: 이중부과")
               for r in Refund.objects.filter(levy=levy))
    # nothing edited in place: every payment's allocations still add up to the payment, by reversal entries
    for p in (first, second):
        assert p.allocations.aggregate(s=Sum("amount"))["s"] == p.amount
        assert p.allocations.filter(amount__lt=0).exists()
        p.refresh_from_db()
        assert p.status == Payment.Status.OVERPAID
    assert heads(levy) == {"tax": 80_400, "penalty": 2_410, "refund": 82_810}
    entry = AuditLog.objects.get(action="levy.reduce")
    assert entry.reason == "이중부과 정정(재산세 2024 2기)" and entry.target_id == A
    assert entry.detail["refund"] == 82_810 and entry.detail["before"]["billed_amount"] == 160_800


def test_a_reduction_that_stays_above_what_was_paid_refunds_nothing(clock, levy):
    pay(clock, levy, 50_000, "T1")
    plan = reduce_levy(levy, principal=100_000, education_tax=20_000, city_area_tax=14_000, reason="과세표준 정정",
                       actor="clerk", clock=clock)
    levy.refresh_from_db()
    assert plan.refund == 0 and not Refund.objects.exists()
    assert (levy.billed_amount, levy.paid_amount, levy.status) == (134_000, 50_000, Levy.Status.NORMAL)
    assert levy.outstanding_amount == 134_000 - 50_000 + levy.penalty - levy.penalty_paid


def test_what_the_record_forbids_is_refused_and_nothing_is_written(clock, levy):
    pay(clock, levy, 100_000, "T1")
    with pytest.raises(CorrectionError) as e:
        plan_reduction(levy, principal=130_000, education_tax=24_000, city_area_tax=16_800, clock=clock)
    assert e.value.field == "principal" and "감액 정정이 아닙니다" in str(e.value)
    with pytest.raises(CorrectionError) as e:
        plan_reduction(levy, principal=120_000, education_tax=24_000, city_area_tax=16_800, clock=clock)
    assert "바뀌는 금액이 없습니다" in str(e.value)
    with pytest.raises(CorrectionError) as e:
        reduce_levy(levy, principal=0, education_tax=0, city_area_tax=0, reason="  ", actor="clerk", clock=clock)
    assert e.value.field == "reason"
    Levy.objects.filter(pk=levy.pk).update(status=Levy.Status.CANCELLED)
    levy.refresh_from_db()
    with pytest.raises(CorrectionError, match="부과취소"):
        plan_reduction(levy, principal=0, education_tax=0, city_area_tax=0, clock=clock)
    assert not Refund.objects.exists() and not AuditLog.objects.filter(action="levy.reduce").exists()
    assert Allocation.objects.filter(amount__lt=0).count() == 0


def test_the_cli_previews_then_corrects(clock, levy):
    pay(clock, levy, 160_800, "T1")
    out = StringIO()
    call_command("payments", "reduce", "--jurisdiction", "11260", "--tax-number", A, "--principal", "100000",
                 "--dry-run", "--json", stdout=out)
    preview = json.loads(out.getvalue())
    assert preview["dry_run"] is True and preview["excess_tax"] == 20_000
    assert preview["after"]["billed_amount"] == 140_800 and not Refund.objects.exists()
    with pytest.raises(CommandError, match="--reason"):
        call_command("payments", "reduce", "--jurisdiction", "11260", "--tax-number", A, "--principal", "100000")
    with pytest.raises(CommandError, match="--tax-number"):
        call_command("payments", "reduce", "--jurisdiction", "11260", "--tax-number", "없는번호", "--principal", "1",
                     "--reason", "정정")
    out = StringIO()
    call_command("payments", "reduce", "--jurisdiction", "11260", "--tax-number", A, "--principal", "100000",
                 "--reason", "과세표준 정정", stdout=out)
    assert "환급 대상" in out.getvalue() and "20,000원" in out.getvalue()
    assert Refund.objects.get(levy=levy).amount >= 20_000


def test_the_importer_still_refuses_and_names_the_correction_screen(clock, levy, tmp_path):
    pay(clock, levy, 160_800, "T1")
    lowered = tmp_path / "lowered.csv"
    lowered.write_text(ROLL.read_text(encoding="utf-8").replace(",120000,24000,16800,", ",60000,12000,8400,"),
                       encoding="utf-8")
    with pytest.raises(RollRejected) as e:
        import_roll(lowered, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    message = e.value.errors[0].message
    assert "감액 정정" in message and "납세자 화면" in message
    levy.refresh_from_db()
    assert levy.billed_amount == 160_800
