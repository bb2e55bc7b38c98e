"""What the pages read that the JSON API doesn't give in one call.

The desk lists need the citizen's name next to each parcel (the shipments list carries none),
so they are read here, for the clerk's own commune only, and rendered on the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from postal_tracker.accounts.service import Principal
from postal_tracker.db import Database
from postal_tracker.lifecycle import Leg, Status
from postal_tracker.localtime import day_bounds, local_date
from postal_tracker.models import Dossier, Shipment, table
from postal_tracker.reference.service import list_hamlets, list_procedures
from postal_tracker.scanning.service import list_exceptions

shipments = table(Shipment)
dossiers = table(Dossier)


def booking_choices(db: Database, principal: Principal) -> dict[str, list[dict]]:
    with db.read() as conn:
        return {"hamlets": list_hamlets(conn, principal.commune_id), "procedures": list_procedures(conn)}


def desk_lists(db: Database, principal: Principal, now: datetime) -> dict[str, Any]:
    """Today's parcels, the dossiers at the desk waiting for their return, and refused scans."""
    local_midnight, _ = day_bounds(local_date(now))
    hamlet_name = sa.case(
        (
            shipments.c.leg == Leg.RETURN.value,
            sa.func.coalesce(dossiers.c.delivery_hamlet_name, dossiers.c.hamlet_name),
        ),
        else_=dossiers.c.hamlet_name,
    )
    columns = (
        shipments.c.tracking_no, shipments.c.leg, shipments.c.status, shipments.c.updated_at,
        shipments.c.dossier_id, dossiers.c.applicant_name, hamlet_name.label("hamlet_name"),
        dossiers.c.procedure_name,
    )  # fmt: skip
    mine = shipments.c.commune_id == principal.commune_id
    return_leg = shipments.alias("return_leg")
    with db.read() as conn:
        today = conn.execute(
            sa.select(*columns).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(mine, shipments.c.updated_at >= local_midnight)
            .order_by(shipments.c.updated_at.desc(), shipments.c.id.desc()).limit(200)
        ).mappings().all()  # fmt: skip
        waiting = conn.execute(
            sa.select(*columns).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(
                mine, shipments.c.leg == Leg.PICKUP.value, shipments.c.status == Status.AT_DESK.value,
                dossiers.c.return_by_post.is_(True),
                ~sa.exists().where(return_leg.c.dossier_id == shipments.c.dossier_id,
                                   return_leg.c.leg == Leg.RETURN.value),
            )
            .order_by(shipments.c.updated_at).limit(200)
        ).mappings().all()  # fmt: skip
    refused = list_exceptions(db, principal, resolved=False, limit=100, offset=0)["items"]
    return {"today": today, "waiting": waiting, "refused": refused}
