from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel

from postal_tracker.accounts.auth import ACCOUNT_MANAGERS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.booking.schemas import Latitude, Longitude, Text, UserId
from postal_tracker.communes.schemas import NewHamlet
from postal_tracker.communes.service import add_hamlet, scope_commune
from postal_tracker.deps import DB, CurrentUser
from postal_tracker.reference import service
from postal_tracker.reference.schemas import HamletView, ProcedureView

CommuneQuery = Annotated[str | None, QueryParameter(max_length=32, description="the admin names the commune")]


class HamletUpdate(BaseModel):
    """Only the fields sent change; `default_postman_id: null` removes the default postman."""

    name: Text(100) | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    active: bool | None = None
    default_postman_id: UserId | None = None


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference"]

    @get("/hamlets", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)], sync_to_thread=True)
    def hamlets(
        self, db: DB, user: CurrentUser, commune: CommuneQuery = None, include_inactive: FromQuery[bool] = False
    ) -> list[HamletView]:
        """The commune's hamlets (ấp) with their centres (the admin: `?commune=CODE`'s)."""
        with db.read() as conn:
            return service.list_hamlets(conn, scope_commune(conn, user, commune), include_inactive)

    @post("/hamlets", guards=[ACCOUNT_MANAGERS], sync_to_thread=True)
    def add_hamlet(self, db: DB, user: CurrentUser, data: JSONBody[NewHamlet]) -> HamletView:
        """Add a hamlet to the supervisor's commune (the admin names the commune)."""
        with db.write() as conn:
            commune_id = add_hamlet(conn, user, data, data.commune)
            return service.hamlet_view(conn, commune_id, data.code)

    @patch("/hamlets/{code:str}", guards=[ACCOUNT_MANAGERS], sync_to_thread=True)
    def update_hamlet(
        self, db: DB, user: CurrentUser, code: FromPath[str], data: JSONBody[HamletUpdate], commune: CommuneQuery = None
    ) -> HamletView:
        """Rename, move or (de)activate a hamlet; dossiers keep the name they were booked under."""
        changes = data.model_dump(exclude_unset=True)
        # A hamlet always has a name, a centre and a state: null there means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k == "default_postman_id"}
        with db.write() as conn:
            return service.update_hamlet(conn, scope_commune(conn, user, commune), code, changes)

    @get("/procedures", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)], sync_to_thread=True)
    def procedures(self, db: DB) -> list[ProcedureView]:
        """The catalog of commune-level procedures with their national codes and fees."""
        with db.read() as conn:
            return service.list_procedures(conn)
