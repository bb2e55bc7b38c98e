"""The authorization matrix: every route of the app's own route table × every principal, each
with one expected answer from the single table `RULES` below (issue 9, item 8).

A route the app answers that has no rule here fails `test_every_route_has_a_rule`: whoever adds
a route adds its line, saying who may call it. Each call is made with real data of commune A
(a parcel, a refused scan, a hand-over, a webhook delivery, a complaint), so that "allowed" means
an answer below 400, not merely "not 403". Another commune's staff (B's supervisor, who may do
the most) get 404 for anything of A's reached by its id, and no answer to them holds any of A's
tracking numbers, names or usernames.

Answer classes:
- `OK`: below 400 (a page, a PDF, JSON, a redirect the route exists to give);
- 401 (no or bad credentials), 403 (wrong role), 404 (another commune's thing);
- `LOGIN`: a page sends a visitor without a session to `/login`; `HOME`: a page sends staff of
  another role to their own page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient

from postal_tracker.accounts.auth import TOKEN_COOKIE
from tests.builders import pickup_body, scan_body
from tests.conftest import World, make_world
from tests.routes import http_routes

OK, LOGIN, HOME = "ok", "login", "home"
STAFF_ROLES = ("clerk", "postal", "supervisor")
PRINCIPALS = ("anonymous", "clerk", "postal", "supervisor", "admin", "integration", "other")
"""`other`: the supervisor of another commune; `admin`: the province's administrator."""
NAME_OF_A = "Trương Thị Riêng"
PHONE_OF_A = "0987650123"
PHONE_DIGITS_OF_A = PHONE_OF_A[1:]
"""As answers write it (`+84987650123`) or as it was given; `+84*******23` is masked."""
ID_NUMBER_OF_A = "079188877766"
SEES_IN_FULL: dict[str, frozenset[str]] = {
    NAME_OF_A: frozenset({"clerk", "postal", "supervisor", "integration"}),
    PHONE_DIGITS_OF_A: frozenset({"clerk", "postal", "supervisor", "integration"}),
    ID_NUMBER_OF_A: frozenset({"clerk", "supervisor"}),
}
"""Who may read each piece of A's applicant's personal data unmasked in any answer (API.md,
"Personal data"): the desk and the postman the name and phone they work with, the portal's key
its own dossiers, ID numbers only clerks and supervisors; the province's admin none of it (it
runs communes and accounts, and reads figures), nor anyone outside commune A."""


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    form: dict[str, str] | None = None


@dataclass
class Rule:
    """Who may call a route, and how to call it with commune A's data."""

    allowed: frozenset[str]
    call: Callable[[Data, str], Call]
    scoped: bool = False
    """Reaches one of A's things by its id or number: another commune's staff get `other`."""
    other: int | str = 404
    page: bool = False
    """A web page: no session -> LOGIN, another role -> HOME (instead of 401 / 403)."""
    answers: dict[str, int | str] = field(default_factory=dict)
    """Where a principal's answer is not the role's: say whose, and why, beside the rule."""


def new_commune() -> dict[str, Any]:
    return {"code": f"x-{uuid.uuid4().hex[:8]}", "name": "Xã Thử", "province": "Bà Rịa - Vũng Tàu",
            "post_office_lat": 10.5, "post_office_lon": 107.2}  # fmt: skip


@dataclass
class Data:
    """Commune A's things, made fresh where a call changes them."""

    a: World
    b: World
    seen: set[str] = field(default_factory=set)

    def book(self, **overrides: Any) -> dict[str, Any]:
        applicant = {"full_name": NAME_OF_A, "phone": PHONE_OF_A, "id_number": ID_NUMBER_OF_A}
        answer = self.a.client.post("/api/v1/pickups", json=pickup_body(applicant=applicant, **overrides),
                                    headers=self.a.headers("clerk"))  # fmt: skip
        assert answer.status_code == 201, answer.text
        booked = answer.json()
        self.seen.add(booked["shipment"]["tracking_no"])
        return booked

    def scan(self, number: str, *events: str) -> None:
        for event in events:
            extra = {"reason": "not_home"} if event.endswith("failed") else {}
            if event == "delivered":
                extra = {"recipient_name": NAME_OF_A}
            answer = self.a.client.post("/api/v1/scans", json=scan_body(number, event, **extra),
                                        headers=self.a.headers("postal"))  # fmt: skip
            assert answer.status_code == 201, answer.text

    def number(self) -> str:
        return self.book()["shipment"]["tracking_no"]

    def at_desk(self) -> dict[str, Any]:
        booked = self.book()
        self.scan(booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
        return booked

    def returned(self, *events: str) -> str:
        """A's return leg, walked through `events`."""
        answer = self.a.client.post(f"/api/v1/dossiers/{self.at_desk()['dossier_id']}/return",
                                    headers=self.a.headers("clerk"))  # fmt: skip
        number = answer.json()["shipment"]["tracking_no"]
        self.seen.add(number)
        self.scan(number, *events)
        return number

    def refused_scan(self) -> int:
        number = self.number()
        self.a.client.post("/api/v1/scans", json=scan_body(number, "delivered"), headers=self.a.headers("postal"))
        page = self.a.client.get("/api/v1/scans/exceptions", headers=self.a.headers("clerk")).json()
        return next(i["id"] for i in page["items"] if i["tracking_no"] == number)

    def handover(self) -> int:
        number = self.number()
        self.scan(number, "picked_up")
        answer = self.a.client.post("/api/v1/handovers", json={"direction": "to_desk", "tracking_nos": [number]},
                                    headers=self.a.headers("clerk"))  # fmt: skip
        assert answer.status_code == 201, answer.text
        return answer.json()["handover_id"]

    def delivery(self) -> int:
        number = self.number()
        page = self.a.client.get("/api/v1/webhooks/deliveries", params={"tracking_no": number},
                                 headers=self.a.headers("clerk")).json()  # fmt: skip
        return page["items"][0]["id"]

    def complaint(self) -> int:
        body = {"tracking_no": self.number(), "kind": "late", "text": "Chưa thấy bưu tá đến"}
        answer = self.a.client.post("/api/v1/complaints", json=body, headers=self.a.headers("clerk"))
        assert answer.status_code == 201, answer.text
        return answer.json()["complaint_id"]

    def spare_commune(self) -> str:
        """A new, empty commune (for a merge, which must not touch A or B)."""
        answer = self.a.client.post("/api/v1/communes", json=new_commune(), headers=self.a.headers("admin"))
        assert answer.status_code == 201, answer.text
        return answer.json()["code"]

    def portal_number(self) -> str:
        return f"000.00.26.H04-{uuid.uuid4().hex[:12]}"


SIGNED_IN = frozenset({"clerk", "postal", "supervisor", "admin", "integration", "other"})
STAFF = frozenset({"clerk", "postal", "supervisor", "other"})
DESK = frozenset({"clerk", "supervisor", "other"})
SUPERVISOR = frozenset({"supervisor", "other"})
MANAGERS = frozenset({"supervisor", "admin", "other"})
"""Accounts, hamlets and the monthly figures: a commune's supervisor, and the province's admin."""
ADMIN = frozenset({"admin"})
READERS = frozenset({"clerk", "postal", "supervisor", "admin", "integration", "other"})
BOOKERS = frozenset({"clerk", "supervisor", "integration", "other"})
PRINTERS = frozenset({"clerk", "postal", "supervisor", "integration", "other"})
INTEGRATION = frozenset({"integration"})
ANYONE = frozenset(PRINCIPALS)


DESK_BOOKING_TO_KEY = {"integration": 404}
"""An integration key reaches the portal's dossiers only: A's desk bookings are a 404 to it
(the portal's own are tested in test_hostile_input)."""


CODE_OF_A = "{A}"
ADMIN_PAGE_REFUSED: dict[str, int | str] = {"clerk": 403, "postal": 403}


def get(path: str, **params: str) -> Callable[[Data, str], Call]:
    """A GET with these query parameters (`CODE_OF_A` stands for commune A's code)."""
    return lambda d, who: Call(
        "GET", path, params={k: d.a.code if v == CODE_OF_A else v for k, v in params.items()} or None
    )


# fmt: off
RULES: dict[tuple[str, str], Rule] = {
    # Operations and the OpenAPI document
    ("GET", "/health"): Rule(ANYONE, get("/health")),
    ("GET", "/ready"): Rule(ANYONE, get("/ready")),
    **{("GET", f"/schema{p}"): Rule(ANYONE, get(f"/schema{p}")) for p in (
        "", "/openapi.json", "/openapi.yaml", "/openapi.yml", "/swagger", "/redoc", "/rapidoc", "/elements",
        "/oauth2-redirect.html",
    )},
    ("GET", "/schema/{path:str}"): Rule(ANYONE, get("/schema/openapi.json")),
    # Accounts
    ("POST", "/api/v1/auth/token"): Rule(ANYONE, lambda d, who: Call("POST", "/api/v1/auth/token", json={
        "username": d.a.usernames["clerk"], "password": "correct horse battery"})),
    ("GET", "/api/v1/auth/me"): Rule(SIGNED_IN, get("/api/v1/auth/me")),
    ("GET", "/api/v1/users"): Rule(MANAGERS, get("/api/v1/users")),
    ("POST", "/api/v1/users"): Rule(MANAGERS, lambda d, who: Call("POST", "/api/v1/users", json={
        "username": f"new-{uuid.uuid4().hex[:10]}", "password": "long enough pw", "role": "postal",
        **({"commune": d.a.code} if who == "admin" else {})})),
    ("PATCH", "/api/v1/users/{user_id:int}"): Rule(MANAGERS, scoped=True, call=lambda d, who: Call(
        "PATCH", f"/api/v1/users/{d.a.user_ids['postal']}", json={"full_name": "Bưu tá Phước Lăng"})),
    # Communes (the province)
    ("GET", "/api/v1/communes"): Rule(READERS, get("/api/v1/communes")),
    ("GET", "/api/v1/communes/{code:str}"): Rule(READERS, scoped=True, call=lambda d, who: Call(
        "GET", f"/api/v1/communes/{d.a.code}")),
    ("POST", "/api/v1/communes"): Rule(ADMIN, lambda d, who: Call("POST", "/api/v1/communes", json=new_commune())),
    ("PATCH", "/api/v1/communes/{code:str}"): Rule(ADMIN, lambda d, who: Call(
        "PATCH", f"/api/v1/communes/{d.a.code}", json={"desk_phone": "0254 3880 123"})),
    ("POST", "/api/v1/communes/{code:str}/merge"): Rule(ADMIN, lambda d, who: Call(
        "POST", f"/api/v1/communes/{d.spare_commune()}/merge", json={"into": d.spare_commune()})),
    ("GET", "/api/v1/postmen"): Rule(STAFF, get("/api/v1/postmen")),
    # Reference data
    ("GET", "/api/v1/hamlets"): Rule(PRINTERS | ADMIN, lambda d, who: Call(
        "GET", "/api/v1/hamlets", params={"commune": d.a.code} if who == "admin" else None)),
    ("GET", "/api/v1/procedures"): Rule(PRINTERS | ADMIN, get("/api/v1/procedures")),
    ("POST", "/api/v1/hamlets"): Rule(MANAGERS, lambda d, who: Call("POST", "/api/v1/hamlets", json={
        "code": f"H{uuid.uuid4().hex[:6]}", "name": "Ấp Mới", "lat": 10.5, "lon": 107.2,
        **({"commune": d.a.code} if who == "admin" else {})})),
    ("PATCH", "/api/v1/hamlets/{code:str}"): Rule(MANAGERS, lambda d, who: Call(
        "PATCH", "/api/v1/hamlets/PLANG", json={"name": "Phước Lăng"},
        params={"commune": d.a.code} if who == "admin" else None)),
    # Booking
    ("POST", "/api/v1/pickups"): Rule(BOOKERS, lambda d, who: Call("POST", "/api/v1/pickups", json=pickup_body())),
    ("POST", "/api/v1/returns"): Rule(BOOKERS, lambda d, who: Call(
        "POST", "/api/v1/returns", json={k: v for k, v in pickup_body().items() if k != "documents"})),
    ("POST", "/api/v1/dossiers/{dossier_id:int}/return"): Rule(
        BOOKERS, scoped=True, answers=DESK_BOOKING_TO_KEY,
        call=lambda d, who: Call("POST", f"/api/v1/dossiers/{d.at_desk()['dossier_id']}/return"),
    ),
    ("GET", "/api/v1/dossiers/{dossier_id:int}"): Rule(
        BOOKERS, scoped=True, answers=DESK_BOOKING_TO_KEY,
        call=lambda d, who: Call("GET", f"/api/v1/dossiers/{d.book()['dossier_id']}"),
    ),
    ("POST", "/api/v1/integrations/portal/dossiers"): Rule(INTEGRATION, lambda d, who: Call(
        "POST", "/api/v1/integrations/portal/dossiers", json=pickup_body(portal_dossier_no=d.portal_number()))),
    ("POST", "/api/v1/integrations/portal/results"): Rule(INTEGRATION, lambda d, who: Call(
        "POST", "/api/v1/integrations/portal/results",
        json={**{k: v for k, v in pickup_body().items() if k != "documents"}, "portal_dossier_no": d.portal_number()},
    )),
    # Shipments
    ("GET", "/api/v1/shipments"): Rule(STAFF, get("/api/v1/shipments")),
    ("GET", "/api/v1/shipments/{tracking_no:str}"): Rule(STAFF, scoped=True, call=lambda d, who: Call(
        "GET", f"/api/v1/shipments/{d.number()}")),
    ("PATCH", "/api/v1/shipments/{tracking_no:str}"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "PATCH", f"/api/v1/shipments/{d.number()}", json={"postman_id": d.a.user_ids["postal"]})),
    # Documents
    ("GET", "/api/v1/shipments/{tracking_no:str}/label.pdf"): Rule(
        PRINTERS, scoped=True, answers=DESK_BOOKING_TO_KEY,
        call=lambda d, who: Call("GET", f"/api/v1/shipments/{d.number()}/label.pdf"),
    ),
    ("POST", "/api/v1/labels"): Rule(
        PRINTERS, scoped=True, answers=DESK_BOOKING_TO_KEY,
        call=lambda d, who: Call("POST", "/api/v1/labels", json={"tracking_nos": [d.number()], "size": "a4"}),
    ),
    ("GET", "/api/v1/dossiers/{dossier_id:int}/receipt.pdf"): Rule(
        PRINTERS, scoped=True, answers=DESK_BOOKING_TO_KEY,
        call=lambda d, who: Call("GET", f"/api/v1/dossiers/{d.book()['dossier_id']}/receipt.pdf"),
    ),
    ("GET", "/api/v1/handovers/{handover_ref:str}"): Rule(STAFF, scoped=True, call=lambda d, who: Call(
        "GET", f"/api/v1/handovers/{d.handover()}.pdf")),
    # Scans
    ("POST", "/api/v1/scans"): Rule(STAFF, scoped=True, call=lambda d, who: Call(
        "POST", "/api/v1/scans", json=scan_body(d.number(), "picked_up"))),
    ("POST", "/api/v1/scans/batch"): Rule(STAFF, scoped=True, other=OK, call=lambda d, who: Call(
        "POST", "/api/v1/scans/batch", json={"scans": [scan_body(d.number(), "picked_up")]})),
    # (a batch answers 200 with each scan's outcome: another commune's numbers are rejected as 404 in it)
    ("POST", "/api/v1/handovers"): Rule(STAFF, scoped=True, other=422, call=lambda d, who: Call(
        "POST", "/api/v1/handovers", json={"direction": "from_desk", "tracking_nos": [d.returned()]})),
    # (all or nothing: another commune's numbers are listed as not found, and nothing is recorded)
    ("GET", "/api/v1/scans/exceptions"): Rule(DESK, get("/api/v1/scans/exceptions")),
    ("POST", "/api/v1/scans/exceptions/{exception_id:int}/resolve"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "POST", f"/api/v1/scans/exceptions/{d.refused_scan()}/resolve", json={"note": "đã kiểm tra"})),
    # Routes
    ("GET", "/api/v1/manifests"): Rule(STAFF, get("/api/v1/manifests", kind="pickup")),
    # Webhooks
    ("GET", "/api/v1/webhooks/deliveries"): Rule(DESK, get("/api/v1/webhooks/deliveries")),
    ("GET", "/api/v1/webhooks/deliveries/{delivery_id:int}"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "GET", f"/api/v1/webhooks/deliveries/{d.delivery()}")),
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id:int}/redeliver"): Rule(DESK, scoped=True, call=lambda d, who: (
        Call("POST", f"/api/v1/webhooks/deliveries/{d.delivery()}/redeliver"))),
    # Reports
    # (`?commune=` names A: the admin reads any commune's, another commune's staff get 403)
    ("GET", "/api/v1/reports/daily"): Rule(DESK | ADMIN, scoped=True, other=403, call=get(
        "/api/v1/reports/daily", commune=CODE_OF_A)),
    ("GET", "/api/v1/reports/monthly"): Rule(MANAGERS, scoped=True, other=403, call=get(
        "/api/v1/reports/monthly", month="2026-11", commune=CODE_OF_A)),
    ("GET", "/api/v1/reports/quarterly"): Rule(MANAGERS, scoped=True, other=403, call=get(
        "/api/v1/reports/quarterly", quarter="2026-Q4", commune=CODE_OF_A)),
    # Audit (who read whose personal data)
    ("GET", "/api/v1/audit"): Rule(SUPERVISOR | ADMIN, lambda d, who: Call(
        "GET", "/api/v1/audit", params={"commune": d.a.code} if who == "admin" else None)),
    # Complaints
    ("POST", "/api/v1/complaints"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "POST", "/api/v1/complaints", json={"tracking_no": d.number(), "kind": "late", "text": "Chậm"})),
    ("GET", "/api/v1/complaints"): Rule(DESK, get("/api/v1/complaints")),
    ("GET", "/api/v1/complaints/{complaint_id:int}"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "GET", f"/api/v1/complaints/{d.complaint()}")),
    ("PATCH", "/api/v1/complaints/{complaint_id:int}"): Rule(DESK, scoped=True, call=lambda d, who: Call(
        "PATCH", f"/api/v1/complaints/{d.complaint()}", json={"status": "resolved", "resolution": "Đã phát"})),
    # Public tracking (no login; the number is the key, and it shows nothing personal)
    ("GET", "/api/v1/track/{tracking_no:str}"): Rule(ANYONE, lambda d, who: Call(
        "GET", f"/api/v1/track/{d.number()}")),
    ("POST", "/api/v1/track/{tracking_no:str}/feedback"): Rule(ANYONE, lambda d, who: Call(
        "POST", f"/api/v1/track/{d.returned('collected_from_desk', 'out_for_delivery', 'delivered')}/feedback",
        json={"phone_last4": PHONE_OF_A[-4:], "rating": 5})),
    ("POST", "/api/v1/track/{tracking_no:str}/complaints"): Rule(ANYONE, lambda d, who: Call(
        "POST", f"/api/v1/track/{d.number()}/complaints",
        json={"phone_last4": PHONE_OF_A[-4:], "kind": "late", "text": "Chưa thấy bưu tá"})),
    # Pages
    ("GET", "/track"): Rule(ANYONE, get("/track")),
    ("POST", "/track/feedback"): Rule(ANYONE, lambda d, who: Call("POST", "/track/feedback", form={
        "feedback_no": d.returned("collected_from_desk", "out_for_delivery", "delivered"),
        "phone_last4": PHONE_OF_A[-4:], "rating": "5"})),
    ("POST", "/track/complaint"): Rule(ANYONE, lambda d, who: Call("POST", "/track/complaint", form={
        "view_no": d.number(), "phone_last4": PHONE_OF_A[-4:], "kind": "late", "text": "Chưa thấy bưu tá"})),
    ("GET", "/login"): Rule(ANYONE, get("/login")),
    ("POST", "/login"): Rule(ANYONE, lambda d, who: Call("POST", "/login", form={
        "username": d.a.usernames["clerk"], "password": "correct horse battery"})),
    ("POST", "/logout"): Rule(ANYONE, lambda d, who: Call("POST", "/logout", form={})),
    ("GET", "/"): Rule(ANYONE, get("/")),
    ("GET", "/favicon.ico"): Rule(ANYONE, get("/favicon.ico")),
    ("GET", "/sw.js"): Rule(ANYONE, get("/sw.js")),
    ("GET", "/static/{file_path:path}"): Rule(ANYONE, get("/static/app.css")),
    ("GET", "/desk"): Rule(frozenset({"clerk", "supervisor", "other"}), get("/desk"), page=True),
    ("GET", "/desk/lists"): Rule(frozenset({"clerk", "supervisor", "other"}), get("/desk/lists")),
    ("GET", "/reports"): Rule(MANAGERS, get("/reports"), page=True),
    ("GET", "/desk/outcomes"): Rule(frozenset({"clerk", "supervisor", "other"}), get("/desk/outcomes"), page=True),
    ("GET", "/desk/labels.pdf"): Rule(frozenset({"clerk", "supervisor", "other"}), page=True, scoped=True,
        call=lambda d, who: Call("GET", "/desk/labels.pdf", params={"no": d.number()})),
    ("GET", "/desk/parcels/{tracking_no:str}"): Rule(frozenset({"clerk", "supervisor", "other"}), page=True,
        scoped=True, call=lambda d, who: Call("GET", f"/desk/parcels/{d.number()}")),
    ("GET", "/scan"): Rule(STAFF, get("/scan"), page=True),
    # The supervisor's and the admin's pages answer another role with the 403 page, not a redirect.
    ("GET", "/admin/users"): Rule(MANAGERS, get("/admin/users"), page=True, answers=ADMIN_PAGE_REFUSED),
    ("GET", "/admin/hamlets"): Rule(MANAGERS, get("/admin/hamlets"), page=True, answers=ADMIN_PAGE_REFUSED),
    ("GET", "/admin/communes"): Rule(ADMIN, get("/admin/communes"), page=True,
        answers={**ADMIN_PAGE_REFUSED, "supervisor": 403, "other": 403}),
}
# fmt: on


def expected(rule: Rule, template: str, who: str) -> int | str:
    if who in rule.answers:
        return rule.answers[who]
    if who == "other" and rule.scoped:
        return rule.other
    if who in rule.allowed:
        return OK
    signed_out = who == "anonymous" or (who == "integration" and not template.startswith("/api/"))
    if rule.page:  # pages read the session cookie only: a key is no session
        return LOGIN if signed_out else HOME
    return 401 if signed_out else 403


def answer_class(rule: Rule, status: int, location: str) -> int | str:
    if rule.page and status in (302, 303, 307):
        return LOGIN if location.startswith("/login") else HOME
    return OK if status < 400 else status


def pattern(template: str) -> re.Pattern[str]:
    """The paths a route template answers: `{x:path}` spans segments, other parameters one."""
    parts = re.split(r"(\{\w+:\w+\})", template)
    return re.compile("".join(
        (".+" if p.endswith(":path}") else "[^/]+") if p.startswith("{") else re.escape(p) for p in parts
    ))  # fmt: skip


def send(app, data: Data, call: Call, who: str):
    # A client of its own for each call: nothing in a cookie jar may carry over between principals.
    client = TestClient(app=app)
    form = None
    if call.form is not None:  # a form: with the CSRF token of the login page, as a browser has it
        token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
        form = {**call.form, **({"_csrf_token": token.group(1)} if token else {})}
    headers: dict[str, str] = {}
    if who != "anonymous":
        world, role = (data.b, "supervisor") if who == "other" else (data.a, who)
        headers = world.headers(role)
        if role != "integration":  # pages read the session cookie, the API the bearer token
            client.cookies.set(TOKEN_COOKIE, headers["Authorization"].removeprefix("Bearer "))
    if form is not None:
        return client.post(call.path, data=form, headers=headers, follow_redirects=False)
    return client.request(call.method, call.path, json=call.json, params=call.params, headers=headers,
                          follow_redirects=False)  # fmt: skip


def test_every_route_has_a_rule(client):
    routes = set(http_routes(client.app))
    assert routes - RULES.keys() == set(), "routes without a rule: add each to RULES, saying who may call it"
    assert RULES.keys() - routes == set(), "rules for routes that no longer exist"


@pytest.fixture(scope="module")
def matrix(database, client):
    a, b = make_world(database, client), make_world(database, client)
    data = Data(a, b)
    # Before any read: a result of A's delivered today to NAME_OF_A, and a refused scan, so that
    # the day's sheets, lists and searches that every principal reads hold A's personal data.
    data.returned("collected_from_desk", "out_for_delivery", "delivered")
    data.refused_scan()
    results: dict[tuple[str, str, str], tuple[int | str, int | str, str]] = {}
    told_b: set[str] = set()
    for (method, template), rule in RULES.items():
        for who in PRINCIPALS:
            call = rule.call(data, who)
            assert call.method == method and pattern(template).fullmatch(call.path), (method, template, call)
            if who == "other":  # what B sent, B knows: its own refusals may name it
                told_b.update(m for m in (*data.seen, a.code) if m in f"{call.path} {call.json} {call.params}")
            answer = send(client.app, data, call, who)
            got = answer_class(rule, answer.status_code, answer.headers.get("location", ""))
            results[(method, template, who)] = (expected(rule, template, who), got, answer.text[:300])
            assert answer.status_code < 500, (method, template, who, answer.text)
            if answer.headers.get("content-type", "").startswith("application/pdf"):
                continue
            shown = [item for item, readers in SEES_IN_FULL.items() if item in answer.text and who not in readers]
            assert not shown, (method, template, who, shown)
            if who == "other" and rule.allowed != ANYONE:
                leaked = [m for m in (*data.seen, NAME_OF_A, a.code) if m in answer.text and m not in told_b]
                assert not leaked, (method, template, leaked)
    return results


@pytest.mark.parametrize("who", PRINCIPALS)
def test_each_principal_gets_the_expected_answer_on_every_route(matrix, who):
    wrong = {
        f"{method} {template}": f"expected {want}, got {got}: {text}"
        for (method, template, principal), (want, got, text) in matrix.items()
        if principal == who and want != got
    }
    assert wrong == {}, "\n".join(f"{k}: {v[:160]}" for k, v in wrong.items())
