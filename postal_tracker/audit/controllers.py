from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import ACCOUNT_MANAGERS
from postal_tracker.audit.deps import AUDIT, Audit
from postal_tracker.audit.schemas import AuditPage
from postal_tracker.deps import MAX_ID, CurrentUser, Offset


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [ACCOUNT_MANAGERS]  # a commune's supervisor, and the province's admin
    dependencies = AUDIT

    @get("/", sync_to_thread=True)
    def list(
        self, audit: Audit, user: CurrentUser,
        dossier_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        user_ref: Annotated[str | None, QueryParameter(name="user", max_length=64)] = None,
        since: FromQuery[datetime | None] = None, until: FromQuery[datetime | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
        commune: Annotated[str | None, QueryParameter(
            max_length=32, description="the commune's code: the admin names one; supervisors read their own")] = None,
    ) -> AuditPage:  # fmt: skip
        """Who read which dossier's personal data, when, and what (the commune's, latest first);
        `user` is a user id or a username."""
        return audit.entries(
            user, commune, dossier_id=dossier_id, user=user_ref, since=since, until=until, limit=limit, offset=offset
        )
