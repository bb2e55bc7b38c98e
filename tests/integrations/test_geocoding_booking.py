"""Geocoding booked addresses against a real local server speaking Nominatim's search API, on
SQLite and PostgreSQL: the booking never waits for it, failures leave the hamlet's centre, and
the cache answers the same address a second time.

Addresses carry a token of their own (`marker`), and the local server finds only addresses with
the token: the database is shared with the other tests, whose addresses must stay unfound.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from postal_tracker.app import create_app
from postal_tracker.db import utcnow
from postal_tracker.models import GeocodeCacheEntry, table
from postal_tracker.places.service import MISS_RETRY, geocode_pending
from postal_tracker.reference.seed import TAM_PHUOC_HAMLETS
from postal_tracker.settings import GeocodingSection, Settings, SettingsError
from tests.builders import book, settings_from
from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET, make_world
from tests.integrations.servers import ReceivedRequest, Reply, serve, unused_url
from tests.integrations.test_geocoding import nominatim_place

FOUND = (10.5311234, 107.2398765)  # inside Tam Phước, near the post office
HAMLET_CENTRE = {code: (lat, lon) for code, _, lat, lon in TAM_PHUOC_HAMLETS}


def marker() -> str:
    return f"tổ {uuid.uuid4().hex[:8]}"


def query_of(request: ReceivedRequest) -> str:
    return parse_qs(urlsplit(request.path).query).get("q", [""])[-1]


def finds(token: str, place=FOUND, *, status: int = 200, delay: float = 0.0):
    """A Nominatim /search handler that finds addresses containing `token` at `place`."""

    def handle(request: ReceivedRequest) -> Reply:
        if token.casefold() not in query_of(request).casefold():
            return Reply(200, [])
        return Reply(status, [nominatim_place(*place)] if status == 200 else "<h1>error</h1>", delay=delay)

    return handle


def geocoding(settings: Settings, url: str, **overrides) -> GeocodingSection:
    values = {"provider": "nominatim", "domain": urlsplit(url).netloc, "scheme": "http",
              "timeout": 2.0, "interval": 0.0} | overrides  # fmt: skip
    return replace(settings.geocoding, **values)


def dossier(world, dossier_id: int) -> dict:
    answer = world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def place_of(address: dict) -> tuple:
    return address["lat"], address["lon"], address["geo_source"]


def mine(server, token: str) -> int:
    return sum(token.casefold() in query_of(r).casefold() for r in server.requests)


def test_a_hit_moves_the_address_from_the_hamlet_centre_after_the_booking(world, database, settings):
    token = marker()
    booked = book(world, address={"hamlet_code": "PHUNG", "detail": f"Số 3, {token}"},
                  delivery_address={"hamlet_code": "PBINH", "detail": f"Số 9, {token}"})  # fmt: skip
    before = dossier(world, booked["dossier_id"])
    assert place_of(before["address"]) == (*HAMLET_CENTRE["PHUNG"], "hamlet")
    assert place_of(before["delivery_address"]) == (*HAMLET_CENTRE["PBINH"], "hamlet")

    with serve(finds(token)) as server:
        asked = geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id)
    assert asked == 2 and mine(server, token) == 2
    after = dossier(world, booked["dossier_id"])
    assert place_of(after["address"]) == (*FOUND, "geocoded")
    assert place_of(after["delivery_address"]) == (*FOUND, "geocoded")
    [stop] = world.client.get("/api/v1/manifests", params={"kind": "pickup"}, headers=world.headers("postal")).json()[
        "stops"
    ]
    assert (stop["lat"], stop["lon"], stop["geo_source"]) == (*FOUND, "geocoded")


def test_given_coordinates_are_never_geocoded(world, database, settings):
    token = marker()
    booked = book(world, address={"hamlet_code": "PHUNG", "detail": token, "lat": 10.52, "lon": 107.22})
    with serve(finds(token)) as server:
        geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id)
    assert mine(server, token) == 0
    assert place_of(dossier(world, booked["dossier_id"])["address"]) == (10.52, 107.22, "given")


@pytest.mark.parametrize("failure", ["timeout", "500", "down"])
def test_a_failing_geocoder_leaves_the_hamlet_centre_and_is_asked_again_a_day_later(world, database, settings, failure):
    token = marker()
    booked = book(world, address={"hamlet_code": "PLANG", "detail": token})
    assert booked["shipment"]["status"] == "booked"
    handler = finds(token, status=500) if failure == "500" else finds(token, delay=5.0)
    with serve(handler) as server:
        url = unused_url() if failure == "down" else server.url
        config = geocoding(settings, url, timeout=0.3)
        assert geocode_pending(database, config, commune_id=world.commune_id) == 1
        assert place_of(dossier(world, booked["dossier_id"])["address"]) == (*HAMLET_CENTRE["PLANG"], "hamlet")
        asked = mine(server, token)
        assert asked == (0 if failure == "down" else 1)

        # The miss is cached: the next pass asks nothing...
        assert geocode_pending(database, config, commune_id=world.commune_id) == 0
        # ...until it is a day old (it may have been an outage).
        with database.write() as conn:
            cache = table(GeocodeCacheEntry)
            conn.execute(
                cache.update()
                .where(cache.c.key.contains(token.split()[1]))
                .values(created_at=utcnow() - MISS_RETRY - timedelta(days=1))
            )
        assert geocode_pending(database, config, commune_id=world.commune_id) == 1
        assert mine(server, token) == (0 if failure == "down" else 2)


def test_the_cache_answers_the_same_address_without_asking_again(world, database, settings):
    token = marker()
    first = book(world, address={"hamlet_code": "PNGHIA", "detail": f"Số 5, {token}"})
    # The same address typed differently (case, spacing): one question to the geocoder.
    second = book(world, address={"hamlet_code": "PNGHIA", "detail": f"số  5,  {token.upper()}"})
    with serve(finds(token)) as server:
        assert geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id) == 1
        assert mine(server, token) == 1
        for booked in (first, second):
            assert place_of(dossier(world, booked["dossier_id"])["address"]) == (*FOUND, "geocoded")

        # A later booking of that address is placed at once, from the cache, at booking.
        third = book(world, address={"hamlet_code": "PNGHIA", "detail": f"Số 5, {token}"})
        assert place_of(dossier(world, third["dossier_id"])["address"]) == (*FOUND, "geocoded")
        assert geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id) == 0
    assert mine(server, token) == 1


def test_the_pass_logs_no_address(world, database, settings, caplog):
    caplog.set_level(logging.DEBUG)
    token = marker()
    book(world, address={"hamlet_code": "PTRINH", "detail": f"Võ Thị Sáu {token}"})
    with serve(finds(token)) as server:
        geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "geocoding pass" in logged
    for text in (token, "Võ Thị Sáu", "Phước Trinh"):
        assert text not in logged


def test_booking_never_waits_for_the_geocoder(database, settings):
    """The geocoder answers only once the booking has returned: had the booking waited for it,
    the server would have seen the booking unfinished (and both would have waited 10 s)."""
    token = marker()
    booking_returned = threading.Event()
    seen_by_the_geocoder: list[bool] = []

    def handle(request: ReceivedRequest) -> Reply:
        if token not in query_of(request):
            return Reply(200, [])
        booking_returned.wait(10)
        seen_by_the_geocoder.append(booking_returned.is_set())
        return Reply(200, [nominatim_place(*FOUND)])

    with serve(handle) as server:
        config = replace(settings, geocoding=geocoding(settings, server.url, timeout=10.0))
        with TestClient(app=create_app(config, database)) as client:
            world = make_world(database, client)
            booked = book(world, address={"hamlet_code": "PHUNG", "detail": token})
            # Read before releasing the geocoder, or the background pass may already have moved it.
            assert place_of(dossier(world, booked["dossier_id"])["address"])[2] == "hamlet"
            booking_returned.set()
            assert booked["shipment"]["status"] == "booked"

            # The worker, woken by the booking, places the address in the background.
            deadline = time.monotonic() + 15
            while dossier(world, booked["dossier_id"])["address"]["geo_source"] != "geocoded":
                assert time.monotonic() < deadline, "the background pass did not place the address"
                time.sleep(0.05)
    assert seen_by_the_geocoder == [True]
    assert place_of(dossier(world, booked["dossier_id"])["address"]) == (*FOUND, "geocoded")


def test_geocoder_settings_come_from_the_environment_and_are_checked(database_url):
    env = {
        "POSTAL_TRACKER_GEOCODER": "nominatim",
        "POSTAL_TRACKER_GEOCODER_DOMAIN": "nominatim.tinh.gov.vn:8080",
        "POSTAL_TRACKER_GEOCODER_SCHEME": "http",
        "POSTAL_TRACKER_GEOCODER_TIMEOUT": "1.5",
    }
    geocoding = Settings.from_env(env).geocoding
    assert (geocoding.provider, geocoding.domain, geocoding.scheme, geocoding.timeout) == (
        "nominatim", "nominatim.tinh.gov.vn:8080", "http", 1.5,
    )  # fmt: skip
    assert Settings.from_env({}).geocoding.provider == "off"  # no request leaves the machine unless configured
    with pytest.raises(SettingsError):
        Settings.from_env({"POSTAL_TRACKER_GEOCODER_TIMEOUT": "soon"})
    for bad in ({"GEOCODER": "google"}, {"GEOCODER": "nominatim", "GEOCODER_SCHEME": "ftp"},
                {"GEOCODER": "nominatim", "GEOCODER_TIMEOUT": 0}):  # fmt: skip
        with pytest.raises(SettingsError, match="POSTAL_TRACKER_GEOCODER"):
            create_app(
                settings_from(DATABASE_URL=database_url, JWT_SECRET=TEST_JWT_SECRET, DATA_KEY=TEST_DATA_KEY, **bad)
            )


def test_cache_rows_are_one_per_address(world, database, settings):
    token = marker()
    for _ in range(3):
        book(world, address={"hamlet_code": "PTRUNG", "detail": token})
    with serve(finds(token)) as server:
        geocode_pending(database, geocoding(settings, server.url), commune_id=world.commune_id)
    cache = table(GeocodeCacheEntry)
    with database.read() as conn:
        rows = conn.execute(sa.select(cache).where(cache.c.key.contains(token.split()[1]))).all()
    assert len(rows) == 1 and rows[0].found and (rows[0].lat, rows[0].lon) == FOUND
