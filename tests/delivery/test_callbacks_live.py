"""End to end: jingsu sends through KT (the simulator), and the simulator itself posts signed result callbacks to a
live Django server — duplicated and reordered under callback faults. The endpoint's clock is the simulator's clock
(the simulator stamps callbacks with sim time)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
from _delivery_helpers import build_campaign

from _clock import T0
from jingsu.core.runtime import installed, runtime
from jingsu.delivery import services as delivery
from jingsu.delivery.models import (
    AttemptStatus,
    Channel,
    DeliveryAttempt,
    DeliveryEvent,
    ReceiptEvent,
    ReceiptRejection,
)
from jingsu.providers.http import RetryPolicy
from jingsu.providers.registry import simulator_providers
from jingsu.providers.signing import sign
from jingsu.simulator.process import SimulatorProcess

STATE = {"delivered": AttemptStatus.DELIVERED, "read": AttemptStatus.READ, "failed": AttemptStatus.FAILED,
         "expired": AttemptStatus.EXPIRED}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simulator_posts_callbacks_to_the_live_server(live_server, clock, jungnang):
    with SimulatorProcess(start=T0, seed=5) as sim:
        sim.control.set_clock(clock.now())
        sim.control.set_faults(rate=0.0, callback_rate=1.0)  # every callback batch reordered, half posted twice
        # the callback endpoint on the simulator's clock (callbacks carry sim time)
        with installed(runtime().with_clock(sim.control.clock())):
            providers = simulator_providers(sim.url, timeout=5.0, kt_callback_url=f"{live_server.url}/callbacks/kt",
                                            retry=RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2))
            campaign = build_campaign(clock, jungnang)
            delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
            # send on KT first (the plan would start with Kakao)
            DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.KAKAO).update(channel=Channel.KT)
            assert delivery.send_queued(providers, clock=clock) >= 1
            kt = list(DeliveryAttempt.objects.filter(channel=Channel.KT, status=AttemptStatus.ACCEPTED))
            assert kt
            for a in kt:  # make sure at least one reads: open it in the simulator (the recipient reads)
                sim.control.open_kt_message(a.key)
            sim.control.advance(timedelta(days=2))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                cb = sim.control.inspect("kt")["callbacks"]
                if cb.get("scheduled", 0) == 0 and cb.get("posts", 0) >= 1 and not cb.get("waiting_for_url"):
                    break
                time.sleep(0.2)
            time.sleep(0.5)
            # what the callbacks did equals what polling KT says
            polled = {r.key: r for r in providers.kt.statuses([a.key for a in kt])}
            for a in kt:
                a.refresh_from_db()
                expected = STATE.get(str(polled[a.key].state))
                if expected is not None:
                    assert a.status == expected, (a.key, a.status, polled[a.key])
            assert ReceiptEvent.objects.filter(applied=True).exists()
            assert not ReceiptRejection.objects.exists()
            # each attempt moved at most once into each status, whatever the duplicates
            for a in kt:
                moves = list(DeliveryEvent.objects.filter(attempt=a).values_list("to_status", flat=True))
                assert len(moves) == len(set(moves)), moves

            # refused: bad signature, stale timestamp, unknown key
            events = DeliveryEvent.objects.count()
            now = int(sim.control.now().timestamp())
            body = json.dumps({"results": [{"src_key": kt[0].key, "req_type": "main",
                                            "mms_sndg_rslt_dvcd": "60"}]}).encode()
            unknown = json.dumps({"results": [{"src_key": "NOPE-1", "req_type": "main",
                                               "mms_sndg_rslt_dvcd": "40"}]}).encode()
            secret = "jingsu-sim-callback-secret"
            for ts, payload, signature, status in (
                (now, body, "f" * 64, 401),
                (now - 3600, body, None, 401),
                (now, unknown, None, 404),
            ):
                r = httpx.post(f"{live_server.url}/callbacks/kt", content=payload,
                               headers={"X-Timestamp": str(ts),
                                        "X-Signature": signature or sign(secret, str(ts), payload)})
                assert r.status_code == status
            assert sorted(ReceiptRejection.objects.values_list("reason", flat=True)) == [
                "bad_signature", "stale_timestamp", "unknown_key"]
            assert DeliveryEvent.objects.count() == events
