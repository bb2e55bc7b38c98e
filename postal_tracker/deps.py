"""What a handler can ask for by name: the database, the settings and the caller.

Provided once in `app.create_app`; annotate a handler parameter with these to receive them.
"""

from __future__ import annotations

from litestar.di import NamedDependency

from postal_tracker.accounts.service import Principal
from postal_tracker.db import Database
from postal_tracker.settings import Settings

DB = NamedDependency[Database]
AppSettings = NamedDependency[Settings]
CurrentUser = NamedDependency[Principal]
