"""What a handler can ask for by name: the database, the settings (or one section), the caller, an
idempotency key.

Provided once in `app.create_app`; annotate a handler parameter with these to receive them.
"""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import HeaderParameter, PathParameter, QueryParameter

from postal_tracker.accounts.service import Principal
from postal_tracker.db import MAX_ID, Database
from postal_tracker.settings import RulesSection, Settings

DB = NamedDependency[Database]
AppSettings = NamedDependency[Settings]
Rules = NamedDependency[RulesSection]
"""`settings.rules`: the status machine's and scans' rules, for the contexts that book and scan."""
CurrentUser = NamedDependency[Principal]
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False, max_length=255)]
"""Optional on writes that create things: the same key and body again answer the first result."""

RowId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A numeric id in the path (dossier, refused scan, delivery)."""
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID)]
"""Where a page of a list starts."""
