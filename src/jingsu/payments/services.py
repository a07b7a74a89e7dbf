"""Payments in: read the bank feed (and bank/수납 files, gateway notices), record each transaction once, match it to
levies and allocate it.

Matching, in this order: the 전자납부번호 (one levy; an installment's number: the outstanding levies of its 분할 납부,
jingsu.assistance), the 가상계좌 (every outstanding levy of the taxpayer it was assigned to), the 과세번호 (the levy or levies with that number in the jurisdiction). A payment that matches nothing
waits in the unmatched queue with its reason, until a person matches it by hand (`match_by_hand`, with a reason).

Allocation (지방세징수법 제4조①: 징수의 순위 — 1. 체납처분비, 2. 지방세(가산세 제외), 3. 가산세): the ranks apply to
the money owed across all the levies the payment matched, rank by rank — first every 체납처분비, then every levy's
tax, then every levy's penalty. Within a rank the law sets no order; jingsu takes the earlier 과세번호 first (the
oldest assessment), so that partial payments clear the oldest arrears — the order the issue asks for, written down
here and in docs/formats/payments.md. The penalty owed is computed by jingsu.law as of the payment date. Money beyond
everything owed is an overpayment: a refund allocation plus a `Refund` (환급 대상) that a 환급금 안내 campaign
targets; it is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.levies.penalties import PenaltyBasis, levy_penalty
from jingsu.payments import attribution, hooks
from jingsu.payments.models import Allocation, FeedCursor, Payment, Refund, VirtualAccount
from jingsu.providers.base import BankTransaction, ProviderSet

BANK_FEED = "bank-feed"


@dataclass
class FeedSummary:
    received: int = 0
    new: int = 0
    duplicates: int = 0  # already recorded (an earlier read, a file, a gateway notice, another process)
    conflicts: int = 0  # already recorded under the same transaction id with another amount: kept, not booked
    matched: int = 0
    unmatched: int = 0
    amount: int = 0
    busy: bool = False  # another process held the feed's cursor: it reads the feed, this one did not


def read_bank_feed(providers: ProviderSet, *, clock: Clock, page: int = 1000) -> FeedSummary:
    """Read every new transaction from the bank feed, record and reconcile each. Safe to run again at any time, and
    in several processes at once: the feed's cursor row is claimed for each page (SELECT … FOR UPDATE SKIP LOCKED on
    PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), so one process reads a page while another skips
    the feed for this cycle (`busy`). A transaction recorded already is skipped and counted, never an error."""
    summary = FeedSummary()
    # the place in the feed is kept per feed: a bank's sequence numbers count within its own feed only
    name = f"{BANK_FEED}:{providers.bank.feed_id()}"[:50]
    FeedCursor.objects.get_or_create(name=name)  # races on creation are settled by get_or_create's savepoint
    while True:
        with transaction.atomic():  # one page is one unit of work, under the cursor's lock
            cursor = FeedCursor.objects.select_for_update(skip_locked=True).filter(name=name).first()
            if cursor is None:
                summary.busy = True  # another dispatcher holds the cursor: it books this page, not us
                return summary
            txs = providers.bank.transactions(after_seq=cursor.position, limit=page)
            if not txs:
                return summary
            _record_page(txs, summary, clock)
            FeedCursor.objects.filter(pk=cursor.pk).update(position=max(tx.seq for tx in txs))


def _record_page(txs: list[BankTransaction], summary: FeedSummary, clock: Clock) -> None:
    for tx in txs:
        summary.received += 1
        payment, created = record_transaction(tx, source=BANK_FEED, clock=clock)
        if not created:
            if payment.amount != tx.amount:
                # the same transaction id reported with another amount (e.g. a bank file booked it first): the
                # record stands, nothing is booked twice, and the difference is left in the audit log to resolve
                summary.conflicts += 1
                audit.record("payment.conflict", actor=f"system:{BANK_FEED}", jurisdiction=payment.jurisdiction_id,
                             target=payment, clock=clock,
                             reason=f"거래번호 {tx.transaction_id}의 수납이 {payment.amount:,}원으로 기록되어 있는데 "
                                    f"은행 거래내역에는 {tx.amount:,}원으로 왔습니다.",
                             detail={"recorded": payment.amount, "feed": tx.amount, "seq": tx.seq})
            else:
                summary.duplicates += 1
            continue
        summary.new += 1
        summary.amount += payment.amount
        if payment.status == Payment.Status.UNMATCHED:
            summary.unmatched += 1
        else:
            summary.matched += 1


def record_transaction(tx: BankTransaction, *, source: str, clock: Clock,
                       jurisdiction: str | None = None) -> tuple[Payment, bool]:
    """Record one bank transaction (once: the same transaction id again is ignored) and reconcile it."""
    return record_payment(
        source=source, external_id=tx.transaction_id, received_at=tx.paid_at, amount=tx.amount, channel=tx.channel,
        payment_number=tx.payment_number or "", virtual_account=tx.virtual_account or "", tax_number="",
        jurisdiction=jurisdiction, clock=clock)


def record_payment(*, source: str, external_id: str, received_at: datetime, amount: int, channel: str,
                   payment_number: str, virtual_account: str, tax_number: str, jurisdiction: str | None,
                   clock: Clock, actor: str | None = None) -> tuple[Payment, bool]:
    """Record one payment once per (source, external_id) and reconcile it; (payment, created)."""
    if jurisdiction is None and payment_number and numbers.is_valid(payment_number):
        jurisdiction = payment_number[:5]
    if jurisdiction is None and virtual_account:
        jurisdiction = (VirtualAccount.objects.filter(account_number=virtual_account)
                        .values_list("jurisdiction_id", flat=True).first())
    with transaction.atomic():
        existing = Payment.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False
        reason = ""
        if jurisdiction is None:
            # No jurisdiction can be read off the transaction: keep it, unmatched, under no tenant.
            jurisdiction = "11000"
            reason = "전자납부번호·가상계좌로 자치단체를 알 수 없습니다."
        try:
            # its own savepoint: another process (a second dispatcher, a file import, the gateway notice) may
            # insert the same transaction between the look-up above and this insert; the unique constraint
            # (payment_unique_external) then decides, and the loser gets the winner's row, not an error
            with transaction.atomic():
                payment = Payment.objects.create(
                    jurisdiction_id=jurisdiction, source=source, external_id=external_id, received_at=received_at,
                    amount=amount, channel=channel, payment_number=payment_number, virtual_account=virtual_account,
                    tax_number=tax_number, created_at=clock.now(), unmatched_reason=reason,
                )
        except IntegrityError:
            existing = Payment.objects.filter(source=source, external_id=external_id).first()
            if existing is None:
                raise  # another constraint: a real error
            return existing, False
        audit.record("payment.receive", actor=actor or f"system:{source}", jurisdiction=jurisdiction, target=payment,
                     clock=clock, detail={"amount": amount, "channel": channel})
        if not reason:
            reconcile(payment, clock=clock)
    return payment, True


def reconcile(payment: Payment, *, clock: Clock) -> Payment:
    """Match a payment to its levies (전자납부번호, 가상계좌, 과세번호) and allocate it by 지방세징수법 제4조."""
    with transaction.atomic():
        levies, matched_by, reason = _match(payment)
        if not levies:
            payment.status = Payment.Status.UNMATCHED
            payment.unmatched_reason = reason
            payment.save(update_fields=["status", "unmatched_reason"])
            audit.record("payment.unmatched", actor="system:reconcile", jurisdiction=payment.jurisdiction_id,
                         target=payment, clock=clock, reason=reason)
            return payment
        return _allocate(payment, levies, matched_by=matched_by, actor="system:reconcile", clock=clock)


def match_by_hand(payment: Payment, *, levy: Levy | None = None, taxpayer_id: int | None = None, actor: str,
                  reason: str, clock: Clock) -> Payment:
    """A person matches an unmatched payment to a levy, or to all of a taxpayer's outstanding levies, with a reason."""
    if len(reason.strip()) < 5:
        raise PaymentError("수기 대사 사유를 5자 이상 적어 주십시오.")
    if (levy is None) == (taxpayer_id is None):
        raise PaymentError("부과 건 또는 납세자 중 하나를 지정해 주십시오.")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.UNMATCHED:
            raise PaymentError("이미 대사가 끝난 수납입니다.")
        if levy is not None:
            levies = list(Levy.objects.select_for_update().filter(pk=levy.pk, jurisdiction=locked.jurisdiction_id))
        else:
            levies = _outstanding(Levy.objects.filter(taxpayer_id=taxpayer_id, jurisdiction=locked.jurisdiction_id))
        if not levies:
            raise PaymentError("이 자치단체에서 해당 부과 건을 찾을 수 없습니다.")
        audit.record("payment.match_by_hand", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, reason=reason, detail={"levies": [lv.pk for lv in levies]})
        return _allocate(locked, levies, matched_by="manual", actor=actor, clock=clock)


class PaymentError(Exception):
    """A payment operation that cannot be done; the message is Korean, for the official."""


class _Preview(Exception):
    """Raised inside a savepoint to roll back a match made only to show what it would do."""


def preview_match(payment: Payment, *, levy: Levy | None = None, taxpayer_id: int | None = None,
                  clock: Clock) -> list[tuple[str, str, int]]:
    """What `match_by_hand` would allocate — (과세번호, head, amount) in order — by making the match inside a savepoint
    and rolling it back: the preview is the real rule, not a second copy of it. Raises PaymentError as the match
    would."""
    shown: list[tuple[str, str, int]] = []
    try:
        with transaction.atomic():
            done = match_by_hand(payment, levy=levy, taxpayer_id=taxpayer_id, actor="preview",
                                 reason="미리 보기(기록하지 않음)", clock=clock)
            shown = [(a.levy.tax_number if a.levy else "", a.head, a.amount)
                     for a in done.allocations.select_related("levy").order_by("pk")]
            raise _Preview
    except _Preview:
        pass
    return shown


def unmatch_by_hand(payment: Payment, *, actor: str, reason: str, clock: Clock) -> Payment:
    """Undo a match made by hand: reversal allocations (each of the payment's allocations once more with the opposite
    sign; nothing is edited or deleted), the levies' paid amounts taken back (a levy that was 완납 by it is 정상
    again), its pending refunds cancelled, and the payment back in the unmatched queue with the reason. What is
    reversed is the payment's net allocation per levy and head, so earlier reversals (a 감액 정정, a match undone
    before) are taken into account. Refused when the money has gone further: a refund already told or paid, or a
    reward case resting on the payment."""
    if len(reason.strip()) < 5:
        raise PaymentError("수기 대사 취소 사유를 5자 이상 적어 주십시오.")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.matched_by != "manual" or locked.status == Payment.Status.UNMATCHED:
            raise PaymentError("수기 대사한 수납만 취소할 수 있습니다.")
        # what the payment stands at now, per levy and head (earlier reversals — a 감액 정정, an undone match —
        # included): exactly that is reversed
        net: dict[tuple[int | None, str], int] = {}
        for levy_id, head, amount in locked.allocations.order_by("pk").values_list("levy_id", "head", "amount"):
            net[(levy_id, head)] = net.get((levy_id, head), 0) + amount
        allocations = [Allocation(payment=locked, levy_id=levy_id, head=head, amount=amount)
                       for (levy_id, head), amount in net.items() if amount]
        refunds = list(Refund.objects.select_for_update().filter(payment=locked))
        if any(r.status != Refund.Status.PENDING for r in refunds):
            raise PaymentError("이 수납의 환급금을 이미 안내했거나 지급해 대사를 취소할 수 없습니다.")
        for refusal in hooks.unmatch_refusals:  # jingsu.rewards: a reward case resting on the payment
            if refused := refusal(locked):
                raise PaymentError(refused)
        levy_ids = sorted({a.levy_id for a in allocations if a.levy_id is not None})
        levies = {lv.pk: lv for lv in Levy.objects.select_for_update().filter(pk__in=levy_ids)}
        field_of = {Allocation.Head.ENFORCEMENT_COST: "enforcement_cost_paid", Allocation.Head.TAX: "paid_amount",
                    Allocation.Head.PENALTY: "penalty_paid"}
        for a in allocations:
            if a.levy_id is not None and a.head in field_of:
                lv = levies[a.levy_id]
                setattr(lv, field_of[a.head], getattr(lv, field_of[a.head]) - a.amount)
        Allocation.objects.bulk_create([Allocation(payment=locked, levy_id=a.levy_id, head=a.head, amount=-a.amount)
                                        for a in allocations])
        Refund.objects.filter(pk__in=[r.pk for r in refunds]).update(status=Refund.Status.CANCELLED)
        now = clock.now()
        for lv in levies.values():
            if lv.status == Levy.Status.PAID and lv.outstanding_amount > 0:
                lv.status = Levy.Status.NORMAL
            lv.updated_at = now
            lv.save(update_fields=["paid_amount", "penalty_paid", "enforcement_cost_paid", "status", "updated_at"])
        locked.status, locked.matched_by = Payment.Status.UNMATCHED, ""
        locked.unmatched_reason = f"수기 대사 취소: {reason.strip()}"[:200]
        locked.save(update_fields=["status", "matched_by", "unmatched_reason"])
        attribution.refresh_notices(list(levies.values()))
        audit.record("payment.unmatch_by_hand", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, reason=reason.strip(),
                     detail={"levies": levy_ids, "reversed": sum(a.amount for a in allocations)})
        return locked


def _outstanding(qs: QuerySet[Levy]) -> list[Levy]:
    return list(qs.select_for_update().exclude(status=Levy.Status.PAID).order_by("tax_number", "pk"))


def _match(payment: Payment) -> tuple[list[Levy], str, str]:
    """The levies a payment pays, how they were found, or the reason none were."""
    j = payment.jurisdiction_id
    if payment.payment_number:
        if numbers.is_installment(payment.payment_number):
            # an installment of a 분할 납부 (jingsu.assistance): the plan's outstanding levies
            for installment_levies in hooks.installment_levies:
                levies = installment_levies(payment.payment_number, jurisdiction=j)
                if levies:
                    return levies, "installment", ""
        if numbers.is_valid(payment.payment_number):
            levy = (Levy.objects.select_for_update()
                    .filter(pk=numbers.levy_id_of(payment.payment_number), jurisdiction=j).first())
            if levy is not None:
                return [levy], "payment_number", ""
        elif not (payment.virtual_account or payment.tax_number):
            return [], "", "전자납부번호가 올바르지 않습니다 (자릿수 또는 검증번호 오류)."
    if payment.virtual_account:
        account = (VirtualAccount.objects.filter(account_number=payment.virtual_account, jurisdiction=j)
                   .values_list("taxpayer_id", flat=True).first())
        if account is not None:
            levies = _outstanding(Levy.objects.filter(taxpayer_id=account, jurisdiction=j))
            if levies:
                return levies, "virtual_account", ""
            # an account holder with nothing outstanding: the whole transfer is to be refunded
            last = Levy.objects.filter(taxpayer_id=account, jurisdiction=j).order_by("-tax_number").first()
            if last is not None:
                return [last], "virtual_account", ""
    if payment.tax_number:
        levies = list(Levy.objects.select_for_update().filter(tax_number=payment.tax_number, jurisdiction=j)
                      .order_by("pk"))
        if levies:
            return levies, "tax_number", ""
    if payment.payment_number:
        return [], "", "전자납부번호에 해당하는 부과 건이 없습니다."
    if payment.virtual_account:
        return [], "", "가상계좌에 해당하는 납세자가 없습니다."
    if payment.tax_number:
        return [], "", "과세번호에 해당하는 부과 건이 없습니다."
    return [], "", "전자납부번호·가상계좌·과세번호가 모두 없습니다."


def _allocate(payment: Payment, levies: list[Levy], *, matched_by: str, actor: str, clock: Clock) -> Payment:
    paid_on = payment.received_at.astimezone(SEOUL).date()
    levies = sorted(levies, key=lambda lv: (lv.tax_number, lv.pk))
    for levy in levies:
        owed = levy_penalty(PenaltyBasis.of(levy), jurisdiction=levy.jurisdiction_id, as_of=paid_on)
        levy.penalty = max(levy.penalty, owed)
        levy.penalty_as_of = paid_on
    remaining = payment.amount
    allocations: list[Allocation] = []
    # 지방세징수법 제4조①: rank by rank across the levies, earlier 과세번호 first within a rank
    for head, due, pay in (
        (Allocation.Head.ENFORCEMENT_COST, lambda lv: lv.outstanding_enforcement_cost, "enforcement_cost_paid"),
        (Allocation.Head.TAX, lambda lv: lv.outstanding_tax, "paid_amount"),
        (Allocation.Head.PENALTY, lambda lv: lv.owed().penalty, "penalty_paid"),
    ):
        for levy in levies:
            amount = min(remaining, due(levy))
            if amount > 0:
                allocations.append(Allocation(payment=payment, levy=levy, head=head, amount=amount))
                setattr(levy, pay, getattr(levy, pay) + amount)
                remaining -= amount
    if remaining:
        refund_levy = levies[-1]
        allocations.append(Allocation(payment=payment, levy=refund_levy, head=Allocation.Head.REFUND,
                                      amount=remaining))
        Refund.objects.create(jurisdiction_id=payment.jurisdiction_id, taxpayer_id=refund_levy.taxpayer_id,
                              payment=payment, levy=refund_levy, amount=remaining,
                              reason="납부할 금액을 넘는 수납 (과오납)", created_at=clock.now())
    Allocation.objects.bulk_create(allocations)
    now = clock.now()
    for levy in levies:
        if levy.outstanding_amount == 0:
            levy.status = Levy.Status.PAID
        levy.updated_at = now
        levy.save(update_fields=["paid_amount", "penalty", "penalty_as_of", "penalty_paid", "enforcement_cost_paid",
                                 "status", "updated_at"])
    payment.status = Payment.Status.OVERPAID if remaining else Payment.Status.MATCHED
    payment.unmatched_reason = ""
    payment.matched_by = matched_by
    payment.save(update_fields=["status", "unmatched_reason", "matched_by"])
    _credit_notices(levies, payment)
    for after_allocation in hooks.after_allocation:  # jingsu.assistance: the installment credited
        after_allocation(payment, levies, matched_by=matched_by, clock=clock)
    by_head: dict[str, int] = {}
    for a in allocations:
        by_head[a.head] = by_head.get(a.head, 0) + a.amount
    audit.record("payment.allocate", actor=actor, jurisdiction=payment.jurisdiction_id, target=payment, clock=clock,
                 detail={"levies": [lv.pk for lv in levies], "matched_by": matched_by, **by_head})
    return payment


def _credit_notices(levies: list[Levy], payment: Payment) -> None:
    """Mark the notices that carried these levies with the money attributed to them: each allocation counts for one
    notice at most (payments.attribution, docs/reports.md)."""
    attribution.refresh_notices(levies)
