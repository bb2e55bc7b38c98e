"""Who calls: a staff user, the province admin or an integration client, with a role and a commune."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from postal_tracker.errors import Forbidden


class Role(StrEnum):
    CLERK = "clerk"
    POSTAL = "postal"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"  # the province: communes, hamlets, every account, every report; books and scans nothing
    INTEGRATION = "integration"  # API keys only


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff user or the province admin (by token or cookie), or an
    integration client (by key)."""

    id: int
    name: str
    role: Role
    home_commune_id: int | None
    """None for the province admin, who belongs to no commune."""
    token_version: int = 0

    @property
    def commune_id(self) -> int:
        """The caller's commune, for everything scoped to one. The admin has none: any commune-
        scoped path an admin reaches is refused here, whatever its guard forgot."""
        if self.home_commune_id is None:
            raise Forbidden("the province administrator belongs to no commune: name one with ?commune=CODE")
        return self.home_commune_id

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def key(self) -> str:
        """Scope of idempotency keys and audit fields."""
        return f"{'key' if self.role is Role.INTEGRATION else 'user'}:{self.id}"

    @property
    def user_id(self) -> int | None:
        return None if self.role is Role.INTEGRATION else self.id
