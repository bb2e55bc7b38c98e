"""The `postal-tracker` command: serve, db, demo, users, apikeys, communes, worker, report."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.accounts import service as accounts
from postal_tracker.backup import BackupError
from postal_tracker.communes.lookup import open_commune_id
from postal_tracker.crypto import DataKeyError
from postal_tracker.db import Database
from postal_tracker.errors import DomainError, InvalidInput
from postal_tracker.localtime import OutsideServiceDates
from postal_tracker.models import Commune, table
from postal_tracker.settings import Settings, SettingsError

if TYPE_CHECKING:
    from litestar import Litestar
    from pydantic import ValidationError


def web_app() -> Litestar:
    """ASGI factory for `serve`: each uvicorn worker process builds its own app and engine from
    the same environment the parent validated before starting them."""
    from postal_tracker.app import create_app

    return create_app(Settings.from_env())


def web_app_without_delivery() -> Litestar:
    """ASGI factory for `serve --no-worker`: as `web_app`, without the delivery loop."""
    from postal_tracker.app import create_app

    settings = Settings.from_env()
    return create_app(replace(settings, delivery=replace(settings.delivery, worker=False)))


def open_database(settings: Settings) -> Database:
    """The database with its data key (on SQLite, the one beside the file when none is set)."""
    return Database(settings.database.url, settings.personal.data_key)


def _commune_id(db: Database, code: str | None) -> int:
    """The commune named (it must not be merged away), or the first open one."""
    communes = table(Commune)
    with db.read() as conn:
        if code:
            return open_commune_id(conn, code)
        commune_id = conn.execute(
            sa.select(communes.c.id).where(communes.c.merged_into_id.is_(None)).order_by(communes.c.id)
        ).scalar()
    if commune_id is None:
        raise SystemExit("no such commune: run `postal-tracker db upgrade` first")
    return commune_id


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    settings.with_secrets()  # refuse to start without usable secrets, before forking workers
    # Each worker process imports the factory by name; the flag is in which factory it imports.
    factory = "web_app_without_delivery" if args.no_worker else "web_app"
    if args.workers > 1 and not settings.instances.redis_url:
        print("warning: without POSTAL_TRACKER_REDIS_URL each worker has its own rate limits", file=sys.stderr)
    # X-Forwarded-For is believed only from the trusted proxies (uvicorn's own default would
    # believe 127.0.0.1, so any local client could pick its address).
    proxies = list(settings.instances.trusted_proxies)
    # uvloop + httptools: the default asyncio loop leaves Nagle's algorithm on (MEASURED.md).
    uvicorn.run(
        f"postal_tracker.cli:{factory}", factory=True, host=args.host, port=args.port,
        workers=args.workers, loop="uvloop", http="httptools", log_level="warning", access_log=False,
        proxy_headers=bool(proxies), forwarded_allow_ips=proxies or [],
    )  # fmt: skip


def cmd_db(args: argparse.Namespace, settings: Settings) -> None:
    migrate.upgrade(open_database(settings))
    print("database is up to date")


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> None:
    db = open_database(settings)
    if args.role == "admin" and args.commune:
        raise InvalidInput("the province admin belongs to no commune: leave out --commune", field="commune")
    commune_id = None if args.role == "admin" else _commune_id(db, args.commune)
    user_id = accounts.create_user(db, commune_id, args.name, args.role, args.password, args.full_name or "")
    print(f"user {args.name} ({args.role}) created with id {user_id}")


def _change_user(settings: Settings, name: str, changes: dict[str, Any]) -> accounts.UserView:
    db = open_database(settings)
    return accounts.update_user(db, accounts.PROVINCE, accounts.user_id_by_name(db, name), changes)


def cmd_users_disable(args: argparse.Namespace, settings: Settings) -> None:
    _change_user(settings, args.name, {"active": False})
    print(f"user {args.name} disabled: their sessions end on their next request")


def cmd_users_enable(args: argparse.Namespace, settings: Settings) -> None:
    _change_user(settings, args.name, {"active": True})
    print(f"user {args.name} enabled: they sign in again")


def cmd_users_set_role(args: argparse.Namespace, settings: Settings) -> None:
    user = _change_user(settings, args.name, {"role": args.role})
    print(f"user {args.name} is now {user['role']}, from their next request")


def cmd_apikeys_add(args: argparse.Namespace, settings: Settings) -> None:
    db = open_database(settings)
    key = accounts.create_api_key(db, _commune_id(db, args.commune), args.name)
    print(f"API key {args.name!r} created. It is shown once; store it now:")
    print(key)


def cmd_apikeys_revoke(args: argparse.Namespace, settings: Settings) -> None:
    count = accounts.revoke_api_keys(open_database(settings), args.name)
    print(f"{count} API key(s) named {args.name!r} revoked: refused from their next request")


def cmd_communes_add(args: argparse.Namespace, settings: Settings) -> None:
    from pydantic import ValidationError

    from postal_tracker.communes.schemas import NewCommune
    from postal_tracker.communes.service import create_commune, read_hamlets_csv

    hamlets = read_hamlets_csv(Path(args.hamlets).read_bytes()) if args.hamlets else []
    fields = {
        "code": args.code, "name": args.name, "province": args.province, "district": args.district,
        "post_office_name": args.post_office_name, "post_office_lat": args.lat, "post_office_lon": args.lon,
        "desk_name": args.desk_name, "hamlets": hamlets,
    }  # fmt: skip
    try:
        request = NewCommune(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise InvalidInput(_first_error(exc)) from None
    db = open_database(settings)
    with db.write() as conn:
        commune = create_commune(conn, request)
    print(f"commune {commune['code']} ({commune['name']}) created with {commune['hamlets']} hamlets")


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def cmd_communes_merge(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.communes.service import merge

    db = open_database(settings)
    with db.write() as conn:
        result = merge(conn, args.code, args.into, args.on)
    moved = ", ".join(f"{n} {what}" for what, n in result["moved"].items())
    print(f"commune {args.code} merged into {args.into}; moved: {moved}")


def cmd_communes_list(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.communes.service import list_communes

    db = open_database(settings)
    with db.read() as conn:
        page = list_communes(conn, accounts.PROVINCE, limit=10_000, offset=0)
    for c in page["items"]:
        merged = f" -> merged into {c['merged_into']}" if c["merged_into"] else ""
        print(f"{c['code']}\t{c['name']}\t{c['province']}\t{c['hamlets']} hamlets{merged}")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.demo import load_demo

    settings = settings.with_data_key()
    db = open_database(settings)
    migrate.upgrade(db)
    for line in load_demo(db, settings):
        print(line)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    import signal

    from postal_tracker.delivery.service import DeliveryConfig, DeliveryWorker
    from postal_tracker.logs import configure_logging

    configure_logging(settings.logging.level)
    db = open_database(settings)
    commune_id = _commune_id(db, args.commune) if args.commune else None
    worker = DeliveryWorker(db, DeliveryConfig.from_settings(settings), commune_id=commune_id)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.request_stop())
    worker.run()


def cmd_report_monthly(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.reports.service import write_monthly_file

    db = open_database(settings)
    path = write_monthly_file(db, _commune_id(db, args.commune), args.month, args.out)
    print(f"monthly report {args.month} written to {path}")


def cmd_report_quarterly(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.reports.quarterly import write_quarterly_file

    db = open_database(settings)
    commune_id = _commune_id(db, args.commune) if args.commune else None
    path = write_quarterly_file(db, commune_id, args.quarter, args.out)
    print(f"quarterly report {args.quarter} written to {path}")


def cmd_retention_apply(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.privacy.retention import apply_retention

    days = settings.personal.retention_days
    if days is None:
        raise SystemExit("POSTAL_TRACKER_RETENTION_DAYS is not set: every dossier is kept, nothing to do")
    result = apply_retention(open_database(settings.with_data_key()), days, dry_run=args.dry_run)
    closed = f"closed before {result.cutoff:%Y-%m-%d %H:%M} UTC ({days} days ago)"
    ids = ", ".join(map(str, result.dossier_ids[:50])) + (" ..." if len(result.dossier_ids) > 50 else "")
    count = len(result.dossier_ids)
    if args.dry_run:
        print(f"dry run: would remove the personal data of {count} dossiers {closed}; nothing changed")
    else:
        print(f"removed the personal data of {count} dossiers {closed}")
    if ids:
        print(f"dossiers: {ids}")


def cmd_backup(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.backup import backup

    for line in backup(settings, Path(args.out)):
        print(line)


def cmd_restore(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.backup import restore

    for line in restore(settings, Path(args.file)):
        print(line)


def cmd_data_key_new(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.crypto import new_data_key

    print(new_data_key())


def cmd_data_key_rotate(args: argparse.Namespace, settings: Settings) -> None:
    from postal_tracker.privacy.keys import rotate

    count = rotate(open_database(settings.with_data_key()))
    print(f"{count} values re-encrypted with the first key; the other keys may now be dropped")


def cmd_bench_seed(args: argparse.Namespace, settings: Settings) -> None:
    import time

    from postal_tracker.benchseed import seed

    db = open_database(settings)
    migrate.upgrade(db)
    started = time.perf_counter()
    summary = seed(
        db, args.shipments, settings.rules, communes=args.communes, days=args.days, seed=args.seed,
        progress=lambda line: print(f"{time.perf_counter() - started:6.1f} s  {line}", flush=True),
    )  # fmt: skip
    print(
        f"seeded {summary.shipments} shipments ({summary.dossiers} dossiers, {summary.events} events) in "
        f"{len(summary.communes)} communes over {args.days} days, in {time.perf_counter() - started:.1f} s"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postal-tracker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-worker", action="store_true", help="do not deliver webhooks/SMS here (run `worker`)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    demo = sub.add_parser("demo", help="demo users and sample parcels for a first look")
    demo.set_defaults(func=cmd_demo)

    users = sub.add_parser("users", help="staff and province accounts").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["clerk", "postal", "supervisor", "admin"])
    add.add_argument("--password", required=True)
    add.add_argument("--full-name")
    add.add_argument("--commune", help="commune code (default: the first one; none for an admin)")
    add.set_defaults(func=cmd_users_add)
    disable = users.add_parser("disable", help="disable a user: their sessions end on their next request")
    disable.add_argument("name")
    disable.set_defaults(func=cmd_users_disable)
    enable = users.add_parser("enable", help="enable a disabled user (they sign in again)")
    enable.add_argument("name")
    enable.set_defaults(func=cmd_users_enable)
    set_role = users.add_parser("set-role", help="change a user's role, from their next request")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=["clerk", "postal", "supervisor", "admin"])
    set_role.set_defaults(func=cmd_users_set_role)

    keys = sub.add_parser("apikeys", help="integration keys").add_subparsers(dest="action", required=True)
    key = keys.add_parser("add", help="create a key and print it once")
    key.add_argument("name")
    key.add_argument("--commune", help="commune code (default: the first one)")
    key.set_defaults(func=cmd_apikeys_add)
    revoke = keys.add_parser("revoke", help="revoke every key of that name, from its next request")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_apikeys_revoke)

    communes = sub.add_parser("communes", help="communes (xã) of the province").add_subparsers(
        dest="action", required=True
    )
    commune_add = communes.add_parser("add", help="create a commune, with hamlets from a CSV file")
    commune_add.add_argument("code")
    commune_add.add_argument("--name", required=True)
    commune_add.add_argument("--province", required=True)
    commune_add.add_argument("--district")
    commune_add.add_argument("--hamlets", help="CSV (UTF-8) with the columns code,name,lat,lon")
    commune_add.add_argument("--lat", type=float, help="the post office's latitude (default: the hamlets' middle)")
    commune_add.add_argument("--lon", type=float, help="the post office's longitude")
    commune_add.add_argument("--post-office-name")
    commune_add.add_argument("--desk-name")
    commune_add.set_defaults(func=cmd_communes_add)
    commune_merge = communes.add_parser("merge", help="merge a commune into another")
    commune_merge.add_argument("code")
    commune_merge.add_argument("--into", required=True)
    commune_merge.add_argument("--on", type=date.fromisoformat, help="YYYY-MM-DD, the day it takes effect")
    commune_merge.set_defaults(func=cmd_communes_merge)
    commune_list = communes.add_parser("list", help="every commune")
    commune_list.set_defaults(func=cmd_communes_list)

    worker = sub.add_parser("worker", help="deliver webhooks and SMS from the outbox (several may run at once)")
    worker.add_argument("--commune", help="only this commune's messages (e.g. when each desk has its own URL)")
    worker.set_defaults(func=cmd_worker)

    report = sub.add_parser("report", help="reports").add_subparsers(dest="action", required=True)
    monthly = report.add_parser("monthly", help="the monthly report as a file (.json, .csv or .pdf)")
    monthly.add_argument("--month", required=True, help="YYYY-MM")
    monthly.add_argument("--out", required=True, help="FILE.json, FILE.csv or FILE.pdf")
    monthly.add_argument("--commune", help="commune code (default: the first one)")
    monthly.set_defaults(func=cmd_report_monthly)
    quarterly = report.add_parser("quarterly", help="the quarterly report (Circular 17/2017 Art. 13) as a file")
    quarterly.add_argument("--quarter", required=True, help="YYYY-QN, e.g. 2026-Q3")
    quarterly.add_argument("--out", required=True, help="FILE.json, FILE.csv or FILE.pdf")
    quarterly.add_argument("--commune", help="commune code (default: every commune, the province's report)")
    quarterly.set_defaults(func=cmd_report_quarterly)

    retention = sub.add_parser("retention", help="remove the personal data of dossiers closed long ago")
    retention_apply = retention.add_subparsers(dest="action", required=True).add_parser(
        "apply", help="anonymize the dossiers closed more than POSTAL_TRACKER_RETENTION_DAYS ago"
    )
    retention_apply.add_argument("--dry-run", action="store_true", help="say what would be removed; change nothing")
    retention_apply.set_defaults(func=cmd_retention_apply)

    backup = sub.add_parser("backup", help="the database (SQLite copy or pg_dump) and its secrets in one file")
    backup.add_argument("--out", required=True, help="the backup file to write (mode 0600)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into an empty POSTAL_TRACKER_DATABASE_URL")
    restore.add_argument("file")
    restore.set_defaults(func=cmd_restore)

    data_key = sub.add_parser("data-key", help="the key that encrypts ID numbers, signatures and photos")
    data_key_actions = data_key.add_subparsers(dest="action", required=True)
    data_key_actions.add_parser("new", help="print a new key").set_defaults(func=cmd_data_key_new)
    data_key_actions.add_parser(
        "rotate", help="re-encrypt everything with the first key of POSTAL_TRACKER_DATA_KEY"
    ).set_defaults(func=cmd_data_key_rotate)

    bench = sub.add_parser("bench", help="benchmark helpers (scripts/bench)")
    bench_actions = bench.add_subparsers(dest="action", required=True)
    bench_seed = bench_actions.add_parser("seed", help="fill the database with realistic parcels by bulk inserts")
    bench_seed.add_argument("--shipments", type=int, required=True, help="how many shipments (legs) to add")
    bench_seed.add_argument("--communes", type=int, default=8, help="new communes they are spread over")
    bench_seed.add_argument("--days", type=int, default=180, help="booked over the last DAYS days")
    bench_seed.add_argument("--seed", type=int, help="random seed, for the same data again")
    bench_seed.set_defaults(func=cmd_bench_seed)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args, Settings.from_env())
    except (SettingsError, DomainError, DataKeyError, BackupError, OutsideServiceDates) as exc:
        print(f"error: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
