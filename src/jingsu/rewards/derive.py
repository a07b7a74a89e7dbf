"""Arrears merits derived from the records the office already keeps (levies, payments, enforcement actions, notices).

A *collection* is the money of one payment allocated (tax and penalty heads; never the refund head) to one levy whose
납기 (`original_due_date`) falls in an earlier year than the payment: 지난년도 체납액 (영등포 제2조①1, 중랑 제3조
"과년도 체납액"). Its age (연차) is payment year − 납기 year: 1년차 = last year's arrears (docs/rewards-operations.md).

Its method — what the calculator needs to apply 제2조②④ — is read off the records before the payment:

1. a 징수유예 that moved the deadline into a later year → `deferred-carryover` (제2조④3);
2. a 경·공매 배당 수령 → `auction-distribution-with-objection` if a 배당이의 was recorded, else
   `auction-distribution` (제2조④2);
3. a forced action (제2조②1·2), most specific first: 은닉재산 신고, 고발, 압류, 번호판 영치, 관허사업 제한;
4. otherwise, a jingsu notice (Campaign/NoticeLine; the mobile notices count as regular notices) that carried the levy,
   was sent (not held back as control group, not cancelled) before the payment, whose 납부기한 (`pay_by`) the payment
   met → `regular-notice-paid-by-deadline` (제2조④1);
5. otherwise `other-special` (제2조②3: 상응하는 사유 — the committee judges it).

The collector is the person recorded on the action that set the method (for 4 and 5: nobody, unless the claimant is
named when the case is opened). Collections are grouped into one merit per levy, year, method and collector, so that
instalments of one levy are one case (건) for the per-case cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jingsu.clock import SEOUL
from jingsu.levies.models import Levy
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.payments.models import Allocation, Payment
from jingsu.rewards.models import Civilian, EnforcementAction, Official

Kind = EnforcementAction.Kind
COUNTED_HEADS = (Allocation.Head.TAX, Allocation.Head.PENALTY)
#: Campaigns whose notices went out (approved and later).
SENT_CAMPAIGN_STATUSES = (Campaign.Status.APPROVED, Campaign.Status.SENDING, Campaign.Status.COMPLETED)


@dataclass
class Collection:
    """One payment's money on one past-year levy."""

    levy: Levy
    payment: Payment
    amount: int
    paid_on: date
    arrears_age: int
    method: str
    action: EnforcementAction | None
    notice: Notice | None = None

    @property
    def collector(self) -> Official | Civilian | None:
        return self.action.actor if self.action is not None else None


@dataclass
class DerivedMerit:
    levy: Levy
    year: int
    method: str
    arrears_age: int
    collector: Official | Civilian | None
    action: EnforcementAction | None
    collections: list[Collection] = field(default_factory=list)

    @property
    def collected(self) -> int:
        return sum(c.amount for c in self.collections)

    @property
    def collected_on(self) -> date:
        return max(c.paid_on for c in self.collections)

    @property
    def source_key(self) -> str:
        who = self.collector.payee_key if self.collector is not None else "none"
        return f"arrears:{self.levy.pk}:{self.year}:{self.method}:{who}"

    def facts(self) -> dict[str, Any]:
        return {"type": "arrears", "collected": self.collected, "arrears_age": self.arrears_age,
                "collected_on": self.collected_on.isoformat(), "method": self.method}


def classify(levy: Levy, paid_on: date, actions: list[EnforcementAction],
             notices: list[tuple[Notice, Campaign]]) -> tuple[str, EnforcementAction | None, Notice | None]:
    """The method of a collection of `levy` paid on `paid_on` (see the module docstring for the order)."""
    before = [a for a in actions if a.taken_on <= paid_on]
    for a in reversed(before):
        if a.kind == Kind.DEFERRAL and a.deferred_until is not None and a.deferred_until.year > a.taken_on.year:
            return "deferred-carryover", a, None
    auctions = [a for a in before if a.kind == Kind.AUCTION_DISTRIBUTION]
    if auctions:
        objections = [a for a in before if a.kind == Kind.DISTRIBUTION_OBJECTION]
        if objections:
            return "auction-distribution-with-objection", objections[-1], None
        return "auction-distribution", auctions[-1], None
    for kind in EnforcementAction.FORCED_ORDER:
        of_kind = [a for a in before if a.kind == kind]
        if of_kind:
            return str(kind), of_kind[-1], None
    for notice, campaign in notices:
        sent_on = notice.created_at.astimezone(SEOUL).date()
        if campaign.pay_by is not None and sent_on <= paid_on <= campaign.pay_by:
            return "regular-notice-paid-by-deadline", None, notice
    return "other-special", None, None


def collections(jurisdiction: str, year: int, *, levy: Levy | None = None,
                levy_ids: Iterable[int] | None = None) -> list[Collection]:
    """Every collection of past-year arrears in `year` (payment date in Seoul), oldest first; only those of `levy`
    or of the levies `levy_ids` when given (a levy's collections depend on its own records only)."""
    qs = (Allocation.objects.filter(levy__jurisdiction_id=jurisdiction, head__in=COUNTED_HEADS,
                                    levy__original_due_date__year__lt=year)
          .select_related("payment", "levy__taxpayer").order_by("payment__received_at", "payment_id", "levy_id"))
    if levy is not None:
        qs = qs.filter(levy=levy)
    if levy_ids is not None:
        qs = qs.filter(levy_id__in=list(levy_ids))
    amounts: dict[tuple[int, int], int] = defaultdict(int)
    rows: dict[tuple[int, int], tuple[Levy, Payment]] = {}
    for alloc in qs:
        assert alloc.levy is not None
        if alloc.payment.received_at.astimezone(SEOUL).year != year:
            continue
        key = (alloc.payment_id, alloc.levy_id)  # type: ignore[assignment]
        amounts[key] += alloc.amount
        rows[key] = (alloc.levy, alloc.payment)
    levy_ids = {lv.pk for lv, _ in rows.values()}
    actions: dict[int, list[EnforcementAction]] = defaultdict(list)
    for a in (EnforcementAction.objects.filter(levy_id__in=levy_ids)
              .select_related("official", "civilian").order_by("taken_on", "pk")):
        actions[a.levy_id].append(a)
    notices: dict[int, list[tuple[Notice, Campaign]]] = defaultdict(list)
    for line in (NoticeLine.objects.filter(levy_id__in=levy_ids, notice__control_group=False)
                 .exclude(notice__status__in=[Notice.Status.CANCELLED, Notice.Status.CONTROL])
                 .filter(notice__campaign__status__in=SENT_CAMPAIGN_STATUSES)
                 .exclude(notice__campaign__kind=Campaign.Kind.REFUND)
                 .select_related("notice__campaign").order_by("notice__created_at")):
        notices[line.levy_id].append((line.notice, line.notice.campaign))
    out = []
    for key, (lv, payment) in rows.items():
        paid_on = payment.received_at.astimezone(SEOUL).date()
        method, action, notice = classify(lv, paid_on, actions[lv.pk], notices[lv.pk])
        out.append(Collection(levy=lv, payment=payment, amount=amounts[key], paid_on=paid_on,
                              arrears_age=year - lv.original_due_date.year, method=method, action=action,
                              notice=notice))
    return out


def derive_arrears_merits(jurisdiction: str, year: int, *, levy: Levy | None = None,
                          levy_ids: Iterable[int] | None = None) -> list[DerivedMerit]:
    """Collections grouped into merits: one per levy, year, method and collector (of `levy` or `levy_ids` only,
    when given)."""
    merits: dict[tuple[int, str, str], DerivedMerit] = {}
    for c in collections(jurisdiction, year, levy=levy, levy_ids=levy_ids):
        who = c.collector.payee_key if c.collector is not None else "none"
        key = (c.levy.pk, c.method, who)
        if key not in merits:
            merits[key] = DerivedMerit(levy=c.levy, year=year, method=c.method, arrears_age=c.arrears_age,
                                       collector=c.collector, action=c.action)
        merits[key].collections.append(c)
    return list(merits.values())
