"""HTTP throughput of the hot paths against their floor: ``python bench/api_bench.py [--workers 2]``.

Starts `postal-tracker serve` (uvicorn, uvloop, httptools) on a fresh SQLite file, loads
parcels through the booking service, and drives it with `wrk` (Debian package `wrk`) over
loopback, 50 connections, for each of:

- floor: `GET /health` (the whole middleware stack, no database),
- track: `GET /api/v1/track/{no}` on random parcels (public lookup: 4 indexed reads),
- scan: `POST /api/v1/scans`, each request a new `scan_id` on a different booked parcel
  (an accepted scan: lock, checks, event, outbox row and scan record in one transaction).

Figures are medians of wrk's own report; compare the ratios to the floor across runs (the
machines are noisy). MEASURED.md: a bare Litestar hello is ~28k req/s with one worker.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from postal_tracker import migrate
from postal_tracker.accounts.auth import issue_token, make_jwt_auth
from postal_tracker.accounts.service import Principal, Role, create_user
from postal_tracker.booking.schemas import PickupRequest
from postal_tracker.booking.service import book_pickup
from postal_tracker.db import Database

SECRET = "bench-secret-" + "x" * 40
DURATION_S = 8
CONNECTIONS = 50

TRACK_LUA = """
numbers = {%s}
request = function()
  return wrk.format("GET", "/api/v1/track/" .. numbers[math.random(#numbers)])
end
"""

SCAN_LUA = """
numbers = {%s}
counter = 0
local charset = "0123456789abcdef"
local function hex(n) local s = "" for i = 1, n do local r = math.random(16) s = s .. charset:sub(r, r) end return s end
threads = 0
setup = function(thread) threads = threads + 1 thread:set("seed", threads) end
init = function(args) math.randomseed(seed * 7919 + os.time()) offset = (seed - 1) * math.floor(#numbers / 8) end
request = function()
  counter = counter + 1
  local number = numbers[(offset + counter) %% #numbers + 1]
  local id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local body = '{"scan_id":"' .. id .. '","tracking_no":"' .. number .. '","event":"picked_up","at":"%s"}'
  return wrk.format("POST", "/api/v1/scans", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %s"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_parcels(db: Database, count: int) -> tuple[list[str], str]:
    migrate.upgrade(db)
    user_id = create_user(db, 1, "bench-clerk", "clerk", "bench-password")
    clerk = Principal(user_id, "bench-clerk", Role.CLERK, 1)
    request = PickupRequest.model_validate({
        "applicant": {"full_name": "Nguyễn Thị Hằng", "phone": "0912345678"},
        "address": {"hamlet_code": "PLANG", "detail": "Số 12, tổ 3"},
        "procedure_code": "1.001193",
    })  # fmt: skip
    numbers = []
    with db.write() as conn:
        for _ in range(count):
            numbers.append(book_pickup(conn, clerk, request, "RR", 3)["shipment"]["tracking_no"])
    token = issue_token(make_jwt_auth(SECRET, 60), clerk)
    return numbers, token


def wrk(base: str, path: str, script: str | None, tmp: Path) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency"]
    if script:
        lua = tmp / f"script-{abs(hash(script))}.lua"
        lua.write_text(script)
        command += ["-s", str(lua)]
    out = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(\w+)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p50": latency("50"), "p99": latency("99"), "errors": int(non_2xx.group(1)) if non_2xx else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--parcels", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.db'}"
        started = time.perf_counter()
        numbers, token = load_parcels(Database(url), args.parcels)
        print(f"loaded {len(numbers)} parcels in {time.perf_counter() - started:.1f} s")
        port = free_port()
        env = {**os.environ, "POSTAL_TRACKER_DATABASE_URL": url, "POSTAL_TRACKER_JWT_SECRET": SECRET,
               "POSTAL_TRACKER_PUBLIC_RATE_LIMIT": "100000000", "POSTAL_TRACKER_DELIVERY_WORKER": "0"}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "postal_tracker.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(base + "/ready", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            quoted = ",".join(f'"{n}"' for n in numbers)
            at_iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
            results = {
                "floor /health": wrk(base, "/health", None, tmp),
                "track": wrk(base, "/", TRACK_LUA % quoted, tmp),
                "scan (accepted)": wrk(base, "/", SCAN_LUA % (quoted, at_iso, token), tmp),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor = results["floor /health"]["rate"]
    print(f"\nuvicorn + uvloop + httptools, {args.workers} worker(s), SQLite, wrk -t2 -c{CONNECTIONS} -d{DURATION_S}s")
    print(f"{'endpoint':<18}{'req/s':>10}{'vs floor':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(
            f"{name:<18}{r['rate']:>10.0f}{r['rate'] / floor:>10.2f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['errors']:>10}"
        )


if __name__ == "__main__":
    main()
