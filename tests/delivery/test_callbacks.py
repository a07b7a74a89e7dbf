"""KT result callbacks through Django's test client, signed with the simulator-side signer."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from _delivery_helpers import build_campaign, kt_attempts

from jingsu.delivery.models import AttemptStatus, DeliveryEvent, ReceiptEvent, ReceiptRejection
from jingsu.notices.models import Notice
from jingsu.providers.signing import sign

SECRET = "jingsu-sim-callback-secret"  # the simulator's published secret, set for the tests in tests/conftest.py


def kt_ts(dt) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def record(src_key: str, code: str, clock, *, rcv=None, rdg=None) -> dict:
    r = {"src_key": src_key, "req_type": "main", "mms_sndg_rslt_dvcd": code,
         "mms_sndg_tmst": kt_ts((rcv or clock.now()) - timedelta(minutes=1))}
    if rcv:
        r["mms_rcv_tmst"] = kt_ts(rcv)
    if rdg:
        r["mms_rdg_tmst"] = kt_ts(rdg)
    return r


def post(client, records, clock, *, secret=SECRET, ts=None, body=None):
    body = body if body is not None else json.dumps({"results": records}).encode()
    ts = str(int(clock.now().timestamp())) if ts is None else ts
    return client.post("/callbacks/kt", data=body, content_type="application/json",
                       headers={"X-Timestamp": ts, "X-Signature": sign(secret, ts, body)})


@pytest.fixture
def setup(db, clock, jungnang, receipt_clock):
    campaign = build_campaign(clock, jungnang)
    attempts = kt_attempts(campaign, clock)
    clock.advance(timedelta(minutes=30))
    return attempts


def test_good_callback_applies_and_duplicate_is_applied_once(client, setup, clock):
    a = setup[0]
    rcv = clock.now() - timedelta(minutes=5)
    resp = post(client, [record(a.key, "40", clock, rcv=rcv)], clock)
    assert resp.status_code == 200 and resp.json()["applied"] == 1
    a.refresh_from_db()
    assert a.status == AttemptStatus.DELIVERED and a.delivered_at == rcv.replace(microsecond=0)
    assert Notice.objects.get(pk=a.notice_id).status == Notice.Status.DELIVERED
    events = DeliveryEvent.objects.filter(attempt=a).count()
    # the same record again, later and with a fresh signature: acknowledged, not applied
    clock.advance(timedelta(seconds=30))
    resp = post(client, [record(a.key, "40", clock, rcv=rcv)], clock)
    assert resp.status_code == 200 and resp.json()["duplicates"] == 1 and resp.json()["applied"] == 0
    assert DeliveryEvent.objects.filter(attempt=a).count() == events
    assert ReceiptEvent.objects.filter(attempt=a).count() == 1


def test_read_then_received_ends_read(client, setup, clock):
    a = setup[1]
    rcv, rdg = clock.now() - timedelta(minutes=20), clock.now() - timedelta(minutes=2)
    resp = post(client, [record(a.key, "60", clock, rcv=rcv, rdg=rdg)], clock)
    assert resp.json()["applied"] == 1
    resp = post(client, [record(a.key, "40", clock, rcv=rcv)], clock)
    assert resp.status_code == 200 and resp.json()["no_ops"] == 1
    a.refresh_from_db()
    assert a.status == AttemptStatus.READ and a.read_at == rdg.replace(microsecond=0)
    assert [e.to_status for e in DeliveryEvent.objects.filter(attempt=a)] == ["delivered", "read"]
    n = Notice.objects.get(pk=a.notice_id)
    assert n.status == Notice.Status.READ and n.read_at is not None
    assert ReceiptEvent.objects.filter(attempt=a, applied=False).count() == 1


def test_one_callback_with_both_records_in_reverse_order(client, setup, clock):
    a = setup[0]
    rcv, rdg = clock.now() - timedelta(minutes=20), clock.now() - timedelta(minutes=2)
    resp = post(client, [record(a.key, "60", clock, rcv=rcv, rdg=rdg), record(a.key, "40", clock, rcv=rcv)], clock)
    assert resp.json()["applied"] == 1 and resp.json()["no_ops"] == 1
    a.refresh_from_db()
    assert a.status == AttemptStatus.READ


@pytest.mark.parametrize("case", ["bad_signature", "stale_timestamp", "future_timestamp", "unknown_key",
                                  "wrong_secret", "missing_headers", "malformed"])
def test_rejected_callbacks_change_nothing(client, setup, clock, case, caplog):
    a = setup[0]
    records = [record(a.key, "60", clock, rcv=clock.now(), rdg=clock.now())]
    body = json.dumps({"results": records}).encode()
    now_ts = int(clock.now().timestamp())
    events_before = DeliveryEvent.objects.count()
    with caplog.at_level(logging.WARNING, logger="jingsu.delivery.receipts"):
        if case == "bad_signature":
            ts = str(now_ts)
            resp = client.post("/callbacks/kt", data=body, content_type="application/json",
                               headers={"X-Timestamp": ts, "X-Signature": "0" * 64})
        elif case == "stale_timestamp":
            resp = post(client, records, clock, ts=str(now_ts - 301))
        elif case == "future_timestamp":
            resp = post(client, records, clock, ts=str(now_ts + 301))
        elif case == "unknown_key":
            resp = post(client, [*records, record("NOT-OURS-1", "40", clock, rcv=clock.now())], clock)
        elif case == "wrong_secret":
            resp = post(client, records, clock, secret="another-secret")
        elif case == "missing_headers":
            resp = client.post("/callbacks/kt", data=body, content_type="application/json")
        else:
            resp = post(client, records, clock, body=b"{not json")
    assert 400 <= resp.status_code < 500
    expected = {"bad_signature": "bad_signature", "wrong_secret": "bad_signature", "missing_headers": "bad_signature",
                "stale_timestamp": "stale_timestamp", "future_timestamp": "stale_timestamp",
                "unknown_key": "unknown_key", "malformed": "malformed"}[case]
    rejection = ReceiptRejection.objects.get()
    assert rejection.reason == expected and len(rejection.body_sha256) == 64
    assert "김민준" not in json.dumps(rejection.detail, ensure_ascii=False)
    assert DeliveryEvent.objects.count() == events_before
    assert not ReceiptEvent.objects.exists()
    a.refresh_from_db()
    assert a.status == AttemptStatus.ACCEPTED
    assert any(expected in r.getMessage() for r in caplog.records)


def test_a_timestamp_inside_the_window_is_accepted(client, setup, clock):
    a = setup[0]
    resp = post(client, [record(a.key, "40", clock, rcv=clock.now())], clock,
                ts=str(int(clock.now().timestamp()) - 299))
    assert resp.status_code == 200


def test_failure_code_moves_to_failed_and_queues_the_next_channel(client, setup, clock):
    a = setup[0]
    resp = post(client, [record(a.key, "4T", clock)], clock)
    assert resp.json()["applied"] == 1
    a.refresh_from_db()
    assert a.status == AttemptStatus.FAILED and a.result_code == "4T"
    assert a.notice.attempts.filter(sequence=2).exists()


def test_get_is_not_allowed(client, setup):
    assert client.get("/callbacks/kt").status_code == 405


@pytest.mark.parametrize("case", ["read_before_send", "received_before_send", "read_in_future"])
def test_record_times_before_the_send_or_in_the_future_are_refused(client, setup, clock, case, caplog):
    a = setup[2]
    a.refresh_from_db()
    sent = a.sent_at or a.created_at
    status_before = a.status
    rcv, rdg = {
        "read_before_send": (sent + timedelta(minutes=5), sent - timedelta(hours=1)),
        "received_before_send": (sent - timedelta(hours=1), None),
        "read_in_future": (clock.now() - timedelta(minutes=5), clock.now() + timedelta(hours=1)),
    }[case]
    events = DeliveryEvent.objects.count()
    with caplog.at_level(logging.WARNING, logger="jingsu.delivery.receipts"):
        resp = post(client, [record(a.key, "60" if rdg else "40", clock, rcv=rcv, rdg=rdg)], clock)
    assert resp.status_code == 422
    assert resp.json() == {"rslt_cd": "E422", "rslt_msg": "bad_time"}
    a.refresh_from_db()
    assert a.status == status_before and a.read_at is None
    assert DeliveryEvent.objects.count() == events and not ReceiptEvent.objects.exists()
    rejection = ReceiptRejection.objects.get()
    assert rejection.reason == ReceiptRejection.Reason.BAD_TIME and rejection.detail["bad_times"]
    assert "KT callback rejected: bad_time" in caplog.text


def test_a_read_time_within_the_clock_skew_is_accepted(client, setup, clock):
    a = setup[2]
    resp = post(client, [record(a.key, "60", clock, rcv=clock.now() - timedelta(minutes=1),
                                rdg=clock.now() + timedelta(seconds=60))], clock)
    assert resp.status_code == 200 and resp.json()["applied"] == 1


def test_polled_reports_with_impossible_times_are_not_applied(setup, clock, caplog):
    from jingsu.delivery.services import apply_reports
    from jingsu.providers.base import DeliveryState, StatusReport

    a = setup[0]
    a.refresh_from_db()
    sent = a.sent_at or a.created_at
    early = StatusReport(key=a.key, external_id=a.external_id, state=DeliveryState.READ,
                         delivered_at=sent - timedelta(hours=2), read_at=sent - timedelta(hours=1))
    late = StatusReport(key=a.key, external_id=a.external_id, state=DeliveryState.READ,
                        delivered_at=clock.now(), read_at=clock.now() + timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="jingsu.delivery.services"):
        assert apply_reports([(a.pk, early), (a.pk, late)], now=clock.now()) == set()
    a.refresh_from_db()
    assert a.read_at is None and a.status == AttemptStatus.ACCEPTED
    assert "delivered_before_send" in caplog.text and "read_future" in caplog.text
