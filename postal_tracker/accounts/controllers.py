from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, patch, post
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel, Field

from postal_tracker.accounts import service
from postal_tracker.accounts.auth import ACCOUNT_MANAGERS, STAFF, issue_token
from postal_tracker.accounts.deps import ACCOUNTS, Accounts
from postal_tracker.accounts.schemas import Me, PostmanPage, TokenAnswer, UserPage, UserView
from postal_tracker.deps import CurrentUser, Offset, RowId
from postal_tracker.fields import Text

CommuneCode = Annotated[str, Field(min_length=1, max_length=32)]
Password = Annotated[str, Field(min_length=service.MIN_PASSWORD, max_length=256)]
RoleName = Literal["clerk", "postal", "supervisor", "admin"]


class Credentials(BaseModel):
    # No control characters: no account has them, and PostgreSQL could not even compare a NUL.
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class NewUser(BaseModel):
    username: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    password: Password
    role: RoleName
    full_name: Annotated[str, Text(100, min_length=0)] = ""
    commune: CommuneCode | None = None
    """The commune's code (the admin names it for staff; a supervisor's own by default)."""


class UserChange(BaseModel):
    """Only the fields sent change; each takes effect on the account's next request."""

    role: RoleName | None = None
    active: bool | None = None
    password: Password | None = None
    full_name: Annotated[str, Text(100, min_length=0)] | None = None


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = ACCOUNTS

    @post("/token", status_code=200, opt={"public": True})
    async def token(self, request: Request, accounts: Accounts, data: JSONBody[Credentials]) -> TokenAnswer:
        """Exchange a username and password for a bearer token (valid one shift).

        429 with `Retry-After` after too many wrong passwords for the account (accounts/lockout.py)."""
        principal = await accounts.sign_in(data.username, data.password)
        token = issue_token(request.app.state.jwt_auth, principal)
        return {"access_token": token, "token_type": "bearer", "role": principal.role.value}

    @get("/me", sync_to_thread=False)
    def me(self, user: CurrentUser) -> Me:
        return {"name": user.name, "role": user.role.value, "commune_id": user.home_commune_id}


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [ACCOUNT_MANAGERS]
    dependencies = ACCOUNTS

    @get("/", sync_to_thread=True)
    def list(
        self, accounts: Accounts, user: CurrentUser,
        commune: Annotated[str | None, QueryParameter(max_length=32)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100, offset: Offset = 0,
    ) -> UserPage:  # fmt: skip
        """A supervisor's commune's accounts; the admin's: everyone's, or `?commune=CODE`'s."""
        return accounts.users(user, limit=limit, offset=offset, commune=commune)

    @post("/", sync_to_thread=True)
    def create(self, accounts: Accounts, user: CurrentUser, data: JSONBody[NewUser]) -> UserView:
        """A supervisor adds clerks and postmen to their commune; the admin adds anyone."""
        return accounts.add_user(user, data.username, data.role, data.password, data.full_name, data.commune)

    @patch("/{user_id:int}", sync_to_thread=True)
    def update(self, accounts: Accounts, user: CurrentUser, user_id: RowId, data: JSONBody[UserChange]) -> UserView:
        """Change a role, disable or enable, set a password: effective on the account's next request."""
        return accounts.update_user(user, user_id, data.model_dump(exclude_unset=True))


class PostmanController(Controller):
    path = "/api/v1/postmen"
    tags = ["accounts"]
    guards = [STAFF]
    dependencies = ACCOUNTS

    @get("/", sync_to_thread=True)
    def list(
        self, accounts: Accounts, user: CurrentUser,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100, offset: Offset = 0,
    ) -> PostmanPage:  # fmt: skip
        """The commune's active postmen (users with the `postal` role), to assign parcels to."""
        return accounts.postmen(user.commune_id, limit=limit, offset=offset)
