"""Thin Celery wrappers around notices.services (inline when no broker is configured)."""

from __future__ import annotations

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.notices import services
from jingsu.notices.models import Campaign


@shared_task(name="jingsu.notices.build_campaign", acks_late=True)
def build_campaign(campaign_id: int, actor: str) -> dict[str, int]:
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Campaign.Status.DRAFT:  # ran before (a redelivered task): nothing to do
        return {"notices": campaign.notices.count(), "already_built": 1}
    return services.build_campaign(campaign, actor=actor, clock=runtime().clock).__dict__
