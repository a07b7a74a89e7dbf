"""Django's Redis cache, with one Redis client per connection pool instead of a new one per operation.

`django.core.cache.backends.redis.RedisCacheClient.get_client` builds a `redis.Redis` around the (shared) pool for
every get and set; building one fills its table of ~80 response callbacks. The portal's page does about ten cache
operations (session load and save, the document context, the day's amounts), so that was about a millisecond of
CPU per page (docs/benchmarks.md, "Citizen portal"). The client is a thin, thread-safe wrapper around the pool, so
keeping it changes nothing else: the same pools, servers, options and serializer.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
