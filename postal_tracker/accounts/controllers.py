from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel, Field

from postal_tracker.accounts.auth import STAFF, SUPERVISORS, issue_token
from postal_tracker.accounts.deps import ACCOUNTS, Accounts
from postal_tracker.accounts.schemas import Me, PostmanPage, TokenAnswer, UserCreated, UserView
from postal_tracker.deps import CurrentUser, Offset
from postal_tracker.fields import Text


class Credentials(BaseModel):
    # No control characters: no account has them, and PostgreSQL could not even compare a NUL.
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class NewUser(BaseModel):
    username: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=256)]
    role: Literal["clerk", "postal", "supervisor"]
    full_name: Annotated[str, Text(100, 0)] = ""


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]
    dependencies = ACCOUNTS

    @post("/token", status_code=200, opt={"public": True}, sync_to_thread=True)
    def token(self, request: Request, accounts: Accounts, data: JSONBody[Credentials]) -> TokenAnswer:
        """Exchange a username and password for a bearer token (valid one shift)."""
        principal = accounts.sign_in(data.username, data.password)
        token = issue_token(request.app.state.jwt_auth, principal)
        return {"access_token": token, "token_type": "bearer", "role": principal.role}

    @get("/me", sync_to_thread=False)
    def me(self, user: CurrentUser) -> Me:
        return {"name": user.name, "role": user.role, "commune_id": user.commune_id}


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [SUPERVISORS]
    dependencies = ACCOUNTS

    @get("/", sync_to_thread=True)
    def list(self, accounts: Accounts, user: CurrentUser) -> list[UserView]:
        return accounts.users(user.commune_id)

    @post("/", sync_to_thread=True)
    def create(self, accounts: Accounts, user: CurrentUser, data: JSONBody[NewUser]) -> UserCreated:
        """Add a clerk, postman or supervisor to the supervisor's commune."""
        return accounts.add_user(user.commune_id, data.username, data.role, data.password, data.full_name)


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
