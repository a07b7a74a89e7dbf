"""The money side of a campaign: what notices and delivery ask of payments through `jingsu.notices.hooks`, plugged in
by `PaymentsConfig.ready` (payments is a floor above them; they do not import it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import BigIntegerField, Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from jingsu.clock import SEOUL, Clock
from jingsu.levies.models import Levy
from jingsu.notices.hooks import OnTime
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.payments import accounts
from jingsu.payments.models import Allocation, Refund
from jingsu.providers.base import Bill, ProviderSet


def pending_refunds(jurisdiction_id: str) -> QuerySet[Any]:
    """The jurisdiction's refunds not yet told (과오납, `Refund`): what a 환급금 안내 campaign addresses."""
    return Refund.objects.filter(jurisdiction_id=jurisdiction_id, status=Refund.Status.PENDING)


def _bill_due(notice: Notice) -> date:
    """The bill's due date is the notice's one 납부기한 (what its document prints), never a date of its own."""
    if notice.pay_by is None:  # approval refuses a campaign without one (notices.services.template_problems)
        raise ValueError(f"캠페인 {notice.campaign_id}에 납부기한이 없습니다.")
    return notice.pay_by


def register_bills(campaign: Campaign, providers: ProviderSet, *, clock: Clock) -> None:
    """Tell the payment network what can be paid (one bill per notice line, due on the notice's 납부기한), so a
    payment carries our number."""
    # a line with nothing to pay (a refund line of a 환급금 안내) is no bill
    lines = (NoticeLine.objects.filter(notice__campaign=campaign, total__gt=0)
             .select_related("notice", "notice__campaign", "levy"))
    taxpayers = list(lines.values_list("notice__taxpayer_id", flat=True).distinct())
    # one 가상계좌 per taxpayer from the bank's pool (none when the pool is empty: 전자납부번호 only)
    va = accounts.assign(taxpayers, jurisdiction=campaign.jurisdiction, clock=clock)
    bills = [
        Bill(payment_number=line.payment_number, virtual_account=va.get(line.notice.taxpayer_id, ""),
             amount=line.total, due_date=_bill_due(line.notice), payload=line.notice.reference)
        for line in lines.iterator(chunk_size=2000)
    ]
    for start in range(0, len(bills), 1000):
        providers.bank.register_bills(bills[start:start + 1000])


def refunds_notified(campaign: Campaign) -> None:
    """A 환급금 안내 campaign started sending: the refunds it tells about (its notices outside the control group) are
    now notified."""
    Refund.objects.filter(status=Refund.Status.PENDING, levy__notice_lines__notice__campaign=campaign,
                          levy__notice_lines__notice__control_group=False).update(status=Refund.Status.NOTIFIED)


def refunds_withdrawn(campaign: Campaign) -> None:
    """Refunds marked notified by this (cancelled) campaign go back to pending unless a notice that went out (of any
    campaign) told the taxpayer about them."""
    told = Notice.objects.filter(lines__levy_id=OuterRef("levy_id"), control_group=False,
                                 campaign__kind=Campaign.Kind.REFUND).exclude(
        status__in=(Notice.Status.CANCELLED, Notice.Status.PENDING))
    (Refund.objects.filter(status=Refund.Status.NOTIFIED, levy__notice_lines__notice__campaign=campaign)
     .filter(~Exists(told)).update(status=Refund.Status.PENDING))


def on_time(jurisdiction_id: str, start: date, end: date) -> OnTime:
    """The jurisdiction's levies whose 납부기한 fell from `start` to `end` (not cancelled, something billed), and how
    many were paid in full by it: the tax allocated to the levy (head 본세 등) from payments received on or before
    its 납부기한 (the received date in Seoul) covers the billed amount. Read from the allocations and the payments'
    received dates, never from the levy's status (which says nothing of when). Two queries."""
    levies = (Levy.objects.filter(jurisdiction_id=jurisdiction_id, due_date__gte=start, due_date__lte=end,
                                  billed_amount__gt=0).exclude(status=Levy.Status.CANCELLED))
    in_time = (Allocation.objects.filter(levy=OuterRef("pk"), head=Allocation.Head.TAX)
               .annotate(day=TruncDate("payment__received_at", tzinfo=SEOUL))
               .filter(day__lte=OuterRef("due_date"))
               .order_by().values("levy").annotate(total=Sum("amount")).values("total"))
    paid = (levies.annotate(in_time=Coalesce(Subquery(in_time), Value(0), output_field=BigIntegerField()))
            .filter(in_time__gte=F("billed_amount")).count())
    return OnTime(levies=levies.count(), paid=paid, start=start, end=end)
