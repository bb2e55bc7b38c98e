from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel

from postal_tracker.accounts.auth import ACCOUNT_MANAGERS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.communes.schemas import NewHamlet
from postal_tracker.deps import CurrentUser
from postal_tracker.fields import Latitude, Longitude, Text, UserId
from postal_tracker.reference.deps import REFERENCE, Reference
from postal_tracker.reference.schemas import HamletView, ProcedureView

CommuneQuery = Annotated[str | None, QueryParameter(max_length=32, description="the admin names the commune")]


class HamletUpdate(BaseModel):
    """Only the fields sent change; `default_postman_id: null` removes the default postman."""

    name: Annotated[str, Text(100)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    active: bool | None = None
    default_postman_id: UserId | None = None


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference"]
    dependencies = REFERENCE

    @get("/hamlets", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)], sync_to_thread=True)
    def hamlets(
        self, reference: Reference, user: CurrentUser, commune: CommuneQuery = None,
        include_inactive: FromQuery[bool] = False,
    ) -> list[HamletView]:  # fmt: skip
        """The commune's hamlets (ấp) with their centres (the admin: `?commune=CODE`'s)."""
        return reference.hamlets(user, commune, include_inactive)

    @post("/hamlets", guards=[ACCOUNT_MANAGERS], sync_to_thread=True)
    def add_hamlet(self, reference: Reference, user: CurrentUser, data: JSONBody[NewHamlet]) -> HamletView:
        """Add a hamlet to the supervisor's commune (the admin names the commune)."""
        return reference.add_hamlet(user, data)

    @patch("/hamlets/{code:str}", guards=[ACCOUNT_MANAGERS], sync_to_thread=True)
    def update_hamlet(
        self, reference: Reference, user: CurrentUser, code: FromPath[str], data: JSONBody[HamletUpdate],
        commune: CommuneQuery = None,
    ) -> HamletView:  # fmt: skip
        """Rename, move or (de)activate a hamlet; dossiers keep the name they were booked under."""
        changes = data.model_dump(exclude_unset=True)
        # A hamlet always has a name, a centre and a state: null there means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k == "default_postman_id"}
        return reference.update_hamlet(user, commune, code, changes)

    @get("/procedures", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION, Role.ADMIN)], sync_to_thread=True)
    def procedures(self, reference: Reference) -> list[ProcedureView]:
        """The catalog of commune-level procedures with their national codes and fees."""
        return reference.procedures()
