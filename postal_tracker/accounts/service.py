"""Users, postmen and API keys: creating and changing them, checking passwords, keys and tokens.

A token names its user and the user's token version; every request reads that user's row by
primary key (`principal_for_user`), so a disabled account, a new password or a changed role
takes effect on the next request, in every process (bench/auth_bench.py measures the cost).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from postal_tracker.accounts import lockout
from postal_tracker.accounts.postmen import list_postmen
from postal_tracker.accounts.principal import Principal, Role
from postal_tracker.accounts.schemas import PostmanPage, UserPage, UserView
from postal_tracker.communes.lookup import commune_by_code, communes, open_commune_id
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from postal_tracker.models import ApiKey, User, table
from postal_tracker.settings import AuthSection
from postal_tracker.shared import CountingStore

users = table(User)
api_keys = table(ApiKey)
_hasher = PasswordHasher()
# Checked when the username is unknown, so the response time doesn't reveal which users exist.
_DUMMY_HASH = _hasher.hash("not-a-password")
MIN_PASSWORD = 8


STAFF_ROLES = frozenset({Role.CLERK, Role.POSTAL, Role.SUPERVISOR})
USER_ROLES = STAFF_ROLES | {Role.ADMIN}
# What a supervisor may create and manage in their own commune.
SUPERVISED_ROLES = frozenset({Role.CLERK, Role.POSTAL})


def _role(value: str, allowed: frozenset[Role] = USER_ROLES) -> Role:
    if value not in USER_ROLES:
        names = ", ".join(sorted(USER_ROLES))
        raise InvalidInput(f"unknown role {value!r}: one of {names}", field="role")
    if value not in allowed:
        raise Forbidden(f"a supervisor manages clerks and postmen, not the role {value!r}")
    return Role(value)


def _password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", field="password")
    return _hasher.hash(value)


def create_user(
    db: Database, commune_id: int | None, username: str, role: str, password: str, full_name: str = ""
) -> int:
    """Insert an account: staff belong to `commune_id`, the province admin to none."""
    checked = _role(role)
    if (checked is Role.ADMIN) != (commune_id is None):
        raise InvalidInput("staff belong to one commune; the province admin to none", field="commune")
    password_hash = _password(password)
    with db.write() as conn:
        return _insert_user(conn, commune_id, username, checked, password_hash, full_name)


def _insert_user(
    conn: Connection, commune_id: int | None, username: str, role: Role, password_hash: str, full_name: str
) -> int:
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"user {username!r} already exists", errors=[{"field": "username", "message": "taken"}])
    return insert_one(
        conn,
        users.insert().values(
            commune_id=commune_id, username=username, role=role.value, full_name=full_name,
            password_hash=password_hash, active=True, token_version=0, created_at=utcnow(),
        ),
    )  # fmt: skip


def add_user(
    db: Database, actor: Principal, username: str, role: str, password: str, full_name: str, commune: str | None
) -> UserView:
    """`POST /users`: a supervisor adds clerks and postmen to their commune; the admin adds
    anyone (staff to the commune named, another admin to none)."""
    checked = _role(role, USER_ROLES if actor.is_admin else SUPERVISED_ROLES)
    password_hash = _password(password)
    with db.write() as conn:
        if not actor.is_admin:
            commune_id: int | None = actor.commune_id
            if commune is not None and commune_id != commune_by_code(conn, commune).id:
                raise Forbidden("a supervisor adds accounts to their own commune only")
        elif checked is Role.ADMIN:
            if commune is not None:
                raise InvalidInput("the province admin belongs to no commune", field="commune")
            commune_id = None
        elif commune is None:
            raise InvalidInput("staff belong to one commune: name it", field="commune")
        else:
            commune_id = open_commune_id(conn, commune)
        user_id = _insert_user(conn, commune_id, username, checked, password_hash, full_name)
        return _user_view(conn, user_id)


def _user_query() -> sa.Select:
    return sa.select(
        users.c.id, users.c.username, users.c.full_name, users.c.role, users.c.active, communes.c.code.label("commune")
    ).select_from(users.outerjoin(communes, communes.c.id == users.c.commune_id))


def _user_of(row: sa.Row) -> UserView:
    """A row of `_user_query` as the API shows it."""
    return {
        "id": row.id, "username": row.username, "full_name": row.full_name, "role": row.role,
        "active": row.active, "commune": row.commune,
    }  # fmt: skip


def _user_view(conn: Connection, user_id: int) -> UserView:
    return _user_of(conn.execute(_user_query().where(users.c.id == user_id)).one())


def list_users(
    db: Database, actor: Principal, *, limit: int, offset: int, commune: str | None = None
) -> UserPage:
    """A supervisor sees their commune's accounts; the admin everyone's (or one commune's)."""
    with db.read() as conn:
        if not actor.is_admin:
            where = users.c.commune_id == actor.commune_id
        elif commune is not None:
            where = users.c.commune_id == commune_by_code(conn, commune).id
        else:
            where = sa.true()
        total = conn.execute(sa.select(sa.func.count()).select_from(users).where(where)).scalar_one()
        rows = conn.execute(_user_query().where(where).order_by(users.c.username).limit(limit).offset(offset))
        return {"items": [_user_of(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def update_user(db: Database, actor: Principal, user_id: int, changes: dict[str, Any]) -> UserView:
    """`PATCH /users/{id}` `{role?, active?, password?, full_name?}`, effective on the next request.

    Disabling an account or changing its password bumps its token version, so the tokens it
    holds stop working (enabling it again does not bring them back)."""
    values: dict[str, Any] = {}
    with db.write() as conn:
        target = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        if target is None or (not actor.is_admin and target.commune_id != actor.commune_id):
            raise NotFound(f"no user {user_id}")
        if not actor.is_admin and target.role not in SUPERVISED_ROLES:
            raise Forbidden("a supervisor manages the clerks and postmen of their commune")
        if changes.get("role") is not None:
            role = _role(changes["role"], USER_ROLES if actor.is_admin else SUPERVISED_ROLES)
            if (role is Role.ADMIN) != (target.role == Role.ADMIN):
                raise InvalidInput("an account cannot move between a commune and the province", field="role")
            values["role"] = role.value
        if changes.get("full_name") is not None:
            values["full_name"] = changes["full_name"]
        bump = False
        if changes.get("password") is not None:
            values["password_hash"] = _password(changes["password"])
            bump = True
        if changes.get("active") is not None:
            if not changes["active"] and target.id == actor.user_id:
                raise Conflict("you cannot disable your own account", errors=[{"field": "active", "message": "self"}])
            values["active"] = changes["active"]
            bump = bump or (target.active and not changes["active"])
        if bump:
            values["token_version"] = target.token_version + 1
        if values:
            conn.execute(users.update().where(users.c.id == user_id).values(**values))
        return _user_view(conn, user_id)


def user_id_by_name(db: Database, username: str) -> int:
    with db.read() as conn:
        user_id = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is None:
        raise NotFound(f"no user {username!r}")
    return user_id


PROVINCE = Principal(0, "postal-tracker (command line)", Role.ADMIN, None)
"""The command line acts for the province: whoever runs it holds the database already."""


def authenticate(db: Database, username: str, password: str) -> Principal:
    with db.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None:
        raise Unauthorized("wrong username or password")
    return Principal(row.id, row.username, Role(row.role), row.commune_id, row.token_version)


_PRINCIPAL_COLUMNS = (users.c.username, users.c.role, users.c.commune_id, users.c.active, users.c.token_version)


def principal_for_user(db: Database, user_id: int, token_version: int) -> Principal | None:
    """The caller a valid token names, as the database has them now (one primary-key read):
    None when the account is gone, disabled, or its tokens were superseded."""
    with db.lookup() as conn:
        row = conn.execute(sa.select(*_PRINCIPAL_COLUMNS).where(users.c.id == user_id)).first()
    if row is None or not row.active or row.token_version != token_version:
        return None
    return Principal(user_id, row.username, Role(row.role), row.commune_id, row.token_version)


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


def revoke_api_keys(db: Database, name: str) -> int:
    """Revoke every live key of that name; the next request with one is a 401."""
    with db.write() as conn:
        revoked = conn.execute(
            api_keys.update()
            .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        ).rowcount
    if not revoked:
        raise NotFound(f"no live API key named {name!r}")
    return revoked


def principal_for_api_key(db: Database, key: str) -> Principal | None:
    with db.read() as conn:
        row = conn.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == _hash_key(key), api_keys.c.revoked_at.is_(None))
        ).first()
    return Principal(row.id, row.name, Role.INTEGRATION, row.commune_id) if row else None


class AccountService:
    """The accounts context: signing in, users of a commune or of the province, postmen."""

    def __init__(self, db: Database, auth: AuthSection, lockouts: CountingStore) -> None:
        self.db = db
        self.auth = auth
        self.lockouts = lockouts

    async def sign_in(self, username: str, password: str) -> Principal:
        """The principal for a right password; `Unauthorized` for a wrong one; `AccountLocked`
        after too many attempts on the account, whatever the address (accounts/lockout.py)."""
        check = functools.partial(authenticate, self.db, username, password)
        return await lockout.guarded(self.lockouts, self.auth, username, check)

    def users(self, actor: Principal, *, limit: int, offset: int, commune: str | None = None) -> UserPage:
        return list_users(self.db, actor, limit=limit, offset=offset, commune=commune)

    def add_user(
        self, actor: Principal, username: str, role: str, password: str, full_name: str = "", commune: str | None = None
    ) -> UserView:
        return add_user(self.db, actor, username, role, password, full_name, commune)

    def update_user(self, actor: Principal, user_id: int, changes: dict[str, Any]) -> UserView:
        return update_user(self.db, actor, user_id, changes)

    def postmen(self, commune_id: int, *, limit: int, offset: int) -> PostmanPage:
        with self.db.read() as conn:
            return list_postmen(conn, commune_id, limit=limit, offset=offset)
