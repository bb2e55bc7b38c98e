"""What the pages read that the JSON API doesn't give in one call.

The desk lists need the citizen's name next to each parcel (the shipments list carries none),
so they are read here, for the clerk's own commune only, and rendered on the server. The day's
outcomes are the very sheet of `GET /api/v1/reports/daily` (same function), with hamlet names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.db import Database
from postal_tracker.lifecycle import Event, Leg, Status
from postal_tracker.localtime import day_bounds, local_date
from postal_tracker.models import Dossier, Shipment, table
from postal_tracker.reference.service import list_hamlets, list_procedures
from postal_tracker.reports.service import daily
from postal_tracker.scanning.service import exceptions_page

shipments = table(Shipment)
dossiers = table(Dossier)


def booking_choices(db: Database, principal: Principal) -> dict[str, list[dict]]:
    with db.read() as conn:
        return {"hamlets": list_hamlets(conn, principal.commune_id), "procedures": list_procedures(conn)}


def desk_lists(db: Database, principal: Principal, now: datetime) -> dict[str, Any]:
    """Today's parcels and outcomes, the dossiers at the desk waiting for their return, refused scans."""
    today_local = local_date(now)
    local_midnight, _ = day_bounds(today_local)
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
    with db.write() as conn:  # the read of names is audited in it
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
        outcomes, named = daily(conn, principal.commune_id, today_local)
        numbers = {item["tracking_no"] for item in outcomes["items"]}
        # The hamlet as the dossier was booked (hamlets get renamed and merged), as in the lists above.
        hamlet_names = dict(
            conn.execute(
                sa.select(shipments.c.tracking_no, hamlet_name).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
                .where(mine, shipments.c.tracking_no.in_(numbers))
            ).all()
        ) if numbers else {}  # fmt: skip
        refused_page, refused_dossiers = exceptions_page(
            conn, principal.commune_id, resolved=False, limit=100, offset=0
        )
        shown = {row["dossier_id"] for row in [*today, *waiting]} | named | refused_dossiers
        audit.record(conn, principal, Read.DESK_PAGE, shown)
    # Counts in the order a parcel meets the events (the API sorts the codes alphabetically);
    # items the latest first, as the clerk reads them during the day.
    order = {event.value: i for i, event in enumerate(Event)}
    outcomes["counts"] = dict(sorted(outcomes["counts"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    outcomes["items"] = [
        {**item, "hamlet_name": hamlet_names.get(item["tracking_no"]) or item["hamlet_code"]}
        for item in reversed(outcomes["items"])
    ]
    return {"today": today, "waiting": waiting, "refused": refused_page["items"], "outcomes": outcomes}
