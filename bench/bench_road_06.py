"""Alpes-Maritimes (06): inhabitants more than 30 minutes by road from a hospital, vs crow-fly.

    .venv/bin/python bench/bench_road_06.py [--target 30]

No database. Reads the real files of ``SROS_OPEN_DATA_DIR`` (default ``../shared/data``): the
whole 06 drivable OSM network (Geofabrik-schema GeoJSON, July 2021), the 163 commune polygons
(their representative points are the origins), the COG 2026 populations and the 80 GISCO
hospitals of the 06. Prints the time to build the graph and to answer, and for road and for
crow-fly (×1.3 detour, 50 km/h) the communes and inhabitants beyond the target, with the
median and maximum road / crow-fly ratio.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.engine.travel import Places  # noqa: E402
from indicators.engine.travel.crowfly import CrowFly  # noqa: E402
from indicators.engine.travel.road import RoadProvider  # noqa: E402


def data_dir() -> Path:
    return Path(os.environ.get("SROS_OPEN_DATA_DIR", ROOT.parent / "shared" / "data"))


def communes_06(data: Path) -> tuple[Places, np.ndarray, np.ndarray]:
    """Representative points of the 163 communes, their populations and names."""
    polygons = pyogrio.read_dataframe(
        data / "geo/communes-2018/communes-06-alpes-maritimes.geojson"
    )
    population = pd.read_csv(data / "population/communes-06-cog2026.csv", dtype={"code_insee": str})
    frame = polygons.merge(population, left_on="code", right_on="code_insee", validate="1:1")
    frame = frame.sort_values("code").reset_index(drop=True)
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    places = Places(frame["code"].to_numpy(str), shapely.get_x(points), shapely.get_y(points))
    return places, frame["population"].to_numpy(np.int64), frame["nom_x"].to_numpy(str)


def hospitals_06(data: Path) -> Places:
    frame = pd.read_csv(data / "facilities/eurostat-gisco-hospitals-06-2020.csv", dtype={"id": str})
    return Places(
        frame["id"].to_numpy(str), frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    )


def beyond(minutes: np.ndarray, population: np.ndarray, target: float) -> tuple[int, int]:
    far = minutes > target
    return int(far.sum()), int(population[far].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=30.0)
    args = parser.parse_args()
    data = data_dir()

    started = time.perf_counter()
    road = RoadProvider.from_file(data / "osm/alpes-maritimes-roads-drive-osm-2021-07.geojson")
    build = time.perf_counter() - started
    meta = road.metadata
    print(
        f"graph: {meta['nodes_before']:,} nodes / {meta['edges_before']:,} edges read, "
        f"largest SCC {meta['nodes']:,} nodes ({meta['largest_component_share']:.1%}), "
        f"{meta['arcs']:,} arcs; built in {build:.2f} s"
    )
    communes, population, names = communes_06(data)
    hospitals = hospitals_06(data)

    started = time.perf_counter()
    road_minutes, _ = road.nearest(communes, hospitals, k=1)
    answer = time.perf_counter() - started
    started = time.perf_counter()
    road_k3, _ = road.nearest(communes, hospitals, k=3)
    answer_k3 = time.perf_counter() - started
    crow = CrowFly(detour=1.3, speed_kmh=50.0)
    crow_minutes, _ = crow.nearest(communes, hospitals, k=1)
    road_minutes, crow_minutes = road_minutes[:, 0], crow_minutes[:, 0]
    print(
        f"answer: nearest hospital of {len(communes)} communes among {len(hospitals)} "
        f"hospitals in {answer * 1000:.0f} ms (k=1, one multi-source Dijkstra), "
        f"{answer_k3 * 1000:.0f} ms (k=3)"
    )

    print(f"population {population.sum():,}; target {args.target:g} min")
    for label, minutes in (("road", road_minutes), ("crow-fly x1.3 at 50 km/h", crow_minutes)):
        n, inhabitants = beyond(minutes, population, args.target)
        weighted = np.average(minutes, weights=population)
        print(
            f"  {label:>26}: {n} communes, {inhabitants:,} inhabitants beyond; "
            f"population-weighted mean {weighted:.1f} min, max {minutes.max():.1f} min"
        )
    crow_unit = CrowFly(detour=1.0, speed_kmh=50.0).nearest(communes, hospitals, k=1)[0][:, 0]
    ratio = road_minutes / crow_minutes
    print(
        f"road / crow-fly(x1.3, 50 km/h) minutes: median {np.median(ratio):.2f}, "
        f"max {ratio.max():.2f} ({names[np.argmax(ratio)]})"
    )
    ratio_unit = road_minutes / crow_unit
    print(
        f"road / crow-fly(x1.0, 50 km/h) minutes: median {np.median(ratio_unit):.2f}, "
        f"max {ratio_unit.max():.2f}"
    )
    worst = np.argsort(road_minutes)[::-1][:5]
    print("farthest by road: " + "; ".join(f"{names[i]} {road_minutes[i]:.0f} min" for i in worst))


if __name__ == "__main__":
    main()
