"""Which commune an event counts for, across merges (one rule for the daily, monthly and quarterly
reports): see `counted_for`. Events store the answer when they are written (`holder`, into
`events.commune_id`); feedback and complaints, a few a parcel, are attributed when counted."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from postal_tracker.models import Commune, Dossier, Shipment, table

shipments = table(Shipment)
dossiers = table(Dossier)
communes = table(Commune)


def _lineage() -> sa.CTE:
    """For every commune `start_id`, the communes it went into, merge after merge (`start_id`
    itself first): `commune_id` held what `start_id` held from `entered_at` (null: always) until
    `left_at` (its own merge; null: still open). Tam Phước into Tam An, then Tam An into Phú
    Mỹ gives (TP, TP, -, m1), (TP, TA, m1, m2), (TP, PM, m2, -)."""
    first = sa.select(
        communes.c.id.label("start_id"), communes.c.id.label("commune_id"),
        sa.cast(sa.null(), communes.c.merged_at.type).label("entered_at"), communes.c.merged_at.label("left_at"),
        communes.c.merged_into_id.label("next_id"),
    ).cte("lineage", recursive=True)  # fmt: skip
    step = communes.alias("step")
    return first.union_all(
        sa.select(first.c.start_id, step.c.id, first.c.left_at, step.c.merged_at, step.c.merged_into_id).where(
            step.c.id == first.c.next_id
        )
    )


lineage = _lineage()
path = lineage.alias("path")
"""The communes a parcel's dossier went through, from the one it was booked under."""
reach = lineage.alias("reach")
"""Ties `path` to the commune handling the parcel now: a closed dossier stays where it closed,
so the communes its old commune was merged into later never held it."""


def counted_for(commune_ids: Sequence[int], at: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Whether what happened at `at` to a parcel counts in the figures of one of these communes
    (`counting_commune` says whose): the commune that held the parcel's dossier
    at that instant. That is the commune it was booked under until that commune was merged away,
    then the one it was merged into until that one's own merge, and so on up to the commune
    handling it now. So months before a merge report under the old commune, as they did before
    it, and after two merges (A into B, then B into C) the weeks between them report under B.
    (A query using this selects from `attributed(...)`; events read their stored `commune_id`.)"""
    # Read only for feedback and complaints, a few a parcel, so the databases start from those
    # rows. (A filter on the parcels' communes, needed when events were attributed this way,
    # made SQLite walk every parcel of the province for a quarter's complaints: 1.3-1.5 s.)
    return sa.and_(path.c.commune_id.in_(commune_ids), _held_at(at))


def _held_at(at: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """The step of `path` that held the parcel's dossier at `at`."""
    return sa.and_(
        sa.or_(path.c.entered_at.is_(None), at >= path.c.entered_at),
        sa.or_(path.c.commune_id == shipments.c.commune_id, at < path.c.left_at),
    )


def holder(shipment_id: sa.ColumnElement, at: sa.ColumnElement) -> sa.ScalarSelect[int]:
    """The commune that held parcel `shipment_id`'s dossier at `at`, by the rule of `counted_for`:
    what an event stores as its `commune_id` when it is written (and again when a merge dated
    in the past moves its parcel), so that the reports read the events of a commune directly
    instead of attributing millions of them through the lineage each time."""
    return (
        sa.select(path.c.commune_id)
        .select_from(attributed(shipments))
        .where(shipments.c.id == shipment_id, _held_at(at))
        .scalar_subquery()
    )


counting_commune = path.c.commune_id
"""The commune a complaint or feedback counts for, in a query grouped by commune (`counted_for`
several); events carry theirs as `events.commune_id`."""


def attributed(start: sa.FromClause) -> sa.FromClause:
    """`start` (events, feedback or complaints, joined to shipments) with what `counted_for` reads."""
    return (
        start.join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .join(path, path.c.start_id == dossiers.c.booked_commune_id)
        .join(reach, sa.and_(reach.c.start_id == path.c.commune_id, reach.c.commune_id == shipments.c.commune_id))
    )
