"""What the accounts handlers receive by injection: `dependencies=ACCOUNTS` on a controller
gives its handlers `accounts: Accounts`."""

from __future__ import annotations

from typing import cast

from litestar import Request
from litestar.di import NamedDependency, Provide

from postal_tracker.accounts.service import AccountService
from postal_tracker.deps import DB, AppSettings
from postal_tracker.shared import LOCKOUTS, CountingStore


def provide_account_service(db: DB, settings: AppSettings, request: Request) -> AccountService:
    return AccountService(db, settings.auth, cast(CountingStore, request.app.stores.get(LOCKOUTS)))


Accounts = NamedDependency[AccountService]
ACCOUNTS = {"accounts": Provide(provide_account_service, sync_to_thread=False)}
