"""Geocoding against a real local server speaking Nominatim's /search API (jsonv2)."""

from __future__ import annotations

import logging
import time
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.geocoding import (
    AddressParts,
    GeocodeResult,
    GeocoderSettings,
    build_query,
    cache_key,
    geocode,
    make_geocoder,
)
from tests.integrations.servers import LocalServer, ReceivedRequest, Reply, serve, unused_url

COMMUNE_CENTRE = (10.5200, 107.2400)
ADDRESS = AddressParts(
    detail="Tổ 5, đường Võ Thị Sáu",
    hamlet="Phước Hưng",
    commune="Tam Phước",
    province="Bà Rịa - Vũng Tàu",
)


def nominatim_place(lat: float, lon: float, name: str = "Ấp Phước Hưng", kind: str = "hamlet") -> dict:
    """One entry as Nominatim's jsonv2 has it: coordinates as strings."""
    return {
        "place_id": 231067520,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node",
        "osm_id": 5520194012,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "category": "place",
        "type": kind,
        "place_rank": 20,
        "importance": 0.10667666666666664,
        "addresstype": kind,
        "name": name,
        "display_name": f"{name}, Xã Tam Phước, Tỉnh Bà Rịa - Vũng Tàu, Việt Nam",
        "boundingbox": [f"{lat - 0.01:.7f}", f"{lat + 0.01:.7f}", f"{lon - 0.01:.7f}", f"{lon + 0.01:.7f}"],
    }


def nominatim(*places: dict, status: int = 200, delay: float = 0.0, body=None):
    """A handler answering /search with `places` (or `body` as is)."""

    def handle(request: ReceivedRequest) -> Reply:
        if urlsplit(request.path).path != "/search":
            return Reply(404, {"error": "not found"})
        return Reply(status, list(places) if body is None else body, delay=delay)

    return handle


def settings_for(server_url: str, **overrides) -> GeocoderSettings:
    domain = urlsplit(server_url).netloc  # "127.0.0.1:PORT"
    return GeocoderSettings(domain=domain, scheme="http", **({"timeout": 2.0} | overrides))


def params(server: LocalServer, index: int = 0) -> dict[str, str]:
    query = parse_qs(urlsplit(server.requests[index].path).query, strict_parsing=True)
    return {name: values[-1] for name, values in query.items()}


def test_a_hit_returns_the_coordinates_and_the_request_is_well_formed():
    with serve(nominatim(nominatim_place(10.5312345, 107.2456789))) as server:
        result = geocode(settings_for(server.url), ADDRESS, near=COMMUNE_CENTRE)

    assert result is not None
    assert (result.lat, result.lon) == (10.5312345, 107.2456789)
    assert result.kind == "hamlet"
    assert result.display_name.startswith("Ấp Phước Hưng")
    assert result.distance_km == pytest.approx(1.5, abs=0.3)
    assert server.hits == 1
    request = server.requests[0]
    assert request.method == "GET"
    assert request.headers["user-agent"] == "postal-tracker"
    sent = params(server)
    assert sent["q"] == "Tổ 5, đường Võ Thị Sáu, ấp Phước Hưng, xã Tam Phước, tỉnh Bà Rịa - Vũng Tàu"
    assert sent["countrycodes"] == "vn"
    assert sent["accept-language"] == "vi"
    assert sent["limit"] == "5"
    assert len(sent["viewbox"].split(",")) == 4  # prefer results around the commune


def test_the_same_answer_gives_the_same_result():
    answer = nominatim(nominatim_place(10.51, 107.23), nominatim_place(10.52, 107.25))
    with serve(answer) as server:
        settings = settings_for(server.url)
        geocoder = make_geocoder(settings)
        first = geocode(settings, ADDRESS, near=COMMUNE_CENTRE, geocoder=geocoder)
        second = geocode(settings, ADDRESS, near=COMMUNE_CENTRE, geocoder=geocoder)
    assert first == second
    assert first == GeocodeResult(
        lat=10.51,
        lon=107.23,
        display_name="Ấp Phước Hưng, Xã Tam Phước, Tỉnh Bà Rịa - Vũng Tàu, Việt Nam",
        kind="hamlet",
        distance_km=first.distance_km,
    )
    assert server.hits == 2


def test_a_slow_geocoder_gives_none_within_the_timeout():
    with serve(nominatim(nominatim_place(10.53, 107.24), delay=10.0)) as server:
        started = time.perf_counter()
        result = geocode(settings_for(server.url, timeout=0.3), ADDRESS)
        elapsed = time.perf_counter() - started
    assert result is None
    assert elapsed < 1.5
    assert server.hits == 1


@pytest.mark.parametrize(
    "reply",
    [
        nominatim(status=500, body="<h1>Internal Server Error</h1>"),
        nominatim(status=503, body={"error": "overloaded"}),
        nominatim(status=429, body="Too many requests"),
        nominatim(body=[]),  # nothing found
        nominatim(body="<html>this is not JSON</html>"),
        nominatim(body={"error": {"code": 400, "message": "Nothing to search for."}}),
        nominatim(body=[{"lat": "north", "lon": "107.2"}, {"display_name": "no coordinates"}]),
        nominatim(body=[{"lat": "NaN", "lon": "107.2"}, "a string", 42]),
        nominatim(body={"lat": None}),
    ],
    ids=["500", "503", "429", "empty", "not-json", "error-object", "bad-coords", "nan-and-junk", "dict"],
)
def test_a_failing_or_garbled_geocoder_gives_none(reply):
    with serve(reply) as server:
        assert geocode(settings_for(server.url), ADDRESS, near=COMMUNE_CENTRE) is None
    assert server.hits == 1


def test_a_geocoder_that_is_down_gives_none():
    started = time.perf_counter()
    assert geocode(settings_for(unused_url()), ADDRESS) is None
    assert time.perf_counter() - started < 1.5


def test_a_same_name_place_in_another_province_is_rejected():
    elsewhere = nominatim_place(21.0285, 105.8542, name="Phước Hưng")  # Hà Nội, about 1,150 km off
    home = nominatim_place(10.5312, 107.2457)
    with serve(nominatim(elsewhere, home)) as server:
        result = geocode(settings_for(server.url), ADDRESS, near=COMMUNE_CENTRE)
    assert result is not None and (result.lat, result.lon) == (10.5312, 107.2457)

    with serve(nominatim(elsewhere)) as server:
        assert geocode(settings_for(server.url), ADDRESS, near=COMMUNE_CENTRE) is None
        # Without a `near` point there is nothing to judge by: the first result is taken.
        assert geocode(settings_for(server.url), ADDRESS).lat == 21.0285


def test_the_address_never_reaches_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    echo = nominatim(status=500, body=f"could not parse q={build_query(ADDRESS)}")
    with serve(echo) as failing, serve(nominatim(body=f"<pre>{build_query(ADDRESS)}</pre>")) as garbled:
        assert geocode(settings_for(failing.url), ADDRESS) is None
        assert geocode(settings_for(garbled.url), ADDRESS) is None
    with serve(nominatim(nominatim_place(21.0285, 105.8542))) as far:
        assert geocode(settings_for(far.url), ADDRESS, near=COMMUNE_CENTRE) is None
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "geocoding failed" in logged  # the failures are logged...
    for text in ("Phước Hưng", "Phuoc", "Võ Thị Sáu", "V%C3%B5", "Tổ 5"):
        assert text not in logged  # ...without the address, in any encoding


def test_an_empty_address_asks_nothing():
    with serve(nominatim(nominatim_place(10.53, 107.24))) as server:
        assert geocode(settings_for(server.url), AddressParts(detail="  ", hamlet=None)) is None
    assert server.hits == 0


def test_the_query_is_sent_in_nfc_whatever_form_it_was_typed_in():
    typed = AddressParts(detail=unicodedata.normalize("NFD", "Tổ 5"), hamlet="Phước   Hưng")
    with serve(nominatim(nominatim_place(10.53, 107.24))) as server:
        geocode(settings_for(server.url), typed)
    assert params(server)["q"] == "Tổ 5, ấp Phước Hưng"
    assert unicodedata.is_normalized("NFC", params(server)["q"])


def test_query_puts_unit_words_in_front_of_bare_names_only():
    assert (
        build_query(
            AddressParts(
                detail="Số 12",
                hamlet="Thôn 3",
                commune="Phường Phước Trung",
                district="Thành phố Bà Rịa",
                province="Bà Rịa - Vũng Tàu",
            )
        )
        == "Số 12, Thôn 3, Phường Phước Trung, Thành phố Bà Rịa, tỉnh Bà Rịa - Vũng Tàu"
    )
    assert build_query(AddressParts(hamlet="Phước Lăng", commune="Tam An")) == "ấp Phước Lăng, xã Tam An"
    assert build_query(AddressParts(hamlet="Khu phố 2", province="TP. Hồ Chí Minh")) == "Khu phố 2, TP. Hồ Chí Minh"
    assert build_query(AddressParts()) == ""


def test_cache_key_is_stable_across_form_case_and_spacing():
    key = cache_key(ADDRESS)
    assert key == "tổ 5, đường võ thị sáu, ấp phước hưng, xã tam phước, tỉnh bà rịa - vũng tàu"
    same = AddressParts(
        detail=unicodedata.normalize("NFD", "  TỔ 5,   Đường Võ Thị Sáu "),
        hamlet="Ấp phước hưng",
        commune="XÃ TAM PHƯỚC",
        district="",
        province="tỉnh Bà Rịa -  Vũng Tàu",
    )
    assert cache_key(same) == key
    assert cache_key(AddressParts(detail="Tổ 5, đường Võ Thị Sáu", hamlet="Phước Lăng")) != key


def test_settings_refuse_what_cannot_work():
    with pytest.raises(ValueError):
        GeocoderSettings(provider="google")
    with pytest.raises(ValueError):
        GeocoderSettings(scheme="ftp")
    with pytest.raises(ValueError):
        GeocoderSettings(timeout=0)
    with pytest.raises(ValueError):
        GeocoderSettings(user_agent=" ")
    assert GeocoderSettings().domain == "nominatim.openstreetmap.org"
