"""One validated settings object, read from `POSTAL_TRACKER_*` environment variables.

Nothing reads the environment at import time: `Settings.from_env()` is called by the CLI
(or by tests with explicit values), and the result is passed to `create_app(settings)`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "test", "demo"}


class SettingsError(ValueError):
    """A setting is missing or unusable; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///postal-tracker.db"
    """`sqlite:///path` (the embedded default) or `postgresql+psycopg://user@host:port/db`."""
    jwt_secret: str = ""
    """Signs staff tokens. Empty: generated once and stored next to a SQLite database."""
    jwt_ttl_minutes: int = 12 * 60
    """A token lasts one working day, so a clerk logs in once a shift."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Base of the links printed on labels and QR codes (`{base}/track?no=...`)."""
    public_rate_limit: int = 60
    """Requests a minute from one address to the public endpoints."""
    sign_in_rate_limit: int = 10
    """Sign-in attempts a minute from one address (API token and login form): slows password guessing."""
    max_delivery_attempts: int = 3
    """Failed attempts on a leg after which only returning (or cancelling) is allowed."""
    service_indicator: str = "RR"
    """The two letters that start every S10 tracking number."""
    scan_clock_skew_seconds: int = 300
    """How far ahead of the server's clock a scan's `at` may be (scanner clocks drift)."""
    max_body_bytes: int = 2 * 1024 * 1024
    """Request bodies above this are refused with 413 (a batch of 1000 scans fits easily)."""
    webhook_url: str = ""
    """The desk system's endpoint for signed status webhooks; empty disables sending."""
    webhook_secret: str = ""
    """`whsec_<base64>` secret shared with the webhook receiver."""
    webhook_timeout_seconds: int = 10
    """Bound on each phase of one webhook attempt (connect, send, wait for the answer)."""
    webhook_max_delay_seconds: int = 600
    """Longest wait between two attempts of one message (backoff cap, also for Retry-After)."""
    outbox_dead_after_hours: int = 72
    """A message still failing this long after it was written is given up (status `dead`)."""
    delivery_worker: int = 1
    """1: `serve` runs the delivery loop in each web process; 0: only `postal-tracker worker` sends."""
    transit_working_days: int = 1
    """n in the legal transit time J + n working days (J: the day the post took the leg)."""
    reattempt_working_days: int = 2
    """Working days between a failed delivery and the next attempt (the manifest waits for it)."""
    geocoder: str = "off"
    """`nominatim` geocodes booked addresses in the background (never during a booking); `off`
    (the default) keeps the hamlet's centre. Off by default because the public OpenStreetMap
    server allows one request a second and wants a contact: point `geocoder_domain` at the
    province's own server where there is one."""
    geocoder_domain: str = "nominatim.openstreetmap.org"
    """Host (and `:port`) of the Nominatim server."""
    geocoder_scheme: str = "https"
    """`https`, or `http` for a server on the local network."""
    geocoder_timeout: float = 3.0
    """Seconds to wait on each network step of one geocoding request."""
    geocoder_user_agent: str = "postal-tracker"
    """Sent with every request; the public server wants it to name the deployment (with a contact)."""
    geocoder_interval: float = 1.0
    """Seconds between two geocoding requests (the public server's limit is one a second)."""
    log_level: str = "INFO"
    extra: dict[str, str] = field(default_factory=dict)
    """Other `POSTAL_TRACKER_*` variables, for the contexts that own them (geocoder, SMS...)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        known = {f.name: f for f in fields(cls) if f.name != "extra"}
        values: dict[str, object] = {}
        extra: dict[str, str] = {}
        for name, raw in env.items():
            if not name.startswith("POSTAL_TRACKER_"):
                continue
            key = name.removeprefix("POSTAL_TRACKER_").lower()
            if key in known:
                default = known[key].default
                try:
                    if isinstance(default, int):
                        values[key] = int(raw)
                    elif isinstance(default, float):
                        values[key] = float(raw)
                    else:
                        values[key] = raw
                except ValueError as exc:
                    raise SettingsError(f"{name} must be a number, not {raw!r}") from exc
            else:
                extra[key] = raw
        values.update(overrides)
        return cls(**values, extra=extra)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_jwt_secret(self) -> Settings:
        """Return settings with a usable JWT secret, or refuse to start.

        A placeholder secret would let anyone mint staff tokens. On SQLite (one machine) we
        generate a secret once and keep it in a file beside the database, so a restart keeps
        everyone logged in; on PostgreSQL the operator must set one.
        """
        if self.jwt_secret and self.jwt_secret.lower() not in PLACEHOLDER_SECRETS:
            if len(self.jwt_secret) < 32:
                raise SettingsError("POSTAL_TRACKER_JWT_SECRET must be at least 32 characters")
            return self
        if self.jwt_secret:
            raise SettingsError("POSTAL_TRACKER_JWT_SECRET is a placeholder; set a real secret")
        if not self.is_sqlite:
            raise SettingsError("POSTAL_TRACKER_JWT_SECRET is required with PostgreSQL")
        path = Path(self.sqlite_path() + ".jwt-secret") if self.sqlite_path() else None
        if path is None:
            return replace(self, jwt_secret=secrets.token_urlsafe(48))
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return replace(self, jwt_secret=path.read_text().strip())

    def sqlite_path(self) -> str | None:
        path = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        return None if path in ("", ":memory:") else path
