"""A real server and a real headless Chromium for the page tests.

The app runs under uvicorn in a thread on 127.0.0.1 (a free port), on a SQLite file: the pages
add no SQL of their own worth running twice, so the browser tests use SQLite only (the API
tests cover PostgreSQL). Chromium is Debian's `/usr/bin/chromium`, driven by Playwright; the
tests skip, saying why, where it is not installed (CI installs it, see `.ci/run`).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.accounts.auth import TOKEN_COOKIE, issue_token
from postal_tracker.accounts.service import Principal, Role, create_user
from postal_tracker.app import create_app
from postal_tracker.db import Database
from postal_tracker.models import Commune, table
from tests.builders import free_port, pickup_body, scan_body, settings_from
from tests.conftest import TEST_DATA_KEY, _postgres_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "mật-khẩu-đúng-123"
PHONE = (360, 740)
DESKTOP = (1280, 900)
DESK = (1366, 768)  # the desk's screen (issue 10)
# CI keeps this folder as an artifact (gitignored: /out/).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"


def screenshot(page, name: str) -> None:
    """Save what the user sees now, for people to look at after a CI run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@dataclass
class Server:
    url: str
    app: object
    db: Database
    users: dict[str, Principal]

    def token(self, role: str) -> str:
        return issue_token(self.app.state.jwt_auth, self.users[role])


def _serve(url: str) -> Iterator[Server]:
    """The app under uvicorn in a thread, on the database at `url`, with one user per staff role."""
    import uvicorn

    db = Database(url, (TEST_DATA_KEY,))
    migrate.upgrade(db)
    with db.read() as conn:
        commune_id = conn.execute(sa.select(table(Commune).c.id).order_by(table(Commune).c.id)).scalar_one()
    users = {}
    for role in ("clerk", "postal", "supervisor"):
        user_id = create_user(db, commune_id, f"{role}-web", role, PASSWORD, f"Cán bộ {role}")
        users[role] = Principal(user_id, f"{role}-web", Role(role), commune_id)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_from(
        DATABASE_URL=url, JWT_SECRET="browser-tests-" + "y" * 40, DATA_KEY=TEST_DATA_KEY, PUBLIC_BASE_URL=base,
        PUBLIC_RATE_LIMIT=10_000, DELIVERY_WORKER=0, LOG_LEVEL="WARNING",
    )  # fmt: skip
    app = create_app(settings, db)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield Server(base, app, db, users)
    uv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    yield from _serve(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'pages.db'}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The same server on PostgreSQL (a database of its own), for the flows that must run on both."""
    for url in _postgres_database():
        yield from _serve(url)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; CI does it in .ci/run)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_context(browser, server: Server, role: str | None = None, size: tuple[int, int] = PHONE, **options):
    """A fresh browser profile on `server`, logged in as `role`, in the commune's time zone."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": size[0], "height": size[1]}, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh", **options,
    )  # fmt: skip
    # Generous: CI shares two cores with the other test worker; a PDF can take seconds there.
    context.set_default_timeout(20000)
    if role is not None:
        # Login itself is tested through the form; the other tests start with its cookie.
        context.add_cookies([{"name": TOKEN_COOKIE, "value": server.token(role), "url": server.url}])
    return context


@pytest.fixture
def new_context(browser, server):
    """`new_context(role=None, size=PHONE, **options)`: a fresh browser profile, logged in as `role`."""
    contexts = []

    def make(role: str | None = None, size: tuple[int, int] = PHONE, **options):
        context = open_context(browser, server, role, size, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def admin(server) -> str:
    """A province admin (no commune) beside the conftest's staff, as `new_context("admin")`."""
    if "admin" not in server.users:
        name = f"admin-{uuid.uuid4().hex[:6]}"
        user_id = create_user(server.db, None, name, "admin", PASSWORD, "Quản trị tỉnh")
        server.users["admin"] = Principal(user_id, name, Role.ADMIN, None)
    return server.users["admin"].name


# --- test data through the API with a context's session, and checks of a page (one copy each) ---


# The scan page's service worker is active for "/": from now on a navigation to /scan goes through
# it, whether or not it has taken over the page already open (a page still loading while the worker
# activates is not always claimed, so waiting for that can hang). Answers the worker's script URL,
# or after 20 s a sentence naming the registration's state, so a failure says why.
WORKER_ACTIVE = """async () => {
  const sw = navigator.serviceWorker;
  const late = new Promise((resolve) => setTimeout(resolve, 20000)).then(async () => {
    const r = await sw.getRegistration();
    const states = r ? ["installing", "waiting", "active"].map((k) => `${k}=${r[k] ? r[k].state : "-"}`) : ["none"];
    return `no worker active within 20 s: registration ${states.join(" ")}`;
  });
  return Promise.race([sw.ready.then((r) => r.active.scriptURL), late]);
}"""


def worker_ready(page) -> None:
    """Wait until the service worker is active: it kept /scan and the page's files while it installed."""
    state = page.evaluate(WORKER_ACTIVE)
    assert state.endswith("/sw.js"), state


def book(context, name="Phạm Thị Ánh Tuyết", fee=None, note=None, hamlet="PTRINH", detail="Tổ 7, gần chợ") -> dict:
    """Book a pickup through the API with the context's session cookie; the 201 answer."""
    extra = {key: value for key, value in (("fee_vnd", fee), ("note", note)) if value is not None}
    body = pickup_body(
        applicant={"full_name": name, "phone": "0912345678"}, address={"hamlet_code": hamlet, "detail": detail},
        documents=[], **extra,
    )  # fmt: skip
    answer = context.request.post("/api/v1/pickups", data=body)
    assert answer.status == 201, answer.text()
    return answer.json()


def book_number(context, name="Nguyễn Thị Hằng") -> str:
    """Book a pickup in Phước Lăng; its tracking number."""
    return book(context, name, hamlet="PLANG", detail="Số 12, tổ 3")["shipment"]["tracking_no"]


def scan(context, number: str, event: str, **extra) -> dict:
    """One accepted scan (`scan_body(number, event, **extra)`); the shipment."""
    answer = context.request.post("/api/v1/scans", data=scan_body(number, event, **extra))
    assert answer.status == 201, answer.text()
    return answer.json()["shipment"]


def out_for_delivery(clerk, failures: int = 0) -> str:
    """A return leg out for delivery, after `failures` failed attempts; its number."""
    booked = book(clerk)
    scan(clerk, booked["shipment"]["tracking_no"], "picked_up")
    scan(clerk, booked["shipment"]["tracking_no"], "handed_to_desk")
    number = clerk.request.post(f"/api/v1/dossiers/{booked['dossier_id']}/return").json()["shipment"]["tracking_no"]
    scan(clerk, number, "collected_from_desk")
    scan(clerk, number, "out_for_delivery")
    for _ in range(failures):
        scan(clerk, number, "delivery_failed", reason="not_home")
        scan(clerk, number, "out_for_delivery")
    return number


def fill_booking(page, name: str, phone: str, hamlet: str, detail: str, procedure: int | str = 1) -> None:
    """Type a booking into the desk's form (`procedure`: an option's index or its code); not sent."""
    page.fill("[name=full_name]", name)
    page.fill("[name=phone]", phone)
    page.select_option("[name=hamlet_code]", hamlet)
    page.fill("[name=detail]", detail)
    if isinstance(procedure, int):
        page.select_option("[name=procedure_code]", index=procedure)
    else:
        page.select_option("[name=procedure_code]", procedure)


def fits(page, width: int) -> None:
    """No sideways scrolling at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
