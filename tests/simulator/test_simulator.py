"""The simulator as a real subprocess over HTTP: process lifecycle, clock, determinism, faults, limits, speed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import httpx
import pytest

from jingsu.simulator.process import SimulatorProcess
from jingsu.simulator.world import World

T0 = datetime.fromisoformat("2026-11-23T09:00:00+09:00")
AUTH = {"Authorization": "Bearer test", "Contract-Uuid": "contract-1"}


def numbers(n: int) -> list[str]:
    return [f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{1 + i % 4}{i:06d}" for i in range(n)]


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(start=T0, seed=11) as s:
        s.control.set_clock(T0)
        yield s


@pytest.fixture(scope="module")
def http(sim):
    with httpx.Client(base_url=sim.url, headers=AUTH, timeout=10) as c:
        yield c


def kakao_doc(key: str, ci: str, payload: str = "", deadline: datetime | None = None) -> dict:
    return {
        "title": "노원구청 자동차세 체납액 고지서",
        "receiver": {"ci": ci},
        "property": {
            "link": f"https://jingsu.example/p/{key}",
            "payload": payload,
            "message": "전자문서 도착",
            "external_document_uuid": key,
        },
        "read_expired_at": int((deadline or T0 + timedelta(days=30)).timestamp()),
        "hash": "x" * 40,
    }


def cis(http: httpx.Client, n: int, offset: int = 0) -> list[str]:
    items = [
        {"ref": str(i), "registration_number": num} for i, num in enumerate(numbers(n + offset)[offset:])
    ]
    return [
        r["ci"] for r in http.post("/identity/v1/ci/batch", json={"items": items}).json()["items"] if r["ci"]
    ]


def test_first_line_is_listening_json_and_sigterm_stops_cleanly():
    p = subprocess.Popen(
        [sys.executable, "-m", "jingsu.simulator", "--port", "0", "--seed", "3"], stdout=subprocess.PIPE
    )
    try:
        line = json.loads(p.stdout.readline())
        assert line["listening"].startswith("http://127.0.0.1:")
        assert httpx.get(line["listening"] + "/healthz").json() == {"status": "ok"}
        p.send_signal(signal.SIGTERM)
        assert p.wait(5) == 0
    finally:
        if p.poll() is None:
            p.kill()
        p.stdout.close()


def test_clock_is_set_advanced_and_never_goes_back(sim):
    c = sim.control
    now = c.now()
    assert now >= T0
    later = c.advance(60)
    assert later - now >= timedelta(seconds=60)
    with pytest.raises(RuntimeError, match="409"):
        c.set_clock(T0 - timedelta(days=1))
    assert c.set_clock(later + timedelta(seconds=1)) == later + timedelta(seconds=1)


def test_time_scale_runs_sim_time():
    with SimulatorProcess(start=T0, seed=1, time_scale=3600.0) as s:
        a = s.control.now()
        time.sleep(0.2)
        assert s.control.now() - a >= timedelta(seconds=600)  # 0.2 s × 3600 = 720 s


def test_auth_is_required(sim):
    r = httpx.post(
        sim.url + "/kakao/v1/documents/bulk", json={"documents": []}, headers={"Authorization": "Bearer x"}
    )
    assert r.status_code == 401
    r = httpx.post(sim.url + "/sms/v1/messages", json={"messages": []})
    assert r.status_code == 401


def test_same_seed_same_world_different_seed_different_world(http):
    with SimulatorProcess(start=T0, seed=11) as twin, SimulatorProcess(start=T0, seed=12) as other:
        items = [{"ref": str(i), "registration_number": n} for i, n in enumerate(numbers(50))]
        ours = http.post("/identity/v1/ci/batch", json={"items": items}).json()
        theirs = httpx.post(twin.url + "/identity/v1/ci/batch", json={"items": items}, headers=AUTH).json()
        diff = httpx.post(other.url + "/identity/v1/ci/batch", json={"items": items}, headers=AUTH).json()
    assert ours == theirs
    assert [r["ci"] for r in ours["items"]] != [r["ci"] for r in diff["items"]]
    assert all(len(r["ci"]) == 88 for r in ours["items"] if r["ci"])


def test_identity_codes(http):
    items = [
        {"ref": "a", "registration_number": "12345"},
        {"ref": "b", "registration_number": "9013011234567"},
        {"ref": "c", "registration_number": numbers(1)[0]},
    ]
    got = {
        r["ref"]: r["code"] for r in http.post("/identity/v1/ci/batch", json={"items": items}).json()["items"]
    }
    assert got == {"a": "INVALID", "b": "INVALID", "c": "OK"}


def test_world_shares_match_the_sources():
    w = World(seed=5)
    sent = T0
    n = 20000
    cis_ = [w.ci_for(x)[0] or f"none{i}" for i, x in enumerate(numbers(n))]
    kakao = [c for c in cis_ if w.is_kakao_user(c)]
    assert 0.73 < len(kakao) / n < 0.77
    neither = sum(1 for c in cis_ if not w.telco_reachable(c))
    assert 0.04 < neither / n < 0.06
    engs = [
        w.document_engagement("kakao", c, f"p{i}", sent, sent + timedelta(days=30), True)
        for i, c in enumerate(kakao)
    ]
    read = [e for e in engs if e.read_at]
    same_day = [e for e in read if e.read_at - sent < timedelta(days=1)]
    assert 0.42 < len(read) / len(engs) < 0.46
    assert 0.34 < len(same_day) / len(engs) < 0.38
    paid_readers = [e for e in read if e.pay_at]
    assert 0.63 < len(paid_readers) / len(read) < 0.69
    within_3h = [e for e in paid_readers if e.pay_at - e.read_at <= timedelta(hours=3)]
    assert 0.72 < len(within_3h) / len(paid_readers) < 0.80
    short = [
        w.document_engagement("kakao", c, "p", sent, sent + timedelta(hours=2), True) for c in kakao[:3000]
    ]
    assert all(e.read_at is None or e.read_at <= sent + timedelta(hours=2) for e in short)


def test_kakao_dedup_is_visible_in_inspect(sim, http):
    ci = cis(http, 40, offset=100)
    docs = [kakao_doc(f"dedup-{i}", c) for i, c in enumerate(ci)]
    first = http.post("/kakao/v1/documents/bulk", json={"documents": docs}).json()["documents"]
    before = sim.control.inspect("kakao")
    again = http.post("/kakao/v1/documents/bulk", json={"documents": docs}).json()["documents"]
    after = sim.control.inspect("kakao")
    assert first == again
    assert after["accepted"] == before["accepted"]
    assert after["unique"] == before["unique"]
    assert {f"dedup-{i}" for i in range(len(ci))} <= set(after["duplicates"])
    assert after["duplicate_counts"]["dedup-0"] == 2


def test_rate_limit_answers_429_with_retry_after(sim, http):
    sim.control.set_rate_limit(5)
    try:
        codes = [http.post("/sms/v1/status", json={"message_ids": []}) for _ in range(12)]
    finally:
        sim.control.set_rate_limit(0)
    limited = [r for r in codes if r.status_code == 429]
    assert limited and all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert sim.control.inspect("sms")["rate_limited"] >= len(limited)


def test_faults_never_create_state_on_5xx(sim, http):
    ci = cis(http, 60, offset=300)
    sim.control.set_faults(1.0, hang_seconds=0.3, slow_seconds=0.05)
    seen = Counter()
    try:
        for i, c in enumerate(ci):
            try:
                r = http.post(
                    "/kakao/v1/documents/bulk", json={"documents": [kakao_doc(f"fault-{i}", c)]}, timeout=1.0
                )
                seen[r.status_code] += 1
                if r.status_code >= 500:
                    # a 5xx means not accepted: a status query finds nothing
                    pass
            except httpx.TransportError:
                seen["dropped"] += 1
    finally:
        sim.control.set_faults(0.0)
    assert seen[500] and seen["dropped"]
    # retry everything: each key ends up accepted exactly once, whatever the first answer was
    docs = [kakao_doc(f"fault-{i}", c) for i, c in enumerate(ci)]
    res = http.post("/kakao/v1/documents/bulk", json={"documents": docs}).json()["documents"]
    binders = [r["document_binder_uuid"] for r in res if "document_binder_uuid" in r]
    assert len(binders) == len(set(binders))
    info = sim.control.inspect("kakao", counts=True)
    assert all(info["counts"][f"fault-{i}"] >= 1 for i in range(len(ci)))
    assert sum(info["faults"].values()) >= len(ci)


def test_concurrent_bulk_clients_are_all_answered(sim, http):
    """8 clients at once: every request answered, every key accepted exactly once.

    Throughput is measured in bench/simulator_bulk.py, never asserted here."""
    ci = cis(http, 110, offset=1000)[:100]
    assert len(ci) == 100
    ids = [
        r["message_id"]
        for r in http.post(
            "/sms/v1/messages",
            json={
                "messages": [
                    {"key": f"tp-{i}", "to": f"010{i:08d}", "text": "안내", "payload": ""} for i in range(100)
                ]
            },
        ).json()["messages"]
    ]
    n_threads, per = 8, 60
    errors = []

    def worker(t: int) -> None:
        with httpx.Client(base_url=sim.url, headers=AUTH, timeout=10) as c:
            for j in range(per):
                if j % 2:
                    r = c.post("/sms/v1/status", json={"message_ids": ids})
                else:
                    docs = [kakao_doc(f"tp-{t}-{j}-{k}", ci[k]) for k in range(100)]
                    r = c.post("/kakao/v1/documents/bulk", json={"documents": docs})
                if r.status_code != 200:
                    errors.append(r.status_code)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    counts = sim.control.inspect("kakao", counts=True)["counts"]
    sent = [f"tp-{t}-{j}-{k}" for t in range(n_threads) for j in range(0, per, 2) for k in range(100)]
    assert all(counts.get(key) == 1 for key in sent)
