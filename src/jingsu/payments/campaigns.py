"""The money side of a campaign: what notices and delivery ask of payments through `jingsu.notices.hooks`, plugged in
by `PaymentsConfig.ready` (payments is a floor above them; they do not import it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from jingsu.clock import Clock
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.payments import accounts
from jingsu.payments.models import Refund
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
