"""State shared by every `serve` process: rate-limit counters and the sign-in lockout.

With `POSTAL_TRACKER_REDIS_URL` the counters live in Redis (Litestar's `RedisStore`), so N processes
on one database count together, as one service; without it, in each process's memory (Litestar's
`MemoryStore`), which is right for the single process of the embedded default.

Every counter is moved by `incr`, one atomic step in either store. Litestar's own rate-limit
middleware reads a history and writes it back, which two processes can interleave and so lose
each other's requests; `CountingRateLimitMiddleware` keeps its interface but counts with `incr`.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from litestar.middleware.rate_limit import DURATION_VALUES, CacheObject, RateLimitMiddleware
from litestar.stores.base import StorageObject, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from postal_tracker.settings import InstancesSection

log = logging.getLogger("postal_tracker")

RATE_LIMITS = "rate_limits"
SIGN_IN_LIMITS = "sign_in_limits"
LOCKOUTS = "lockouts"
STORE_NAMES = (RATE_LIMITS, SIGN_IN_LIMITS, LOCKOUTS)


class CountingStore(Protocol):
    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Add one to the counter at `key` (created with a life of `window_seconds`); return the
        count now and the seconds until the counter ends."""
        ...

    async def delete(self, key: str) -> None: ...


# Atomic in Redis: a script runs alone. The window starts with the first count and is not
# extended by later ones (a fixed window, like Litestar's own limiter).
_INCR = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisCountingStore(RedisStore):
    def __init__(self, redis: Redis, namespace: str) -> None:
        super().__init__(redis, namespace=namespace, handle_client_shutdown=True)
        self._incr = self._redis.register_script(_INCR)

    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        try:
            count, ttl = await self._incr(keys=[self._make_key(key)], args=[window_seconds])
        except RedisError as exc:
            # Fail open: while Redis is away citizens still track and staff still sign in (the
            # passwords are still checked); the limits come back with it. Logged, never silent.
            log.error("Redis unavailable (%s): request not counted", type(exc).__name__)
            return 1, window_seconds
        return int(count), int(ttl)

    async def delete(self, key: str) -> None:
        try:
            await super().delete(key)
        except RedisError as exc:
            log.error("Redis unavailable (%s): counter not cleared", type(exc).__name__)

    def with_namespace(self, namespace: str) -> RedisCountingStore:
        return type(self)(self._redis, f"{self.namespace}_{namespace}")


class MemoryCountingStore(MemoryStore):
    PURGE_EVERY = 10_000
    """Expired counters are dropped every so many counts: many client addresses (IPv6) must not
    fill the memory, and a MemoryStore forgets an expired key only when it is read again."""

    def __init__(self) -> None:
        super().__init__()
        self._counts = 0

    async def incr(self, key: str, window_seconds: int) -> tuple[int, int]:
        self._counts += 1
        if self._counts % self.PURGE_EVERY == 0:
            await self.delete_expired()
        async with self._lock:
            current = self._store.get(key)
            if current is None or current.expired or current.expires_at is None:
                current = StorageObject.new(data=b"0", expires_in=max(1, window_seconds))
            count = int(current.data) + 1
            self._store[key] = StorageObject(data=str(count).encode(), expires_at=current.expires_at)
            return count, max(1, current.expires_in)


def make_stores(instances: InstancesSection) -> dict[str, Store]:
    """One store per purpose, all in Redis when it is configured, else in this process."""
    if not instances.redis_url:
        return {name: MemoryCountingStore() for name in STORE_NAMES}
    # Short timeouts: a Redis that hangs must not hold every request with it.
    redis = Redis.from_url(
        instances.redis_url, decode_responses=False, socket_timeout=1, socket_connect_timeout=1
    )
    root = RedisCountingStore(redis, namespace=instances.redis_prefix)
    return {name: root.with_namespace(name) for name in STORE_NAMES}


class CountingRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's limiter (same configuration, headers and 429) counting with one atomic `incr`.

    The history it hands back has the count before this request, so Litestar's own check
    (`len(history) >= max_requests`) refuses the request over the limit; refused requests count
    too, so hammering does not shorten the wait.
    """

    async def retrieve_cached_history(self, key: str, store: Any) -> CacheObject:
        count, seconds_left = await store.incr(key, DURATION_VALUES[self.unit])
        reset = int(time.time()) + seconds_left
        # Litestar only compares the history's length with the limit: no longer than the limit,
        # or a client hammering past it (every refusal counts) would cost a list as long as all
        # it sent in the window, at each request.
        return CacheObject(history=[reset] * min(count - 1, self.max_requests), reset=reset)

    async def set_cached_history(self, key: str, cache_object: CacheObject, store: Store) -> None:
        cache_object.history.append(cache_object.reset)  # already counted: only the headers need it
