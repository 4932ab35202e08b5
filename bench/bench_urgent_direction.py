"""Alpes-Maritimes (06): a SMUR's time from its base to the commune against the commune's time
to the site, on the real road network (issue 11 §3).

    .venv/bin/python bench/bench_urgent_direction.py [--target 30]

No database. Same real files as ``bench_road_06.py``: the whole 06 drivable OSM network (July
2021), the 163 communes, their COG 2026 populations, and the 80 GISCO hospitals of the 06 used
as **stand-ins for bases** (GISCO lists hospitals, not SMUR: the figures measure how much the
direction of one-way streets changes times on this network, not the SMUR coverage of the 06).

Prints, for the inbound times (commune → site, the peer) and the outbound ones (site →
commune, ``RoadProvider.outbound``, what a SMUR's time is): seconds to answer, the communes
and inhabitants beyond the target, and how far the two directions differ per commune. Goal:
the outbound answer within 1.5 × the inbound one (the same multi-source Dijkstra, on the
transposed graph).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_road_06 import beyond, communes_06, data_dir, hospitals_06  # noqa: E402

from indicators.engine.travel import outbound  # noqa: E402
from indicators.engine.travel.road import RoadProvider  # noqa: E402
from indicators.engine.urgent import Means, urgent_access  # noqa: E402

GOAL_RATIO = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=30.0)
    args = parser.parse_args()
    data = data_dir()
    road = RoadProvider.from_file(data / "osm/alpes-maritimes-roads-drive-osm-2021-07.geojson")
    communes, population, names = communes_06(data)
    sites = hospitals_06(data)

    started = time.perf_counter()
    inbound = urgent_access(communes, [Means("su", sites, road)]).nearest_minutes
    inbound_s = time.perf_counter() - started
    started = time.perf_counter()
    from_base = urgent_access(communes, [Means("smur", sites, road, from_base=True)])
    outbound_s = time.perf_counter() - started
    forward = from_base.nearest_minutes
    assert outbound(road)[1] and from_base.exact_direction == (True,)

    difference = forward - inbound
    print(f"communes: {len(communes)}, inhabitants: {int(population.sum()):,}, sites: {len(sites)}")
    for label, minutes, seconds in (
        ("commune → site (peer)", inbound, inbound_s),
        ("site → commune (SMUR)", forward, outbound_s),
    ):
        n, people = beyond(minutes, population, args.target)
        print(
            f"{label}: {seconds:.3f} s; beyond {args.target:g} min: {n} communes, "
            f"{people:,} inhabitants; median {np.median(minutes):.1f} min"
        )
    changed = np.abs(difference) > 0.05
    worst = int(np.argmax(np.abs(difference)))
    print(
        f"communes whose time differs by more than 3 s: {int(changed.sum())}; "
        f"median |difference| {np.median(np.abs(difference)):.2f} min; largest "
        f"{difference[worst]:+.2f} min ({names[worst]}, "
        f"{inbound[worst]:.1f} → {forward[worst]:.1f})"
    )
    ratio = outbound_s / inbound_s if inbound_s > 0 else float("inf")
    status = "OK" if ratio <= GOAL_RATIO else "SLOWER THAN GOAL"
    print(f"outbound / inbound time: {ratio:.2f} (goal ≤ {GOAL_RATIO}) {status}")


if __name__ == "__main__":
    main()
