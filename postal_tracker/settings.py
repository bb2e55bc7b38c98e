"""One validated settings object, read from `POSTAL_TRACKER_*` environment variables.

Nothing reads the environment at import time: `Settings.from_env()` is called by the CLI (or by
tests with an explicit mapping), and the result is passed to `create_app(settings)`. Each concern
has its own section (`settings.rules`, `settings.delivery`, ...), and each context receives only
its section, never the whole object.

At start every `POSTAL_TRACKER_*` variable must be one this module knows: a misspelt name stops
the start, naming it and the closest known name (`POSTAL_TRACKER_TEST_*` are the test suite's).
An empty value means the default. Numbers and flags that do not parse stop the start, naming
the variable.

**Adding a setting** is one field in the section that owns it, with its variable's full name,
its default and a docstring:

    retention_days: int | None = env("POSTAL_TRACKER_RETENTION_DAYS", None)
    \"\"\"Days after which closed dossiers are erased; unset keeps everything.\"\"\"

The field's type decides the parsing (`str`, `int`, `float`, `bool`, `X | None`, `tuple[str, ...]`
from a comma-separated list, `Literal[...]` for a choice); rules about the value (ranges, formats)
go in the section's `__post_init__` and raise `SettingsError` naming the variable. A new concern
gets a new section class here and one field on `Settings`. Then add the variable to the README.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import secrets
import types
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from postal_tracker.crypto import DataCipher, DataKeyError, new_data_key

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "test", "demo"}
PREFIX = "POSTAL_TRACKER_"
IGNORED_PREFIX = "POSTAL_TRACKER_TEST_"
"""Variables of the test suite (e.g. `POSTAL_TRACKER_TEST_POSTGRES_URL`), never read here."""

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is missing or unusable; the message says which and why."""


def env(name: str, default: T, *, secret: bool = False) -> T:
    """A section field read from the environment variable `name` (its full name)."""
    assert name.startswith(PREFIX), name
    return field(default=default, metadata={"env": name}, repr=not secret)


def _variable(section: type, name: str) -> str:
    return next(f.metadata["env"] for f in fields(section) if f.name == name)


def _require(ok: bool, section: object, name: str, why: str) -> None:
    if not ok:
        raise SettingsError(f"{_variable(type(section), name)} {why}")


@dataclass(frozen=True)
class DatabaseSection:
    url: str = env("POSTAL_TRACKER_DATABASE_URL", "sqlite:///postal-tracker.db")
    """`sqlite:///path` (the embedded default) or `postgresql+psycopg://user@host:port/db`."""

    def __post_init__(self) -> None:
        _require(self.url.startswith(("sqlite", "postgresql")), self, "url", "must be sqlite:/// or postgresql://")

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def sqlite_path(self) -> str | None:
        path = self.url.split("///", 1)[1] if "///" in self.url else ""
        return None if path in ("", ":memory:") else path


@dataclass(frozen=True)
class AuthSection:
    jwt_secret: str = env("POSTAL_TRACKER_JWT_SECRET", "", secret=True)
    """Signs staff tokens. Empty: generated once and stored next to a SQLite database."""
    jwt_ttl_minutes: int = env("POSTAL_TRACKER_JWT_TTL_MINUTES", 12 * 60)
    """A token lasts one working day, so a clerk logs in once a shift."""
    sign_in_lockout_failures: int = env("POSTAL_TRACKER_SIGN_IN_LOCKOUT_FAILURES", 10)
    """Sign-in attempts on one account, from any address, after which it is locked for a while."""
    sign_in_lockout_minutes: int = env("POSTAL_TRACKER_SIGN_IN_LOCKOUT_MINUTES", 15)
    """The lockout's window: counted from the first attempt, its end ends the lockout."""

    def __post_init__(self) -> None:
        for name in ("jwt_ttl_minutes", "sign_in_lockout_failures", "sign_in_lockout_minutes"):
            _require(getattr(self, name) > 0, self, name, "must be positive")


@dataclass(frozen=True)
class PublicSection:
    base_url: str = env("POSTAL_TRACKER_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    """Base of the links printed on labels and QR codes (`{base}/track?no=...`)."""
    rate_limit: int = env("POSTAL_TRACKER_PUBLIC_RATE_LIMIT", 60)
    """Requests a minute from one address to the public endpoints."""
    sign_in_rate_limit: int = env("POSTAL_TRACKER_SIGN_IN_RATE_LIMIT", 10)
    """Sign-in attempts a minute from one address (API token and login form): slows password guessing."""
    max_body_bytes: int = env("POSTAL_TRACKER_MAX_BODY_BYTES", 2 * 1024 * 1024)
    """Request bodies above this are refused with 413 (a batch of 1000 scans fits easily)."""

    def __post_init__(self) -> None:
        _require(self.base_url.startswith(("http://", "https://")), self, "base_url", "must start with http(s)://")
        for name in ("rate_limit", "sign_in_rate_limit", "max_body_bytes"):
            _require(getattr(self, name) > 0, self, name, "must be positive")

    @property
    def tracking_page(self) -> str:
        """The citizen's tracking page, where they type a number (the one place of its URL)."""
        return f"{self.base_url.rstrip('/')}/track"

    def tracking_url(self, tracking_no: str) -> str:
        """The citizen's tracking page for one parcel (printed on labels and receipts, sent by SMS)."""
        return f"{self.tracking_page}?no={tracking_no}"


@dataclass(frozen=True)
class RulesSection:
    """The rules of the status machine and of scans (what `lifecycle.py` is parametrized by)."""

    max_delivery_attempts: int = env("POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS", 3)
    """Failed attempts on a leg after which only returning (or cancelling) is allowed."""
    service_indicator: str = env("POSTAL_TRACKER_SERVICE_INDICATOR", "RR")
    """The two letters that start every S10 tracking number."""
    scan_clock_skew_seconds: int = env("POSTAL_TRACKER_SCAN_CLOCK_SKEW_SECONDS", 300)
    """How far ahead of the server's clock a scan's `at` may be (scanner clocks drift)."""
    scan_max_age_days: int = env("POSTAL_TRACKER_SCAN_MAX_AGE_DAYS", 1096)
    """How far behind the server's clock a scan's `at` may be: an offline queue is days old, a
    scanner whose clock was reset says 1970 or 2000."""
    transit_working_days: int = env("POSTAL_TRACKER_TRANSIT_WORKING_DAYS", 1)
    """n in the legal transit time J + n working days (J: the day the post took the leg)."""
    reattempt_working_days: int = env("POSTAL_TRACKER_REATTEMPT_WORKING_DAYS", 2)
    """Working days between a failed delivery and the next attempt (the manifest waits for it)."""

    def __post_init__(self) -> None:
        _require(self.max_delivery_attempts >= 1, self, "max_delivery_attempts", "must be at least 1")
        indicator = self.service_indicator
        two_capitals = len(indicator) == 2 and indicator.isascii() and indicator.isalpha() and indicator.isupper()
        _require(two_capitals, self, "service_indicator", "must be two capital letters")
        _require(self.scan_max_age_days >= 1, self, "scan_max_age_days", "must be at least 1")
        for name in ("scan_clock_skew_seconds", "transit_working_days", "reattempt_working_days"):
            _require(getattr(self, name) >= 0, self, name, "must not be negative")

    @property
    def scan_clock_skew(self) -> timedelta:
        return timedelta(seconds=self.scan_clock_skew_seconds)

    @property
    def scan_max_age(self) -> timedelta:
        return timedelta(days=self.scan_max_age_days)


@dataclass(frozen=True)
class DeliverySection:
    """The outbox delivery loop and the desk system's webhooks."""

    webhook_url: str = env("POSTAL_TRACKER_WEBHOOK_URL", "")
    """The desk system's endpoint for signed status webhooks; empty disables sending."""
    webhook_secret: str = env("POSTAL_TRACKER_WEBHOOK_SECRET", "", secret=True)
    """`whsec_<base64>` secret shared with the webhook receiver."""
    webhook_timeout_seconds: float = env("POSTAL_TRACKER_WEBHOOK_TIMEOUT_SECONDS", 10.0)
    """Bound on each phase of one webhook attempt (connect, send, wait for the answer)."""
    webhook_max_delay_seconds: float = env("POSTAL_TRACKER_WEBHOOK_MAX_DELAY_SECONDS", 600.0)
    """Longest wait between two attempts of one message (backoff cap, also for Retry-After)."""
    outbox_dead_after_hours: float = env("POSTAL_TRACKER_OUTBOX_DEAD_AFTER_HOURS", 72.0)
    """A message still failing this long after it was written is given up (status `dead`)."""
    worker: bool = env("POSTAL_TRACKER_DELIVERY_WORKER", True)
    """On: `serve` runs the delivery loop in each web process; off (`0`, or `serve --no-worker`):
    only `postal-tracker worker` sends."""

    def __post_init__(self) -> None:
        for name in ("webhook_timeout_seconds", "webhook_max_delay_seconds", "outbox_dead_after_hours"):
            _require(getattr(self, name) > 0, self, name, "must be positive")


@dataclass(frozen=True)
class SmsSection:
    """SMS to citizens, through `integrations.sms` (whose `SmsSettings` says what each field means)."""

    provider: Literal["log", "http"] = env("POSTAL_TRACKER_SMS_PROVIDER", "log")
    """`log` sends nothing (each SMS ends `logged`, logged without number or text) or `http` (a
    generic JSON gateway, the only way an SMS reaches a citizen)."""
    unaccented: bool = env("POSTAL_TRACKER_SMS_UNACCENTED", False)
    """On: SMS without diacritics (GSM-7, one 160-character segment, cheaper)."""
    url: str | None = env("POSTAL_TRACKER_SMS_URL", None)
    """The gateway's endpoint (required for `http`)."""
    method: Literal["POST", "PUT"] = env("POSTAL_TRACKER_SMS_METHOD", "POST")
    """How the gateway is called."""
    auth_header: str | None = env("POSTAL_TRACKER_SMS_AUTH_HEADER", None)
    """e.g. `Authorization` or `X-API-Key`."""
    auth_value: str | None = env("POSTAL_TRACKER_SMS_AUTH_VALUE", None, secret=True)
    """e.g. `Bearer <token>`."""
    sender: str | None = env("POSTAL_TRACKER_SMS_SENDER", None)
    """The registered sender name (brandname), when the gateway wants it in each request."""
    phone_field: str = env("POSTAL_TRACKER_SMS_PHONE_FIELD", "to")
    """Name of the phone number in the gateway's JSON request."""
    text_field: str = env("POSTAL_TRACKER_SMS_TEXT_FIELD", "text")
    """Name of the message text in the gateway's JSON request."""
    sender_field: str = env("POSTAL_TRACKER_SMS_SENDER_FIELD", "from")
    """Name of the sender in the gateway's JSON request."""
    message_id_field: str = env("POSTAL_TRACKER_SMS_MESSAGE_ID_FIELD", "id")
    """Dotted path to the message id in the gateway's JSON answer."""
    success_field: str | None = env("POSTAL_TRACKER_SMS_SUCCESS_FIELD", None)
    """Dotted path to a status code in a 2xx answer, for gateways that answer 200 to errors."""
    success_values: tuple[str, ...] = env("POSTAL_TRACKER_SMS_SUCCESS_VALUES", ())
    """Comma-separated values of `success_field` that mean "accepted"."""
    phone_format: Literal["e164", "digits"] = env("POSTAL_TRACKER_SMS_PHONE_FORMAT", "e164")
    """`e164` (`+84912345678`) or `digits` (`84912345678`)."""
    timeout: float = env("POSTAL_TRACKER_SMS_TIMEOUT", 10.0)
    """Seconds to wait on each network step of one gateway request."""
    max_age_hours: float = env("POSTAL_TRACKER_SMS_MAX_AGE_HOURS", 12.0)
    """An SMS not sent by then is given up (news that late misleads)."""


@dataclass(frozen=True)
class GeocodingSection:
    provider: str = env("POSTAL_TRACKER_GEOCODER", "off")
    """`nominatim` geocodes booked addresses in the background (never during a booking); `off`
    (the default) keeps the hamlet's centre. Off by default because the public OpenStreetMap
    server allows one request a second and wants a contact: point `domain` at the province's
    own server where there is one."""
    domain: str = env("POSTAL_TRACKER_GEOCODER_DOMAIN", "nominatim.openstreetmap.org")
    """Host (and `:port`) of the Nominatim server."""
    scheme: str = env("POSTAL_TRACKER_GEOCODER_SCHEME", "https")
    """`https`, or `http` for a server on the local network."""
    timeout: float = env("POSTAL_TRACKER_GEOCODER_TIMEOUT", 3.0)
    """Seconds to wait on each network step of one geocoding request."""
    user_agent: str = env("POSTAL_TRACKER_GEOCODER_USER_AGENT", "postal-tracker")
    """Sent with every request; the public server wants it to name the deployment (with a contact)."""
    interval: float = env("POSTAL_TRACKER_GEOCODER_INTERVAL", 1.0)
    """Seconds between two geocoding requests (the public server's limit is one a second)."""

    @property
    def enabled(self) -> bool:
        return self.provider != "off"


@dataclass(frozen=True)
class InstancesSection:
    """Several `serve` processes as one service: their shared state, and the proxies in front."""

    redis_url: str = env("POSTAL_TRACKER_REDIS_URL", "")
    """`redis://host:6379/0`: rate limits and the sign-in lockout shared by every `serve` process
    (needed as soon as there is more than one); empty keeps them in each process's memory."""
    redis_prefix: str = env("POSTAL_TRACKER_REDIS_PREFIX", "postal-tracker")
    """Start of every key this service writes in Redis (two deployments can share one server)."""
    trusted_proxies: tuple[str, ...] = env("POSTAL_TRACKER_TRUSTED_PROXIES", ())
    """Comma-separated addresses or CIDRs of the reverse proxies whose `X-Forwarded-For` is
    believed; empty (the default): none, a client's address is its TCP peer."""

    def __post_init__(self) -> None:
        _require(
            self.redis_url == "" or self.redis_url.startswith(("redis://", "rediss://", "unix://")), self,
            "redis_url", "must be redis://host:port/db (or rediss://, unix://)",
        )  # fmt: skip
        _require(bool(self.redis_prefix), self, "redis_prefix", "must not be empty")
        for proxy in self.trusted_proxies:
            # A typo must stop the start, not silently trust nobody (or everybody).
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                _require(False, self, "trusted_proxies", f"has {proxy!r}: not an address or a CIDR (like 10.0.0.0/24)")


@dataclass(frozen=True)
class PersonalDataSection:
    """Personal data at rest (Law 91/2025/QH15): its encryption key and how long it is kept."""

    data_key: tuple[str, ...] = env("POSTAL_TRACKER_DATA_KEY", (), secret=True)
    """Fernet keys (32 random bytes, url-safe base64), comma-separated: the first encrypts ID
    numbers, signatures and photos, every one decrypts (rotation: the new key first, the old ones
    after). Empty: generated once beside a SQLite database; required with PostgreSQL."""
    retention_days: int | None = env("POSTAL_TRACKER_RETENTION_DAYS", None)
    """Days after a dossier's last leg was closed before `postal-tracker retention apply` removes its
    personal data. Unset: everything is kept."""

    def __post_init__(self) -> None:
        _require(self.retention_days is None or self.retention_days >= 1, self, "retention_days", "must be at least 1")
        if self.data_key:
            try:
                DataCipher(self.data_key)
            except DataKeyError as exc:
                raise SettingsError(f"POSTAL_TRACKER_DATA_KEY: {exc}") from None


@dataclass(frozen=True)
class LoggingSection:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = env("POSTAL_TRACKER_LOG_LEVEL", "INFO")
    """Lowest level written to the log (one JSON line per record)."""


@dataclass(frozen=True)
class Settings:
    """Every setting, a section per concern. Build it with `from_env`; each section validates itself."""

    database: DatabaseSection = field(default_factory=DatabaseSection)
    auth: AuthSection = field(default_factory=AuthSection)
    public: PublicSection = field(default_factory=PublicSection)
    rules: RulesSection = field(default_factory=RulesSection)
    delivery: DeliverySection = field(default_factory=DeliverySection)
    sms: SmsSection = field(default_factory=SmsSection)
    geocoding: GeocodingSection = field(default_factory=GeocodingSection)
    instances: InstancesSection = field(default_factory=InstancesSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    personal: PersonalDataSection = field(default_factory=PersonalDataSection)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default: `os.environ`); SettingsError names the first bad variable."""
        env = os.environ if environ is None else environ
        known = known_variables()
        for name in sorted(env):
            if name.startswith(PREFIX) and not name.startswith(IGNORED_PREFIX) and name not in known:
                # Compared without the common prefix, which would make every name look close.
                close = difflib.get_close_matches(name.removeprefix(PREFIX), [k.removeprefix(PREFIX) for k in known], 1)
                hint = f"; did you mean {PREFIX}{close[0]}?" if close else f"; known: {', '.join(sorted(known))}"
                raise SettingsError(f"unknown setting {name}{hint}")
        sections: dict[str, Any] = {}
        for section in fields(cls):
            section_type = _section_types()[section.name]
            hints = typing.get_type_hints(section_type)
            values = {
                f.name: _parse(f.metadata["env"], env[f.metadata["env"]], hints[f.name])
                for f in fields(section_type)
                if env.get(f.metadata["env"], "") != ""
            }
            sections[section.name] = section_type(**values)
        return cls(**sections)

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    def with_jwt_secret(self) -> Settings:
        """Return settings with a usable JWT secret, or refuse to start.

        A placeholder secret would let anyone mint staff tokens. On SQLite (one machine) we
        generate a secret once and keep it in a file beside the database, so a restart keeps
        everyone logged in; on PostgreSQL the operator must set one.
        """
        secret = self.auth.jwt_secret
        if secret and secret.lower() not in PLACEHOLDER_SECRETS:
            if len(secret) < 32:
                raise SettingsError("POSTAL_TRACKER_JWT_SECRET must be at least 32 characters")
            return self
        if secret:
            raise SettingsError("POSTAL_TRACKER_JWT_SECRET is a placeholder; set a real secret")
        if not self.is_sqlite:
            raise SettingsError("POSTAL_TRACKER_JWT_SECRET is required with PostgreSQL")
        sqlite_path = self.database.sqlite_path()
        if sqlite_path is None:
            secret = secrets.token_urlsafe(48)
        else:
            secret = stored_secret(Path(sqlite_path + JWT_SECRET_SUFFIX), lambda: secrets.token_urlsafe(48))
        return replace(self, auth=replace(self.auth, jwt_secret=secret))

    def with_data_key(self) -> Settings:
        """Return settings with the key that encrypts personal data, or refuse to start.

        On SQLite a key is generated once into a file beside the database (like the JWT secret);
        on PostgreSQL the operator must set one: the database alone must never hold both the
        data and its key.
        """
        if self.personal.data_key:
            return self
        if not self.is_sqlite:
            raise SettingsError("POSTAL_TRACKER_DATA_KEY is required with PostgreSQL")
        sqlite_path = self.database.sqlite_path()
        key = new_data_key() if sqlite_path is None else data_key_beside(sqlite_path)
        return replace(self, personal=replace(self.personal, data_key=(key,)))

    def with_secrets(self) -> Settings:
        """Settings with both secrets (JWT, data key), or SettingsError: what `serve` starts with."""
        return self.with_jwt_secret().with_data_key()


JWT_SECRET_SUFFIX = ".jwt-secret"
DATA_KEY_SUFFIX = ".data-key"


def stored_secret(path: Path, generate: typing.Callable[[], str]) -> str:
    """The secret kept in `path`, generated into it the first time; the file is the owner's alone
    (created 0600, never readable by others for a moment, whatever the umask)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        path.chmod(0o600)
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(generate())
    return path.read_text().strip()


def data_key_beside(sqlite_path: str) -> str:
    """The data key generated once beside a SQLite database file."""
    return stored_secret(Path(sqlite_path + DATA_KEY_SUFFIX), new_data_key)


def _section_types() -> dict[str, type]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in fields(Settings)}


def known_variables() -> dict[str, Field[Any]]:
    """Every variable this module reads, by its full name."""
    return {f.metadata["env"]: f for section in _section_types().values() for f in fields(section)}


TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def _parse(name: str, raw: str, kind: Any) -> Any:
    """`raw` as the field's type, or SettingsError naming the variable."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):  # `X | None`: an empty value was already the default
        return _parse(name, raw, next(a for a in args if a is not type(None)))
    if origin is Literal:  # a choice, in any case (`post`, `warning`)
        choice = next((a for a in args if str(a).lower() == raw.strip().lower()), None)
        if choice is None:
            raise SettingsError(f"{name} must be one of {', '.join(map(str, args))}, not {raw!r}")
        return choice
    if origin is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is bool:
        if raw.strip().lower() not in TRUE + FALSE:
            raise SettingsError(f"{name} must be 1 or 0 (true or false), not {raw!r}")
        return raw.strip().lower() in TRUE
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    return raw
