"""Users, postmen and API keys: creating them, checking passwords and keys."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from postal_tracker.accounts.postmen import list_postmen
from postal_tracker.accounts.principal import Principal, Role
from postal_tracker.accounts.schemas import PostmanPage, UserCreated, UserView
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import Conflict, InvalidInput, Unauthorized
from postal_tracker.models import ApiKey, User, table

users = table(User)
api_keys = table(ApiKey)
_hasher = PasswordHasher()
# Checked when the username is unknown, so the response time doesn't reveal which users exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def create_user(db: Database, commune_id: int, username: str, role: str, password: str, full_name: str = "") -> int:
    if role not in {Role.CLERK, Role.POSTAL, Role.SUPERVISOR}:
        raise InvalidInput("role must be clerk, postal or supervisor", field="role")
    if len(password) < 8:
        raise InvalidInput("a password has at least 8 characters", field="password")
    with db.write() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
            raise Conflict(f"user {username!r} already exists")
        return insert_one(
            conn,
            users.insert().values(
                commune_id=commune_id, username=username, role=role, full_name=full_name,
                password_hash=_hasher.hash(password), active=True, created_at=utcnow(),
            )
        )  # fmt: skip


def authenticate(db: Database, username: str, password: str) -> Principal:
    with db.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None:
        raise Unauthorized("wrong username or password")
    return Principal(row.id, row.username, Role(row.role), row.commune_id)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(db: Database, commune_id: int, name: str) -> str:
    """Create a key and return it; only its hash is kept, so this is the one time it is seen."""
    key = "pt_" + secrets.token_urlsafe(32)
    with db.write() as conn:
        conn.execute(
            api_keys.insert().values(commune_id=commune_id, name=name, key_hash=_hash_key(key), created_at=utcnow())
        )
    return key


def principal_for_api_key(db: Database, key: str) -> Principal | None:
    with db.read() as conn:
        row = conn.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == _hash_key(key), api_keys.c.revoked_at.is_(None))
        ).first()
    return Principal(row.id, row.name, Role.INTEGRATION, row.commune_id) if row else None


def list_users(db: Database, commune_id: int) -> list[dict]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(users.c.id, users.c.username, users.c.full_name, users.c.role, users.c.active)
            .where(users.c.commune_id == commune_id)
            .order_by(users.c.username)
        ).mappings()
        return [dict(r) for r in rows]


class AccountService:
    """The accounts context: signing in, the commune's users and its postmen."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def sign_in(self, username: str, password: str) -> Principal:
        return authenticate(self.db, username, password)

    def users(self, commune_id: int) -> list[UserView]:
        return list_users(self.db, commune_id)  # type: ignore[return-value]

    def add_user(self, commune_id: int, username: str, role: str, password: str, full_name: str = "") -> UserCreated:
        user_id = create_user(self.db, commune_id, username, role, password, full_name)
        return {"id": user_id, "username": username, "role": Role(role)}

    def postmen(self, commune_id: int, *, limit: int, offset: int) -> PostmanPage:
        with self.db.read() as conn:
            return list_postmen(conn, commune_id, limit=limit, offset=offset)  # type: ignore[return-value]
