"""communes as data, the province admin, accounts effective on the next request

Users may belong to no commune (the province admin) and carry a token version; a commune
records when it was merged; a dossier keeps the commune it was booked under and its name.

Revision ID: b7c1e2d4a9f0
Revises: c3a7e1f0d2b4
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import postal_tracker.db

revision: str = "b7c1e2d4a9f0"
down_revision: str | None = "c3a7e1f0d2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_at", postal_tracker.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("token_version", server_default=None)
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_commune_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("commune_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(
        "UPDATE dossiers SET booked_commune_id = commune_id,"
        " commune_name = (SELECT name FROM communes WHERE communes.id = dossiers.commune_id)"
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.alter_column("booked_commune_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("commune_name", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.create_foreign_key("fk_dossiers_booked_commune_id_communes", "communes", ["booked_commune_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dossiers_booked_commune_id_communes", type_="foreignkey")
        batch_op.drop_column("commune_name")
        batch_op.drop_column("booked_commune_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("token_version")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_column("merged_at")
