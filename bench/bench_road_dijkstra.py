"""Nearest facility by road on a synthetic 5-million-node graph: the goal is under 5 seconds.

    .venv/bin/python bench/bench_road_dijkstra.py [--side 2237] [--facilities 3000]

No database, no file. A perturbed grid of side × side nodes over a metropolitan-France-sized
extent (about 450 m between neighbours), each node linked to its 4 neighbours in both
directions (about 20 M arcs) at a random speed of 30-110 km/h, a few arcs made one-way. Times
``RoadProvider.nearest(origins, facilities, k=1)``: snapping both sets on the KD-tree, then one
multi-source Dijkstra on the reversed graph (``min_only=True``). Prints the graph build time
(largest strongly connected component included), the answer time and peak memory.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.engine.travel import Places  # noqa: E402
from indicators.engine.travel.osm import BOTH, FORWARD, Edges  # noqa: E402
from indicators.engine.travel.road import RoadProvider  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grid_edges(side: int, rng: np.random.Generator) -> Edges:
    lon0, lat0, step = -4.5, 42.5, 0.0045
    row, col = np.divmod(np.arange(side * side), side)
    lon = lon0 + (col + rng.uniform(-0.3, 0.3, side * side)) * step * 1.4
    lat = lat0 + (row + rng.uniform(-0.3, 0.3, side * side)) * step
    node = np.arange(side * side).reshape(side, side)
    u = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    v = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    from indicators.engine.travel.crowfly import haversine_km

    oneway = np.where(rng.random(len(u)) < 0.05, FORWARD, BOTH).astype(object)
    return Edges(
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length_m=haversine_km(lon[u], lat[u], lon[v], lat[v]) * 1e3,
        speed_kmh=rng.uniform(30, 110, len(u)),
        oneway=oneway,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=2237)
    parser.add_argument("--facilities", type=int, default=3000)
    parser.add_argument("--origins", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)

    started = time.perf_counter()
    edges = grid_edges(args.side, rng)
    road = RoadProvider.from_edges(edges, "synthetic-grid", "synthetic")
    del edges
    meta = road.metadata
    print(
        f"graph: {meta['nodes']:,} nodes, {meta['arcs']:,} arcs in the largest SCC "
        f"({meta['largest_component_share']:.1%}); built in {time.perf_counter() - started:.1f} s; "
        f"peak memory so far {peak_mb():,.0f} MB"
    )

    def random_places(n: int) -> Places:
        pick = rng.integers(0, len(road.lon), n)
        return Places(
            np.arange(n).astype(str),
            road.lon[pick] + rng.normal(0, 0.002, n),
            road.lat[pick] + rng.normal(0, 0.002, n),
        )

    origins, facilities = random_places(args.origins), random_places(args.facilities)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        minutes, index = road.nearest(origins, facilities, k=1)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    print(
        f"nearest of {len(origins):,} origins among {len(facilities):,} facilities: "
        f"best {best:.2f} s of {len(timings)} (runs {', '.join(f'{t:.2f}' for t in timings)}); "
        f"median time {np.median(minutes):.1f} min, max {minutes.max():.1f} min; "
        f"goal < 5 s: {'met' if best < 5 else 'NOT met'}"
    )
    print(f"peak memory (ru_maxrss) {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
