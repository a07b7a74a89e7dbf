"""The HTTP adapters against the simulator running as a subprocess — real HTTP, no mocks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from _provider_helpers import FAST_RETRY, T0, ci_list, documents, numbers

from jingsu.providers.base import (
    Bill,
    CallbackRejected,
    CiRequest,
    DeliveryState,
    MailClass,
    MailItem,
    ProviderError,
    ProviderRequestError,
    SendOutcome,
    SmsMessage,
)
from jingsu.providers.http import (
    HttpConfig,
    IdentityAgencyAdapter,
    KakaoAdapter,
    KakaoConfig,
    build_simulator_adapters,
    kakao_hash,
)
from jingsu.simulator.process import SimulatorProcess

# --- identity ----------------------------------------------------------------------------------------------------


def test_ci_batch_is_deterministic_per_seed(adapters):
    reqs = [CiRequest(f"r{i}", n) for i, n in enumerate(numbers(500))]
    first = adapters.identity.to_ci(reqs)
    assert first == adapters.identity.to_ci(reqs)
    assert [r.ref for r in first] == [r.ref for r in reqs]
    codes = Counter(r.code for r in first)
    assert codes["OK"] > 470 and 0 < codes["NO_MATCH"] < 25
    assert all(len(r.ci) == 88 for r in first if r.code == "OK")
    bad = adapters.identity.to_ci([CiRequest("x", "123-45"), CiRequest("y", "9913401234567")])
    assert [(r.ci, r.code) for r in bad] == [(None, "INVALID"), (None, "INVALID")]


# --- Kakao -------------------------------------------------------------------------------------------------------


def test_kakao_send_statuses_read_and_expiry(sim, adapters):
    c = sim.control
    sent = c.now()
    cis = ci_list(adapters.identity, 200, offset=1000)
    docs = documents(cis, "kk", sent, days=7)
    res = adapters.kakao.send(docs)
    assert [r.key for r in res] == [d.key for d in docs]
    outcomes = Counter(r.outcome for r in res)
    assert 0.65 < outcomes[SendOutcome.ACCEPTED] / len(docs) < 0.85
    rejected = [r for r in res if r.outcome == SendOutcome.REJECTED]
    assert {r.code for r in rejected} <= {"NOT_FOUND_USER", "RECEIVE_REFUSED"}
    assert any(r.code == "NOT_FOUND_USER" for r in rejected)
    ids = [r.external_id for r in res if r.outcome == SendOutcome.ACCEPTED]
    key_of = {r.external_id: r.key for r in res}

    st = adapters.kakao.statuses(ids)
    assert {s.state for s in st} == {DeliveryState.SENT}
    assert all(s.key == key_of[s.external_id] and s.sent_at is not None for s in st)

    c.advance(120)
    st = {s.external_id: s for s in adapters.kakao.statuses(ids)}
    assert all(s.state in (DeliveryState.DELIVERED, DeliveryState.READ) for s in st.values())
    assert all(s.delivered_at is not None for s in st.values())

    c.advance(timedelta(days=1))
    read = [s for s in adapters.kakao.statuses(ids) if s.state == DeliveryState.READ]
    assert 0.2 < len(read) / len(ids) < 0.55
    assert all(s.read_at is not None and s.read_at >= s.delivered_at for s in read)

    c.advance(timedelta(days=7))  # past the 7-day read deadline
    final = Counter(s.state for s in adapters.kakao.statuses(ids))
    assert set(final) == {DeliveryState.READ, DeliveryState.EXPIRED}
    assert final[DeliveryState.READ] >= len(read)


def test_kakao_idempotent_resend(sim, adapters):
    cis = ci_list(adapters.identity, 30, offset=2000)
    docs = documents(cis, "idem", sim.control.now())
    before = sim.control.inspect("kakao")
    first = adapters.kakao.send(docs)
    mid = sim.control.inspect("kakao")
    second = adapters.kakao.send(docs)
    after = sim.control.inspect("kakao")
    assert first == second  # same binder ids, same rejections
    assert after["accepted"] == mid["accepted"]
    assert after["unique"] == mid["unique"] == before["unique"] + len(docs)
    counts = sim.control.inspect("kakao", counts=True)["counts"]
    assert all(counts[d.key] == 2 for d in docs)
    assert docs[0].key in after["duplicates"]


def test_kakao_ott_verify_and_mark_read(sim, adapters):
    cis = ci_list(adapters.identity, 20, offset=3000)
    res = adapters.kakao.send(documents(cis, "ott", sim.control.now()))
    ok = next(r for r in res if r.outcome == SendOutcome.ACCEPTED)
    opened = sim.control.open_kakao_document(ok.external_id)
    assert opened["url"].startswith("https://jingsu.example/n/ott") and opened["token"] in opened["url"]
    check = adapters.kakao.verify_token(ok.external_id, opened["token"])
    assert check.valid and check.payload.startswith("ott-notice-")
    again = adapters.kakao.verify_token(ok.external_id, opened["token"])
    assert not again.valid and again.code == "TOKEN_ALREADY_USED"
    assert not adapters.kakao.verify_token(ok.external_id, "forged").valid
    adapters.kakao.mark_read(ok.external_id)
    (st,) = adapters.kakao.statuses([ok.external_id])
    assert st.state == DeliveryState.READ and st.read_at is not None


def test_kakao_hash_fits_40_chars():
    h = "ab" * 32
    assert len(kakao_hash(h)) == 40
    assert kakao_hash("short") == "short"


def test_missing_contract_uuid_is_a_request_error(sim):
    cfg = KakaoConfig(base_url=sim.base_url("kakao"), contract_uuid="", retry=FAST_RETRY)
    with KakaoAdapter(cfg) as bad:
        with pytest.raises(ProviderRequestError) as e:
            bad.statuses(["BIN-x"])
    assert e.value.status == 401


# --- KT ----------------------------------------------------------------------------------------------------------


class _Receiver:
    """A tiny local HTTP server standing in for jingsu's callback endpoint: verifies on arrival (with sim time)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[bytes, dict[str, str]]] = []
        self.reports = []
        self.rejected = 0
        self.verify = None
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append((body, dict(self.headers)))
                try:
                    outer.reports += outer.verify(body, dict(self.headers))
                    status = 200
                except CallbackRejected:
                    outer.rejected += 1
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callbacks/kt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = _Receiver()
    yield r
    r.close()


def _wait(pred, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_kt_send_callbacks_signed_and_polling(sim, adapters, receiver):
    kt = adapters.kt
    receiver.verify = lambda body, headers: kt.parse_callback(body, headers, sim.control.now())
    kt.register_callback(receiver.url)
    cis = ci_list(adapters.identity, 60, offset=4000)
    docs = documents(cis, "kt", sim.control.now(), days=3)
    res = kt.send(docs)
    assert all(r.outcome == SendOutcome.ACCEPTED and r.external_id == r.key for r in res)
    assert kt.pre_notify(docs[:5])[0].outcome == SendOutcome.ACCEPTED
    assert kt.send(docs) == res  # de-duplicated on src_key
    sim.control.advance(120)
    assert _wait(lambda: {r.key for r in receiver.reports} >= {d.key for d in docs})
    assert receiver.rejected == 0
    first = {r.key: r for r in receiver.reports if r.code not in ("50", "60")}
    codes = Counter(r.code for r in first.values())
    assert codes["40"] > 45 and set(codes) <= {"40", "4N", "4R", "4T", "47"}
    failed = [r for r in first.values() if r.code != "40"]
    assert all(r.state == DeliveryState.FAILED for r in failed)
    assert all(
        r.state == DeliveryState.DELIVERED and r.delivered_at for r in first.values() if r.code == "40"
    )

    # tampered body, stale timestamp
    body, headers = receiver.bodies[0]
    now = sim.control.now()
    assert kt.parse_callback(body, headers, now)
    with pytest.raises(CallbackRejected):
        kt.parse_callback(body.replace(b"40", b"60"), headers, now)
    with pytest.raises(CallbackRejected):
        kt.parse_callback(body, headers, now + timedelta(hours=1))

    # polling gives the same picture; reads arrive as 60 (by callback and by polling)
    polled = {s.key: s for s in kt.statuses([d.key for d in docs])}
    assert {k for k, s in polled.items() if s.state == DeliveryState.FAILED} == {r.key for r in failed}
    sim.control.advance(timedelta(days=1))
    polled = {s.key: s for s in kt.statuses([d.key for d in docs])}
    reads = [s for s in polled.values() if s.state == DeliveryState.READ]
    assert reads and all(s.read_at for s in reads)
    assert _wait(lambda: {r.key for r in receiver.reports if r.code == "60"} >= {s.key for s in reads})
    sim.control.advance(timedelta(days=3))  # past 열람마감: unread ones expire (adapter clock)
    final = Counter(s.state for s in kt.statuses([d.key for d in docs]))
    assert final[DeliveryState.EXPIRED] > 0 and final[DeliveryState.DELIVERED] == 0


def test_kt_token_and_read(sim, adapters):
    cis = ci_list(adapters.identity, 5, offset=5000)
    docs = documents(cis, "ktr", sim.control.now())
    adapters.kt.send(docs)
    opened = sim.control.open_kt_message(docs[0].key)
    check = adapters.kt.verify_token(docs[0].key, opened["token"])
    assert check.valid and check.payload == docs[0].payload
    adapters.kt.mark_read(docs[0].key)
    (st,) = adapters.kt.statuses([docs[0].key])
    assert st.state == DeliveryState.READ


# --- SMS ---------------------------------------------------------------------------------------------------------


def test_sms_send_and_status(sim, adapters):
    msgs = [
        SmsMessage(f"sms-{i}", f"010{i:08d}", "노원구청 안내: https://jingsu.example/n/x", f"sms-notice-{i}")
        for i in range(100)
    ] + [SmsMessage("sms-bad", "02123", "x")]
    res = adapters.sms.send(msgs)
    assert res[-1].outcome == SendOutcome.REJECTED and res[-1].code == "INVALID_NUMBER"
    ids = [r.external_id for r in res if r.outcome == SendOutcome.ACCEPTED]
    assert len(ids) == 100
    assert adapters.sms.send(msgs) == res
    sim.control.advance(30)
    states = Counter(s.state for s in adapters.sms.statuses(ids))
    assert states[DeliveryState.DELIVERED] > 90 and states[DeliveryState.SENT] == 0


# --- post --------------------------------------------------------------------------------------------------------


def test_post_batch_status_and_returns(sim, adapters):
    start = sim.control.now()
    items = [
        MailItem(
            f"mail-{i}",
            MailClass.REGISTERED if i % 2 else MailClass.ORDINARY,
            f"{1000 + i:05d}",
            f"서울특별시 노원구 상계로 {i}",
            "홍*동",
            2,
            "ab" * 32,
            f"mail-notice-{i}",
        )
        for i in range(400)
    ]
    items.append(MailItem("mail-bad", MailClass.ORDINARY, "12", "", "x", 1, "", ""))
    receipt = adapters.post.submit_batch("batch-1", items)
    assert receipt.accepted == 400 and [r.key for r in receipt.rejected] == ["mail-bad"]
    again = adapters.post.submit_batch("batch-1", items)
    assert again == receipt
    keys = [i.key for i in items[:400]]
    assert {s.state for s in adapters.post.statuses(keys)} == {DeliveryState.SENT}
    sim.control.advance(timedelta(days=10))
    st = adapters.post.statuses(keys)
    c = Counter(s.state for s in st)
    assert c[DeliveryState.DELIVERED] > 370 and 0 < c[DeliveryState.FAILED] < 30
    registered = [s for s in st if int(s.key.split("-")[1]) % 2]
    assert all(len(s.external_id) == 13 for s in registered)
    returns = adapters.post.returns(start.date())
    assert {r.key for r in returns} == {s.key for s in st if s.state == DeliveryState.FAILED}
    assert {r.reason for r in returns} <= {"수취인불명", "폐문부재", "이사불명"}


# --- bank --------------------------------------------------------------------------------------------------------


def test_bills_and_transactions_follow_sim_time(sim, adapters):
    c = sim.control
    start = c.now()
    cis = ci_list(adapters.identity, 300, offset=6000)
    docs = documents(cis, "pay", start)
    bills = []
    for i, d in enumerate(docs):
        bills.append(Bill(f"{i:019d}", f"{i:014d}", 50_000 + i * 10, start.date(), d.payload))
        if i % 5 == 0:  # some notices carry two bills (two 세목)
            bills.append(Bill(f"{10**18 + i:019d}", f"{i:014d}", 12_340, start.date(), d.payload))
    adapters.bank.register_bills(bills)
    with pytest.raises(ValueError):
        adapters.bank.register_bills([Bill("123", "1", 10, start.date())])
    adapters.kakao.send(docs)
    seen = adapters.bank.transactions(0)
    after = seen[-1].seq if seen else 0
    c.advance(timedelta(hours=3))
    early = adapters.bank.transactions(after)
    assert early, "some recipients pay within 3 hours"
    assert all(t.paid_at <= c.now() for t in early)
    c.advance(timedelta(days=30))
    rest = adapters.bank.transactions(early[-1].seq, limit=10_000)
    txns = early + rest
    assert [t.seq for t in txns] == list(range(after + 1, after + 1 + len(txns)))
    assert all(a.paid_at <= b.paid_at for a, b in zip(txns, txns[1:], strict=False))
    assert len({t.transaction_id for t in txns}) == len(txns)
    amounts = {b.payment_number: b.amount for b in bills}
    accounts = {b.virtual_account for b in bills}
    for t in txns:
        assert t.payment_number in amounts or t.virtual_account in accounts
        if t.payment_number:
            assert t.amount == amounts[t.payment_number]
    assert Counter(t.channel for t in txns).keys() <= {"easy-pay", "e-payment", "virtual-account", "counter"}
    assert 0.15 < len(txns) / len(docs) < 0.45


def test_some_pay_without_any_notice_the_control_groups_baseline(sim, adapters):
    """Bills registered for notices that are never sent (a held-out control group) still see a few payments."""
    c = sim.control
    start = c.now()
    bills = [Bill(f"{9 * 10**17 + i:019d}", "", 30_000, start.date(), f"ctl-{i}") for i in range(1000)]
    before = adapters.bank.transactions(0, limit=100_000)
    after = before[-1].seq if before else 0
    adapters.bank.register_bills(bills)
    c.advance(timedelta(days=31))
    ours = {b.payment_number for b in bills}
    paid = [t for t in adapters.bank.transactions(after, limit=100_000) if t.payment_number in ours]
    # baseline_pay_share 4 %: 1000 payloads → about 40 (binomial sd ≈ 6); spread over the month, never before
    assert 15 < len({t.payment_number for t in paid}) < 70
    assert all(start <= t.paid_at <= start + timedelta(days=30, seconds=1) for t in paid)


# --- retries under faults ----------------------------------------------------------------------------------------


def test_every_item_accepted_exactly_once_under_faults():
    with SimulatorProcess(start=T0, seed=21, fault_rate=0.3, hang_seconds=1.0, slow_seconds=0.2) as s:
        s.control.set_clock(T0)
        with build_simulator_adapters(s.url, timeout=0.5, batch_size=20, retry=FAST_RETRY) as a:
            cis = ci_list(a.identity, 200, offset=7000)
            docs = documents(cis, "ft", T0)
            res = a.kakao.send(docs)
            assert all(r.outcome in (SendOutcome.ACCEPTED, SendOutcome.REJECTED) for r in res)
            accepted = [r for r in res if r.outcome == SendOutcome.ACCEPTED]
            sms = a.sms.send([SmsMessage(f"fs-{i}", f"010{i:08d}", "안내") for i in range(100)])
            receipt = a.post.submit_batch(
                "fb",
                [
                    MailItem(f"fm-{i}", MailClass.ORDINARY, "01234", f"주소 {i}", "x", 1, "", "")
                    for i in range(100)
                ],
            )
            kt = a.kt.send(docs[:60])
            assert a.kakao.send(docs) == res  # the same answers on a full resend
            info = s.control.inspect()
            assert info["kakao"]["accepted"] == len(accepted)
            assert info["kakao"]["unique"] == len(docs)
            assert sum(info["kakao"]["faults"].values()) > 0
            assert info["sms"]["accepted"] == 100 and all(r.outcome == SendOutcome.ACCEPTED for r in sms)
            assert info["post"]["accepted"] == 100 and receipt.accepted == 100
            assert info["kt"]["accepted"] == 60 and all(r.outcome == SendOutcome.ACCEPTED for r in kt)
            assert a.kakao.stats["retries"] > 0


def test_gives_up_with_provider_error_when_unreachable():
    cfg = HttpConfig(
        base_url="http://127.0.0.1:9/identity", timeout=0.2, connect_timeout=0.2, retry=FAST_RETRY
    )
    with IdentityAgencyAdapter(cfg) as a:
        with pytest.raises(ProviderError, match="failed after 8 tries"):
            a.to_ci([CiRequest("r", numbers(1)[0])])


def test_429_is_retried_honouring_retry_after(sim, adapters):
    sim.control.set_rate_limit(10)
    try:
        t = time.monotonic()
        for i in range(25):
            adapters.identity.to_ci([CiRequest(f"rl{i}", numbers(1)[0])])
        elapsed = time.monotonic() - t
    finally:
        sim.control.set_rate_limit(0)
    assert sim.control.inspect("identity")["rate_limited"] > 0
    assert elapsed >= 1.0


def test_kt_callbacks_duplicated_and_out_of_order(sim, adapters, receiver):
    kt = adapters.kt
    receiver.verify = lambda body, headers: kt.parse_callback(body, headers, sim.control.now())
    kt.register_callback(receiver.url)
    cis = ci_list(adapters.identity, 40, offset=8000)
    docs = documents(cis, "ktf", sim.control.now(), days=3)
    kt.send(docs)
    sim.control.set_faults(0.0, callback_rate=1.0)
    try:
        sim.control.advance(timedelta(days=1))  # delivery and reading callbacks fall due together
        keys = {d.key for d in docs}
        assert _wait(lambda: {r.key for r in receiver.reports} >= keys)
        time.sleep(0.3)
    finally:
        sim.control.set_faults(0.0)
    cb = sim.control.inspect("kt")["callbacks"]
    assert cb.get("reordered_posts", 0) > 0
    mine = [r for r in receiver.reports if r.key in keys]
    # out of order: some key's 60 (read) arrived before its 40 (delivered)
    order: dict[str, list[str]] = {}
    for r in mine:
        order.setdefault(r.key, []).append(r.code)
    assert any("60" in codes and codes.index("60") < codes.index("40") for codes in order.values())
    # a consumer applying reports monotonically ends with the polled state
    rank = {DeliveryState.SENT: 0, DeliveryState.FAILED: 1, DeliveryState.DELIVERED: 2, DeliveryState.READ: 4}
    final: dict[str, DeliveryState] = {}
    for r in mine:
        if r.key not in final or rank[r.state] > rank[final[r.key]]:
            final[r.key] = r.state
    polled = {s.key: s.state for s in kt.statuses(sorted(keys))}
    assert final == polled


def test_only_sending_waits_for_the_contracts_rate(sim, adapters):
    """The rate limit is the contract's sending rate (Kakao: 100 documents/s on its send API): a send waits for it,
    a status poll, a citizen's token check and a read report do not (they hand nothing over)."""
    from jingsu.providers.ratelimit import TokenBucket

    waits: list[float] = []
    frozen = time.monotonic()
    bucket = TokenBucket(1.0, burst=1, clock=lambda: frozen, sleep=waits.append)  # time stands still: no refill
    kakao = KakaoAdapter(KakaoConfig(base_url=f"{sim.url}/kakao", timeout=3.0, retry=FAST_RETRY), limiter=bucket)
    docs = documents(ci_list(adapters.identity, 20, offset=9000), "rl", sim.control.now(), days=7)
    accepted = [r.external_id for r in kakao.send(docs[:10]) if r.outcome == SendOutcome.ACCEPTED]
    assert accepted and waits == []  # the one token of the burst
    for _ in range(3):
        kakao.statuses(accepted)
    check = kakao.verify_token(accepted[0], "no-such-token")
    assert not check.valid
    assert waits == [] and bucket.tokens == 0  # nothing taken by the polls or the token check
    kakao.send(docs[10:])
    assert waits == [1.0]  # the next send waits its second
