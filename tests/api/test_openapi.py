"""The OpenAPI document describes the JSON the API really answers (API.md: OpenAPI at /schema).

Two kinds of checks:
- the key schemas name the contract's fields (what integrators code against);
- every JSON answer of a walk through the API (booking, scans, tracking, lists, reports, portal)
  conforms to the schema documented for its path, method and status: no key outside the
  schema's properties, every required key present, values of the documented types (datetimes
  ISO 8601 with an offset). So a field added to a service without its schema, or a schema
  promising what the wire doesn't carry, fails here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from tests.builders import book, pickup_body, scan_body, valid_number, walk
from tests.conftest import PASSWORD

_DOCUMENTS: dict[int, dict[str, Any]] = {}


def document(client) -> dict[str, Any]:
    """The app's OpenAPI document, fetched once per test client."""
    if id(client) not in _DOCUMENTS:
        answer = client.get("/schema/openapi.json")
        assert answer.status_code == 200
        _DOCUMENTS[id(client)] = answer.json()
    return _DOCUMENTS[id(client)]


def component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = component(doc, schema["$ref"].rsplit("/", 1)[1])
    return schema


def response_schema(doc: dict[str, Any], method: str, path: str, status: int, media_type: str) -> dict[str, Any]:
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path}: status {status} is not documented"
    content = responses[str(status)]["content"]
    assert media_type in content, f"{method} {path} {status}: {media_type} is not documented ({list(content)})"
    return content[media_type]["schema"]


def properties(doc: dict[str, Any], name: str) -> set[str]:
    return set(component(doc, name)["properties"])


# --- conformance ------------------------------------------------------------------------------


def conforms(doc: dict[str, Any], value: Any, schema: dict[str, Any], where: str) -> None:
    """Assert that `value` (parsed JSON) fits `schema`; `where` names the place in messages."""
    schema = resolve(doc, schema)
    if "oneOf" in schema or "anyOf" in schema:
        failures = []
        for branch in schema.get("oneOf") or schema["anyOf"]:
            try:
                conforms(doc, value, branch, where)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(f"{where}: {value!r} fits none of {failures}")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} is not one of {schema['enum']}"
    kind = schema.get("type")
    if isinstance(kind, list):
        conforms(doc, value, {"oneOf": [{**schema, "type": k} for k in kind]}, where)
    elif kind == "null":
        assert value is None, f"{where}: {value!r} is not null"
    elif kind == "object":
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        if "properties" in schema:
            undocumented = set(value) - set(schema["properties"])
            assert not undocumented, f"{where}: keys {sorted(undocumented)} are not in {schema.get('title')}"
            missing = set(schema.get("required", ())) - set(value)
            assert not missing, f"{where}: required keys {sorted(missing)} of {schema.get('title')} are missing"
            for key, item in value.items():
                conforms(doc, item, schema["properties"][key], f"{where}.{key}")
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                conforms(doc, item, schema["additionalProperties"], f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), f"{where}: {value!r} is not an array"
        for index, item in enumerate(value):
            conforms(doc, item, schema.get("items", {}), f"{where}[{index}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: {value!r} is not a string"
        if schema.get("format") == "date-time":
            assert datetime.fromisoformat(value).tzinfo is not None, f"{where}: {value!r} has no offset"
        elif schema.get("format") == "date":
            date.fromisoformat(value)
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r} is not an integer"
    elif kind == "number":
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{where}: {value!r} is not a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: {value!r} is not a boolean"


class Wire:
    """Calls the API as `world`'s users and checks each answer against its documented schema."""

    def __init__(self, world) -> None:
        self.world = world
        self.doc = document(world.client)
        self.checked: list[str] = []

    def __call__(self, method: str, path: str, url: str | None = None, *, role: str = "clerk", status: int = 200,
                 **kwargs: Any) -> Any:  # fmt: skip
        headers = kwargs.pop("headers", None)
        if headers is None:
            headers = self.world.headers(role) if role else {}
        answer = self.world.client.request(method, url or path, headers=headers, **kwargs)
        assert answer.status_code == status, f"{method} {url or path}: {answer.status_code} {answer.text}"
        media_type = answer.headers["content-type"].split(";")[0]
        body = answer.json()
        schema = response_schema(self.doc, method, path, status, media_type)
        conforms(self.doc, body, schema, f"{method} {path} {status}")
        self.checked.append(f"{method} {path} {status}")
        return body


# --- the contract's fields --------------------------------------------------------------------


def test_the_shipment_and_event_schemas_name_the_contract_fields(client):
    doc = document(client)
    shipment = {"tracking_no", "leg", "status", "dossier_id", "hamlet_code", "attempts", "events", "created_at",
                "updated_at"}  # fmt: skip
    assert shipment <= properties(doc, "ShipmentView")
    assert shipment <= set(component(doc, "ShipmentView")["required"])
    assert shipment - {"events"} <= properties(doc, "ShipmentSummary")
    assert {"event", "code", "status", "at", "text_vi"} <= properties(doc, "EventView")
    for name in ("ShipmentView", "EventView"):
        for key in ("created_at", "updated_at", "at", "recorded_at"):
            if key in properties(doc, name):
                assert component(doc, name)["properties"][key] == {"type": "string", "format": "date-time"}
    # Keys a service leaves out when they have no value are documented as optional.
    assert not {"reason", "next_step"} & set(component(doc, "ShipmentView")["required"])
    assert not {"note", "recipient_name", "location", "reason"} & set(component(doc, "EventView")["required"])
    assert set(resolve(doc, component(doc, "ShipmentView")["properties"]["status"])["enum"]) >= {
        "booked", "at_desk", "delivered", "returned_to_desk", "cancelled",
    }  # fmt: skip


def test_the_answers_of_the_contract_endpoints_are_typed(client):
    doc = document(client)

    def schema_of(method: str, path: str, status: int = 200) -> dict[str, Any]:
        return resolve(doc, response_schema(doc, method, path, status, "application/json"))

    booked = schema_of("POST", "/api/v1/pickups", 201)
    assert set(booked["required"]) == {"dossier_id", "shipment", "label_url", "receipt_url"}
    assert booked["properties"]["shipment"] == {"$ref": "#/components/schemas/ShipmentView"}
    assert schema_of("POST", "/api/v1/dossiers/{dossier_id}/return", 201)["required"] == ["shipment"]
    assert {"dossier_id", "shipment"} <= set(schema_of("POST", "/api/v1/returns", 201)["required"])
    dossier = schema_of("GET", "/api/v1/dossiers/{dossier_id}")
    assert {"dossier_id", "legs", "applicant", "address"} <= set(dossier["required"])

    track = schema_of("GET", "/api/v1/track/{tracking_no}")
    assert {"tracking_no", "leg", "status", "status_text_vi", "events"} <= set(track["required"])
    public_event = resolve(doc, track["properties"]["events"]["items"])
    assert set(public_event["properties"]) == {"event", "at", "place", "text_vi"}
    assert not {"name_masked", "hamlet"} & set(track["required"])

    for path in ("/api/v1/shipments", "/api/v1/scans/exceptions", "/api/v1/webhooks/deliveries", "/api/v1/postmen"):
        page = schema_of("GET", path)
        assert set(page["required"]) == {"items", "total", "limit", "offset"}, path
        assert page["properties"]["items"]["type"] == "array", path

    for path, fields in {
        "/api/v1/hamlets": {"code", "name", "lat", "lon"},
        "/api/v1/procedures": {"code", "name", "group", "fee_vnd"},
    }.items():
        plain = schema_of("GET", path)
        assert plain["type"] == "array", path
        assert fields <= set(resolve(doc, plain["items"])["required"]), path

    assert set(schema_of("POST", "/api/v1/auth/token")["required"]) == {"access_token", "token_type", "role"}
    scan = schema_of("POST", "/api/v1/scans", 201)
    assert {"scan_id", "accepted", "duplicate", "shipment"} <= set(scan["required"])
    assert schema_of("POST", "/api/v1/scans", 200) == scan  # duplicate
    refused = resolve(doc, response_schema(doc, "POST", "/api/v1/scans", 409, "application/problem+json"))
    assert {"status", "title", "detail"} <= set(refused["required"])
    assert {"current_status", "allowed_events"} <= set(refused["properties"])
    result = resolve(doc, schema_of("POST", "/api/v1/scans/batch")["properties"]["results"]["items"])
    assert {"scan_id", "outcome", "status", "error"} <= set(result["properties"])
    assert {"handover_id", "count"} <= set(schema_of("POST", "/api/v1/handovers", 201)["required"])
    manifest = schema_of("GET", "/api/v1/manifests")
    assert {"date", "kind", "start", "stops", "total_km"} <= set(manifest["required"])
    stop = resolve(doc, manifest["properties"]["stops"]["items"])
    assert {"order", "tracking_no", "hamlet_code", "address", "lat", "lon", "leg_km"} <= set(stop["required"])
    assert {"date", "counts", "items"} <= set(schema_of("GET", "/api/v1/reports/daily")["required"])
    monthly = schema_of("GET", "/api/v1/reports/monthly")
    assert {"month", "totals", "by_hamlet", "by_procedure"} <= set(monthly["required"])
    assert {"pickups_booked", "first_attempt_delivery_rate", "feedback_mean"} <= properties(doc, "Figures")
    for status in (201, 200):
        assert "duplicate" in schema_of("POST", "/api/v1/integrations/portal/dossiers", status)["required"]
        assert "return_only" in schema_of("POST", "/api/v1/integrations/portal/results", status)["required"]


def test_no_json_endpoint_answers_an_undocumented_object(client):
    """A handler annotated `-> dict` shows as a bare object: every API answer has a shape."""
    doc = document(client)
    bare = []
    for path, operations in doc["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if schema is not None and (schema in ({}, {"type": "object"}) or schema.get("items") == {}):
                    bare.append(f"{method.upper()} {path} {status}")
    assert not bare


# --- the wire fits the schemas ----------------------------------------------------------------


def test_every_answer_of_a_walk_through_the_api_fits_its_schema(world):
    call = Wire(world)
    integration = {"X-API-Key": world.api_key}

    # Reference data and accounts
    call("GET", "/api/v1/hamlets")
    call("GET", "/api/v1/procedures")
    call("POST", "/api/v1/auth/token", role="",
         json={"username": world.usernames["clerk"], "password": PASSWORD})  # fmt: skip
    call("GET", "/api/v1/auth/me")
    call("POST", "/api/v1/users", role="supervisor", status=201,
         json={"username": f"u{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": "postal"})  # fmt: skip
    call("GET", "/api/v1/users", role="supervisor")

    # Booking: a pickup with a delivery address, a failed attempt, the desk, the return leg
    booked = call("POST", "/api/v1/pickups", status=201, json=pickup_body(
        delivery_address={"hamlet_code": "PBINH", "detail": "Số 9"}, note="gọi trước", fee_vnd=10_000,
    ), headers={**world.headers("clerk"), "Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    number, dossier_id = booked["shipment"]["tracking_no"], booked["dossier_id"]
    failed = call("POST", "/api/v1/scans", status=201, role="postal",
                  json=scan_body(number, "pickup_failed", reason="not_home", lat=10.5, lon=107.2,
                                 location={"kind": "hamlet", "code": "PLANG"}))  # fmt: skip
    assert failed["shipment"]["reason"] == "not_home"  # the optional keys are there, and checked
    call("GET", "/api/v1/manifests", "/api/v1/manifests?kind=pickup", role="postal")
    picked = scan_body(number, "picked_up", fee_collected_vnd=10_000)
    call("POST", "/api/v1/scans", status=201, role="postal", json=picked)
    assert call("POST", "/api/v1/scans", status=200, role="postal", json=picked)["duplicate"] is True
    handover = call("POST", "/api/v1/handovers", status=201, role="postal",
                    json={"direction": "to_desk", "tracking_nos": [number]})  # fmt: skip
    call("GET", "/api/v1/handovers/{handover_ref}", f"/api/v1/handovers/{handover['handover_id']}")
    returned = call("POST", "/api/v1/dossiers/{dossier_id}/return", f"/api/v1/dossiers/{dossier_id}/return", status=201)
    back = returned["shipment"]["tracking_no"]
    walk(world, back, "collected_from_desk", "out_for_delivery", "delivered")

    # Refused scans, kept as exceptions; a batch with every outcome
    call("POST", "/api/v1/scans", status=409, role="postal", json=scan_body(number, "delivered"))
    call("POST", "/api/v1/scans", status=404, role="postal", json=scan_body(valid_number("87654321"), "picked_up"))
    call("POST", "/api/v1/scans", status=422, role="postal", json=scan_body(number, "picked_up", lat=99))
    batch = call("POST", "/api/v1/scans/batch", role="postal", json={"scans": [
        picked, scan_body(number, "cancelled", reason="other"), {"not": "a scan"},
    ]})  # fmt: skip
    assert [r["outcome"] for r in batch["results"]] == ["duplicate", "rejected", "rejected"]
    exceptions = call("GET", "/api/v1/scans/exceptions")
    assert exceptions["total"] >= 4
    resolve_url = f"/api/v1/scans/exceptions/{exceptions['items'][0]['id']}/resolve"
    call("POST", "/api/v1/scans/exceptions/{exception_id}/resolve", resolve_url, json={"note": "đã gọi"})
    call("GET", "/api/v1/scans/exceptions", "/api/v1/scans/exceptions?resolved=true")

    # Reading shipments and dossiers; public tracking with and without the phone digits
    for no in (number, back):
        call("GET", "/api/v1/shipments/{tracking_no}", f"/api/v1/shipments/{no}")
        call("GET", "/api/v1/track/{tracking_no}", f"/api/v1/track/{no}", role="")
        verified = call("GET", "/api/v1/track/{tracking_no}", f"/api/v1/track/{no}?phone_last4=5678", role="")
        assert "name_masked" in verified
    call("GET", "/api/v1/shipments", "/api/v1/shipments?limit=5")
    call("GET", "/api/v1/shipments", "/api/v1/shipments?status=booked,pickup_failed&leg=pickup")
    call("GET", "/api/v1/dossiers/{dossier_id}", f"/api/v1/dossiers/{dossier_id}")
    return_only = {k: v for k, v in pickup_body().items() if k != "documents"}
    only = call("POST", "/api/v1/returns", status=201, json=return_only)
    call("GET", "/api/v1/dossiers/{dossier_id}", f"/api/v1/dossiers/{only['dossier_id']}")
    postman = world.user_ids["postal"]
    assign = f"/api/v1/shipments/{only['shipment']['tracking_no']}"
    call("PATCH", "/api/v1/shipments/{tracking_no}", assign, json={"postman_id": postman})
    call("PATCH", "/api/v1/hamlets/{code}", "/api/v1/hamlets/PBINH", role="supervisor",
         json={"default_postman_id": postman})  # fmt: skip

    # Feedback, reports, deliveries, postmen
    call("POST", "/api/v1/track/{tracking_no}/feedback", f"/api/v1/track/{back}/feedback", role="", status=201,
         json={"phone_last4": "5678", "rating": 5, "comment": "Nhanh"})  # fmt: skip
    # Complaints: filed by the citizen and at the desk, listed, resolved, seen on /track
    filed = call("POST", "/api/v1/track/{tracking_no}/complaints", f"/api/v1/track/{back}/complaints", role="",
                 status=201, json={"phone_last4": "5678", "kind": "late", "text": "Chậm quá"})  # fmt: skip
    call("POST", "/api/v1/complaints", status=201, json={"tracking_no": number, "kind": "staff", "text": "Thái độ"})
    call("GET", "/api/v1/complaints", "/api/v1/complaints?status=open")
    complaint = f"/api/v1/complaints/{filed['complaint_id']}"
    call("PATCH", "/api/v1/complaints/{complaint_id}", complaint,
         json={"status": "resolved", "resolution": "Đã xin lỗi", "compensation_vnd": 20_000})  # fmt: skip
    call("GET", "/api/v1/complaints/{complaint_id}", complaint)
    tracked = call("GET", "/api/v1/track/{tracking_no}", f"/api/v1/track/{back}?phone_last4=5678", role="")
    assert tracked["complaints"][0]["status"] == "resolved"
    call("GET", "/api/v1/shipments", "/api/v1/shipments?overdue=true")
    call("GET", "/api/v1/reports/daily")
    call("GET", "/api/v1/reports/monthly", f"/api/v1/reports/monthly?month={datetime.now().strftime('%Y-%m')}",
         role="supervisor")  # fmt: skip
    call("GET", "/api/v1/reports/quarterly", "/api/v1/reports/quarterly?quarter=2026-Q4", role="supervisor")
    call("GET", "/api/v1/manifests", "/api/v1/manifests?kind=delivery")
    call("GET", "/api/v1/postmen")
    for channel in ("webhook", "sms"):
        deliveries = call("GET", "/api/v1/webhooks/deliveries", f"/api/v1/webhooks/deliveries?channel={channel}")
        assert deliveries["items"], channel
    delivery = f"/api/v1/webhooks/deliveries/{deliveries['items'][0]['id']}"
    call("GET", "/api/v1/webhooks/deliveries/{delivery_id}", delivery)

    # The portal: a new dossier, the same again, its result, the same again
    portal_no = f"H-{uuid.uuid4().hex[:10]}"
    body = pickup_body(portal_dossier_no=portal_no)
    dossiers = "/api/v1/integrations/portal/dossiers"
    first = call("POST", dossiers, status=201, headers=integration, json=body)
    assert call("POST", dossiers, status=200, headers=integration, json=body)["duplicate"] is True
    walk(world, first["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    results = "/api/v1/integrations/portal/results"
    call("POST", results, status=201, headers=integration, json={"portal_dossier_no": portal_no})
    call("POST", results, status=200, headers=integration, json={"portal_dossier_no": portal_no})
    unknown = {k: v for k, v in pickup_body(portal_dossier_no=f"H-{uuid.uuid4().hex[:10]}").items() if k != "documents"}
    assert "receipt_url" in call("POST", results, status=201, headers=integration, json=unknown)

    covered = {c.rsplit(" ", 1)[0] for c in call.checked}
    assert {
        "POST /api/v1/pickups", "POST /api/v1/returns", "POST /api/v1/dossiers/{dossier_id}/return",
        "GET /api/v1/dossiers/{dossier_id}", "GET /api/v1/shipments", "GET /api/v1/shipments/{tracking_no}",
        "POST /api/v1/scans", "POST /api/v1/scans/batch", "GET /api/v1/scans/exceptions",
        "GET /api/v1/track/{tracking_no}", "GET /api/v1/hamlets", "GET /api/v1/procedures", "POST /api/v1/auth/token",
        "GET /api/v1/manifests", "GET /api/v1/reports/daily", "GET /api/v1/reports/monthly", "POST /api/v1/handovers",
        "POST /api/v1/integrations/portal/dossiers", "POST /api/v1/integrations/portal/results",
        "GET /api/v1/webhooks/deliveries", "POST /api/v1/track/{tracking_no}/complaints", "POST /api/v1/complaints",
        "GET /api/v1/complaints", "PATCH /api/v1/complaints/{complaint_id}",
    } <= covered  # fmt: skip


def test_the_shipment_track_and_booking_keys_all_appear_in_their_schemas(world):
    """The brief's guard in plain terms: for a booked and scanned parcel, every key of the JSON
    of /pickups, /shipments/{no} and /track/{no} is a property of the documented schema."""
    doc = document(world.client)
    booked = book(world)
    number = booked["shipment"]["tracking_no"]
    walk(world, number, "pickup_failed", "picked_up")
    shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
    track = world.client.get(f"/api/v1/track/{number}?phone_last4=5678").json()

    assert set(booked) <= properties(doc, "PickupBooked")
    assert set(shipment) <= properties(doc, "ShipmentView")
    for event in shipment["events"]:
        assert set(event) <= properties(doc, "EventView")
    assert set(track) <= properties(doc, "PublicTracking")
    for event in track["events"]:
        assert set(event) <= properties(doc, "PublicEvent")
