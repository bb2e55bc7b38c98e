"""The public limiter's count (shared.py): what it hands Litestar stays as short as the limit."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from litestar.middleware.rate_limit import RateLimitConfig

from postal_tracker.shared import CountingRateLimitMiddleware, MemoryCountingStore


async def _app(scope, receive, send) -> None:  # never reached: only the count is asked for
    raise AssertionError("not called")


def test_the_history_is_never_longer_than_the_limit_however_hard_a_client_hammers():
    limiter = CountingRateLimitMiddleware(_app, RateLimitConfig(rate_limit=("minute", 3)))
    store = MemoryCountingStore()

    async def count(times: int) -> list[int]:
        return [len((await limiter.retrieve_cached_history("client", store)).history) for _ in range(times)]

    # A loop of its own, in a thread: a browser test may have left one running in this thread.
    with ThreadPoolExecutor(1) as pool:
        lengths = pool.submit(lambda: asyncio.run(count(1000))).result()
    assert lengths[:5] == [0, 1, 2, 3, 3]  # the requests before this one, up to the limit
    assert max(lengths) == 3  # 1,000 requests in the window, a list of 3
