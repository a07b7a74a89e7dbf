"""Client-side rate limiting: a token bucket per provider.

In-process by default (`TokenBucket`); shared by every process and machine when a Redis URL is given
(`RedisTokenBucket`, one Lua script call per acquisition, clock taken from Redis `TIME` so hosts need not agree).

Both are *reservation* buckets: `acquire(n)` always takes the tokens, possibly driving the level negative, and
returns after sleeping for the debt. Concurrent callers therefore queue fairly and one round trip suffices.

    limiter = make_rate_limiter("kakao", rate=100, burst=100, redis_url="redis://127.0.0.1:6379/0")
    limiter.acquire()        # blocks until this request may go
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol


class RateLimiter(Protocol):
    def reserve(self, n: float = 1) -> float:
        """Take n tokens now; return how many seconds the caller must wait before acting."""
        ...

    def acquire(self, n: float = 1) -> float:
        """Take n tokens and sleep until they are due; return the time slept."""
        ...


class TokenBucket:
    """Thread-safe in-process token bucket: `rate` tokens/second, at most `burst` stored."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        if self.burst < 1:
            raise ValueError("burst must be >= 1")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._ts = clock()

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._ts) * self.rate)
        self._ts = now

    def reserve(self, n: float = 1) -> float:
        with self._lock:
            self._refill()
            self._tokens -= n
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, n: float = 1) -> float:
        wait = self.reserve(n)
        if wait > 0:
            self._sleep(wait)
        return wait


_LUA = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate) - n
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
if tokens >= 0 then
  return '0'
end
return tostring(-tokens / rate)
"""


class RedisTokenBucket:
    """The same bucket, stored in Redis under `key` and shared by every client using that key."""

    def __init__(
        self,
        client: Any,
        key: str,
        rate: float,
        burst: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.client = client
        self.key = key
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        self._sleep = sleep
        self._script = client.register_script(_LUA)

    @classmethod
    def from_url(cls, url: str, key: str, rate: float, burst: float | None = None) -> RedisTokenBucket:
        import redis  # installed dependency; imported lazily so the in-process path needs no Redis

        return cls(
            redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0), key, rate, burst
        )

    def reserve(self, n: float = 1) -> float:
        wait = float(self._script(keys=[self.key], args=[self.rate, self.burst, n]))
        return max(0.0, wait)

    def acquire(self, n: float = 1) -> float:
        wait = self.reserve(n)
        if wait > 0:
            self._sleep(wait)
        return wait


def make_rate_limiter(
    name: str,
    rate: float,
    burst: float | None = None,
    redis_url: str | None = None,
    key_prefix: str = "jingsu:ratelimit:",
) -> RateLimiter | None:
    """A limiter for provider `name`: None when rate <= 0, Redis-shared when `redis_url` is given."""
    if rate <= 0:
        return None
    if redis_url:
        return RedisTokenBucket.from_url(redis_url, key_prefix + name, rate, burst)
    return TokenBucket(rate, burst)
