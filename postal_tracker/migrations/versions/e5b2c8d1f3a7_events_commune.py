"""events.commune_id: the commune whose figures each event counts in, stored with the event

The reports attributed every event of a period through the communes' merge lineage each time
they ran (a quarter of a 1M-parcel province: ~780,000 lookups of parcel and dossier, 9 s).
The commune that held the dossier at the event's instant is known when the event is written;
this revision stores it, filling existing events by the same rule (reports/attribution.py:
`holder`), written out here as it stands today so that the revision never changes.

Revision ID: e5b2c8d1f3a7
Revises: b7c1e2d4a9f0
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b2c8d1f3a7"
down_revision: str | None = "b7c1e2d4a9f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each commune's lineage (the communes it went into, merge after merge) and, per event, the step
# of its dossier's lineage that held it at the event's instant. `CASE WHEN 1 = 0 ...` is a null of
# merged_at's type, which PostgreSQL needs in a recursive term and SQLite accepts.
BACKFILL = """
WITH RECURSIVE lineage(start_id, commune_id, entered_at, left_at, next_id) AS (
    SELECT id, id, CASE WHEN 1 = 0 THEN merged_at END, merged_at, merged_into_id FROM communes
    UNION ALL
    SELECT l.start_id, c.id, l.left_at, c.merged_at, c.merged_into_id
    FROM communes c JOIN lineage l ON c.id = l.next_id
)
UPDATE events SET commune_id = COALESCE((
    SELECT p.commune_id FROM shipments s
    JOIN dossiers d ON d.id = s.dossier_id
    JOIN lineage p ON p.start_id = d.booked_commune_id
    JOIN lineage r ON r.start_id = p.commune_id AND r.commune_id = s.commune_id
    WHERE s.id = events.shipment_id
      AND (p.entered_at IS NULL OR events.at >= p.entered_at)
      AND (p.commune_id = s.commune_id OR events.at < p.left_at)
), (SELECT s.commune_id FROM shipments s WHERE s.id = events.shipment_id))
"""


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_events_commune_id_communes", "communes", ["commune_id"], ["id"])
        batch_op.create_index("ix_events_commune_at", ["commune_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_commune_at")
        batch_op.drop_constraint("fk_events_commune_id_communes", type_="foreignkey")
        batch_op.drop_column("commune_id")
