"""Geocoding: a citizen's address to coordinates, for the manifest's route and the map.

Pure parts (`build_query`, `cache_key`, `pick_result`) and one client call (`geocode`, through
geopy's Nominatim client), which returns None rather than raise. Caching is the application's:
look `cache_key(address)` up before calling `geocode`, and store what it returns (a None too,
for a while, so a bad address does not hit the geocoder on every manifest).

    settings = GeocoderSettings(domain="nominatim.example.vn")
    address = AddressParts(detail="tổ 5", hamlet="Phước Hưng", commune="Tam Phước",
                           province="Bà Rịa - Vũng Tàu")
    result = geocode(settings, address, near=(10.52, 107.24))
"""

from integrations.geocoding.client import geocode, make_geocoder
from integrations.geocoding.mapping import AddressParts, GeocodeResult, build_query, cache_key, pick_result
from integrations.geocoding.settings import GeocoderSettings

__all__ = [
    "AddressParts",
    "GeocodeResult",
    "GeocoderSettings",
    "build_query",
    "cache_key",
    "geocode",
    "make_geocoder",
    "pick_result",
]
