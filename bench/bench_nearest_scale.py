"""Nearest access at national scale: 2.3 million grid-cell origins × 3,000 facilities.

    .venv/bin/python bench/bench_nearest_scale.py [--repeat 3] [--seed 0]

Synthetic and national in extent: a regular 1,900 × 1,211 lon/lat grid over metropolitan
France's bounding box (2,300,900 cells, about 600 m apart) and 3,000 facilities drawn uniformly
in the same box. Nearest access goes through the engine (``nearest_access``) and the crow-fly
provider (a KD-tree on the unit sphere; no origins × facilities matrix is ever formed), k = 1.
Budget (issue 3 §4): under 2 s and under 2 GB. The time is the best of ``--repeat`` runs; the
peak memory is the process's peak resident set (``resource.getrusage``), inputs included.
The answer is checked against a brute-force haversine minimum on 2,000 sampled cells.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.engine import nearest_access  # noqa: E402
from indicators.engine.travel import Places  # noqa: E402
from indicators.engine.travel.crowfly import CrowFly, haversine_km  # noqa: E402

BUDGET_SECONDS = 2.0
BUDGET_BYTES = 2 * 1024**3
LON, LAT = (-5.2, 9.6), (41.3, 51.1)  # metropolitan France, Corsica included
GRID = (1900, 1211)
FACILITIES = 3000


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    lon, lat = np.meshgrid(np.linspace(*LON, GRID[0]), np.linspace(*LAT, GRID[1]))
    cells = Places(np.arange(lon.size), lon.ravel(), lat.ravel())
    del lon, lat
    rng = np.random.default_rng(args.seed)
    sites = Places(
        np.arange(FACILITIES), rng.uniform(*LON, FACILITIES), rng.uniform(*LAT, FACILITIES)
    )
    provider = CrowFly()
    print(f"{len(cells):,} grid cells × {len(sites):,} facilities, {provider.parameters()}")

    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        nearest = nearest_access(provider, cells, sites, k=1)
        timings.append(time.perf_counter() - start)
    seconds = min(timings)
    peak = peak_rss_bytes()

    sample = rng.choice(len(cells), 2000, replace=False)
    brute = provider.minutes_of_km(
        haversine_km(cells.lon[sample, None], cells.lat[sample, None], sites.lon, sites.lat)
    ).min(axis=1)
    error = np.abs(nearest.first_minutes[sample] - brute).max()

    print(f"  runs (s)              {', '.join(f'{t:.3f}' for t in timings)}")
    print(f"  nearest access        {seconds:.3f} s  (budget {BUDGET_SECONDS:.0f} s: "
          f"{'OK' if seconds < BUDGET_SECONDS else 'OVER BUDGET'}; "
          f"{len(cells) / seconds / 1e6:.2f} M cells/s)")  # fmt: skip
    print(f"  peak RSS              {peak / 1024**2:.0f} MiB  (budget 2 GiB: "
          f"{'OK' if peak < BUDGET_BYTES else 'OVER BUDGET'})")  # fmt: skip
    print(f"  minutes: median {np.median(nearest.first_minutes):.1f}, "
          f"max {nearest.first_minutes.max():.1f}; "
          f"max |error| vs brute force on 2,000 cells {error:.2e} min")  # fmt: skip
    assert error < 1e-9, "KD-tree nearest differs from the brute-force minimum"


if __name__ == "__main__":
    main()
