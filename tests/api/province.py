"""Builders for the province's tests: communes created through the admin API, staffed through
`POST /api/v1/users`, signed in through `POST /api/v1/auth/token`, as a province sets them up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from litestar.testing import TestClient

from postal_tracker.accounts.service import create_api_key
from tests.conftest import PASSWORD

PROVINCE = "Bà Rịa – Vũng Tàu"


@dataclass
class Commune:
    """A commune as a province makes it: code, staff signed in by role, an integration key."""

    code: str
    name: str
    commune_id: int
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    api_key: str = ""

    def headers(self, role: str) -> dict[str, str]:
        if role == "integration":
            return {"X-API-Key": self.api_key}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def new_commune(world, database, name: str, hamlets: list[tuple[str, str, float, float]]) -> Commune:
    """A commune with its hamlets, a clerk, a postman and a supervisor, all made by the admin."""
    code = f"c-{uuid.uuid4().hex[:8]}"
    admin = world.headers("admin")
    body = {
        "code": code, "name": name, "province": PROVINCE,
        "hamlets": [{"code": c, "name": n, "lat": lat, "lon": lon} for c, n, lat, lon in hamlets],
    }  # fmt: skip
    if not hamlets:  # else the post office is placed in the middle of its hamlets
        body |= {"post_office_lat": 10.5, "post_office_lon": 107.2}
    created = world.client.post("/api/v1/communes", json=body, headers=admin)
    assert created.status_code == 201, created.text
    commune = Commune(code, name, 0, world.client)
    for role in ("clerk", "postal", "supervisor"):
        username = f"{role}-{code}"
        user = world.client.post(
            "/api/v1/users",
            json={"username": username, "password": PASSWORD, "role": role, "commune": code,
                  "full_name": f"Cán bộ {role} {name}"},
            headers=admin,
        )  # fmt: skip
        assert user.status_code == 201, user.text
        assert user.json()["commune"] == code
        commune.user_ids[role] = user.json()["id"]
        commune.tokens[role] = sign_in(world.client, username)
    commune.commune_id = world.client.get("/api/v1/auth/me", headers=commune.headers("clerk")).json()["commune_id"]
    commune.api_key = create_api_key(database, commune.commune_id, f"portal {code}")
    return commune


TAM_PHUOC_HAMLETS = [
    ("PBINH", "Phước Bình", 10.5378, 107.2405),
    ("PLANG", "Phước Lăng", 10.5048, 107.2196),
    ("PTRUNG", "Phước Trung", 10.5149, 107.2319),
]
TAM_AN_HAMLETS = [
    ("ANNHUT", "An Nhứt", 10.4912, 107.2035),
    ("ANTHANH", "An Thạnh", 10.4855, 107.2133),
]
