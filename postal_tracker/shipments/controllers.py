from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, patch
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, ConfigDict

from postal_tracker.accounts.auth import DESK, STAFF
from postal_tracker.deps import CurrentUser, Offset
from postal_tracker.fields import Phone, Text, UserId
from postal_tracker.lifecycle import Leg
from postal_tracker.shipments.deps import SHIPMENTS, Shipments
from postal_tracker.shipments.schemas import ShipmentPage, ShipmentView


class ShipmentChanges(BaseModel):
    """Only the keys sent change. The contact and address are the booking's fields, with the
    booking's types (POST /pickups `applicant` and `address`), and change only while the post has
    taken no leg of the dossier (409 after)."""

    model_config = ConfigDict(extra="forbid")

    postman_id: UserId | None = None
    """A user with the `postal` role in the commune (see GET /api/v1/postmen); null unassigns."""
    full_name: Annotated[str, Text(100)] | None = None
    phone: Phone | None = None
    hamlet_code: Annotated[str, Text(32)] | None = None
    """An active hamlet of the commune (GET /api/v1/hamlets)."""
    detail: Annotated[str, Text(300)] | None = None
    note: Annotated[str, Text(500, 0)] | None = None
    """Empty or null removes the note."""


class ShipmentController(Controller):
    path = "/api/v1/shipments"
    tags = ["shipments"]
    guards = [STAFF]
    dependencies = SHIPMENTS

    @get("/", sync_to_thread=True)
    def list(
        self, shipments: Shipments, user: CurrentUser,
        status: FromQuery[str | None] = None, leg: FromQuery[Leg | None] = None,
        hamlet: Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
        since: FromQuery[datetime | None] = None, until: FromQuery[datetime | None] = None,
        overdue: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> ShipmentPage:  # fmt: skip
        """Shipments of the commune, the overdue ones first, then the most recently changed (`status`
        may list several, comma-separated; `overdue=true` lists only those past their `due_at`)."""
        return shipments.shipments(
            user.commune_id, status=status, leg=leg.value if leg else None, hamlet=hamlet, since=since,
            until=until, overdue=overdue, limit=limit, offset=offset,
        )  # fmt: skip

    @get("/{tracking_no:str}", sync_to_thread=True)
    def detail(self, shipments: Shipments, user: CurrentUser, tracking_no: FromPath[str]) -> ShipmentView:
        return shipments.shipment(user, tracking_no)

    @patch("/{tracking_no:str}", guards=[DESK], sync_to_thread=True)
    def change(
        self, shipments: Shipments, user: CurrentUser, tracking_no: FromPath[str], data: JSONBody[ShipmentChanges]
    ) -> ShipmentView:
        """Assign the parcel to a postman (it then shows on his manifest), or correct the citizen's
        name, phone, address or note before pickup (desk staff; the label and receipt follow)."""
        return shipments.change(user, tracking_no, data.model_dump(exclude_unset=True))
