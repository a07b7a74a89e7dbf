"""Thin Celery wrappers around the delivery services (the bank feed's is in payments/tasks.py). Each can run twice or
die halfway without harm: attempts are claimed with SKIP LOCKED, moves are guarded, and providers de-duplicate on
the attempt's key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.delivery import control, paper, services
from jingsu.providers.registry import configured_providers


@shared_task(name="jingsu.delivery.send_queued", acks_late=True)
def send_queued(limit: int = 10_000) -> int:
    return services.send_queued(configured_providers(), limit=limit, clock=runtime().clock)


@contextmanager
def one_at_a_time(name: str, *, ttl: int) -> Iterator[bool]:
    """True in the one process that may run `name` now, False in any other meanwhile: a key in the shared cache
    (Redis in production), held for at most `ttl` seconds, so a worker that died holding it frees it by then."""
    from django.core.cache import cache

    key, token = f"jingsu:running:{name}", uuid.uuid4().hex
    mine = cache.add(key, token, ttl)
    try:
        yield mine
    finally:
        if mine and cache.get(key) == token:
            cache.delete(key)


@shared_task(name="jingsu.delivery.poll_statuses", acks_late=True)
def poll_statuses() -> int:
    """One poll at a time: a poll asks about every open attempt, so two at once would only ask twice, using the
    intermediaries' request rate that sending needs and the worker slots the other ticks need (seen in the fault
    drill, bench/drill.py, where overlapping polls starved sending)."""
    with one_at_a_time("poll-statuses", ttl=1800) as mine:
        return services.poll_statuses(configured_providers(), clock=runtime().clock) if mine else 0


@shared_task(name="jingsu.delivery.fallback_due", acks_late=True)
def fallback_due() -> int:
    return services.fallback_due(clock=runtime().clock)


@shared_task(name="jingsu.delivery.sweep_stuck", acks_late=True)
def sweep_stuck() -> int:
    from django.conf import settings

    return services.sweep_stuck(clock=runtime().clock, older_than=timedelta(seconds=settings.JINGSU_STUCK_AFTER))


@shared_task(name="jingsu.delivery.start_scheduled", acks_late=True)
def start_scheduled() -> list[int]:
    return control.start_scheduled(configured_providers(), clock=runtime().clock)


@shared_task(name="jingsu.delivery.complete_finished", acks_late=True)
def complete_finished() -> list[int]:
    return control.complete_finished(clock=runtime().clock)


@shared_task(name="jingsu.delivery.print_batch", acks_late=True)
def print_batch() -> int:
    return paper.print_batch(configured_providers(), clock=runtime().clock)
