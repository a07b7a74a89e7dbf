"""jingsu.core.cache.RedisCache (issue #18): Django's Redis cache keeping one client per connection pool — the same
behaviour (set, get, add, incr, delete, expiry arguments) with one client reused."""

from __future__ import annotations

import uuid

import pytest

from jingsu.core.cache import RedisCache

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def cache():
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    c = RedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield c
    c.delete_many(["k", "n"])  # (clear() would flush the whole database)


def test_behaves_as_djangos_redis_cache_with_one_client(cache):
    assert cache.get("k") is None
    cache.set("k", {"amount": 12_340}, 60)
    assert cache.get("k") == {"amount": 12_340}
    assert cache.add("k", "other") is False and cache.add("n", 1, 60) is True
    assert cache.incr("n") == 2
    cache.delete("k")
    assert cache.get("k") is None
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one client for the pool, not one per operation
    assert client.connection_pool is cache._cache._pools[0]
