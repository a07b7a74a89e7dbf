"""The notice of an enforcement case's step (사전 통지·예고) as the tests need it: prepared from the case
(`enforcement.services.prepare_notices`), approved by another person and handed to delivery, so that the case may
move into the stage the notice opens."""

from __future__ import annotations

from datetime import timedelta

from jingsu.clock import today
from jingsu.enforcement import services
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice


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
