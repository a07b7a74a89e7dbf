"""GET /metrics: the queue, attempts, payments and portal figures read from the record, and the provider requests
counted where they happen (one real request to the simulator) — in Prometheus' text format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _delivery_helpers import build_campaign
from prometheus_client.parser import text_string_to_metric_families

from _simulator import simulator
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Notice
from jingsu.payments.models import Payment
from jingsu.providers.registry import simulator_providers

sim = simulator(seed=5)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.mark.django_db
def test_metrics_read_the_record_and_count_provider_requests(client, clock, sim):


    campaign = build_campaign(clock, Jurisdiction.by_code("11260"))
    now = clock.now()
    for i, n in enumerate(Notice.objects.filter(campaign=campaign).order_by("pk")):
        status = (AttemptStatus.QUEUED, AttemptStatus.QUEUED, AttemptStatus.ACCEPTED)[i]
        DeliveryAttempt.objects.create(notice=n, channel=Channel.KAKAO, sequence=1, key=f"m-{i}", status=status,
                                       created_at=now, updated_at=now)
    Payment.objects.create(jurisdiction_id="11260", source="bank-feed", external_id="M-1", received_at=now,
                           amount=57_740, status=Payment.Status.MATCHED, created_at=now)
    Payment.objects.create(jurisdiction_id="11260", source="bank-feed", external_id="M-2", received_at=now,
                           amount=10_000, status=Payment.Status.UNMATCHED, created_at=now)
    for action, minutes in (("portal.verified", 5), ("portal.verify_failed", 10), ("portal.verify_failed", 90)):
        AuditLog.objects.create(jurisdiction_id="11260", at=now - timedelta(minutes=minutes),
                                actor="citizen@127.0.0.1", action=action, detail={})
    simulator_providers(sim.url, timeout=5.0).kakao.statuses(["none"])  # one real HTTP exchange with the "provider"

    r = client.get("/metrics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    m = _samples(r.content.decode())
    assert m[("jingsu_delivery_queue", (("channel", "kakao"), ("status", "queued")))] == 2
    assert m[("jingsu_delivery_attempts", (("channel", "kakao"), ("status", "accepted")))] == 1
    assert m[("jingsu_payments_booked", (("source", "bank-feed"),))] == 1
    assert m[("jingsu_payments_booked_won", (("source", "bank-feed"),))] == 57_740
    assert m[("jingsu_portal_verifications_last_hour", (("result", "verified"),))] == 1
    assert m[("jingsu_portal_verifications_last_hour", (("result", "failed"),))] == 1  # the 90-minute one is older
    assert m[("jingsu_provider_requests_total", (("outcome", "ok"), ("provider", "kakao")))] >= 1
    assert m[("jingsu_provider_request_seconds_count", (("provider", "kakao"),))] >= 1
    assert "900101" not in r.content.decode() and "김민준" not in r.content.decode()
