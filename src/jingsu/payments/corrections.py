"""감액 정정: lowering a levy's assessed amounts when money has already been booked on it.

An assessment corrected downwards (감액 경정: 이중부과, 과세표준 오류 등) after the taxpayer paid leaves money that
is no longer owed. It is never a silent negative and never an edit of the payments' record: the correction

1. recomputes the penalty on the corrected tax, as of the date the stored penalty was computed for (the penalty
   follows the tax it is charged on; jingsu.law.penalty through `levy_penalty`);
2. takes back what was paid beyond the corrected amounts by *reversal entries*: for each payment concerned (the
   latest first), a negative allocation on the head it was booked to (본세 등, then 가산세) and a positive refund
   allocation of the same amount, so every payment's allocations still add up to the payment;
3. opens one `Refund` (환급 대상) per payment for what it gives back (a 환급금 안내 campaign targets these);
4. keeps the notices' credited amounts to the attribution rule, and opens the clawbacks of any paid collection
   reward that rested on the money (세입징수 포상금 조례 제9조②, `rewards.services.record_collection_refund`);
5. is audited (`levy.reduce`) with the official's reason and the before/after figures.

`plan_reduction` says what a correction would do, without writing (the CLI's `--dry-run` and the console's
preview); `reduce_levy` does it, all or nothing. The roll importer refuses a reduction below what was paid and
points here (rolls.importer).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.db import transaction
from django.db.models import Sum

from jingsu.clock import Clock, today
from jingsu.core import audit
from jingsu.core.formats import won
from jingsu.levies.models import Levy
from jingsu.levies.penalties import PenaltyBasis, levy_penalty
from jingsu.payments import attribution, hooks
from jingsu.payments.models import Allocation, Payment, Refund

AMOUNTS = ("principal", "education_tax", "city_area_tax")


class CorrectionError(Exception):
    """A correction that cannot be made; `field` names the input, the message is Korean, for the official."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Reversal:
    payment_id: int
    head: str  # Allocation.Head.TAX or PENALTY
    amount: int  # > 0: taken off that head and put on the refund head


@dataclass
class Reduction:
    tax_number: str
    before: dict[str, int]
    after: dict[str, int]
    excess_tax: int  # 본세 등 paid beyond the corrected 고지세액
    excess_penalty: int  # 가산세 paid beyond the penalty on the corrected tax
    reversals: list[Reversal] = field(default_factory=list)

    @property
    def refund(self) -> int:
        return self.excess_tax + self.excess_penalty

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "refund": self.refund}

    def text(self) -> str:
        """The correction in one Korean paragraph, for the CLI and the console's preview."""
        b, a = self.before, self.after
        lines = [f"과세번호 {self.tax_number}: 고지세액 합계 {won(b['billed_amount'])} → {won(a['billed_amount'])}, "
                 f"가산세 {won(b['penalty'])} → {won(a['penalty'])}."]
        if self.refund:
            lines.append(f"이미 수납된 금액 중 {won(self.refund)}"
                         f"(본세 등 {won(self.excess_tax)}, 가산세 {won(self.excess_penalty)})이 환급 대상이 됩니다.")
        else:
            lines.append("환급할 금액은 없습니다.")
        return " ".join(lines)


def plan_reduction(levy: Levy, *, principal: int, education_tax: int, city_area_tax: int,
                   clock: Clock) -> Reduction:
    """What lowering `levy` to these amounts does; raises CorrectionError for what the record forbids."""
    new = {"principal": principal, "education_tax": education_tax, "city_area_tax": city_area_tax}
    labels = {"principal": "본세", "education_tax": "지방교육세", "city_area_tax": "도시지역분"}
    for name, value in new.items():
        if type(value) is not int or value < 0:
            raise CorrectionError(name, f"{labels[name]} 금액은 0 이상의 정수(원)여야 합니다.")
        if value > getattr(levy, name):
            raise CorrectionError(name, f"{labels[name]} 금액을 {won(getattr(levy, name))}에서 {won(value)}으로 "
                                        "올리는 것은 감액 정정이 아닙니다 (증액은 체납 자료를 다시 가져오세요).")
    if levy.status == Levy.Status.CANCELLED:
        raise CorrectionError("tax_number", f"과세번호 {levy.tax_number}: 부과취소된 건이라 정정할 수 없습니다.")
    billed = principal + education_tax + city_area_tax
    if billed == levy.billed_amount:
        raise CorrectionError("principal", "고지세액이 그대로입니다: 바뀌는 금액이 없습니다.")
    as_of = levy.penalty_as_of or today(clock)
    basis = replace(PenaltyBasis.of(levy), principal=principal, city_area_tax=city_area_tax,
                    education_tax=education_tax)
    penalty = levy_penalty(basis, jurisdiction=levy.jurisdiction_id, as_of=as_of)
    penalty = min(penalty, levy.penalty)  # a correction downwards never raises the penalty charged
    tax_booked = _booked(levy, Allocation.Head.TAX)
    penalty_booked = _booked(levy, Allocation.Head.PENALTY)
    paid_tax = max(levy.paid_amount, sum(tax_booked.values()))
    paid_penalty = max(levy.penalty_paid, sum(penalty_booked.values()))
    plan = Reduction(
        tax_number=levy.tax_number,
        before={**{n: getattr(levy, n) for n in AMOUNTS}, "billed_amount": levy.billed_amount,
                "penalty": levy.penalty, "paid_amount": paid_tax, "penalty_paid": paid_penalty},
        after={**new, "billed_amount": billed, "penalty": penalty,
               "paid_amount": min(paid_tax, billed), "penalty_paid": min(paid_penalty, penalty)},
        excess_tax=max(paid_tax - billed, 0),
        excess_penalty=max(paid_penalty - penalty, 0),
    )
    for head, excess, booked in ((Allocation.Head.TAX, plan.excess_tax, tax_booked),
                                 (Allocation.Head.PENALTY, plan.excess_penalty, penalty_booked)):
        for payment_id, amount in booked.items():  # latest payment first
            if excess <= 0:
                break
            take = min(excess, amount)
            if take > 0:
                plan.reversals.append(Reversal(payment_id, head, take))
                excess -= take
        if excess > 0:
            # booked on the levy's counters without an allocation (never written by jingsu): refuse, not guess
            raise CorrectionError("tax_number", f"과세번호 {levy.tax_number}의 수납액 {won(excess)}에 해당하는 "
                                                "수납 기록이 없어 환급할 수납을 정할 수 없습니다.")
    return plan


def _booked(levy: Levy, head: str) -> dict[int, int]:
    """Net amount on `head` of this levy per payment, latest payment first."""
    rows = (Allocation.objects.filter(levy=levy, head=head).values("payment_id")
            .annotate(total=Sum("amount")).order_by("-payment__received_at", "-payment_id"))
    return {row["payment_id"]: row["total"] for row in rows if row["total"] > 0}


def reduce_levy(levy: Levy, *, principal: int, education_tax: int, city_area_tax: int, reason: str, actor: str,
                clock: Clock) -> Reduction:
    """Make the correction `plan_reduction` describes: all of it or nothing; audited with `reason`."""
    reason = reason.strip()
    if not reason:
        raise CorrectionError("reason", "감액 정정의 사유를 적어야 합니다.")
    with transaction.atomic():
        levy = Levy.objects.select_for_update().get(pk=levy.pk)
        plan = plan_reduction(levy, principal=principal, education_tax=education_tax, city_area_tax=city_area_tax,
                              clock=clock)
        now = clock.now()
        by_payment: dict[int, int] = {}
        entries: list[Allocation] = []
        for r in plan.reversals:
            entries.append(Allocation(payment_id=r.payment_id, levy=levy, head=r.head, amount=-r.amount))
            entries.append(Allocation(payment_id=r.payment_id, levy=levy, head=Allocation.Head.REFUND,
                                      amount=r.amount))
            by_payment[r.payment_id] = by_payment.get(r.payment_id, 0) + r.amount
        Allocation.objects.bulk_create(entries)
        for payment_id, amount in by_payment.items():
            Refund.objects.create(jurisdiction_id=levy.jurisdiction_id, taxpayer_id=levy.taxpayer_id,
                                  payment_id=payment_id, levy=levy, amount=amount,
                                  reason=f"감액 정정: {reason}"[:200], created_at=now)
        Payment.objects.filter(pk__in=list(by_payment)).update(status=Payment.Status.OVERPAID)
        a = plan.after
        levy.principal, levy.education_tax, levy.city_area_tax = principal, education_tax, city_area_tax
        levy.billed_amount, levy.penalty = a["billed_amount"], a["penalty"]
        levy.paid_amount, levy.penalty_paid = a["paid_amount"], a["penalty_paid"]
        if levy.status in Levy.OPEN_STATUSES and levy.outstanding_amount == 0:
            levy.status = Levy.Status.PAID
        levy.updated_at = now
        levy.save(update_fields=[*AMOUNTS, "billed_amount", "penalty", "paid_amount", "penalty_paid", "status",
                                 "updated_at"])
        attribution.refresh_notices([levy])
        audit.record("levy.reduce", actor=actor, jurisdiction=levy.jurisdiction_id, target_type="levy",
                     target_id=levy.tax_number, reason=reason, clock=clock,
                     detail={"before": plan.before, "after": plan.after, "refund": plan.refund})
        for returned in hooks.money_returned:  # jingsu.rewards: the clawbacks of rewards that rested on it
            returned(levy, by_payment, reason=reason, actor=actor, clock=clock)
    return plan
