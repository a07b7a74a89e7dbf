"""Thin Celery wrapper around the bank feed. It can run twice or die halfway without harm: the feed's cursor is claimed
per page and a transaction already recorded is skipped (payments.services.read_bank_feed)."""

from __future__ import annotations

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.payments import services
from jingsu.providers.registry import configured_providers


@shared_task(name="jingsu.payments.read_bank_feed", acks_late=True)
def read_bank_feed() -> int:
    return services.read_bank_feed(configured_providers(), clock=runtime().clock).new
