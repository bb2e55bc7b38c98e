"""Which commune an event counts for, across merges (one rule for the monthly and quarterly
reports): see `counted_for`."""

from __future__ import annotations

import sqlalchemy as sa

from postal_tracker.models import Commune, Dossier, Shipment, table

shipments = table(Shipment)
dossiers = table(Dossier)
booked_communes = table(Commune).alias("booked_communes")


def counted_for(commune_id: int, at: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Whether what happened at `at` to a parcel counts in this commune's figures: the commune it
    was booked under until that commune was merged away, the commune handling it from then on.
    So months before a merge report under the old commune, as they did before it. (A query using
    this joins `shipments`, `dossiers` and `booked_communes`: see `attributed`.)"""
    owner = sa.case((at < booked_communes.c.merged_at, dossiers.c.booked_commune_id), else_=shipments.c.commune_id)
    # The first two terms let the database use its indexes; the last one decides.
    either = sa.or_(shipments.c.commune_id == commune_id, dossiers.c.booked_commune_id == commune_id)
    return sa.and_(either, owner == commune_id)


def attributed(start: sa.FromClause) -> sa.FromClause:
    """`start` (events or feedback, joined to shipments) with what `counted_for` reads."""
    return start.join(dossiers, dossiers.c.id == shipments.c.dossier_id).join(
        booked_communes, booked_communes.c.id == dossiers.c.booked_commune_id
    )
