"""The manifest's round: near-optimal, stops at one address together, figures that add up."""

import itertools
import math
import random
import time

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from postal_tracker.manifests.tour import (
    Tour,
    distance_matrix,
    improve_route,
    nearest_neighbour,
    or_opt_step,
    plan_tour,
    tour_length,
    two_opt_step,
)

POST_OFFICE = (10.5200, 107.2400)  # roughly the middle of Tam Phước


def random_stops(rng: random.Random, n: int) -> list[tuple[float, float]]:
    # A coarse grid now and then, so that some instances have several stops at one address.
    grid = rng.random() < 0.3
    stops = []
    for _ in range(n):
        lat, lon = rng.uniform(10.48, 10.56), rng.uniform(107.20, 107.28)
        stops.append((round(lat, 2), round(lon, 2)) if grid else (lat, lon))
    return stops


def optimum_km(dist: list[list[float]]) -> float:
    """Held-Karp, written here independently of the module: shortest closed route from node 0."""
    n = len(dist)
    if n <= 2:
        return 2 * dist[0][n - 1]
    # best[(mask, j)]: shortest path from node 0 through the nodes in mask, ending at j (mask bit
    # k - 1 stands for node k).
    best = {(1 << (j - 1), j): dist[0][j] for j in range(1, n)}
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            mask = sum(1 << (k - 1) for k in subset)
            for j in subset:
                prev = mask & ~(1 << (j - 1))
                best[mask, j] = min(best[prev, k] + dist[k][j] for k in subset if k != j)
    full = (1 << (n - 1)) - 1
    return min(best[full, j] + dist[j][0] for j in range(1, n))


def geodesic_matrix(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[geodesic(a, b).km for b in points] for a in points]


def assert_valid(tour: Tour, start, stops) -> None:
    assert sorted(tour.order) == list(range(len(stops)))
    assert len(tour.leg_km) == len(tour.order)
    here = start
    for index, leg in zip(tour.order, tour.leg_km, strict=True):
        assert leg == pytest.approx(geodesic(here, stops[index]).km, abs=1e-9)
        here = stops[index]
    assert tour.return_km == pytest.approx(geodesic(here, start).km, abs=1e-9)
    assert tour.total_km == pytest.approx(sum(tour.leg_km) + tour.return_km, abs=1e-9)


@pytest.mark.parametrize("seed", range(50))
def test_plan_is_within_5_percent_of_the_optimum(seed):
    rng = random.Random(seed)
    stops = random_stops(rng, rng.randint(2, 10))
    tour = plan_tour(POST_OFFICE, stops)
    assert_valid(tour, POST_OFFICE, stops)
    # The optimum on geodesic distances, the ones the manifest shows.
    best = optimum_km(geodesic_matrix([POST_OFFICE, *stops]))
    assert tour.total_km <= best * 1.05 + 1e-9


@pytest.mark.parametrize("seed", range(50))
def test_local_search_alone_is_within_5_percent_of_the_optimum(seed):
    # plan_tour solves ten places exactly; this checks the heuristic that larger manifests get.
    rng = random.Random(1000 + seed)
    points = [POST_OFFICE, *random_stops(rng, rng.randint(4, 10))]
    dist = distance_matrix(points)
    route = improve_route(nearest_neighbour(dist), dist, deadline=time.perf_counter() + 5)
    assert sorted(route) == list(range(len(points))) and route[0] == 0
    assert tour_length(route, dist) <= optimum_km(dist) * 1.05 + 1e-9


def on_circle(centre, radius_km: float, k: int, count: int) -> tuple[float, float]:
    angle = 2 * math.pi * k / count
    lat = centre[0] + radius_km / 111.32 * math.cos(angle)
    lon = centre[1] + radius_km / (111.32 * math.cos(math.radians(centre[0]))) * math.sin(angle)
    return lat, lon


@pytest.mark.parametrize("count", [7, 24])
def test_points_on_a_circle_are_visited_around_it(count):
    positions = list(range(count))
    random.Random(count).shuffle(positions)
    stops = [on_circle(POST_OFFICE, 1.5, k, count) for k in positions]

    tour = plan_tour(POST_OFFICE, stops)

    around = [positions[i] for i in tour.order]
    steps = {(b - a) % count for a, b in itertools.pairwise(around)}
    assert steps in ({1}, {count - 1}), around


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(10.48, 10.56), st.floats(107.20, 107.28)),
        min_size=3,
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_2_opt_and_or_opt_steps_never_make_a_route_longer(points, rng):
    dist = distance_matrix(points)
    start = [0, *rng.sample(range(1, len(points)), len(points) - 1)]
    for step in (two_opt_step, or_opt_step):
        route = start
        # Down to a local optimum, so that the rarer moves (chains of 2-3, reversed) happen too.
        for _ in range(1_000):
            after = step(route, dist)
            assert after[0] == 0 and sorted(after) == sorted(route)
            if after == route:
                break
            assert tour_length(after, dist) < tour_length(route, dist)
            route = after


def test_repeated_2_opt_steps_reach_a_route_no_pair_of_edges_can_shorten():
    rng = random.Random(7)
    points = [POST_OFFICE, *random_stops(rng, 30)]
    dist = distance_matrix(points)
    route = list(range(len(points)))
    for _ in range(10_000):  # each step shortens the route, so this ends long before
        after = two_opt_step(route, dist)
        if after == route:
            break
        assert tour_length(after, dist) < tour_length(route, dist)
        route = after
    n = len(route)
    for i in range(n - 1):
        for j in range(i + 2, n):
            a, b, c, d = route[i], route[i + 1], route[j], route[(j + 1) % n]
            assert dist[a][c] + dist[b][d] >= dist[a][b] + dist[c][d] - 1e-9


def test_stops_at_the_same_address_are_consecutive_in_input_order():
    home, shop, school = (10.50, 107.21), (10.54, 107.27), (10.52, 107.25)
    stops = [home, shop, home, school, shop, home, school, (10.49, 107.22), (10.55, 107.21)]
    tour = plan_tour(POST_OFFICE, stops)
    assert_valid(tour, POST_OFFICE, stops)
    for place in (home, shop, school):
        at_place = [k for k, i in enumerate(tour.order) if stops[i] == place]
        assert at_place == list(range(at_place[0], at_place[0] + len(at_place)))
        assert [tour.order[k] for k in at_place] == [i for i, s in enumerate(stops) if s == place]
        assert all(tour.leg_km[k] == 0.0 for k in at_place[1:])


def test_grouping_also_holds_beyond_the_exact_solver():
    rng = random.Random(3)
    places = random_stops(rng, 40)
    stops = [rng.choice(places) for _ in range(120)]
    tour = plan_tour(POST_OFFICE, stops)
    assert_valid(tour, POST_OFFICE, stops)
    seen, previous = set(), None
    for i in tour.order:
        if stops[i] != previous:
            assert stops[i] not in seen, "an address was left and visited again"
            seen.add(stops[i])
            previous = stops[i]


def test_all_stops_at_one_address():
    stops = [(10.51, 107.23)] * 5
    tour = plan_tour(POST_OFFICE, stops)
    assert tour.order == [0, 1, 2, 3, 4]
    assert tour.leg_km[1:] == [0.0] * 4
    assert tour.leg_km[0] == pytest.approx(tour.return_km)
    assert tour.total_km == pytest.approx(2 * geodesic(POST_OFFICE, stops[0]).km)


def test_no_stops():
    assert plan_tour(POST_OFFICE, []) == Tour(order=[], leg_km=[], return_km=0.0, total_km=0.0)


def test_one_stop_is_there_and_back():
    stop = (10.53, 107.26)
    tour = plan_tour(POST_OFFICE, [stop])
    there = geodesic(POST_OFFICE, stop).km
    assert tour == Tour(order=[0], leg_km=[there], return_km=there, total_km=2 * there)


def test_a_stop_at_the_post_office_itself():
    tour = plan_tour(POST_OFFICE, [POST_OFFICE, (10.53, 107.26)])
    assert_valid(tour, POST_OFFICE, [POST_OFFICE, (10.53, 107.26)])
    assert 0.0 in (tour.leg_km[0], tour.return_km)


def test_invalid_coordinates_are_refused():
    with pytest.raises(ValueError):
        plan_tour(POST_OFFICE, [(10.5, 107.2), (math.nan, 107.2)])
    with pytest.raises(ValueError):
        plan_tour((91.0, 107.2), [(10.5, 107.2)])


def test_300_stops_repeatable_and_adding_up():
    # Speed is measured by bench/manifest_bench.py, not asserted here (CI machines are noisy).
    rng = random.Random(300)
    stops = random_stops(rng, 300)
    tour = plan_tour(POST_OFFICE, stops)
    assert_valid(tour, POST_OFFICE, stops)
    # Repeatable: the search is seeded (a generous limit, so that a busy machine cannot cut it).
    assert plan_tour(POST_OFFICE, stops, time_limit_s=30).order == plan_tour(POST_OFFICE, stops, time_limit_s=30).order
    dist = distance_matrix([POST_OFFICE, *stops])
    greedy_km = tour_length(nearest_neighbour(dist), dist)
    assert tour.total_km < greedy_km  # on geodesic vs haversine: they differ by far less than this
