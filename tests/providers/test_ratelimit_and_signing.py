"""Client-side token buckets (in-process and Redis-shared) and the callback signature helper."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from jingsu.providers.ratelimit import RedisTokenBucket, TokenBucket, make_rate_limiter
from jingsu.providers.signing import sign, verify_signature

REDIS_URL = "redis://127.0.0.1:6379/15"


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.t += s


def test_bucket_math():
    ft = FakeTime()
    b = TokenBucket(rate=10, burst=5, clock=ft, sleep=ft.sleep)
    assert [b.reserve() for _ in range(5)] == [0.0] * 5  # the burst
    assert b.reserve() == pytest.approx(0.1)  # 6th waits one token (1/10 s)
    assert b.reserve() == pytest.approx(0.2)  # reservations queue up
    ft.t += 1.0  # refill 10 tokens, minus the debt of 2 → 5 (capped at burst)
    assert b.tokens == pytest.approx(5)
    assert b.acquire(5) == 0.0
    assert b.acquire() == pytest.approx(0.1) and ft.slept == [pytest.approx(0.1)]
    ft.t += 100
    assert b.tokens == pytest.approx(5)  # never above the burst


def test_bucket_limits_real_threads():
    b = TokenBucket(rate=200, burst=10)
    start = time.monotonic()
    threads = [threading.Thread(target=lambda: [b.acquire() for _ in range(15)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 60 acquisitions: 10 from the burst, 50 at 200/s → at least 0.25 s
    assert time.monotonic() - start >= 0.24


def test_no_limiter_when_rate_is_zero():
    assert make_rate_limiter("kakao", 0) is None
    assert isinstance(make_rate_limiter("kakao", 5), TokenBucket)


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1.0)
    try:
        client.ping()
    except redis.RedisError as e:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {e}")
    yield client
    client.close()


def test_redis_bucket_is_shared_between_clients(redis_client):
    key = f"jingsu:test:ratelimit:{uuid.uuid4().hex}"
    a = RedisTokenBucket.from_url(REDIS_URL, key, rate=10, burst=5)
    b = RedisTokenBucket.from_url(REDIS_URL, key, rate=10, burst=5)
    try:
        waits = [a.reserve() for _ in range(3)] + [b.reserve() for _ in range(2)]
        assert waits == [0.0] * 5
        assert b.reserve() == pytest.approx(0.1, abs=0.03)  # a's reservations count against b
        assert a.reserve() == pytest.approx(0.2, abs=0.03)
        assert redis_client.pttl(key) > 0  # the state expires on its own
        other = RedisTokenBucket.from_url(REDIS_URL, key + ":other", rate=10, burst=5)
        assert other.reserve() == 0.0  # other providers have their own bucket
    finally:
        redis_client.delete(key, key + ":other")


def test_redis_bucket_limits_across_threads(redis_client):
    key = f"jingsu:test:ratelimit:{uuid.uuid4().hex}"
    limiter = make_rate_limiter("x", 100, burst=5, redis_url=REDIS_URL, key_prefix=key)
    start = time.monotonic()
    try:
        threads = [threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        redis_client.delete(key + "x")
    assert time.monotonic() - start >= 0.23  # 30 acquisitions, 5 free, 25 at 100/s


# --- signatures --------------------------------------------------------------------------------------------------

SECRET = "s3cret"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_signature_round_trip():
    ts = str(int(NOW.timestamp()))
    body = b'{"results": []}'
    sig = sign(SECRET, ts, body)
    assert verify_signature(SECRET, ts, body, sig, NOW)
    assert verify_signature(SECRET, ts, body, sig.upper(), NOW + timedelta(seconds=299))
    assert verify_signature(SECRET, ts, body, sig, NOW.timestamp())


def test_bad_signatures_are_rejected():
    ts = str(int(NOW.timestamp()))
    body = b'{"results": []}'
    sig = sign(SECRET, ts, body)
    assert not verify_signature(SECRET, ts, body + b" ", sig, NOW)  # body changed
    assert not verify_signature("other", ts, body, sig, NOW)  # wrong secret
    assert not verify_signature(SECRET, str(int(ts) + 1), body, sig, NOW)  # timestamp changed
    assert not verify_signature(SECRET, ts, body, "", NOW)
    assert not verify_signature(SECRET, None, body, sig, NOW)
    assert not verify_signature(SECRET, "yesterday", body, sig, NOW)


def test_stale_or_future_timestamps_are_rejected():
    ts = str(int(NOW.timestamp()))
    body = b"{}"
    sig = sign(SECRET, ts, body)
    assert not verify_signature(SECRET, ts, body, sig, NOW + timedelta(seconds=301))
    assert not verify_signature(SECRET, ts, body, sig, NOW - timedelta(seconds=301))
    assert verify_signature(SECRET, ts, body, sig, NOW + timedelta(minutes=30), max_age=3600)
