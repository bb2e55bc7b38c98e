"""`postal-tracker db upgrade`: create or migrate the schema, then load missing reference data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from postal_tracker.db import Database
from postal_tracker.reference.seed import load_reference_data

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database) -> None:
    with db.write() as conn:
        command.upgrade(alembic_config(conn), "head")
        load_reference_data(conn)
