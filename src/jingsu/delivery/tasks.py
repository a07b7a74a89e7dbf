"""Thin Celery wrappers around the delivery services (the bank feed's is in payments/tasks.py). Each can run twice or
die halfway without harm: attempts are claimed with SKIP LOCKED, moves are guarded, and providers de-duplicate on
the attempt's key."""

from __future__ import annotations

import uuid
from datetime import timedelta

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.delivery import control, paper, services
from jingsu.providers.registry import configured_providers


@shared_task(name="jingsu.delivery.send_queued", acks_late=True)
def send_queued(limit: int = 10_000) -> int:
    return services.send_queued(configured_providers(), limit=limit, clock=runtime().clock)


class Lease:
    """The right to run one job alone for a while: a key in the shared cache (Redis in production) that expires after
    `ttl` seconds unless renewed. Truthy in the one process that holds it, falsy in any other meanwhile; as a context
    manager, released at the end of the block. A worker that dies holding it (SIGKILL, the machine lost) frees it when
    the lease runs out, so the lease is short and the holder renews it as it goes."""

    def __init__(self, name: str, *, ttl: int) -> None:
        from django.core.cache import cache

        self._cache, self.key, self.token, self.ttl = cache, self.key_of(name), uuid.uuid4().hex, ttl
        self.held = bool(cache.add(self.key, self.token, ttl))

    @staticmethod
    def key_of(name: str) -> str:
        return f"jingsu:running:{name}"

    def __bool__(self) -> bool:
        return self.held

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def renew(self) -> None:
        """Extend the lease by `ttl` from now, if this process still holds it. (Between the read and the extension
        another process may take a lease that ran out; two runs at once then overlap once, which the jobs allow.)"""
        if self.held and self._cache.get(self.key) == self.token:
            self._cache.touch(self.key, self.ttl)

    def release(self) -> None:
        if self.held and self._cache.get(self.key) == self.token:
            self._cache.delete(self.key)
        self.held = False


# How long a status poll's lease lasts without renewal. The poll renews it before every request it makes (one chunk
# of at most 500 documents, each request bounded by JINGSU_PROVIDER_TIMEOUT and the retry policy), so the lease only
# has to outlast one request; a worker killed mid-poll holds up the next poll by at most this long. (It was 30 minutes,
# a whole poll's worth: a worker killed in the short fault drill stopped every poll for longer than the drill waits.)
POLL_LEASE_SECONDS = 120
POLL_LEASE = "poll-statuses"


@shared_task(name="jingsu.delivery.poll_statuses", acks_late=True)
def poll_statuses() -> int:
    """One poll at a time: a poll asks about every open attempt, so two at once would only ask twice, using the
    intermediaries' request rate that sending needs and the worker slots the other ticks need (seen in the fault
    drill, bench/drill.py, where overlapping polls starved sending)."""
    with Lease(POLL_LEASE, ttl=POLL_LEASE_SECONDS) as lease:
        if not lease:
            return 0
        return services.poll_statuses(configured_providers(), clock=runtime().clock, heartbeat=lease.renew)


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
