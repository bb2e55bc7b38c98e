"""The audit log: every read of a dossier's personal data by staff or an integration key is recorded.

The walk is derived from the app's own route table: every GET route (and `POST /labels`, a read
with a body) is called by every role, with and without a search term; any answer that shows one
of our dossiers' personal data (JSON, HTML page or PDF text) must have written an audit entry
for that caller and that dossier. A new endpoint that shows personal data without recording it
fails here, as does one whose path parameter the walk cannot fill.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from litestar.routes import HTTPRoute
from pypdf import PdfReader

from postal_tracker.accounts.auth import TOKEN_COOKIE
from postal_tracker.models import AuditEntry, table
from tests.builders import pickup_body, scan_body

audit_log = table(AuditEntry)
ROLES = ("clerk", "postal", "supervisor", "integration")
SKIPPED_PREFIXES = ("/schema", "/static")


@dataclass(frozen=True)
class Citizen:
    name: str
    phone: str
    id_number: str
    detail: str

    @property
    def markers(self) -> list[str]:
        return [self.name, self.phone[-9:], self.id_number, self.detail]


A = Citizen("Đoàn Thị Bảo Mật", "0987654321", "079188800123", "Số 41 hẻm Bảo Mật")
B = Citizen("Hồ Văn Riêng Tư", "0977111222", "079188800456", "Số 52 đường Riêng Tư")
C = Citizen("Lý Thị Kín Đáo", "0966333444", "079188800789", "Số 63 tổ Kín Đáo")
RECIPIENT_OF_A = "Phan Văn Nhận Hộ"


def squash(text: str) -> str:
    """Compare without case and spaces (labels print names in capitals, phones in groups)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text)).casefold()


def text_of(answer) -> str:
    if answer.headers.get("content-type", "").startswith("application/pdf"):
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    return answer.text


def scan(world, number, event, role="postal", **fields):
    answer = world.client.post("/api/v1/scans", json=scan_body(number, event, **fields), headers=world.headers(role))
    assert answer.status_code == 201, answer.text
    return answer


@dataclass
class Scene:
    dossiers: dict[int, Citizen]
    values: dict[str, list[str]]
    search: str = "Riêng Tư"  # a name as the desk would search it


def stage(world) -> Scene:
    """A: delivered (with a recipient), after a hand-over; B: waiting for pickup, with a refused
    scan; C: return-only, collected (on today's delivery round)."""
    clerk = world.headers("clerk")

    def book(citizen: Citizen, path="/api/v1/pickups", **extra):
        body = pickup_body(
            applicant={"full_name": citizen.name, "phone": citizen.phone, "id_number": citizen.id_number},
            address={"hamlet_code": "PLANG", "detail": citizen.detail},
            **extra,
        )
        answer = world.client.post(path, json=body, headers=clerk)
        assert answer.status_code == 201, answer.text
        return answer.json()

    a = book(A)
    a_pickup = a["shipment"]["tracking_no"]
    scan(world, a_pickup, "picked_up")
    handover = world.client.post(
        "/api/v1/handovers", json={"direction": "to_desk", "tracking_nos": [a_pickup]}, headers=clerk
    )
    assert handover.status_code == 201, handover.text
    a_return = world.client.post(f"/api/v1/dossiers/{a['dossier_id']}/return", headers=clerk).json()["shipment"]
    for event in ("collected_from_desk", "out_for_delivery"):
        scan(world, a_return["tracking_no"], event)
    scan(world, a_return["tracking_no"], "delivered", recipient_name=RECIPIENT_OF_A, recipient_relationship="family")

    b = book(B)
    b_pickup = b["shipment"]["tracking_no"]
    refused = world.client.post("/api/v1/scans", json=scan_body(b_pickup, "delivered"), headers=world.headers("postal"))
    assert refused.status_code == 409

    c = book(C, path="/api/v1/returns")
    scan(world, c["shipment"]["tracking_no"], "collected_from_desk")

    complaint = world.client.post(
        "/api/v1/complaints", json={"tracking_no": b_pickup, "kind": "late", "text": "Chưa thấy đến lấy"}, headers=clerk
    )
    assert complaint.status_code == 201, complaint.text
    deliveries = world.client.get("/api/v1/webhooks/deliveries", headers=clerk).json()["items"]
    refusals = world.client.get("/api/v1/scans/exceptions", headers=clerk).json()["items"]
    return Scene(
        dossiers={a["dossier_id"]: A, b["dossier_id"]: B, c["dossier_id"]: C},
        values={
            "tracking_no": [a_pickup, a_return["tracking_no"], b_pickup, c["shipment"]["tracking_no"]],
            "dossier_id": [str(a["dossier_id"]), str(b["dossier_id"]), str(c["dossier_id"])],
            "handover_ref": [str(handover.json()["handover_id"]), f"{handover.json()['handover_id']}.pdf"],
            "code": ["PLANG", world.code],
            "user_id": [str(world.user_ids["clerk"])],
            "complaint_id": [str(complaint.json()["complaint_id"])],
            "delivery_id": [str(d["id"]) for d in deliveries[:3]] or ["1"],
            "exception_id": [str(r["id"]) for r in refusals],
        },
    )


def requests_of(app, scene: Scene):
    """(method, url, body) for every route the walk calls, path parameters filled from the scene."""
    today = datetime.now(UTC).astimezone().date().isoformat()
    queries = {
        "/api/v1/manifests": ["kind=pickup", "kind=delivery", "kind=pickup&format=pdf", "kind=delivery&format=pdf"],
        "/api/v1/reports/daily": [f"date={today}", ""],
        "/api/v1/reports/monthly": [f"month={today[:7]}"],
    }
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(SKIPPED_PREFIXES):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        missing = [n for n in names if n not in scene.values]
        assert not missing, f"the audit walk cannot fill {missing} of {route.path}: add values to stage()"
        paths = [route.path]
        for name in names:
            paths = [re.sub(r"{" + name + r"(?::\w+)?}", value, path) for path in paths for value in scene.values[name]]
        for method in route.methods:
            if method == "GET":
                for path in paths:
                    for query in queries.get(route.path, [""]):
                        # A search term on every route: a search that shows names must be audited too.
                        for extra in ("", f"q={scene.search}"):
                            joined = "&".join(p for p in (query, extra) if p)
                            yield "GET", route.path, path + (f"?{joined}" if joined else ""), None
    yield "POST", "/api/v1/labels", "/api/v1/labels", {"tracking_nos": scene.values["tracking_no"], "size": "a4"}


def call(world, role, method, url, body):
    """The API with the role's credentials; the pages with its session cookie."""
    world.client.cookies.clear()
    if role != "integration":
        world.client.cookies.set(TOKEN_COOKIE, world.headers(role)["Authorization"].removeprefix("Bearer "))
    try:
        return world.client.request(method, url, json=body, headers=world.headers(role))
    finally:
        world.client.cookies.clear()


def entries_after(database, last_id: int) -> list[sa.Row]:
    with database.read() as conn:
        return list(conn.execute(sa.select(audit_log).where(audit_log.c.id > last_id).order_by(audit_log.c.id)))


def last_entry_id(database) -> int:
    with database.read() as conn:
        return conn.execute(sa.select(sa.func.coalesce(sa.func.max(audit_log.c.id), 0))).scalar_one()


def test_every_answer_that_shows_personal_data_is_audited(world, database):
    scene = stage(world)
    markers = {
        dossier_id: [squash(m) for m in citizen.markers] + ([squash(RECIPIENT_OF_A)] if citizen is A else [])
        for dossier_id, citizen in scene.dossiers.items()
    }
    audited_routes: set[str] = set()
    for method, route, url, body in requests_of(world.client.app, scene):
        for role in ROLES:
            before = last_entry_id(database)
            answer = call(world, role, method, url, body)
            if answer.status_code != 200:
                continue
            text = squash(text_of(answer))
            shown = {d for d, found in markers.items() if any(m in text for m in found)}
            if not shown:
                continue
            entries = entries_after(database, before)
            actor = world.principal(role).id if role != "integration" else None
            recorded = {
                e.dossier_id
                for e in entries
                if e.role == role and (e.user_id == actor if actor is not None else e.api_key_id is not None)
            }
            assert shown <= recorded, f"{role} {method} {url} showed dossiers {shown - recorded} without an audit entry"
            audited_routes.add(route)
    # The walk is not vacuous: at least these show personal data (and were audited).
    assert {
        "/api/v1/dossiers/{dossier_id:int}",
        "/api/v1/shipments/{tracking_no:str}",
        "/api/v1/shipments/{tracking_no:str}/label.pdf",
        "/api/v1/labels",
        "/api/v1/dossiers/{dossier_id:int}/receipt.pdf",
        "/api/v1/handovers/{handover_ref:str}",
        "/api/v1/manifests",
        "/api/v1/reports/daily",
        "/desk",  # with ?q=: the search
        "/desk/lists",
        "/desk/parcels/{tracking_no:str}",
    } <= audited_routes


def test_the_audit_answers_who_read_which_dossier_when_and_what(world):
    clerk, supervisor = world.headers("clerk"), world.headers("supervisor")
    # A portal dossier booked at the desk: the key may read it (a key reaches only the portal's).
    body = pickup_body(portal_dossier_no=f"000.00.26.H04-{world.code}")
    booked = world.client.post("/api/v1/pickups", json=body, headers=clerk).json()
    dossier_id, number = booked["dossier_id"], booked["shipment"]["tracking_no"]
    assert world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=clerk).status_code == 200
    assert world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("postal")).status_code == 200
    receipt = world.client.get(f"/api/v1/dossiers/{dossier_id}/receipt.pdf", headers=world.headers("integration"))
    assert receipt.status_code == 200

    page = world.client.get("/api/v1/audit", params={"dossier_id": dossier_id}, headers=supervisor).json()
    assert page["total"] == 3 and page["limit"] == 50 and page["offset"] == 0
    latest_first = [(e["what"], e["role"], e["username"]) for e in page["items"]]
    assert latest_first == [
        ("receipt", "integration", f"portal {world.code}"),
        ("shipment", "postal", world.usernames["postal"]),
        ("dossier", "clerk", world.usernames["clerk"]),
    ]
    assert page["items"][2]["user_id"] == world.user_ids["clerk"] and page["items"][0]["api_key_id"] is not None
    at = datetime.fromisoformat(page["items"][0]["at"])
    assert abs(at - datetime.now(UTC)) < timedelta(minutes=5)

    by_user = world.client.get("/api/v1/audit", params={"user": world.usernames["postal"]}, headers=supervisor).json()
    assert [e["what"] for e in by_user["items"]] == ["shipment"]
    by_id = world.client.get("/api/v1/audit", params={"user": world.user_ids["clerk"]}, headers=supervisor).json()
    assert [e["what"] for e in by_id["items"]] == ["dossier"]
    later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert world.client.get("/api/v1/audit", params={"since": later}, headers=supervisor).json()["total"] == 0
    assert world.client.get("/api/v1/audit", params={"until": later}, headers=supervisor).json()["total"] == 3
    second = world.client.get("/api/v1/audit", params={"limit": 1, "offset": 1}, headers=supervisor).json()
    assert second["total"] == 3 and [e["what"] for e in second["items"]] == ["shipment"]


def test_the_audit_is_the_commune_s_own_and_for_supervisors(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    booked = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
    world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk"))
    theirs = other.client.get(
        "/api/v1/audit", params={"dossier_id": booked["dossier_id"]}, headers=other.headers("supervisor")
    )
    assert theirs.status_code == 200 and theirs.json()["total"] == 0
    for role in ("clerk", "postal", "integration"):
        assert world.client.get("/api/v1/audit", headers=world.headers(role)).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [({"since": "2026-11-01T00:00:00"}, "since"), ({"dossier_id": "0"}, "dossier_id"), ({"limit": "501"}, "limit")],
)
def test_bad_audit_filters_are_422_naming_the_field(world, params, field):
    answer = world.client.get("/api/v1/audit", params=params, headers=world.headers("supervisor"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_the_province_admin_reads_the_audit_of_the_commune_it_names(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    booked = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
    world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk"))
    admin = world.headers("admin")
    page = world.client.get("/api/v1/audit", params={"commune": world.code, "dossier_id": booked["dossier_id"]},
                            headers=admin).json()  # fmt: skip
    assert [(e["what"], e["username"]) for e in page["items"]] == [("dossier", world.usernames["clerk"])]
    theirs = world.client.get("/api/v1/audit", params={"commune": other.code, "dossier_id": booked["dossier_id"]},
                              headers=admin).json()  # fmt: skip
    assert theirs["total"] == 0
    unnamed = world.client.get("/api/v1/audit", headers=admin)
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "commune"
    assert world.client.get("/api/v1/audit", params={"commune": "no-such"}, headers=admin).status_code == 422
    # A supervisor reads their own commune's, named or not, and no other.
    mine = world.client.get("/api/v1/audit", params={"commune": world.code}, headers=world.headers("supervisor"))
    assert mine.status_code == 200 and mine.json()["total"] >= 1
    assert other.client.get("/api/v1/audit", params={"commune": world.code},
                            headers=other.headers("supervisor")).status_code == 403  # fmt: skip


def test_a_read_whose_audit_entry_cannot_be_written_is_not_answered(world, database):
    body = pickup_body(applicant={"full_name": "Hồ Thị Kín", "phone": "0912345678", "id_number": "079166655544"})
    booked = world.client.post("/api/v1/pickups", json=body, headers=world.headers("clerk")).json()
    # The database refuses this commune's audit entries (as a full disk or a lost table would).
    if database.is_sqlite:
        create = [f"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.commune_id = {world.commune_id} "
                  "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"]  # fmt: skip
        drop = ["DROP TRIGGER refuse_audit"]
    else:
        create = [
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ "
            "LANGUAGE plpgsql",
            f"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW "
            f"WHEN (NEW.commune_id = {world.commune_id}) EXECUTE FUNCTION refuse_audit()",
        ]
        drop = ["DROP TRIGGER refuse_audit ON audit_log", "DROP FUNCTION refuse_audit()"]
    with database.write() as conn:
        for statement in create:
            conn.exec_driver_sql(statement)
    try:
        number = booked["shipment"]["tracking_no"]
        for url in (f"/api/v1/dossiers/{booked['dossier_id']}", f"/api/v1/shipments/{number}"):
            answer = world.client.get(url, headers=world.headers("clerk"))
            assert answer.status_code >= 500 and "Hồ Thị Kín" not in answer.text and "079166655544" not in answer.text
    finally:
        with database.write() as conn:
            for statement in drop:
                conn.exec_driver_sql(statement)
    answer = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk"))
    assert answer.status_code == 200 and answer.json()["applicant"]["full_name"] == "Hồ Thị Kín"
