from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from postal_tracker.accounts.auth import ADMINS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.communes import service
from postal_tracker.communes.schemas import CommunePage, CommuneView, Merge, MergeResult, NewCommune
from postal_tracker.deps import DB, CurrentUser, Offset


class CommuneController(Controller):
    path = "/api/v1/communes"
    tags = ["communes"]

    @get("/", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)], sync_to_thread=True)
    def list(
        self, db: DB, user: CurrentUser,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100, offset: Offset = 0,
    ) -> CommunePage:  # fmt: skip
        """Every commune of the province (admin); the caller's own (staff, integration keys)."""
        with db.read() as conn:
            return service.list_communes(conn, user, limit=limit, offset=offset)

    @post("/", guards=[ADMINS], sync_to_thread=True)
    def create(self, db: DB, data: JSONBody[NewCommune]) -> CommuneView:
        """Create a commune, with its hamlets if given."""
        with db.write() as conn:
            return service.create_commune(conn, data)

    @post("/{code:str}/merge", guards=[ADMINS], status_code=200, sync_to_thread=True)
    def merge(self, db: DB, code: FromPath[str], data: JSONBody[Merge]) -> MergeResult:
        """Merge this commune into `into`: what is alive moves; booked names and numbers stay."""
        with db.write() as conn:
            return service.merge(conn, code, data.into, data.on)
