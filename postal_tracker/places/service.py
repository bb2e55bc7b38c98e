"""Coordinates for citizens' addresses, without ever making a booking wait for a geocoder.

Every address has coordinates and says where they came from (`geo_source`):

- `given`: typed or clicked by the clerk (map, phone GPS); never changed afterwards;
- `geocoded`: found by the geocoder, either already in the cache at booking (`cached_coordinates`,
  two small indexed reads) or later by the background pass (`geocode_pending`);
- `hamlet`: the hamlet's centre, until the pass finds better (or for good, if it cannot).

The pass reads the dossiers still on a round (a leg not final) whose address has the hamlet's
centre, asks the geocoder once per distinct address (`cache_key`), outside any transaction and
at most one request per `geocoder_interval`, stores every answer in `geocode_cache` (a miss too,
so a bad address is not asked again on every pass; misses are retried after `MISS_RETRY`, since
a timeout looks like a miss), and moves the dossiers whose address was found. Addresses are
personal data: only counts are logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from geopy.geocoders import Nominatim
from sqlalchemy.engine import Connection

from integrations.geocoding import AddressParts, GeocoderSettings, cache_key, geocode, make_geocoder
from postal_tracker.db import Database, first_writer_wins, utcnow
from postal_tracker.lifecycle import FINAL_STATUSES
from postal_tracker.models import Commune, Dossier, GeocodeCacheEntry, Shipment, table
from postal_tracker.settings import GeocodingSection, SettingsError

log = logging.getLogger("postal_tracker.places")

communes = table(Commune)
dossiers = table(Dossier)
shipments = table(Shipment)
cache = table(GeocodeCacheEntry)

MISS_RETRY = timedelta(days=1)
"""A cached miss is asked again after this long: it may have been a timeout or an outage."""
PASS_LIMIT = 20
"""Geocoder requests in one pass; the worker runs passes back to back while there is more."""
SCAN_LIMIT = 5000
"""Dossiers read by one pass, newest first (far more than a commune has on its rounds)."""


def geocoder_settings(settings: GeocodingSection) -> GeocoderSettings | None:
    """The geocoder client's settings, or None when geocoding is off; SettingsError if unusable."""
    if not settings.enabled:
        return None
    try:
        return GeocoderSettings(
            provider=settings.provider,
            domain=settings.domain,
            scheme=settings.scheme,
            timeout=settings.timeout,
            user_agent=settings.user_agent,
        )
    except ValueError as exc:
        raise SettingsError(f"POSTAL_TRACKER_GEOCODER*: {exc} (or set POSTAL_TRACKER_GEOCODER=off)") from None


def address_parts(detail: str, hamlet_name: str, commune: sa.Row) -> AddressParts:
    """The address as the geocoder is asked for it (and as the cache is keyed)."""
    return AddressParts(
        detail=detail, hamlet=hamlet_name, commune=commune.name, district=commune.district, province=commune.province
    )


def cached_coordinates(conn: Connection, commune_id: int, detail: str, hamlet_name: str) -> tuple[float, float] | None:
    """Coordinates the geocoder already found for this address, if any (used at booking)."""
    commune = conn.execute(sa.select(communes).where(communes.c.id == commune_id)).one()
    key = cache_key(address_parts(detail, hamlet_name, commune))
    row = conn.execute(sa.select(cache.c.lat, cache.c.lon).where(cache.c.key == key, cache.c.found)).first()
    return None if row is None or row.lat is None or row.lon is None else (row.lat, row.lon)


@dataclass(frozen=True)
class _Address:
    dossier_id: int
    delivery: bool  # the dossier's delivery address rather than its home
    key: str
    parts: AddressParts
    near: tuple[float, float]  # the commune's post office: results far from it are elsewhere


def _pending_addresses(conn: Connection, commune_id: int | None) -> list[_Address]:
    on_a_round = sa.exists().where(
        shipments.c.dossier_id == dossiers.c.id, shipments.c.status.not_in([s.value for s in FINAL_STATUSES])
    )
    query = (
        sa.select(
            dossiers.c.id, dossiers.c.commune_id, dossiers.c.address_detail, dossiers.c.hamlet_name,
            dossiers.c.geo_source, dossiers.c.delivery_detail, dossiers.c.delivery_hamlet_name,
            dossiers.c.delivery_geo_source,
        )
        .where(sa.or_(dossiers.c.geo_source == "hamlet", dossiers.c.delivery_geo_source == "hamlet"), on_a_round)
        .order_by(dossiers.c.id.desc())
        .limit(SCAN_LIMIT)
    )  # fmt: skip
    if commune_id is not None:
        query = query.where(dossiers.c.commune_id == commune_id)
    rows = conn.execute(query).all()
    commune_rows = {
        c.id: c for c in conn.execute(sa.select(communes).where(communes.c.id.in_({r.commune_id for r in rows})))
    }
    found = []
    for row in rows:
        commune = commune_rows[row.commune_id]
        near = (commune.post_office_lat, commune.post_office_lon)
        places = []
        if row.geo_source == "hamlet":
            places.append((False, row.address_detail, row.hamlet_name))
        if row.delivery_geo_source == "hamlet" and row.delivery_detail and row.delivery_hamlet_name:
            places.append((True, row.delivery_detail, row.delivery_hamlet_name))
        for delivery, detail, hamlet_name in places:
            parts = address_parts(detail, hamlet_name, commune)
            found.append(_Address(row.id, delivery, cache_key(parts), parts, near))
    return found


def _cache_entries(conn: Connection, keys: Iterable[str]) -> dict[str, sa.Row]:
    keys = list(dict.fromkeys(keys))
    entries: dict[str, sa.Row] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        entries.update((r.key, r) for r in conn.execute(sa.select(cache).where(cache.c.key.in_(chunk))))
    return entries


def _store(db: Database, key: str, lat: float | None, lon: float | None) -> None:
    values = {"found": lat is not None, "lat": lat, "lon": lon, "created_at": utcnow()}

    def store(conn: Connection) -> bool:
        if not conn.execute(cache.update().where(cache.c.key == key).values(**values)).rowcount:
            conn.execute(cache.insert().values(key=key, **values))
        return True

    # Another process stored an answer for this address at the same moment: keep theirs.
    first_writer_wins(db, store, lambda conn: True)


def _move_found(db: Database, addresses: list[_Address], entries: dict[str, sa.Row]) -> int:
    """Give the dossiers whose address is in the cache as found its coordinates."""
    moved = 0
    with db.write() as conn:
        for address in addresses:
            entry = entries.get(address.key)
            if entry is None or not entry.found or entry.lat is None or entry.lon is None:
                continue
            prefix = "delivery_" if address.delivery else ""
            columns = dossiers.c
            source = columns.delivery_geo_source if address.delivery else columns.geo_source
            # Only a hamlet centre is replaced: coordinates a clerk gave meanwhile stay.
            moved += conn.execute(
                dossiers.update()
                .where(columns.id == address.dossier_id, source == "hamlet")
                .values({f"{prefix}lat": entry.lat, f"{prefix}lon": entry.lon, f"{prefix}geo_source": "geocoded"})
            ).rowcount
    return moved


def geocode_pending(
    db: Database,
    settings: GeocodingSection,
    geocoder: Nominatim | None = None,
    *,
    commune_id: int | None = None,
    limit: int = PASS_LIMIT,
    stop: threading.Event | None = None,
) -> int:
    """One background pass (see the module's docstring); returns the number of geocoder requests.

    Never raises for the geocoder's sake (`geocode` turns every failure into a miss); a database
    error propagates to the caller (the worker logs it and tries again later).
    """
    config = geocoder_settings(settings)
    if config is None:
        return 0
    with db.read() as conn:
        addresses = _pending_addresses(conn, commune_id)
        entries = _cache_entries(conn, (a.key for a in addresses))
    retry_before = utcnow() - MISS_RETRY
    to_ask: dict[str, _Address] = {}
    for address in addresses:
        entry = entries.get(address.key)
        if entry is None or (not entry.found and entry.created_at < retry_before):
            to_ask.setdefault(address.key, address)
    asked = 0
    for key, address in list(to_ask.items())[:limit]:
        if stop is not None and stop.is_set():
            break
        if asked and settings.interval > 0:
            if stop is not None:
                if stop.wait(settings.interval):
                    break
            else:
                time.sleep(settings.interval)
        geocoder = geocoder or make_geocoder(config)
        result = geocode(config, address.parts, near=address.near, geocoder=geocoder)
        asked += 1
        _store(db, key, None if result is None else result.lat, None if result is None else result.lon)
    if asked:
        with db.read() as conn:
            entries = _cache_entries(conn, (a.key for a in addresses))
    moved = _move_found(db, addresses, entries)
    if asked or moved:
        log.info("geocoding pass: %d request(s), %d address(es) moved off the hamlet centre", asked, moved)
    return asked
