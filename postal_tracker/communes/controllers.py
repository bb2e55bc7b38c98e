from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from postal_tracker.accounts.auth import ADMINS, allow
from postal_tracker.accounts.principal import Role
from postal_tracker.communes.deps import COMMUNES, Communes
from postal_tracker.communes.schemas import (
    CommuneChange,
    CommunePage,
    CommuneView,
    Merge,
    MergeResult,
    NewCommune,
)
from postal_tracker.deps import CurrentUser, Offset

READERS = allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)


class CommuneController(Controller):
    path = "/api/v1/communes"
    tags = ["communes"]
    dependencies = COMMUNES

    @get("/", guards=[READERS], sync_to_thread=True)
    def list(
        self, communes: Communes, user: CurrentUser,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100, offset: Offset = 0,
    ) -> CommunePage:  # fmt: skip
        """Every commune of the province (admin); the caller's own (staff, integration keys)."""
        return communes.communes(user, limit=limit, offset=offset)

    @get("/{code:str}", guards=[READERS], sync_to_thread=True)
    def get(self, communes: Communes, user: CurrentUser, code: FromPath[str]) -> CommuneView:
        """One commune (`merged_into` names the commune a merged one went into)."""
        return communes.commune(user, code)

    @post("/", guards=[ADMINS], sync_to_thread=True)
    def create(self, communes: Communes, data: JSONBody[NewCommune]) -> CommuneView:
        """Create a commune, with its hamlets if given."""
        return communes.create(data)

    @patch("/{code:str}", guards=[ADMINS], sync_to_thread=True)
    def update(self, communes: Communes, code: FromPath[str], data: JSONBody[CommuneChange]) -> CommuneView:
        """Rename a commune or move its offices: new bookings take the new names, booked dossiers keep theirs."""
        # A commune always has its names and places: null there means "unchanged".
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
        return communes.update(code, changes)

    @post("/{code:str}/merge", guards=[ADMINS], status_code=200, sync_to_thread=True)
    def merge(self, communes: Communes, code: FromPath[str], data: JSONBody[Merge]) -> MergeResult:
        """Merge this commune into `into`: what is alive moves; booked names and numbers stay."""
        return communes.merge(code, data.into, data.on)
