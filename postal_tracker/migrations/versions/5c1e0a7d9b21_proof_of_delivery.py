"""proof of delivery: the recipient's ID kind, a proxy's authorisation, a photo

Revision ID: 5c1e0a7d9b21
Revises: 2109b5170712
Create Date: 2026-12-01 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "5c1e0a7d9b21"
down_revision: str | None = "2109b5170712"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("recipient_id_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("authorization_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("photo_jpeg", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("photo_jpeg")
        batch.drop_column("authorization_note")
        batch.drop_column("recipient_id_kind")
