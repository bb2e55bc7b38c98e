"""What the accounts handlers receive by injection: `dependencies=ACCOUNTS` on a controller
gives its handlers `accounts: Accounts`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.accounts.service import AccountService
from postal_tracker.deps import DB


def provide_account_service(db: DB) -> AccountService:
    return AccountService(db)


Accounts = NamedDependency[AccountService]
ACCOUNTS = {"accounts": Provide(provide_account_service, sync_to_thread=False)}
