"""Signing in, with a lockout of an account after repeated wrong passwords, whatever the address.

The per-address sign-in rate limit slows one guesser; this stops many addresses guessing one
account's password. Every attempt on an account name is counted (atomically, in the shared store:
Redis when configured, so all `serve` processes count together); past the limit within the
window the account answers 429 with `Retry-After` until the window ends, even to the right
password. A right password before that clears the count. Unknown names are counted the same way,
so a lockout never tells which accounts exist.

Without Redis the counts are in each process's memory (like the rate limits): a single process
needs nothing more, several processes need Redis for their rate limits anyway, and a count that
only matters for minutes is not worth a database write on every sign-in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import anyio

from postal_tracker.accounts.principal import Principal
from postal_tracker.errors import DomainError
from postal_tracker.settings import AuthSection
from postal_tracker.shared import CountingStore


class AccountLocked(DomainError):
    status = 429
    title = "Account locked"

    def __init__(self, retry_after: int, failures: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"too many wrong passwords for this account: it is locked for {minutes} more minute(s)",
            detail_vi=(
                f"Tài khoản tạm khóa do nhập sai mật khẩu quá {failures} lần. Vui lòng thử lại sau {minutes} phút."
            ),
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}
        self.retry_after = retry_after
        self.minutes = minutes


def _account_key(username: str) -> str:
    # A hash: the store never holds what people typed as a name (sometimes their password).
    return "account:" + hashlib.sha256(username.encode()).hexdigest()[:32]


async def guarded(
    store: CountingStore, auth: AuthSection, username: str, check: Callable[[], Principal]
) -> Principal:
    """Run the password `check` (in a thread: argon2 takes a while) unless the account is locked.

    Every attempt counts; a wrong password raises `Unauthorized` from `check` and stays counted,
    a right one clears the count."""
    key = _account_key(username)
    attempts, seconds_left = await store.incr(key, auth.sign_in_lockout_minutes * 60)
    if attempts > auth.sign_in_lockout_failures:
        raise AccountLocked(seconds_left, auth.sign_in_lockout_failures)
    principal = await anyio.to_thread.run_sync(check)
    await store.delete(key)
    return principal
