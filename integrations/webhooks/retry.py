"""When to try a failed delivery again (pure).

Backoff is exponential with *equal jitter*: before retry n (n = 1 after the first failure) the
delay is drawn uniformly from [c/2, c) where c = min(cap, first * 2**(n-1)). With the defaults
(first 5 s, cap 10 min): 2.5-5 s, 5-10 s, 10-20 s, ... reaching the cap after 8 attempts.
Equal rather than full jitter so that the delay grows with every attempt and never collapses to
zero (full jitter can retry instantly), while concurrent retries still spread out.

`Retry-After` from the receiver is honoured up to the cap: the delay is the larger of our
backoff and the receiver's wish, but never more than `cap`, so a receiver asking for a day
does not stall its own queue for a day (it answers 503 again and we wait again).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

DEFAULT_FIRST_DELAY = 5.0
DEFAULT_MAX_DELAY = 600.0


class RandomSource(Protocol):
    def random(self) -> float: ...


def next_attempt_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    first: float = DEFAULT_FIRST_DELAY,
    cap: float = DEFAULT_MAX_DELAY,
    rng: RandomSource = random,
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based) before the next one."""
    if attempt < 1:
        raise ValueError("attempt counts failed attempts and starts at 1")
    if first <= 0 or cap <= 0:
        raise ValueError("first and cap must be positive")
    ceiling = min(cap, first * 2.0 ** min(attempt - 1, 64))
    delay = ceiling / 2 + rng.random() * ceiling / 2
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return min(delay, cap)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds (`120`) or an HTTP-date
    (`Wed, 21 Oct 2015 07:28:00 GMT`, counted from `now`). A date in the past gives 0.
    Anything unparseable gives None.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": RFC 5322's "UTC, origin unknown"
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
