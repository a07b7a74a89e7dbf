"""간편결제 through the simulator's payment gateway, end to end over HTTP: jingsu starts a payment, the simulated
citizen approves, the simulator posts its signed notice to a live jingsu server before it answers the browser, and
the money is counted once however often it is announced (duplicate notices, then the bank feed)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.core.runtime import installed, runtime
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments import gateway
from jingsu.payments.models import Allocation, GatewayOrder, GatewayRejection, Payment
from jingsu.payments.services import BANK_FEED, read_bank_feed
from jingsu.providers.base import GatewayNoticeRejected
from jingsu.providers.http import RetryPolicy, parse_gateway_notice
from jingsu.providers.registry import simulator_providers
from jingsu.providers.signing import sign
from jingsu.rolls.importer import import_roll
from jingsu.simulator.gateway import DEFAULT_PG_SECRET
from jingsu.simulator.process import SimulatorProcess

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)  # = the `clock` fixture's start
FAST = RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2)
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def sim():
    """One simulator per test: its bank feed starts empty, as jingsu's database does."""
    with SimulatorProcess(start=T0, seed=21) as s:
        s.control.set_clock(T0)
        yield s


@pytest.fixture
def pg(sim, live_server):
    """Providers against the simulator; the notice endpoint on the simulator's clock (notices carry sim time)."""
    sim.control.pg_faults(None)
    providers = simulator_providers(sim.url, timeout=5.0, retry=FAST)
    with installed(runtime().with_clock(sim.control.clock())):
        yield providers
    sim.control.pg_faults(None)
    providers.bank.close()  # type: ignore[attr-defined]
    providers.gateway.close()  # type: ignore[union-attr]


@pytest.fixture
def lines(clock, jungnang):
    """roll_small.csv → an approved campaign; its notice lines (one per levy)."""
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="간편결제", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    return list(NoticeLine.objects.filter(notice__campaign=campaign).select_related("levy").order_by("pk"))


def start(line, providers, live_server, clock) -> GatewayOrder:
    gateway.start_payment(line, providers, return_url=f"{live_server.url}/pay/pg/return",
                          notify_url=f"{live_server.url}/callbacks/pg", clock=clock)
    return GatewayOrder.objects.filter(levy=line.levy).latest("pk")


def money():
    return (Payment.objects.count(), sum(Allocation.objects.values_list("amount", flat=True)))


# --- the happy path ------------------------------------------------------------------------------------------------


@LIVE
def test_approval_books_the_levy_once_through_notices_duplicates_and_the_bank_feed(sim, pg, lines, live_server,
                                                                                   clock):
    line = lines[0]
    levy = line.levy
    owed = levy.owed(T0.date()).total
    # the citizen got the notice an hour ago (a payment counts for a notice received before it: docs/reports.md)
    DeliveryAttempt.objects.create(notice_id=line.notice_id, channel=Channel.KAKAO, sequence=1, key="k-1",
                                   status=AttemptStatus.DELIVERED, created_at=T0 - timedelta(hours=1),
                                   updated_at=T0 - timedelta(hours=1), sent_at=T0 - timedelta(hours=1))
    redirect = gateway.start_payment(line, pg, return_url=f"{live_server.url}/pay/pg/return",
                                     notify_url=f"{live_server.url}/callbacks/pg", clock=clock)
    # a reload of the pay page reuses the open order (and the gateway is idempotent on order_id anyway)
    assert gateway.start_payment(line, pg, return_url=f"{live_server.url}/pay/pg/return",
                                 notify_url=f"{live_server.url}/callbacks/pg", clock=clock) == redirect
    order = GatewayOrder.objects.get()
    assert (order.amount, order.payment_number, order.status) == (owed, line.payment_number, "created")
    assert order.tid and redirect.endswith(f"/pg/v1/checkout/{order.tid}")

    page = httpx.get(redirect)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"{owed:,}원" in page.text and "결제하기" in page.text and "취소" in page.text

    answer = sim.control.pg_approve(order.tid)  # the citizen presses 결제하기
    assert [p["status"] for p in answer["posts"]] == [200]
    assert answer["posts"][0]["answer"]["result"] == "ok"
    assert answer["return_url"].startswith(f"{live_server.url}/pay/pg/return?tid={order.tid}")

    # by the time the gateway answered, jingsu had booked it: levy paid, notice paid, one payment
    order.refresh_from_db()
    levy.refresh_from_db()
    notice = Notice.objects.get(pk=line.notice_id)
    payment = Payment.objects.get()
    assert order.status == "paid" and order.payment_id == payment.pk
    assert (payment.source, payment.external_id, payment.channel, payment.amount) == (BANK_FEED, order.tid,
                                                                                      "easy-pay", owed)
    assert payment.status == Payment.Status.MATCHED and payment.matched_by == "payment_number"
    assert levy.status == Levy.Status.PAID and levy.outstanding_amount == 0
    assert notice.paid_at is not None and notice.paid_amount == owed
    assert money() == (1, owed)
    back = httpx.get(answer["return_url"])
    assert back.status_code == 200 and "납부가 완료되었습니다." in back.text

    # the notice delivered twice more: acknowledged, nothing changes
    again = sim.control.pg_notify(order.tid, "duplicate")
    assert [(p["status"], p["answer"]["result"]) for p in again["posts"]] == [(200, "duplicate")] * 2
    assert money() == (1, owed)

    # the bank feed reports the same money under the same id: recognised, not counted again
    summary = read_bank_feed(pg, clock=clock)
    assert (summary.received, summary.new, summary.duplicates) == (1, 0, 1)
    assert money() == (1, owed)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"gateway.order.create", "gateway.order.redirect", "payment.receive", "payment.allocate",
            "gateway.order.paid", "gateway.notice.duplicate"} <= actions
    assert not GatewayRejection.objects.exists()


@LIVE
def test_browser_form_post_redirects_after_the_notice_so_the_paid_state_shows_at_once(sim, pg, lines, live_server,
                                                                                     clock):
    order = start(lines[1], pg, live_server, clock)
    r = httpx.post(f"{sim.url}/pg/v1/checkout/{order.tid}/approve", data={"action": "approve"})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(f"{live_server.url}/pay/pg/return?") and f"tid={order.tid}" in location
    assert "result=approved" in location
    landed = httpx.get(location)
    assert 'data-status="paid"' in landed.text and "납부가 완료되었습니다." in landed.text
    # a double click changes nothing
    assert httpx.post(f"{sim.url}/pg/v1/checkout/{order.tid}/approve").status_code == 303
    assert money() == (1, order.amount)


@LIVE
def test_lost_notice_then_bank_feed_then_late_notice_counts_once(sim, pg, lines, live_server, clock):
    order = start(lines[0], pg, live_server, clock)
    sim.control.pg_faults("bad_signature")  # the approval's notice arrives with a forged signature
    answer = sim.control.pg_approve(order.tid)
    assert [(p["status"], p["answer"]["code"]) for p in answer["posts"]] == [(401, "bad_signature")]
    assert money() == (0, 0)
    order.refresh_from_db()
    assert order.status == "created"
    # the bank feed books the money (the sure path) …
    summary = read_bank_feed(pg, clock=clock)
    assert (summary.new, summary.matched) == (1, 1)
    assert money() == (1, order.amount)
    # … and a genuine notice coming late finds it: the order is paid, the money counted once
    late = sim.control.pg_notify(order.tid, "normal")
    assert [(p["status"], p["answer"]["result"]) for p in late["posts"]] == [(200, "ok")]
    order.refresh_from_db()
    assert order.status == "paid" and order.payment == Payment.objects.get()
    assert money() == (1, order.amount)
    paid = AuditLog.objects.get(action="gateway.order.paid")
    assert paid.detail["already_from_bank_feed"] is True


@LIVE
def test_settle_from_bank_feed_marks_an_order_whose_notice_never_came(sim, pg, lines, live_server, clock):
    order = start(lines[0], pg, live_server, clock)
    sim.control.pg_faults("stale")
    sim.control.pg_approve(order.tid)
    assert money() == (0, 0)
    read_bank_feed(pg, clock=clock)
    assert gateway.settle_from_bank_feed(clock=clock) == 1
    assert gateway.settle_from_bank_feed(clock=clock) == 0
    order.refresh_from_db()
    assert order.status == "paid" and money() == (1, order.amount)


# --- bad notices: a clear message, logged, no money ---------------------------------------------------------------


@LIVE
def test_bad_notices_are_refused_logged_and_book_nothing(sim, pg, lines, live_server, clock):
    line = lines[0]
    levy_before = Levy.objects.values().get(pk=line.levy_id)
    order = start(line, pg, live_server, clock)

    sim.control.pg_faults("amount_mismatch", amount_delta=-1000)  # the notice names another amount
    answer = sim.control.pg_approve(order.tid)
    post = answer["posts"][0]
    assert (post["status"], post["answer"]["code"]) == (400, "amount_mismatch")
    assert post["answer"]["message"] == "결제 금액이 주문 금액과 다릅니다. 반영하지 않았습니다."
    rejection = GatewayRejection.objects.get()
    assert (rejection.reason, rejection.order, rejection.claimed_amount) == ("amount_mismatch", order,
                                                                             order.amount - 1000)

    for mode, status, code in (("bad_signature", 401, "bad_signature"), ("stale", 401, "stale_timestamp")):
        post = sim.control.pg_notify(order.tid, mode)["posts"][0]
        assert (post["status"], post["answer"]["code"]) == (status, code)

    url = f"{live_server.url}/callbacks/pg"
    now = str(int(sim.control.now().timestamp()))

    def signed(body: bytes) -> httpx.Response:
        return httpx.post(url, content=body, headers={"Content-Type": "application/json", "X-Timestamp": now,
                                                      "X-Signature": sign(DEFAULT_PG_SECRET, now, body)})

    unknown = json.dumps({"tid": "PGNOPE", "order_id": "JS11260NOPE", "amount": order.amount,
                          "payment_number": order.payment_number, "status": "approved",
                          "approved_at": T0.isoformat()}).encode()
    r = signed(unknown)
    assert r.status_code == 400 and r.json()["code"] == "unknown_order" and "알 수 없는 주문" in r.json()["message"]
    r = signed(b"not json")
    assert r.status_code == 400 and r.json()["code"] == "malformed"
    other_number = json.dumps({"tid": order.tid, "order_id": order.order_id, "amount": order.amount,
                               "payment_number": "1" * 19, "status": "approved",
                               "approved_at": T0.isoformat()}).encode()
    assert signed(other_number).json()["code"] == "number_mismatch"
    r = httpx.post(url, content=unknown, headers={"X-Timestamp": now})  # no signature at all
    assert r.status_code == 401
    assert httpx.get(url).status_code == 405

    assert sorted(GatewayRejection.objects.values_list("reason", flat=True)) == sorted(
        ["amount_mismatch", "bad_signature", "stale_timestamp", "unknown_order", "malformed", "number_mismatch",
         "bad_signature"])
    assert AuditLog.objects.filter(action="gateway.notice.reject").count() == 7
    assert money() == (0, 0)
    assert Levy.objects.values().get(pk=line.levy_id) == levy_before
    order.refresh_from_db()
    assert order.status == "created" and order.payment is None


@LIVE
def test_cancel_books_nothing(sim, pg, lines, live_server, clock):
    order = start(lines[0], pg, live_server, clock)
    r = httpx.post(f"{sim.url}/pg/v1/checkout/{order.tid}/cancel")
    assert r.status_code == 303 and "result=cancelled" in r.headers["location"]
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert "결제가 취소되었습니다" in httpx.get(r.headers["location"]).text
    assert "취소된 결제입니다." in httpx.get(f"{sim.url}/pg/v1/checkout/{order.tid}").text
    assert httpx.post(f"{sim.url}/pg/v1/payments/{order.tid}/approve").status_code == 409
    assert read_bank_feed(pg, clock=clock).new == 0
    assert money() == (0, 0)
    assert AuditLog.objects.filter(action="gateway.order.cancel").count() == 1
    # the next try opens a new order
    assert start(lines[0], pg, live_server, clock).pk != order.pk


# --- the simulator's gateway and the adapter, without jingsu's database --------------------------------------------


def test_simulator_gateway_auth_idempotency_conflict_and_expiry():
    with SimulatorProcess(start=T0, seed=3) as s:
        s.control.set_clock(T0)
        body = {"order_id": "O-1", "amount": 12_340, "item_name": "재산세 2025년 과세분 납부",
                "payment_number": "1126014250000000018", "return_url": "https://jingsu.example/pay/pg/return",
                "notify_url": "http://127.0.0.1:9/callbacks/pg"}
        with httpx.Client(base_url=s.url, timeout=10) as c:
            assert c.post("/pg/v1/payments", json=body).status_code == 401
            auth = {"Authorization": "Bearer merchant"}
            first = c.post("/pg/v1/payments", json=body, headers=auth).json()
            assert c.post("/pg/v1/payments", json=body, headers=auth).json()["tid"] == first["tid"]
            r = c.post("/pg/v1/payments", json={**body, "amount": 1}, headers=auth)
            assert r.status_code == 409 and r.json()["error_code"] == "ORDER_CONFLICT"
            bad = c.post("/pg/v1/payments", json={**body, "order_id": "O-2", "payment_number": "12"}, headers=auth)
            assert bad.status_code == 400
            status = c.get(f"/pg/v1/payments/{first['tid']}", headers=auth).json()
            assert (status["status"], status["amount"]) == ("ready", 12_340)
            assert c.get("/pg/v1/checkout/NOPE").status_code == 404
            s.control.advance(timedelta(minutes=16))  # the checkout lapses (pg_checkout_validity_s)
            assert "결제 가능 시간이 지났습니다" in c.get(f"/pg/v1/checkout/{first['tid']}").text
            assert c.post(f"/pg/v1/checkout/{first['tid']}/approve").status_code == 410
            assert c.get(f"/pg/v1/payments/{first['tid']}", headers=auth).json()["status"] == "expired"
            assert c.get("/bank/v1/transactions", headers=auth).json()["transactions"] == []
        gw = s.control.inspect("pg")["gateway"]
        assert (gw["payments"], gw["expired"], gw["approved"]) == (1, 1, 0)


def _headers(body: bytes, ts: int, secret: str = DEFAULT_PG_SECRET) -> dict[str, str]:
    return {"X-Timestamp": str(ts), "X-Signature": sign(secret, str(ts), body)}


def test_parse_gateway_notice_checks_signature_time_and_shape():
    now = T0
    ts = int(now.timestamp())
    body = json.dumps({"tid": "PG1", "order_id": "O1", "amount": 5000, "payment_number": "1" * 19,
                       "status": "approved", "approved_at": now.isoformat()}).encode()
    n = parse_gateway_notice(DEFAULT_PG_SECRET, body, _headers(body, ts), now)
    assert (n.tid, n.order_id, n.amount, n.status, n.approved_at) == ("PG1", "O1", 5000, "approved", now)
    for headers, reason in (
        (_headers(body, ts, "other"), "bad_signature"),
        ({"X-Timestamp": str(ts)}, "bad_signature"),
        (_headers(body, ts - 301), "stale_timestamp"),
        (_headers(body, ts + 301), "stale_timestamp"),
    ):
        with pytest.raises(GatewayNoticeRejected) as e:
            parse_gateway_notice(DEFAULT_PG_SECRET, body, headers, now)
        assert e.value.reason == reason
    for bad in (b"[]", b'{"tid":"x"}', json.dumps({**json.loads(body), "amount": "5000"}).encode(),
                json.dumps({**json.loads(body), "status": "refunded"}).encode(),
                json.dumps({**json.loads(body), "approved_at": None}).encode()):
        with pytest.raises(GatewayNoticeRejected) as e:
            parse_gateway_notice(DEFAULT_PG_SECRET, bad, _headers(bad, ts), now)
        assert e.value.reason == "malformed"


@LIVE
def test_approval_times_before_the_order_or_in_the_future_are_refused(sim, pg, lines, live_server, clock):
    order = start(lines[0], pg, live_server, clock)
    url = f"{live_server.url}/callbacks/pg"
    now = sim.control.now()
    ts = str(int(now.timestamp()))

    def notice(approved_at: datetime) -> httpx.Response:
        body = json.dumps({"tid": order.tid, "order_id": order.order_id, "amount": order.amount,
                           "payment_number": order.payment_number, "status": "approved",
                           "approved_at": approved_at.isoformat()}).encode()
        return httpx.post(url, content=body, headers={"Content-Type": "application/json", "X-Timestamp": ts,
                                                      "X-Signature": sign(DEFAULT_PG_SECRET, ts, body)})

    for approved_at in (order.created_at - timedelta(hours=1), now + timedelta(hours=1)):
        r = notice(approved_at)
        assert (r.status_code, r.json()["code"]) == (400, "bad_time"), r.json()
        assert r.json()["message"] == "결제 승인 시각이 주문 전이거나 미래입니다. 반영하지 않았습니다."
    assert list(GatewayRejection.objects.values_list("reason", flat=True)) == ["bad_time", "bad_time"]
    assert AuditLog.objects.filter(action="gateway.notice.reject").count() == 2
    assert money() == (0, 0)
    order.refresh_from_db()
    assert order.status == "created" and order.payment is None

    r = notice(now)  # the same notice with a possible time is booked
    assert (r.status_code, r.json()["code"]) == (200, "ok")
