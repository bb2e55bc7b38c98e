"""Plan a 300-stop manifest in Tam Phước and compare its length with simple baselines.

    python -m bench.manifest_bench          (from the repository root)

Floor: under 1 s for 300 stops on a 2-core machine, for the planning alone and for the whole
manifest service (reading 300 parcels from a SQLite database, planning, measuring; and the
PDF). Prints the times, the round's length next to nearest neighbour and the best of 100 random
rounds, and OR-Tools' answer when `ortools` is importable (it is not a dependency). Exits 1 when
a time floor is missed.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

if not __package__:  # run as a file: make the repository importable without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from postal_tracker.manifests.tour import (
    distance_matrix,
    nearest_neighbour,
    plan_tour,
    tour_length,
)

STOPS = 300
RUNS = 5
FLOOR_S = 1.0
POST_OFFICE = (10.5200, 107.2400)
BOX = ((10.48, 10.56), (107.20, 107.28))  # around Tam Phước
ORTOOLS_SECONDS = 5


def main() -> int:
    rng = random.Random(2025)
    stops = [(rng.uniform(*BOX[0]), rng.uniform(*BOX[1])) for _ in range(STOPS)]

    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        tour = plan_tour(POST_OFFICE, stops)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"plan_tour, {STOPS} stops: median {median * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
        f"of {RUNS} runs (floor {FLOOR_S * 1000:.0f} ms)"
    )

    # Every comparison on the same haversine distances the planner searches with.
    dist = distance_matrix([POST_OFFICE, *stops])
    route = [0, *(1 + i for i in tour.order)]
    planned = tour_length(route, dist)
    greedy = tour_length(nearest_neighbour(dist), dist)
    random_best = min(tour_length([0, *rng.sample(range(1, STOPS + 1), STOPS)], dist) for _ in range(100))
    print(f"  planned round        {planned:8.2f} km  (geodesic, as shown: {tour.total_km:.2f} km)")
    print(f"  nearest neighbour    {greedy:8.2f} km  ({greedy / planned - 1:+.1%})")
    print(f"  best of 100 random   {random_best:8.2f} km  ({random_best / planned - 1:+.1%})")

    ortools = solve_with_ortools(dist)
    if ortools is None:
        print("  OR-Tools             not installed")
    else:
        length, seconds = ortools
        print(f"  OR-Tools (GLS, {ORTOOLS_SECONDS} s) {length:8.2f} km  ({length / planned - 1:+.1%}), {seconds:.1f} s")

    service_json, service_pdf = time_manifest_service(stops)
    print(
        f"manifest service, {STOPS} stops from SQLite: JSON median {service_json * 1000:.0f} ms, "
        f"PDF median {service_pdf * 1000:.0f} ms (floor {FLOOR_S * 1000:.0f} ms each)"
    )

    ok = median < FLOOR_S and service_json < FLOOR_S and service_pdf < FLOOR_S
    print("OK" if ok else "SLOWER THAN THE FLOOR")
    return 0 if ok else 1


def time_manifest_service(stops: list[tuple[float, float]]) -> tuple[float, float]:
    """Median seconds of `GET /manifests` (JSON and PDF) minus HTTP, on a fresh SQLite file."""
    from postal_tracker import migrate
    from postal_tracker.accounts.service import Principal, Role
    from postal_tracker.db import Database, utcnow
    from postal_tracker.localtime import local_today
    from postal_tracker.manifests.service import manifest, manifest_pdf
    from postal_tracker.models import Commune, Dossier, Shipment, table

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        migrate.upgrade(db)
        now, today = utcnow(), local_today()
        with db.write() as conn:
            commune_id = conn.execute(sa.select(table(Commune).c.id)).scalar_one()
            for k, (lat, lon) in enumerate(stops):
                dossier_id = conn.execute(
                    table(Dossier)
                    .insert()
                    .values(
                        commune_id=commune_id,
                        procedure_code="2.000815",
                        procedure_name="Chứng thực chữ ký",
                        applicant_name=f"Nguyễn Văn {k}",
                        applicant_phone="+84912345678",
                        hamlet_code="PTRUNG",
                        hamlet_name="Phước Trung",
                        address_detail=f"Số {k}, tổ {k % 9}",
                        lat=lat,
                        lon=lon,
                        geo_source="given",
                        fee_vnd=10_000,
                        documents=[],
                        created_at=now,
                    )
                ).inserted_primary_key[0]
                conn.execute(
                    table(Shipment).insert().values(
                        tracking_no=f"RR{k:08d}0VN", dossier_id=dossier_id, commune_id=commune_id, leg="pickup",
                        status="booked", hamlet_code="PTRUNG", scheduled_date=today, created_at=now, updated_at=now,
                    )
                )  # fmt: skip
        principal = Principal(0, "bench", Role.CLERK, commune_id)
        json_times, pdf_times = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            view = manifest(db, principal, today, "pickup", None, 3)
            json_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            manifest_pdf(db, principal, today, "pickup", None, 3)
            pdf_times.append(time.perf_counter() - started)
        assert view["count"] == len(stops)
        db.dispose()
    return statistics.median(json_times), statistics.median(pdf_times)


def solve_with_ortools(dist: list[list[float]]) -> tuple[float, float] | None:
    """OR-Tools' routing solver with guided local search, as a reference answer."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        return None
    started = time.perf_counter()
    metres = [[round(d * 1000) for d in row] for row in dist]  # the solver wants integers
    manager = pywrapcp.RoutingIndexManager(len(dist), 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    # A matrix, not a Python callback: the solver then searches at C++ speed.
    transit = routing.RegisterTransitMatrix(metres)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = ORTOOLS_SECONDS
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    route, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        route.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return tour_length(route, dist), time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
