"""personal data encrypted at rest: ID numbers, signatures and photos as Fernet tokens

The two ID number columns become TEXT (a token is longer than the number), and the values
already stored in clear are encrypted with the data key of the database being upgraded.

Revision ID: b85952ac3e0d
Revises: 7d3c2b1a9e40
Create Date: 2026-12-01 10:19:19.497517
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from postal_tracker.crypto import cipher_of

revision: str = "b85952ac3e0d"
down_revision: str | None = "7d3c2b1a9e40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENCRYPTED = {
    "dossiers": ("applicant_id_number",),
    "events": ("recipient_id_number", "signature_png", "photo_jpeg"),
}


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.alter_column("applicant_id_number", existing_type=sa.VARCHAR(), type_=sa.Text(), existing_nullable=True)
    with op.batch_alter_table("events") as batch:
        batch.alter_column("recipient_id_number", existing_type=sa.VARCHAR(), type_=sa.Text(), existing_nullable=True)
    bind = op.get_bind()
    for table_name, columns in ENCRYPTED.items():
        table = sa.table(table_name, sa.column("id"), *(sa.column(c, sa.Text()) for c in columns))
        for column in columns:
            rows = bind.execute(sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))).all()
            if rows:
                cipher = cipher_of(bind.dialect)  # refuses, naming the data key, when there is none
                for row_id, clear in rows:
                    bind.execute(table.update().where(table.c.id == row_id).values({column: cipher.encrypt(clear)}))


def downgrade() -> None:
    bind = op.get_bind()
    for table_name, columns in ENCRYPTED.items():
        table = sa.table(table_name, sa.column("id"), *(sa.column(c, sa.Text()) for c in columns))
        for column in columns:
            rows = bind.execute(sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))).all()
            for row_id, token in rows:
                clear = cipher_of(bind.dialect).decrypt(token)
                bind.execute(table.update().where(table.c.id == row_id).values({column: clear}))
    with op.batch_alter_table("events") as batch:
        batch.alter_column("recipient_id_number", existing_type=sa.Text(), type_=sa.VARCHAR(), existing_nullable=True)
    with op.batch_alter_table("dossiers") as batch:
        batch.alter_column("applicant_id_number", existing_type=sa.Text(), type_=sa.VARCHAR(), existing_nullable=True)
