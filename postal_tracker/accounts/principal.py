"""Who calls: a staff user or an integration client, with a role and a commune."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    POSTAL = "postal"
    SUPERVISOR = "supervisor"
    INTEGRATION = "integration"  # API keys only


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff user (by token or cookie) or an integration client (by key)."""

    id: int
    name: str
    role: Role
    commune_id: int

    @property
    def key(self) -> str:
        """Scope of idempotency keys and audit fields."""
        return f"{'key' if self.role is Role.INTEGRATION else 'user'}:{self.id}"

    @property
    def user_id(self) -> int | None:
        return None if self.role is Role.INTEGRATION else self.id
