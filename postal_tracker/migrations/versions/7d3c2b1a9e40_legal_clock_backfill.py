"""legal clock backfill: the deadlines of parcels taken before the clock existed

Revision ID: 7d3c2b1a9e40
Revises: 92e47203264f
Create Date: 2026-12-01 10:45:00

A database that held parcels before revision 2109b5170712 has them without `due_at` (and its
failed deliveries without `next_attempt_on`): they would never be overdue and would be left out
of `on_time_share`. This computes both as a scan would have, from the events and the
configured working days. Data only: nothing to undo.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from postal_tracker.db import UTCDateTime
from postal_tracker.lifecycle import TAKEN_BY_POST, Event, Status
from postal_tracker.settings import Settings
from postal_tracker.workdays import next_attempt_on, transit_due_at

revision: str = "7d3c2b1a9e40"
down_revision: str | None = "92e47203264f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

shipments = sa.table(
    "shipments", sa.column("id", sa.Integer), sa.column("leg", sa.String), sa.column("status", sa.String),
    sa.column("attempts", sa.Integer), sa.column("due_at", UTCDateTime()), sa.column("next_attempt_on", sa.Date),
)  # fmt: skip
events = sa.table("events", sa.column("shipment_id", sa.Integer), sa.column("event", sa.String),
                  sa.column("at", UTCDateTime()))  # fmt: skip


def upgrade() -> None:
    rules = Settings.from_env().rules
    conn = op.get_bind()
    taken = sa.or_(*(sa.and_(shipments.c.leg == leg.value, events.c.event == event.value)
                     for leg, event in TAKEN_BY_POST.items()))  # fmt: skip
    rows = conn.execute(
        sa.select(events.c.shipment_id, sa.func.min(events.c.at).label("at"))
        .select_from(events.join(shipments, shipments.c.id == events.c.shipment_id))
        .where(taken, shipments.c.due_at.is_(None))
        .group_by(events.c.shipment_id)
    ).all()  # fmt: skip
    for row in rows:
        due = transit_due_at(row.at, rules.transit_working_days)
        conn.execute(shipments.update().where(shipments.c.id == row.shipment_id).values(due_at=due))
    failed = conn.execute(
        sa.select(events.c.shipment_id, sa.func.max(events.c.at).label("at"))
        .select_from(events.join(shipments, shipments.c.id == events.c.shipment_id))
        .where(
            shipments.c.status == Status.DELIVERY_FAILED.value, events.c.event == Event.DELIVERY_FAILED.value,
            shipments.c.attempts < rules.max_delivery_attempts, shipments.c.next_attempt_on.is_(None),
        )
        .group_by(events.c.shipment_id)
    ).all()  # fmt: skip
    for row in failed:
        day = next_attempt_on(row.at, rules.reattempt_working_days)
        conn.execute(shipments.update().where(shipments.c.id == row.shipment_id).values(next_attempt_on=day))


def downgrade() -> None:
    pass
