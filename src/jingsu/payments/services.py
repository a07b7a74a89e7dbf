"""Payments in: read the bank feed, record each transaction once, match it to levies and allocate it.

Allocation order (지방세징수법 제4조 징수의 순위: 체납처분비, then 지방세 excluding 가산세, then 가산세): jingsu keeps no
체납처분비 yet, so a payment first covers the tax heads of the levy it names, then its penalty. The penalty owed is
computed by jingsu.law as of the payment date. Money beyond what the levy owes is an overpayment: it is recorded as a
refund allocation (환급 대상) and never silently dropped. A payment that names no known levy waits in the unmatched
queue with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from jingsu.clock import DEFAULT_CLOCK, SEOUL, Clock
from jingsu.core import audit
from jingsu.levies.models import Levy
from jingsu.levies.penalties import levy_penalty
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments import numbers
from jingsu.payments.models import Allocation, FeedCursor, Payment
from jingsu.providers.base import BankTransaction, ProviderSet

BANK_FEED = "bank-feed"


@dataclass
class FeedSummary:
    received: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    amount: int = 0


def read_bank_feed(providers: ProviderSet, *, clock: Clock = DEFAULT_CLOCK, page: int = 1000) -> FeedSummary:
    """Read every new transaction from the bank feed, record and reconcile each. Safe to run again at any time."""
    summary = FeedSummary()
    # the place in the feed is kept per feed: a bank's sequence numbers count within its own feed only
    cursor, _ = FeedCursor.objects.get_or_create(name=f"{BANK_FEED}:{providers.bank.feed_id()}"[:50])
    while True:
        txs = providers.bank.transactions(after_seq=cursor.position, limit=page)
        if not txs:
            break
        with transaction.atomic():  # one page is one unit of work; each transaction id is recorded once
            _record_page(txs, summary, clock)
            cursor.position = max(tx.seq for tx in txs)
            FeedCursor.objects.filter(pk=cursor.pk).update(position=cursor.position)
    return summary


def _record_page(txs: list[BankTransaction], summary: FeedSummary, clock: Clock) -> None:
    for tx in txs:
        summary.received += 1
        payment, created = record_transaction(tx, source=BANK_FEED, clock=clock)
        if not created:
            summary.duplicates += 1
            continue
        summary.new += 1
        summary.amount += payment.amount
        if payment.status == Payment.Status.UNMATCHED:
            summary.unmatched += 1
        else:
            summary.matched += 1


def record_transaction(tx: BankTransaction, *, source: str, clock: Clock = DEFAULT_CLOCK) -> tuple[Payment, bool]:
    """Record one bank transaction (once: the same transaction id again is ignored) and reconcile it."""
    jurisdiction = _jurisdiction_of(tx)
    with transaction.atomic():
        existing = Payment.objects.filter(source=source, external_id=tx.transaction_id).first()
        if existing is not None:
            return existing, False
        if jurisdiction is None:
            # No jurisdiction can be read off the transaction: keep it, unmatched, under no tenant.
            jurisdiction = "11000"
            reason = "전자납부번호가 없거나 올바르지 않습니다."
        else:
            reason = ""
        payment = Payment.objects.create(
            jurisdiction_id=jurisdiction, source=source, external_id=tx.transaction_id, received_at=tx.paid_at,
            amount=tx.amount, channel=tx.channel, payment_number=tx.payment_number or "",
            virtual_account=tx.virtual_account or "", created_at=clock.now(), unmatched_reason=reason,
        )
        audit.record("payment.receive", actor=f"system:{source}", jurisdiction=jurisdiction, target=payment,
                      clock=clock, detail={"amount": tx.amount, "channel": tx.channel})
        if not reason:
            reconcile(payment, clock=clock)
    return payment, True


def _jurisdiction_of(tx: BankTransaction) -> str | None:
    if tx.payment_number and numbers.is_valid(tx.payment_number):
        return tx.payment_number[:5]
    return None


def reconcile(payment: Payment, *, clock: Clock = DEFAULT_CLOCK) -> Payment:
    """Match a payment to its levy by 전자납부번호 and allocate it: tax heads, then penalty, then refund."""
    with transaction.atomic():
        levy = None
        if payment.payment_number and numbers.is_valid(payment.payment_number):
            levy = (Levy.objects.select_for_update()
                    .filter(pk=numbers.levy_id_of(payment.payment_number), jurisdiction=payment.jurisdiction_id)
                    .first())
        if levy is None:
            payment.status = Payment.Status.UNMATCHED
            payment.unmatched_reason = "전자납부번호에 해당하는 부과 건이 없습니다."
            payment.save(update_fields=["status", "unmatched_reason"])
            return payment
        paid_on = payment.received_at.astimezone(SEOUL).date()
        penalty = levy_penalty(
            jurisdiction=levy.jurisdiction_id, liability_date=levy.liability_date, due_date=levy.due_date,
            tax_item=levy.tax_item, principal=levy.principal, city_area_tax=levy.city_area_tax,
            education_tax=levy.education_tax, assessment=levy.assessment, status=levy.status, as_of=paid_on,
        )
        levy.penalty = max(levy.penalty, penalty)
        levy.penalty_as_of = paid_on
        remaining = payment.amount
        allocations = []
        to_tax = min(remaining, levy.outstanding_tax)
        if to_tax:
            allocations.append(Allocation(payment=payment, levy=levy, head=Allocation.Head.TAX, amount=to_tax))
            levy.paid_amount += to_tax
            remaining -= to_tax
        to_penalty = min(remaining, max(levy.penalty - levy.penalty_paid, 0))
        if to_penalty:
            allocations.append(Allocation(payment=payment, levy=levy, head=Allocation.Head.PENALTY, amount=to_penalty))
            levy.penalty_paid += to_penalty
            remaining -= to_penalty
        if remaining:
            allocations.append(Allocation(payment=payment, levy=levy, head=Allocation.Head.REFUND, amount=remaining))
        Allocation.objects.bulk_create(allocations)
        if levy.outstanding_amount == 0:
            levy.status = Levy.Status.PAID
        levy.updated_at = clock.now()
        levy.save(update_fields=["paid_amount", "penalty", "penalty_as_of", "penalty_paid", "status", "updated_at"])
        payment.status = Payment.Status.OVERPAID if remaining else Payment.Status.MATCHED
        payment.unmatched_reason = ""
        payment.save(update_fields=["status", "unmatched_reason"])
        _credit_notices(levy, payment)
        audit.record("payment.allocate", actor="system:reconcile", jurisdiction=payment.jurisdiction_id,
                     target=payment, clock=clock,
                     detail={"levy": levy.pk, "tax": to_tax, "penalty": to_penalty, "refund": remaining})
    return payment


def _credit_notices(levy: Levy, payment: Payment) -> None:
    """Mark the notices that carried this levy: paid amount and the moment of the first payment."""
    notice_ids = list(NoticeLine.objects.filter(levy=levy).values_list("notice_id", flat=True))
    for notice in Notice.objects.select_for_update().filter(pk__in=notice_ids):
        notice.paid_amount += payment.amount
        if notice.paid_at is None or payment.received_at < notice.paid_at:
            notice.paid_at = payment.received_at
        notice.save(update_fields=["paid_amount", "paid_at"])
