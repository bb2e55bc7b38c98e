"""Pure mapping: our address parts to the query text, Nominatim's answer to our result."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geopy.distance import great_circle

# Administrative unit words, by level: when a stored name does not start with one, the default
# (first) is put in front, because OpenStreetMap names Vietnamese units with it ("Xã Tam Phước")
# and the desk may have stored the bare name ("Tam Phước").
HAMLET_UNITS = ("ấp", "thôn", "xóm", "bản", "buôn", "làng", "sóc", "khóm", "khu phố", "tổ dân phố", "khu")
COMMUNE_UNITS = ("xã", "phường", "thị trấn", "đặc khu")
DISTRICT_UNITS = ("huyện", "quận", "thị xã", "thành phố", "tp.", "tp")
PROVINCE_UNITS = ("tỉnh", "thành phố", "tp.", "tp")


@dataclass(frozen=True, slots=True)
class AddressParts:
    """A citizen's address, as the desk books it. Empty or None parts are left out."""

    detail: str | None = None
    """House number, street, tổ (residents' group)..."""
    hamlet: str | None = None
    """Ấp / thôn: the hamlet's name."""
    commune: str | None = None
    """Xã / phường."""
    district: str | None = None
    """Huyện / quận; none since the reform that removed the district level."""
    province: str | None = None
    """Tỉnh / thành phố."""


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    lat: float
    lon: float
    display_name: str
    """The geocoder's name for the place found, for a clerk to confirm."""
    kind: str | None
    """What was found (`house`, `road`, `hamlet`, `village`...): a hamlet hit is only its centre."""
    distance_km: float | None
    """From the `near` point asked with, if any."""


def normalize(text: str | None) -> str:
    """NFC (Vietnamese has two encodings for each accented letter), whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def _with_unit(name: str | None, units: tuple[str, ...]) -> str:
    name = normalize(name)
    if not name:
        return ""
    folded = name.casefold()
    if any(folded == unit or folded.startswith(unit + " ") for unit in units):
        return name
    return f"{units[0]} {name}"


def build_query(address: AddressParts) -> str:
    """The free-form Vietnamese query, smallest part first:
    `12 đường số 3, ấp Phước Hưng, xã Tam Phước, tỉnh Bà Rịa - Vũng Tàu`."""
    parts = (
        normalize(address.detail),
        _with_unit(address.hamlet, HAMLET_UNITS),
        _with_unit(address.commune, COMMUNE_UNITS),
        _with_unit(address.district, DISTRICT_UNITS),
        _with_unit(address.province, PROVINCE_UNITS),
    )
    return ", ".join(part for part in parts if part)


def cache_key(address: AddressParts) -> str:
    """A stable key for caching results: the query as sent, lower-cased. Addresses that differ
    only in Unicode form, case, spacing or a unit word the mapping adds share one key; a change
    to the mapping changes the key, so an old answer to a different question is not reused."""
    return unicodedata.normalize("NFC", build_query(address).casefold())


def pick_result(
    places: Iterable[Mapping[str, Any]], *, near: tuple[float, float] | None, max_distance_km: float
) -> GeocodeResult | None:
    """The first well-formed place (in the geocoder's ranking) within reach of `near`.

    Garbage entries are skipped rather than trusted: a server can answer 200 with anything.
    """
    for place in places:
        result = _to_result(place, near)
        if result is not None and (result.distance_km is None or result.distance_km <= max_distance_km):
            return result
    return None


def _to_result(place: Mapping[str, Any], near: tuple[float, float] | None) -> GeocodeResult | None:
    if not isinstance(place, Mapping):
        return None
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    kind = place.get("addresstype") or place.get("type")
    return GeocodeResult(
        lat=lat,
        lon=lon,
        display_name=str(place.get("display_name") or ""),
        kind=str(kind) if kind else None,
        distance_km=None if near is None else great_circle(near, (lat, lon)).km,
    )


def viewbox(near: tuple[float, float], radius_km: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Opposite corners of a box `radius_km` around `near`, to tell the geocoder where to prefer."""
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * max(math.cos(math.radians(near[0])), 0.01))
    lat, lon = near
    return (max(lat - dlat, -90.0), max(lon - dlon, -180.0)), (min(lat + dlat, 90.0), min(lon + dlon, 180.0))
