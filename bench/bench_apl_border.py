"""The APL's border on all of France: region 84 computed alone equals region 84 of the nation.

    .venv/bin/python bench/bench_apl_border.py [--region 84] [--data ../shared/data]

Real inputs: the 34,868 communes of ``france/geo/communes-france-cog2026.geojson`` (legal
population; point = polygon ``point_on_surface``) and the 5,360 GISCO/FINESS hospitals of
``france/facilities`` as stand-in practice sites of 1 ETP each (no national GP file is in the
shared data), crow-fly ×1.3 at 50 km/h, the APL bands. Prints the time of each computation, the
largest difference between the region computed alone (``apl_in_scope``, step 1 over every
commune in reach) and the same communes of the national computation (must be <= 1e-12, asserted),
and what a region-only step 1 (the old border effect) would have changed.
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from shapely.geometry import shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.engine.apl import apl_in_scope  # noqa: E402
from indicators.engine.travel import Places  # noqa: E402
from indicators.engine.travel.crowfly import CrowFly  # noqa: E402


def load(data: Path):
    with open(data / "france/geo/communes-france-cog2026.geojson") as f:
        features = json.load(f)["features"]
    points = [shape(f["geometry"]).point_on_surface() for f in features]
    units = Places(
        np.array([f["properties"]["code"] for f in features], dtype=object),
        np.array([p.x for p in points]),
        np.array([p.y for p in points]),
    )
    region = np.array([f["properties"]["region"] for f in features])
    population = np.array([float(f["properties"]["population"] or 0) for f in features])
    with open(data / "france/facilities/eurostat-gisco-hospitals-france-2020.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["lon"] and r["lat"]]
    sites = Places(
        np.array([r["id"] for r in rows], dtype=object),
        np.array([float(r["lon"]) for r in rows]),
        np.array([float(r["lat"]) for r in rows]),
    )
    return units, sites, region, population


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="84")
    default = os.environ.get("SROS_OPEN_DATA_DIR", "../shared/data")
    parser.add_argument("--data", type=Path, default=Path(default))
    args = parser.parse_args()
    started = time.perf_counter()
    units, sites, region, population = load(args.data)
    print(
        f"loaded {len(units)} communes, {len(sites)} sites in {time.perf_counter() - started:.1f} s"
    )
    provider, supply = CrowFly(), np.ones(len(sites))
    ours = np.flatnonzero(region == args.region)

    started = time.perf_counter()
    alone = apl_in_scope(provider, units, ours, sites, population, supply)
    print(
        f"region {args.region} alone ({len(ours)} communes): {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    nation = apl_in_scope(provider, units, np.arange(len(units)), sites, population, supply)
    print(f"all regions ({len(units)} communes): {time.perf_counter() - started:.2f} s")
    gap = float(np.nanmax(np.abs(alone.value - nation.value[ours])))
    print(f"largest |alone - national| over region {args.region}: {gap:.3e}")
    assert gap <= 1e-12, gap

    inside = units.subset(ours)
    truncated = apl_in_scope(
        provider, inside, np.arange(len(ours)), sites, population[ours], supply
    )
    changed = np.abs(truncated.value - alone.value) > 1e-12 * np.maximum(alone.value, 1e-300)
    worst = float(np.max(truncated.value / np.where(alone.value > 0, alone.value, np.inf)))
    print(f"with step 1 limited to the region: {int(changed.sum())} communes change, "
          f"by up to ×{worst:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
