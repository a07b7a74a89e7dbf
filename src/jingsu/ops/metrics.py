"""`GET /metrics`: Prometheus text (docs/operations.md "Health and metrics").

Two kinds of figures:
- read from the record at each scrape (so every process's work counts, whichever process answers): delivery
  attempts queued and sending per channel (the queue depth), attempts by channel and status, payments booked by
  source (count and won), portal verifications and failures in the last hour;
- counted where the work happens: provider requests by outcome and their latency (jingsu.providers.metrics), summed
  over processes when PROMETHEUS_MULTIPROC_DIR is set for all of them.

nginx serves it to the office network only (deploy/nginx/jingsu.conf); it carries counts, never personal data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from jingsu.core.runtime import runtime

PORTAL_RESULTS = {"portal.verified": "verified", "portal.verify_failed": "failed", "portal.locked": "locked"}


class RecordCollector(Collector):
    """Figures read from the database at scrape time (never before: `describe` names them without a query, so that
    registering at import reads nothing)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        for name in ("jingsu_delivery_queue", "jingsu_delivery_attempts", "jingsu_payments_booked",
                     "jingsu_payments_booked_won", "jingsu_portal_verifications_last_hour"):
            yield GaugeMetricFamily(name, name)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from jingsu.core.models import AuditLog
        from jingsu.delivery.models import AttemptStatus, DeliveryAttempt
        from jingsu.payments.models import Payment

        queue = GaugeMetricFamily("jingsu_delivery_queue", "Delivery attempts waiting to be sent or being sent",
                                  labels=["channel", "status"])
        for row in (DeliveryAttempt.objects.filter(status__in=(AttemptStatus.QUEUED, AttemptStatus.SENDING))
                    .values("channel", "status").annotate(n=Count("id")).order_by()):
            queue.add_metric([row["channel"], row["status"]], row["n"])
        yield queue

        attempts = GaugeMetricFamily("jingsu_delivery_attempts", "Delivery attempts by channel and status",
                                     labels=["channel", "status"])
        for row in DeliveryAttempt.objects.values("channel", "status").annotate(n=Count("id")).order_by():
            attempts.add_metric([row["channel"], row["status"]], row["n"])
        yield attempts

        booked = GaugeMetricFamily("jingsu_payments_booked", "Payments booked to a debt, by source",
                                   labels=["source"])
        won = GaugeMetricFamily("jingsu_payments_booked_won", "Won of the payments booked to a debt, by source",
                                labels=["source"])
        for row in (Payment.objects.filter(status__in=(Payment.Status.MATCHED, Payment.Status.OVERPAID))
                    .values("source").annotate(n=Count("id"), total=Sum("amount")).order_by()):
            booked.add_metric([row["source"]], row["n"])
            won.add_metric([row["source"]], row["total"] or 0)
        yield booked
        yield won

        portal = GaugeMetricFamily("jingsu_portal_verifications_last_hour",
                                   "Citizens' identity verifications on the portal in the last hour, by result",
                                   labels=["result"])
        since = runtime().clock.now() - timedelta(hours=1)
        counts = dict(AuditLog.objects.filter(at__gte=since, action__in=PORTAL_RESULTS).values_list("action")
                      .annotate(n=Count("id")).order_by())
        for action, result in PORTAL_RESULTS.items():
            portal.add_metric([result], counts.get(action, 0))
        yield portal


_RECORDS = RecordCollector()
REGISTRY.register(_RECORDS)  # the process's own registry: its counters (providers, …), the runtime's, the record


def _registry() -> CollectorRegistry:
    """With PROMETHEUS_MULTIPROC_DIR: every process's counters from their files, and the record."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_RECORDS)
    return registry


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
