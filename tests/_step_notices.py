"""The notice of an enforcement case's step (사전 통지·예고) as the tests need it: prepared from the case
(`enforcement.services.prepare_notices`), approved by another person and handed to delivery, so that the case may
move into the stage the notice opens."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from jingsu.clock import SEOUL, today
from jingsu.core.models import Jurisdiction
from jingsu.enforcement import services
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice, NoticeLine


def mark_sent(campaign: Campaign, clock, *, approver: str = "checker") -> Campaign:
    """Approve `campaign` (another person) and hand its notices to delivery as `delivery.services.start_campaign`
    does (campaign 발송 중, notices 발송 중), without providers."""
    notices.approve_campaign(campaign, actor=approver, clock=clock)
    campaign.refresh_from_db()
    campaign.move(Campaign.Status.SENDING, at=clock.now(), actor=approver)
    Notice.move_where(Notice.objects.filter(campaign=campaign), Notice.Status.IN_DELIVERY, at=clock.now(),
                      actor=approver, sources=(Notice.Status.PENDING,))
    return campaign


def send_step_notice(cases, clock, *, actor: str = "clerk", measure_on=None, approver: str = "checker"):
    """Prepare the step notice of `cases` (a case or a list), approve and hand it to delivery; the cases are
    refreshed. `measure_on`: today + 30 days unless given (명단공개: None, the publication day rule)."""
    many = cases if isinstance(cases, list | tuple) else [cases]
    if measure_on is None and any(c.measure != "disclosure" for c in many):
        measure_on = today(clock) + timedelta(days=30)
    done = services.prepare_notices(many, measure_on=measure_on, actor=actor, clock=clock)
    mark_sent(done.campaign, clock, approver=approver)
    for c in many:
        c.refresh_from_db()
    return done


def sent_demand(levies: list[Levy], *, pay_by: date, sent_on: date, clock,
                status: str = Notice.Status.DELIVERED, name: str = "독촉") -> Notice:
    """A 독촉장 jingsu sent: a campaign of kind 독촉장 with 납부기한 `pay_by`, one notice carrying `levies`, handed to
    delivery and reaching `status` (도달 by default) at 10:00 on `sent_on` — what `enforcement.facts` reads for the
    독촉장's deadline."""
    taxpayer = levies[0].taxpayer
    j = Jurisdiction.by_code(taxpayer.jurisdiction_id)
    campaign = notices.create_campaign(j, name=name, kind="demand", as_of=sent_on, actor="maker", clock=clock,
                                       pay_by=pay_by)
    at = datetime.combine(sent_on, time(10, 0), tzinfo=SEOUL)
    notice = Notice.objects.create(
        campaign=campaign, jurisdiction=j, taxpayer=taxpayer, reference=f"N{secrets.token_hex(10).upper()}",
        token=secrets.token_urlsafe(32), doc_hash="0" * 64, total_amount=sum(lv.billed_amount for lv in levies),
        created_at=at)
    for lv in levies:
        NoticeLine.objects.create(
            notice=notice, levy=lv, payment_number=numbers.payment_number(lv.jurisdiction_id, lv.tax_item,
                                                                          lv.tax_year, lv.pk),
            principal=lv.principal, tax_due=lv.billed_amount, penalty=0, total=lv.billed_amount)
    notice.move(Notice.Status.IN_DELIVERY, at=at)
    if status != Notice.Status.IN_DELIVERY:
        notice.move(status, at=at)
    return notice
