"""The one call that goes out: an address to coordinates, through geopy's Nominatim client.

A geocoder is a convenience (the hamlet's centre is always a fallback), so nothing it does may
break a booking: every failure, slow answer or odd answer becomes `None`. Addresses are personal
data: nothing here logs them, and geopy's own chatter (which includes the request URL and error
bodies) is dropped below WARNING.
"""

from __future__ import annotations

import logging

from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from integrations.geocoding.mapping import AddressParts, GeocodeResult, build_query, pick_result, viewbox
from integrations.geocoding.settings import GeocoderSettings

logger = logging.getLogger(__name__)


class _DropBelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def _quiet_geopy() -> None:
    # geopy logs every request URL (with the address in it) at DEBUG and error bodies at INFO.
    geopy_logger = logging.getLogger("geopy")
    if not any(isinstance(f, _DropBelowWarning) for f in geopy_logger.filters):
        geopy_logger.addFilter(_DropBelowWarning())


def make_geocoder(settings: GeocoderSettings) -> Nominatim:
    """A geopy client for `settings`; reuse it across calls."""
    _quiet_geopy()
    return Nominatim(
        domain=settings.domain,
        scheme=settings.scheme,
        timeout=settings.timeout,
        user_agent=settings.user_agent,
        # The standard library's urllib logs nothing; requests' urllib3 would log each URL.
        adapter_factory=URLLibAdapter,
    )


def geocode(
    settings: GeocoderSettings,
    address: AddressParts,
    *,
    near: tuple[float, float] | None = None,
    geocoder: Nominatim | None = None,
) -> GeocodeResult | None:
    """Coordinates for `address`, or None when the geocoder fails, is slow, or finds nothing
    plausible. With `near` (e.g. the commune's centre) results are preferred around it and any
    farther than `settings.max_distance_km` are rejected. Never raises for the geocoder's sake.
    """
    query = build_query(address)
    if not query:
        return None
    geocoder = geocoder or make_geocoder(settings)
    try:
        places = geocoder.geocode(
            query,
            exactly_one=False,
            limit=settings.max_results,
            country_codes=settings.country_codes,
            language=settings.language,
            viewbox=None if near is None else viewbox(near, settings.max_distance_km),
            bounded=False,
        )
    except GeopyError as exc:
        # Only the class (GeocoderTimedOut, GeocoderServiceError...): geopy's messages may quote
        # the response, which may echo the address.
        logger.warning("geocoding failed at %s: %s", settings.domain, type(exc).__name__)
        return None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # geopy parses each place itself and trips on malformed ones ("lat": "north").
        logger.warning("geocoding failed at %s: garbled answer (%s)", settings.domain, type(exc).__name__)
        return None
    except Exception as exc:
        # A geocoder's answer is not worth a failed booking; this is the boundary that ensures it.
        logger.error("geocoding failed unexpectedly at %s: %s", settings.domain, type(exc).__name__)
        return None

    raw = [place.raw for place in places or ()]
    result = pick_result(raw, near=near, max_distance_km=settings.max_distance_km)
    if result is None and raw:
        logger.info("geocoding: %d result(s), none usable near the commune", len(raw))
    return result
