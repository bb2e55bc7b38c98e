"""dossiers.anonymized_at: when retention removed the dossier's personal data

Revision ID: c3a7e1f0d2b4
Revises: b85952ac3e0d
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import postal_tracker.db

revision: str = "c3a7e1f0d2b4"
down_revision: str | None = "b85952ac3e0d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("anonymized_at", postal_tracker.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("anonymized_at")
