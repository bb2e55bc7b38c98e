"""`postal-tracker demo`: its sample parcels carry only what each event is about."""

from __future__ import annotations

import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.db import Database
from postal_tracker.demo import load_demo
from postal_tracker.models import EventRecord, Shipment, table
from tests.builders import settings_from


def test_demo_events_carry_a_reason_only_when_failed_and_a_recipient_only_when_delivered(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    db = Database(url)
    migrate.upgrade(db)
    lines = list(load_demo(db, settings_from(DATABASE_URL=url, JWT_SECRET="demo-test-" + "z" * 40)))
    assert any("last step: delivered" in line for line in lines)
    events, shipments = table(EventRecord), table(Shipment)
    with db.read() as conn:
        rows = conn.execute(
            sa.select(events.c.event, events.c.reason, events.c.recipient_name)
            .join(shipments, shipments.c.id == events.c.shipment_id)
        ).all()  # fmt: skip
    db.dispose()
    seen = {row.event for row in rows}
    assert {"pickup_failed", "picked_up", "delivered", "out_for_delivery"} <= seen
    for row in rows:
        assert (row.reason is not None) == (row.event == "pickup_failed"), row
        assert (row.recipient_name is not None) == (row.event == "delivered"), row
