"""Authentication (Litestar's JWT, plus API keys for integration clients) and role guards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTCookieAuth, JWTCookieAuthenticationMiddleware, Token
from litestar.types import Guard
from sqlalchemy.exc import SQLAlchemyError

from postal_tracker.accounts.service import Principal, Role, principal_for_api_key, principal_for_user
from postal_tracker.db import Database

API_KEY_HEADER = "X-API-Key"
TOKEN_COOKIE = "pt_token"


def principal_for_claims(db: Database, token: Token, *, database_may_fail: bool = False) -> Principal | None:
    """The user a signed token names, read from the database on every request: a token proves
    who signed in, never what they may still do (disabled, role changed, merged commune)."""
    try:
        user_id, version = int(token.sub), int(token.extras.get("ver", 0))
    except (TypeError, ValueError):
        return None
    try:
        principal = principal_for_user(db, user_id, version)
    except SQLAlchemyError:
        if not database_may_fail:
            raise
        return None  # an error page names nobody rather than failing itself
    return None if principal is None or principal.role is Role.INTEGRATION else principal


async def principal_from_token(token: Token, connection: ASGIConnection) -> Principal | None:
    return await anyio.to_thread.run_sync(principal_for_claims, connection.app.state.db, token)


class AuthMiddleware(JWTCookieAuthenticationMiddleware):
    """Bearer token or cookie for staff; `X-API-Key` for integration clients."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        key = connection.headers.get(API_KEY_HEADER)
        if key:
            db = connection.app.state.db
            principal = await anyio.to_thread.run_sync(principal_for_api_key, db, key)
            if principal is None:
                raise NotAuthorizedException("unknown or revoked API key")
            return AuthenticationResult(user=principal, auth=None)
        return await super().authenticate_request(connection)


def make_jwt_auth(secret: str, ttl_minutes: int) -> JWTCookieAuth[Principal, Token]:
    return JWTCookieAuth[Principal, Token](
        retrieve_user_handler=principal_from_token,
        token_secret=secret,
        key=TOKEN_COOKIE,
        default_token_expiration=timedelta(minutes=ttl_minutes),
        authentication_middleware_class=AuthMiddleware,
        exclude_opt_key="public",
        exclude=["/schema", "/health", "/ready"],
        samesite="strict",
    )


def issue_token(auth: JWTCookieAuth, principal: Principal) -> str:
    return auth.create_token(
        identifier=str(principal.id),
        # Role and commune ride along for clients that read them; the server reads the user's
        # row on every request instead (principal_for_claims).
        token_extras={
            "role": principal.role.value,
            "commune_id": principal.home_commune_id,
            "name": principal.name,
            "ver": principal.token_version,
        },
    )


def allow(*roles: Role) -> Guard:
    """A guard admitting only these roles (supervisors can do everything a clerk can)."""
    allowed = set(roles)
    if Role.CLERK in allowed:
        allowed.add(Role.SUPERVISOR)

    def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's own OPTIONS answer (allowed methods) runs without authentication
        if connection.user.role not in allowed:
            raise PermissionDeniedException(f"this needs one of the roles: {', '.join(sorted(allowed))}")

    return guard


STAFF = allow(Role.CLERK, Role.POSTAL)
DESK = allow(Role.CLERK)
BOOKERS = allow(Role.CLERK, Role.INTEGRATION)
SCANNERS = allow(Role.CLERK, Role.POSTAL)
SUPERVISORS = allow(Role.SUPERVISOR)
ADMINS = allow(Role.ADMIN)
ACCOUNT_MANAGERS = allow(Role.SUPERVISOR, Role.ADMIN)
INTEGRATIONS = allow(Role.INTEGRATION)
