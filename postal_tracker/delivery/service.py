"""The delivery loop: claim due outbox messages, send them, record the outcome.

One round (`deliver_due`) is three short steps, so no transaction is open while we wait on
the network:

1. **Claim** (one write transaction): the due messages that are first in line for their parcel
   (`ordering_key`: no earlier message of the same channel and parcel is still pending), locked
   with `FOR UPDATE SKIP LOCKED` on PostgreSQL so concurrent workers pass each other by, then
   leased with a conditional UPDATE (`lease_owner`, `lease_until`). On SQLite the claim runs
   under `BEGIN IMMEDIATE`, so claims of several processes are serialised by the database and
   the conditional UPDATE makes the lease exclusive.
2. **Send** each claimed message: a webhook signed per Standard Webhooks with the message's
   fixed `webhook-id` (retries carry the same id, a fresh timestamp and signature), redirects
   not followed, every phase bounded by a timeout; an SMS through the configured provider.
3. **Record** (one write transaction for the round): each attempt in `delivery_attempts`, and each
   message `delivered`, `dead` (permanent failure, or still failing after the dead-letter age)
   or rescheduled with exponential backoff and jitter, honouring `Retry-After` up to the cap.

Ordering: message N+1 of a parcel is never claimed while N is pending, so it is sent only after
N is delivered or dead. Crash safety: a worker killed between claim and record leaves a lease
that expires after `lease_seconds` (25 s); the message is then claimed again with the same
`webhook-id`, so a receiver that deduplicates on it sees it once. A worker never sends a message
whose lease could run out during the send (it releases the rest of its batch instead).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integrations.sms import SmsProvider, SmsSettings, make_provider, mask_phone, render_sms
from integrations.webhooks import WebhookSettings, deliver, make_client, next_attempt_delay
from postal_tracker.background import BackgroundLoop
from postal_tracker.db import Database, utcnow
from postal_tracker.delivery.schemas import DeliveryDetail, DeliveryItem, DeliveryPage
from postal_tracker.errors import InvalidInput, NotFound
from postal_tracker.models import DeliveryAttempt, OutboxMessage, table
from postal_tracker.outbox import SMS, WEBHOOK
from postal_tracker.settings import PublicSection, Settings, SettingsError, SmsSection
from postal_tracker.shipments.service import parse_tracking_no

log = logging.getLogger("postal_tracker.delivery")

outbox = table(OutboxMessage)
attempts_log = table(DeliveryAttempt)

# `logged`: an SMS the `log` provider only wrote to the log; final like `delivered`, but nobody got it.
STATUSES = ("pending", "delivered", "logged", "dead")


def sms_settings_from(section: SmsSection) -> SmsSettings:
    """The SMS client's settings from the `POSTAL_TRACKER_SMS_*` variables; SettingsError if unusable."""
    try:
        return SmsSettings(
            provider=section.provider,
            unaccented=section.unaccented,
            url=section.url,
            method=section.method,
            auth_header=section.auth_header,
            auth_value=section.auth_value,
            sender=section.sender,
            phone_field=section.phone_field,
            text_field=section.text_field,
            sender_field=section.sender_field,
            message_id_field=section.message_id_field,
            success_field=section.success_field,
            success_values=section.success_values,
            phone_format=section.phone_format,
            timeout_s=section.timeout,
        )
    except ValueError as exc:
        raise SettingsError(f"POSTAL_TRACKER_SMS_*: {exc}") from None


@dataclass(frozen=True)
class DeliveryConfig:
    """Everything the loop needs, built once from `Settings` (see `from_settings`)."""

    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    timeout_s: float = 10.0
    first_retry_s: float = 5.0
    max_delay_s: float = 600.0
    dead_after: timedelta = timedelta(hours=72)
    sms_dead_after: timedelta = timedelta(hours=12)
    lease_s: float = 25.0
    batch_size: int = 20
    poll_s: float = 1.0
    public: PublicSection = field(default_factory=PublicSection)
    """Where the citizen's tracking page is (the link in each SMS)."""
    sms: SmsSettings = field(default_factory=lambda: SmsSettings(unaccented=False))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DeliveryConfig:
        delivery = settings.delivery
        values: dict[str, Any] = {
            "webhook_url": delivery.webhook_url,
            "webhook_secret": delivery.webhook_secret,
            "timeout_s": delivery.webhook_timeout_seconds,
            "max_delay_s": delivery.webhook_max_delay_seconds,
            "dead_after": timedelta(hours=delivery.outbox_dead_after_hours),
            "sms_dead_after": timedelta(hours=settings.sms.max_age_hours),
            "public": settings.public,
            "sms": sms_settings_from(settings.sms),
        }
        values.update(overrides)
        config = cls(**values)
        if config.webhook_url or config.webhook_secret:
            try:  # refuse to start with a webhook set-up that could only fail
                WebhookSettings(config.webhook_url, config.webhook_secret, config.timeout_s, config.first_retry_s,
                                config.max_delay_s)  # fmt: skip
            except ValueError as exc:
                raise SettingsError(f"POSTAL_TRACKER_WEBHOOK_URL / _SECRET: {exc}") from None
        return config

    @property
    def webhooks_enabled(self) -> bool:
        return bool(self.webhook_url and self.webhook_secret)

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels this worker can send; webhooks stay pending (not lost) until a URL is set."""
        return (WEBHOOK, SMS) if self.webhooks_enabled else (SMS,)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    duration_ms: int | None = None
    logged: bool = False


def new_owner() -> str:
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- the loop ---------------------------------------------------------------------------------


def claim(
    db: Database, config: DeliveryConfig, owner: str, now: datetime, *, commune_id: int | None = None,
    limit: int | None = None,
) -> list[sa.Row]:  # fmt: skip
    """Lease the due messages that are first in line for their parcel; return them."""
    m = outbox
    line = outbox.alias("line")
    # First in line: the lowest pending id of its channel and parcel. Written as a scalar
    # subquery, not as NOT EXISTS (an earlier pending one): PostgreSQL turns NOT EXISTS into an
    # anti-join, and while the outbox's statistics are stale (a fresh database filling fast) it
    # planned that join as a scan of every pending message for each candidate, 0.6 s a claim at
    # 1,000 pending and growing as the square. The subquery stays one index probe (ix_outbox_ordering).
    first_in_line = (
        sa.select(sa.func.min(line.c.id))
        .where(line.c.channel == m.c.channel, line.c.ordering_key == m.c.ordering_key, line.c.status == "pending")
        .scalar_subquery()
    )
    free = sa.or_(m.c.lease_until.is_(None), m.c.lease_until < now)
    due = sa.and_(m.c.status == "pending", m.c.next_attempt_at <= now, m.c.channel.in_(config.channels), free)
    query = (
        sa.select(m.c.id)
        .where(due, m.c.id == first_in_line)
        .order_by(m.c.next_attempt_at, m.c.id)
        .limit(limit or config.batch_size)
    )
    if commune_id is not None:
        query = query.where(m.c.commune_id == commune_id)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True, of=m)
    with db.write() as conn:
        ids = list(conn.execute(query).scalars())
        if not ids:
            return []
        # By id alone (and still free): with `status = 'pending'` here both databases walked the
        # status index over every pending message instead of fetching these rows by key. The rows
        # are pending: this transaction holds SQLite's write lock, and PostgreSQL's row locks.
        conn.execute(
            m.update()
            .where(m.c.id.in_(ids), free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=config.lease_s))
        )
        rows = conn.execute(sa.select(m).where(m.c.id.in_(ids), m.c.lease_owner == owner).order_by(m.c.id)).all()
    return list(rows)


def release(db: Database, owner: str, ids: list[int]) -> None:
    if not ids:
        return
    with db.write() as conn:
        conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(ids), outbox.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def send_webhook(config: DeliveryConfig, client: httpx.Client, message: sa.Row) -> Outcome:
    # Signed with the wall clock, whatever clock schedules the loop: receivers refuse a
    # `webhook-timestamp` more than 5 minutes from theirs.
    result = deliver(client, config.webhook_url, config.webhook_secret, message.message_id, utcnow(), message.payload)
    return Outcome(
        ok=result.ok, status_code=result.status_code, error=result.error, retry_after=result.retry_after,
        permanent=result.permanent, duration_ms=result.duration_ms,
    )  # fmt: skip


def sms_text(config: DeliveryConfig, payload: dict[str, Any]) -> str:
    return render_sms(
        payload["event"],
        tracking_no=payload["tracking_no"],
        procedure_name=payload.get("procedure_name") or "",
        at=datetime.fromisoformat(payload["at"]),
        reason=payload.get("reason"),
        tracking_url=config.public.tracking_url(payload["tracking_no"]),
        unaccented=config.sms.unaccented,
        next_step=payload.get("next_step"),
        next_attempt_on=date.fromisoformat(payload["next_attempt_on"]) if payload.get("next_attempt_on") else None,
    )


def send_sms(config: DeliveryConfig, provider: SmsProvider, message: sa.Row, at: datetime) -> Outcome:
    if at - message.created_at >= config.sms_dead_after:
        # "The postman is on his way" a day late misleads: give it up unsent.
        return Outcome(ok=False, error="expired", permanent=True)
    started = time.perf_counter()
    try:
        text = sms_text(config, json.loads(message.payload))
    except (ValueError, KeyError, TypeError):
        return Outcome(ok=False, error="render_error", permanent=True)
    result = provider.send(message.recipient or "", text)
    duration = round((time.perf_counter() - started) * 1000)
    return Outcome(ok=result.ok, error=result.error, permanent=not result.ok and not result.retryable,
                   duration_ms=duration, logged=result.logged)  # fmt: skip


def _new_state(config: DeliveryConfig, message: sa.Row, outcome: Outcome, at: datetime, rng: Any) -> dict[str, Any]:
    """The message's columns after this attempt."""
    attempts = message.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts, "last_status_code": outcome.status_code, "last_error": outcome.error,
        "lease_owner": None, "lease_until": None,
    }  # fmt: skip
    max_age = config.sms_dead_after if message.channel == SMS else config.dead_after
    if outcome.ok and outcome.logged:
        values.update(status="logged")
    elif outcome.ok:
        values.update(status="delivered", delivered_at=at)
    elif outcome.permanent or at - message.created_at >= max_age:
        values.update(status="dead")
    else:
        delay = next_attempt_delay(
            attempts, outcome.retry_after, first=config.first_retry_s, cap=config.max_delay_s, rng=rng
        )
        values.update(next_attempt_at=at + timedelta(seconds=delay))
    return values


def record(
    db: Database, config: DeliveryConfig, owner: str, sent: list[tuple[sa.Row, Outcome, datetime]],
    rng: Any = random,
) -> list[str]:  # fmt: skip
    """Store a round's attempts and their messages' new states, in one transaction (one commit for
    the round, not one per message: the web process's scans wait less on it); their states."""
    if not sent:
        return []
    changes = [(message, outcome, _new_state(config, message, outcome, at, rng)) for message, outcome, at in sent]
    lost = []
    with db.write() as conn:
        conn.execute(attempts_log.insert(), [
            {"message_id": message.id, "attempted_at": at, "status_code": outcome.status_code, "error": outcome.error,
             "duration_ms": outcome.duration_ms}
            for message, outcome, at in sent
        ])  # fmt: skip
        for message, _outcome, values in changes:
            done = conn.execute(
                outbox.update().where(outbox.c.id == message.id, outbox.c.lease_owner == owner).values(**values)
            ).rowcount
            if not done:
                lost.append(message.id)
    for message_id in lost:
        log.warning("lease on outbox message %s was lost before its outcome was recorded", message_id)
    states = []
    for message, outcome, values in changes:
        state = values.get("status", "pending")
        if state not in ("delivered", "logged"):
            log.info(
                "%s %s attempt %d failed: %s -> %s", message.channel, message.message_id, values["attempts"],
                outcome.error, state,
            )  # fmt: skip
        states.append(state)
    return states


def deliver_due(
    db: Database,
    config: DeliveryConfig,
    client: httpx.Client,
    *,
    sms: SmsProvider | None = None,
    now: datetime | None = None,
    owner: str | None = None,
    commune_id: int | None = None,
    stop: threading.Event | None = None,
    rng: Any = random,
) -> int:
    """One round: claim, send, record. Returns how many messages were attempted.

    `now` fixes the clock (tests step through backoff with it); by default each attempt uses
    the real time. `commune_id` limits the round to one commune (tests use it for isolation).
    """
    owner = owner or new_owner()
    clock = (lambda: now) if now is not None else utcnow
    provider = sms
    budget = config.lease_s - max(config.timeout_s, config.sms.timeout_s) - 1
    claimed_at = time.monotonic()
    messages = claim(db, config, owner, clock(), commune_id=commune_id)
    sent: list[tuple[sa.Row, Outcome, datetime]] = []
    try:
        for index, message in enumerate(messages):
            # Never start a send that could outlive our lease: another worker could take the
            # message over and send it a second time (the last send ends a second before the
            # lease does, and the round's outcomes are recorded then).
            if (stop is not None and stop.is_set()) or (time.monotonic() - claimed_at > budget):
                release(db, owner, [m.id for m in messages[index:]])
                break
            at = clock()
            if message.channel == WEBHOOK:
                outcome = send_webhook(config, client, message)
            else:
                provider = provider or make_provider(config.sms)
                outcome = send_sms(config, provider, message, at)
            sent.append((message, outcome, at))
    finally:
        # Also when a send failed unexpectedly: what was sent before it is recorded. A worker
        # killed before this line leaves its round's messages leased; they are sent again, with
        # the same webhook-id, once the lease runs out (at least once, as the module says).
        record(db, config, owner, sent, rng)
        if sms is None and provider is not None:
            provider.close()
    return len(sent)


class DeliveryWorker(BackgroundLoop):
    """The loop in a thread (in-process with `serve`) or in the foreground (`postal-tracker worker`)."""

    name = "outbox-delivery"

    def __init__(self, db: Database, config: DeliveryConfig, *, commune_id: int | None = None) -> None:
        super().__init__(config.poll_s, stop_timeout_s=config.timeout_s + 2)
        self.db = db
        self.config = config
        self.commune_id = commune_id
        self.owner = new_owner()

    def run(self) -> None:
        """Deliver until stopped; rounds follow each other while there is work, else wait `poll_s`."""
        log.info("delivery worker %s started (channels: %s)", self.owner, ", ".join(self.config.channels))
        self._sms = make_provider(self.config.sms)
        try:
            with make_client(self.config.timeout_s) as self._client:
                super().run()
        finally:
            self._sms.close()
            log.info("delivery worker %s stopped", self.owner)

    def work(self) -> bool:
        sent = deliver_due(
            self.db, self.config, self._client, sms=self._sms, owner=self.owner, commune_id=self.commune_id,
            stop=self._stop,
        )  # fmt: skip
        return sent > 0


# --- the delivery log (API) -------------------------------------------------------------------


def _item(row: sa.Row) -> DeliveryItem:
    item: DeliveryItem = {
        "id": row.id, "message_id": row.message_id, "channel": row.channel, "type": row.type,
        "tracking_no": row.ordering_key, "status": row.status, "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
        "last_status_code": row.last_status_code, "last_error": row.last_error,
        "created_at": row.created_at, "delivered_at": row.delivered_at,
    }  # fmt: skip
    if row.channel == SMS and row.recipient:
        item["recipient"] = mask_phone(row.recipient)
    return item


def list_deliveries(
    conn: Connection, commune_id: int, *, status: str | None, channel: str | None, tracking_no: str | None,
    limit: int, offset: int,
) -> DeliveryPage:  # fmt: skip
    condition = [outbox.c.commune_id == commune_id]
    if status:
        if status not in STATUSES:
            raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")
        condition.append(outbox.c.status == status)
    if channel:
        condition.append(outbox.c.channel == channel)
    if tracking_no:
        condition.append(outbox.c.ordering_key == tracking_no)
    where = sa.and_(*condition)
    total = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(where)).scalar_one()
    rows = conn.execute(sa.select(outbox).where(where).order_by(outbox.c.id.desc()).limit(limit).offset(offset))
    return {"items": [_item(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def delivery_detail(conn: Connection, commune_id: int, delivery_id: int) -> DeliveryDetail:
    row = conn.execute(sa.select(outbox).where(outbox.c.id == delivery_id, outbox.c.commune_id == commune_id)).first()
    if row is None:
        raise NotFound(f"no delivery {delivery_id}")
    tries = conn.execute(sa.select(attempts_log).where(attempts_log.c.message_id == row.id).order_by(attempts_log.c.id))
    return {
        **_item(row),
        "attempts_log": [
            {"attempted_at": t.attempted_at, "status_code": t.status_code, "error": t.error,
             "duration_ms": t.duration_ms}
            for t in tries
        ],
    }  # fmt: skip


def redeliver(conn: Connection, commune_id: int, delivery_id: int, now: datetime | None = None) -> DeliveryDetail:
    """Send a message again now, with the same `webhook-id` (a receiver that already has it
    can recognise it). It goes back in line: later messages of the parcel wait for it. If it
    fails again after its dead-letter age, it is dead again after this one attempt."""
    now = now or utcnow()
    done = conn.execute(
        outbox.update()
        .where(outbox.c.id == delivery_id, outbox.c.commune_id == commune_id)
        .values(status="pending", next_attempt_at=now, delivered_at=None)
    ).rowcount
    if not done:
        raise NotFound(f"no delivery {delivery_id}")
    return delivery_detail(conn, commune_id, delivery_id)


class DeliveryLogService:
    """The outbox seen from the desk: what was sent, when, and sending a message again."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def deliveries(
        self, commune_id: int, *, status: str | None, channel: str | None, tracking_no: str | None,
        limit: int, offset: int,
    ) -> DeliveryPage:  # fmt: skip
        number = parse_tracking_no(tracking_no) if tracking_no else None
        with self.db.read() as conn:
            return list_deliveries(
                conn, commune_id, status=status, channel=channel, tracking_no=number, limit=limit, offset=offset
            )

    def detail(self, commune_id: int, delivery_id: int) -> DeliveryDetail:
        with self.db.read() as conn:
            return delivery_detail(conn, commune_id, delivery_id)

    def redeliver(self, commune_id: int, delivery_id: int) -> DeliveryDetail:
        with self.db.write() as conn:
            return redeliver(conn, commune_id, delivery_id)
