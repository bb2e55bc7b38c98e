"""What the account endpoints answer (API.md, Conventions: Auth; Communes, the province and accounts).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from typing import Literal, TypedDict

from postal_tracker.accounts.principal import Role


class TokenAnswer(TypedDict):
    """`POST /auth/token`: send `Authorization: Bearer <access_token>` (valid one shift)."""

    access_token: str
    token_type: Literal["bearer"]
    role: Role


class Me(TypedDict):
    name: str
    role: Role
    commune_id: int | None
    """None for the province admin."""


class UserView(TypedDict):
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    commune: str | None
    """The commune's code; None for the province admin."""


class UserPage(TypedDict):
    items: list[UserView]
    total: int
    limit: int
    offset: int


class PostmanView(TypedDict):
    id: int
    username: str
    full_name: str
    active: bool


class PostmanPage(TypedDict):
    items: list[PostmanView]
    total: int
    limit: int
    offset: int
