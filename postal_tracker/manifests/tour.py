"""The order of a day's manifest: a short closed round from the commune post office and back.

This is a small travelling-salesman problem. Up to ten places are solved exactly (Held-Karp);
more get nearest neighbour, then 2-opt and Or-opt local search with small random kicks
(iterated local search), bounded in time and seeded so that the answer is repeatable. The search
runs on haversine distances, which inside a commune differ from geodesic ones by under 0.5% and
cost about a thousandth as much; only the legs of the final round are measured geodesically,
for the figures printed on the manifest.

Routes below are lists of node numbers: node 0 is the start, node k is the k-th distinct place.
They are closed: the leg from the last node back to node 0 is implied.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from geopy.distance import geodesic

Point = tuple[float, float]
Matrix = list[list[float]]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
EXACT_UP_TO = 10  # distinct places; Held-Karp costs 2^n * n^2 steps: ~10 ms in pure Python at 10
NEIGHBOURS = 10  # candidate list length; improving moves almost always join near neighbours
MAX_SEGMENT = 3  # Or-opt moves chains of 1..3 consecutive places
KICKS_PER_PLACE = 2  # perturbation rounds after the first local optimum, per place
MIN_KICKS = 50  # small routes: cheap, and where a bad local optimum shows most
_EPS = 1e-9  # km; ignore "improvements" that are rounding noise, so the search terminates


@dataclass(frozen=True)
class Tour:
    order: list[int]  # indices into the input points, visiting order (start excluded)
    leg_km: list[float]  # geodesic km of the leg arriving at each stop in `order`
    return_km: float  # last stop back to start
    total_km: float  # sum(leg_km) + return_km (geodesic, for display)


def plan_tour(start: Point, points: Sequence[Point], *, time_limit_s: float = 0.5) -> Tour:
    """Order `points` as a short closed round from `start` and back.

    Stops at the same coordinates come out consecutive, in their input order (they are one
    place to the postman). `time_limit_s` bounds the local search, as a safety net: 300 stops
    need about 0.2 s on a 2-core machine, and a search cut short still returns a good round.
    """
    _check_point(start)
    for point in points:
        _check_point(point)

    places: dict[Point, list[int]] = {}
    for index, (lat, lon) in enumerate(points):
        places.setdefault((float(lat), float(lon)), []).append(index)
    if not places:
        return Tour(order=[], leg_km=[], return_km=0.0, total_km=0.0)

    coords = list(places)
    dist = distance_matrix([start, *coords])
    if len(coords) <= EXACT_UP_TO:
        route = held_karp(dist)
    else:
        deadline = time.perf_counter() + time_limit_s
        route = improve_route(nearest_neighbour(dist), dist, deadline=deadline)

    order = [index for node in route[1:] for index in places[coords[node - 1]]]
    return _measure(start, points, order)


def _measure(start: Point, points: Sequence[Point], order: list[int]) -> Tour:
    leg_km = []
    here = start
    for index in order:
        there = points[index]
        leg_km.append(geodesic(here, there).km)
        here = there
    return_km = geodesic(here, start).km
    return Tour(order=order, leg_km=leg_km, return_km=return_km, total_km=sum(leg_km) + return_km)


def _check_point(point: Point) -> None:
    lat, lon = point
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"not a latitude/longitude pair: {point!r}")


def distance_matrix(points: Sequence[Point]) -> Matrix:
    """Symmetric matrix of haversine distances in km."""
    lat = [math.radians(p[0]) for p in points]
    lon = [math.radians(p[1]) for p in points]
    cos_lat = [math.cos(x) for x in lat]
    n = len(points)
    dist = [[0.0] * n for _ in range(n)]
    sin, asin, sqrt = math.sin, math.asin, math.sqrt
    for i in range(n):
        row = dist[i]
        for j in range(i + 1, n):
            h = sin((lat[j] - lat[i]) / 2) ** 2 + cos_lat[i] * cos_lat[j] * sin((lon[j] - lon[i]) / 2) ** 2
            row[j] = dist[j][i] = 2 * EARTH_RADIUS_KM * asin(sqrt(min(1.0, h)))
    return dist


def tour_length(route: Sequence[int], dist: Matrix) -> float:
    """Length of the closed route, including the leg back to its first node."""
    return sum(dist[route[k - 1]][route[k]] for k in range(len(route)))


def held_karp(dist: Matrix) -> list[int]:
    """An optimal closed route from node 0 through every node (exponential: small n only)."""
    n = len(dist) - 1  # places besides the start
    if n <= 1:
        return list(range(n + 1))
    full = (1 << n) - 1
    # best[mask][j]: shortest path from node 0 through the places in mask, ending at place j+1
    best = [[math.inf] * n for _ in range(full + 1)]
    came_from = [[-1] * n for _ in range(full + 1)]
    for j in range(n):
        best[1 << j][j] = dist[0][j + 1]
    for mask in range(1, full + 1):
        row = best[mask]
        for j in range(n):
            here = row[j]
            if here == math.inf:
                continue
            for k in range(n):
                if mask & (1 << k):
                    continue
                nxt = mask | (1 << k)
                length = here + dist[j + 1][k + 1]
                if length < best[nxt][k]:
                    best[nxt][k] = length
                    came_from[nxt][k] = j
    last = min(range(n), key=lambda j: best[full][j] + dist[j + 1][0])
    route, mask = [], full
    while last != -1:
        route.append(last + 1)
        last, mask = came_from[mask][last], mask & ~(1 << last)
    return [0, *reversed(route)]


def nearest_neighbour(dist: Matrix) -> list[int]:
    """Greedy route from node 0: always go to the closest place not yet visited."""
    left = set(range(1, len(dist)))
    route = [0]
    while left:
        row = dist[route[-1]]
        nxt = min(left, key=row.__getitem__)
        left.remove(nxt)
        route.append(nxt)
    return route


def improve_route(
    route: Sequence[int], dist: Matrix, *, deadline: float = math.inf, kicks: int | None = None, seed: int = 0
) -> list[int]:
    """Local search from `route`: 2-opt and Or-opt until neither finds an improvement, then
    `kicks` rounds of perturbation (double bridge) and repair, keeping the best route seen.

    Stops early at `deadline` (a `time.perf_counter()` value). Seeded, so that the same manifest
    comes out in the same order every time, unless the deadline cuts the search short.
    """
    neighbours = _neighbour_lists(dist, NEIGHBOURS)
    best = _descend(_LocalSearch(route, dist, neighbours), list(route), deadline)
    best_km = tour_length(best, dist)
    n = len(best)
    if n < 5:
        return best  # too few places for the double bridge, and 2-opt + Or-opt is then exact
    rng = random.Random(seed)
    for _ in range(max(MIN_KICKS, KICKS_PER_PLACE * n) if kicks is None else kicks):
        if time.perf_counter() >= deadline:
            break
        kicked, touched = _double_bridge(best, rng)
        candidate = _descend(_LocalSearch(kicked, dist, neighbours), touched, deadline)
        candidate_km = tour_length(candidate, dist)
        if candidate_km < best_km - _EPS:
            best, best_km = candidate, candidate_km
    return best


def _descend(search: _LocalSearch, nodes: list[int], deadline: float) -> list[int]:
    """Apply improving moves until none is left. Only the nodes in the queue are examined,
    and a node goes back in only after an edge at it changed ("don't-look bits"): with moves
    tried towards near neighbours only, this keeps 300 places well under a second."""
    queue = deque(nodes)
    queued = set(queue)
    while queue and time.perf_counter() < deadline:
        node = queue.popleft()
        queued.discard(node)
        touched = search.try_two_opt(node) or search.try_or_opt(node)
        for other in touched:
            if other not in queued:
                queued.add(other)
                queue.append(other)
    return search.route()


def _double_bridge(route: list[int], rng: random.Random) -> tuple[list[int], list[int]]:
    """Cut the route into A B C D and reconnect as A C B D: a jump 2-opt and Or-opt cannot undo
    in one move, so the repair that follows may settle in a better local optimum. The cuts are
    kept close together: a local kick keeps most of the good route."""
    n = len(route)
    span = 3 * NEIGHBOURS
    p1 = rng.randrange(1, n - 1)
    p2 = rng.randrange(p1 + 1, min(n - 1, p1 + span) + 1)
    p3 = rng.randrange(p2 + 1, min(n, p2 + span) + 1)
    kicked = route[:p1] + route[p2:p3] + route[p1:p2] + route[p3:]
    ends = {route[p1 - 1], route[p1], route[p2 - 1], route[p2], route[p3 - 1], route[p3 % n]}
    return kicked, sorted(ends)


def two_opt_step(route: Sequence[int], dist: Matrix) -> list[int]:
    """The route after the first improving 2-opt move found, or the same route if there is none.

    A 2-opt move removes two edges and reconnects the two paths the other way round (reversing
    one of them). Uses the same move code as `improve_route`, with every node as a candidate.
    """
    search = _LocalSearch(route, dist, _neighbour_lists(dist, len(dist)))
    for node in route:
        if search.try_two_opt(node):
            break
    return search.route()


def or_opt_step(route: Sequence[int], dist: Matrix) -> list[int]:
    """The route after the first improving Or-opt move found (a chain of 1-3 places moved
    elsewhere, possibly reversed), or the same route if there is none."""
    search = _LocalSearch(route, dist, _neighbour_lists(dist, len(dist)))
    for node in route:
        if search.try_or_opt(node):
            break
    return search.route()


def _neighbour_lists(dist: Matrix, k: int) -> list[list[int]]:
    nodes = range(len(dist))
    return [sorted((b for b in nodes if b != a), key=dist[a].__getitem__)[:k] for a in nodes]


class _LocalSearch:
    """A cyclic tour (`tour`, with `pos[node]` its index) and the moves that shorten it.

    Each `try_*` applies the first improving move found at a node and returns the nodes whose
    edges changed (to be looked at again), or an empty list.
    """

    def __init__(self, route: Sequence[int], dist: Matrix, neighbours: list[list[int]]) -> None:
        self.tour = list(route)
        self.dist = dist
        self.neighbours = neighbours
        self.pos = [0] * len(self.tour)
        self._index()

    def _index(self) -> None:
        for i, node in enumerate(self.tour):
            self.pos[node] = i

    def route(self) -> list[int]:
        """The tour rotated to start at node 0."""
        i = self.pos[0]
        return self.tour[i:] + self.tour[:i]

    def try_two_opt(self, a: int) -> list[int]:
        tour, pos, dist, n = self.tour, self.pos, self.dist, len(self.tour)
        if n < 4:
            return []
        i = pos[a]
        # Replace edges (a, b) and (c, d) by (a, c) and (b, d), where b and d are the successors
        # of a and c, or both their predecessors (step -1).
        for step in (1, -1):
            b = tour[(i + step) % n]
            d_ab = dist[a][b]
            for c in self.neighbours[a]:
                d_ac = dist[a][c]
                if d_ac >= d_ab:
                    break  # the new edge (a, c) alone is already longer than what it replaces
                j = pos[c]
                d = tour[(j + step) % n]
                if c == b or d == a:
                    continue
                if d_ac + dist[b][d] - d_ab - dist[c][d] < -_EPS:
                    # Each edge is named by the index of its first node in tour order.
                    first, second = (i, j) if step == 1 else ((i - 1) % n, (j - 1) % n)
                    lo, hi = min(first, second), max(first, second)
                    self._reverse(lo + 1, hi)
                    return [a, b, c, d]
        return []

    def _reverse(self, lo: int, hi: int) -> None:
        tour, pos = self.tour, self.pos
        while lo < hi:
            tour[lo], tour[hi] = tour[hi], tour[lo]
            pos[tour[lo]], pos[tour[hi]] = lo, hi
            lo, hi = lo + 1, hi - 1

    def try_or_opt(self, a: int) -> list[int]:
        tour, pos, dist, n = self.tour, self.pos, self.dist, len(self.tour)
        i = pos[a]
        for length in range(1, MAX_SEGMENT + 1):
            if n < length + 3:
                break
            segment = [tour[(i + k) % n] for k in range(length)]
            first, last = segment[0], segment[-1]
            p, nx = tour[(i - 1) % n], tour[(i + length) % n]
            removed = dist[p][first] + dist[last][nx] - dist[p][nx]
            if removed <= _EPS:
                continue
            inside = set(segment)
            for end in (first, last) if length > 1 else (first,):
                for c in self.neighbours[end]:
                    if dist[end][c] >= removed:
                        break  # the new edge alone costs what removing the chain saved
                    if c in inside:
                        continue
                    j = pos[c]
                    for x, y in ((tour[(j - 1) % n], c), (c, tour[(j + 1) % n])):
                        if x in inside or y in inside:
                            continue
                        kept = dist[x][y]
                        forward = dist[x][first] + dist[last][y] - kept
                        backward = dist[x][last] + dist[first][y] - kept
                        if min(forward, backward) < removed - _EPS:
                            chain = segment if forward <= backward else segment[::-1]
                            self._move(i, length, x, chain)
                            return [p, nx, x, y, first, last]
        return []

    def _move(self, i: int, length: int, after: int, chain: list[int]) -> None:
        n = len(self.tour)
        # The rest of the cycle, starting just after the chain: its edges are all unchanged.
        rest = [self.tour[(i + length + k) % n] for k in range(n - length)]
        q = rest.index(after) + 1
        self.tour = rest[:q] + chain + rest[q:]
        self._index()
