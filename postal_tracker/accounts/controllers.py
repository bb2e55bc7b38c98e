from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from postal_tracker.accounts import service
from postal_tracker.accounts.auth import SUPERVISORS, issue_token
from postal_tracker.accounts.schemas import Me, TokenAnswer, UserCreated, UserView
from postal_tracker.booking.schemas import Text
from postal_tracker.deps import DB, CurrentUser


class Credentials(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class NewUser(BaseModel):
    username: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=256)]
    role: Literal["clerk", "postal", "supervisor"]
    full_name: Text(100, 0) = ""


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/token", status_code=200, opt={"public": True}, sync_to_thread=True)
    def token(self, request: Request, db: DB, data: JSONBody[Credentials]) -> TokenAnswer:
        """Exchange a username and password for a bearer token (valid one shift)."""
        principal = service.authenticate(db, data.username, data.password)
        token = issue_token(request.app.state.jwt_auth, principal)
        return {"access_token": token, "token_type": "bearer", "role": principal.role.value}

    @get("/me", sync_to_thread=False)
    def me(self, user: CurrentUser) -> Me:
        return {"name": user.name, "role": user.role.value, "commune_id": user.commune_id}


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [SUPERVISORS]

    @get("/", sync_to_thread=True)
    def list(self, db: DB, user: CurrentUser) -> list[UserView]:
        return service.list_users(db, user.commune_id)

    @post("/", sync_to_thread=True)
    def create(self, db: DB, user: CurrentUser, data: JSONBody[NewUser]) -> UserCreated:
        """Add a clerk, postman or supervisor to the supervisor's commune."""
        user_id = service.create_user(db, user.commune_id, data.username, data.role, data.password, data.full_name)
        return {"id": user_id, "username": data.username, "role": data.role}
