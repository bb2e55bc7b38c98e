"""A commune's hamlets through the API: listing and changing them."""

from __future__ import annotations

import sqlalchemy as sa

from postal_tracker.models import Hamlet, table


def test_an_inactive_hamlet_can_still_be_changed_and_stays_unlisted(world, database):
    hamlets = table(Hamlet)
    with database.write() as conn:
        conn.execute(
            hamlets.update().where(hamlets.c.commune_id == world.commune_id, hamlets.c.code == "PTRINH")
            .values(active=False)
        )  # fmt: skip
    headers = world.headers("supervisor")
    answer = world.client.patch("/api/v1/hamlets/PTRINH", json={"name": "Phước Trinh cũ"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == "PTRINH" and answer.json()["name"] == "Phước Trinh cũ"
    listed = world.client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()
    assert "PTRINH" not in {h["code"] for h in listed} and len(listed) == 5
    with database.read() as conn:
        name = conn.execute(
            sa.select(hamlets.c.name).where(hamlets.c.commune_id == world.commune_id, hamlets.c.code == "PTRINH")
        ).scalar_one()
    assert name == "Phước Trinh cũ"
