"""Command line for analysts and checks: nearest access, 2SFCA and location models from CSV
files, no database.

    python -m indicators.cli nearest --origins O.csv --facilities F.csv --out OUT.csv \\
        [--provider crowfly|road|matrix] [--osm FILE] [--matrix FILE] \\
        [--detour 1.3] [--speed-kmh 50] [--access-minutes 0]
    python -m indicators.cli 2sfca --demand D.csv --supply S.csv --out OUT.csv \\
        [--max-minutes 20] [--bands 10:1,15:0.6667,20:0.3333] [--provider ...]

    python -m indicators.cli mclp --demand D.csv --candidates C.csv [--existing E.csv] \
        --max-minutes 30 --p 3 --out OUT.csv [--method auto|highs|greedy] [--time-limit 60]
    python -m indicators.cli lscp    (same inputs, no --p)
    python -m indicators.cli goal    (same inputs, --goal 95 instead of --p: the fewest sites
                                      bringing that percent of the demand within the target)
    python -m indicators.cli pmedian (same inputs, --p; --max-minutes optional: pairs beyond it
                                      count as unreachable)
    python -m indicators.cli drop-one --demand D.csv --facilities F.csv --target-minutes 30 \
        --out OUT.csv

Inputs: ``id,lon,lat,population`` (origins: population optional for ``nearest``; demand:
required) and ``id,lon,lat,capacity`` (facilities/supply; capacity optional, default 1); WGS84
degrees, comma-separated, header row, other columns ignored. Outputs: ``id,minutes,nearest_id``
(both empty for an origin that reaches no facility) and ``id,access``.

A malformed file stops the run with exit code 2 and one message naming the file, the line and
the column. A run ends by printing on stderr exactly one line
``engine_seconds=<float> pairs=<int>``:

- ``engine_seconds``: travel times and engine arithmetic; reading and writing CSV files and
  loading a road network or a matrix file (``--osm``/``--matrix``) are excluded;
- ``pairs``: origin–facility pairs considered. For ``nearest``, the candidates the provider
  returns, n origins × min(1, m facilities) (a KD-tree or a Dijkstra never forms the n × m
  matrix); for ``2sfca``, the pairs within the cut-off.

The location models (``mclp``, ``lscp``, ``goal``, ``pmedian``;
``indicators/engine/location.py``) write ``id,added`` (the candidates opened, each with the
demand it adds — population, or for the p-median population × minutes saved) and end instead
with ``objective=<float> covered=<float> solver=<highs|greedy> gap=<float>
engine_seconds=<float>`` (``goal`` adds ``goal_met=<True|False>``: False when even every
candidate falls short, and then the sites opened are the LSCP's); ``--p`` counts new sites
only, the existing sites stay open. ``drop-one`` writes, for every
facility, most harmful first, the population its closure alone would put beyond the target, the
population left with no facility in reach, and the mean time after; it ends with
``sites=<int> engine_seconds=<float>``.

No Django import: runs without DJANGO_SETTINGS_MODULE.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indicators.engine import StepWeights, location, nearest_access, two_step_fca
from indicators.engine.travel import Places, TravelTimeProvider

EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A malformed input: the message names the file, the line and the column."""


@dataclass(frozen=True)
class PointTable:
    """Points read from a CSV: their ids, WGS84 coordinates and one value (population/capacity)."""

    places: Places
    values: np.ndarray


def read_points(path: Path, value_column: str, *, required: bool, default: float) -> PointTable:
    """Read ``id,lon,lat[,value_column]``, checking every value; raises InputError."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise InputError(f"{path}: the file is empty (a header row is expected)")
            columns = [cell.strip() for cell in header]
            needed = ["id", "lon", "lat"] + ([value_column] if required else [])
            missing = [name for name in needed if name not in columns]
            if missing:
                raise InputError(
                    f"{path}: line 1: missing column(s) {', '.join(missing)} "
                    f"(header is {','.join(columns)})"
                )
            position = {name: columns.index(name) for name in needed}
            if value_column in columns:
                position[value_column] = columns.index(value_column)
            rows = [(number, row) for number, row in enumerate(reader, start=2) if any(row)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{path}: cannot be read: {error}") from None
    if not rows:
        raise InputError(f"{path}: no data rows after the header")

    ids: list[str] = []
    lon = np.empty(len(rows))
    lat = np.empty(len(rows))
    values = np.full(len(rows), float(default))
    first_line: dict[str, int] = {}
    for row_index, (line, row) in enumerate(rows):

        def cell(name: str, line: int = line, row: list[str] = row) -> str:
            index = position[name]
            text = row[index].strip() if index < len(row) else ""
            if not text:
                raise InputError(f"{path}: line {line}, column {name!r}: empty value")
            return text

        identifier = cell("id")
        if identifier in first_line:
            raise InputError(
                f"{path}: line {line}, column 'id': duplicate id {identifier!r} "
                f"(first on line {first_line[identifier]})"
            )
        first_line[identifier] = line
        ids.append(identifier)
        lon[row_index] = _number(path, line, "lon", cell("lon"), -180.0, 180.0)
        lat[row_index] = _number(path, line, "lat", cell("lat"), -90.0, 90.0)
        if value_column in position:
            index = position[value_column]
            text = row[index].strip() if index < len(row) else ""
            if text or required:
                values[row_index] = _number(path, line, value_column, cell(value_column), 0.0)
    return PointTable(Places(np.array(ids, dtype=object), lon, lat), values)


def _number(
    path: Path, line: int, column: str, text: str, low: float, high: float = math.inf
) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{path}: line {line}, column {column!r}: {text!r} is not a number"
        ) from None
    if not math.isfinite(value) or not low <= value <= high:
        bounds = f"between {low:g} and {high:g}" if math.isfinite(high) else f">= {low:g}"
        raise InputError(
            f"{path}: line {line}, column {column!r}: {text} is out of range ({bounds})"
        )
    return value


def make_provider(args: argparse.Namespace) -> TravelTimeProvider:
    """The provider the options name; road and matrix files are loaded here (not timed)."""
    try:
        return _provider(args)
    except (OSError, ValueError) as error:
        raise InputError(f"--provider {args.provider}: {error}") from None


def _provider(args: argparse.Namespace) -> TravelTimeProvider:
    if args.provider == "crowfly":
        from indicators.engine.travel.crowfly import CrowFly

        return CrowFly(
            detour=args.detour, speed_kmh=args.speed_kmh, access_minutes=args.access_minutes
        )
    if args.provider == "road":
        if not args.osm:
            raise InputError("--provider road needs --osm FILE (.osm.pbf, GeoJSON, GPKG or SHP)")
        from indicators.engine.travel.road import RoadProvider

        return RoadProvider.from_file(args.osm)
    if not args.matrix:
        raise InputError("--provider matrix needs --matrix FILE (origin,destination,minutes CSV)")
    from indicators.engine.travel.matrix import MatrixProvider

    return MatrixProvider.from_csv(args.matrix)


def run_nearest(args: argparse.Namespace) -> tuple[float, int]:
    origins = read_points(args.origins, "population", required=False, default=0.0)
    facilities = read_points(args.facilities, "capacity", required=False, default=1.0)
    provider = make_provider(args)
    start = time.perf_counter()
    nearest = nearest_access(provider, origins.places, facilities.places, k=1)
    seconds = time.perf_counter() - start
    minutes, index = nearest.first_minutes, nearest.first_facility
    reached = index >= 0
    nearest_id = np.where(reached, facilities.places.ids[np.maximum(index, 0)], "")
    write_csv(
        args.out,
        ["id", "minutes", "nearest_id"],
        zip(origins.places.ids, _floats(minutes, reached), nearest_id, strict=True),
    )
    return seconds, len(origins.places) * min(1, len(facilities.places))


def run_2sfca(args: argparse.Namespace) -> tuple[float, int]:
    try:
        weight = StepWeights() if args.bands is None else StepWeights.parse(args.bands)
    except ValueError as error:
        raise InputError(f"--bands: {error}") from None
    max_minutes = weight.max_minutes if args.max_minutes is None else args.max_minutes
    if not (math.isfinite(max_minutes) and max_minutes >= 0):
        raise InputError(f"--max-minutes must be a non-negative number, got {max_minutes}")
    demand = read_points(args.demand, "population", required=True, default=0.0)
    supply = read_points(args.supply, "capacity", required=False, default=1.0)
    provider = make_provider(args)
    start = time.perf_counter()
    pairs = provider.within(demand.places, supply.places, min(max_minutes, weight.max_minutes))
    result = two_step_fca(pairs, demand.values, supply.values, weight)
    seconds = time.perf_counter() - start
    write_csv(
        args.out,
        ["id", "access"],
        zip(demand.places.ids, _floats(result.access), strict=True),
    )
    return seconds, len(pairs)


def read_sites(args: argparse.Namespace) -> tuple[Places, np.ndarray]:
    """Existing sites (optional file) then candidates, as one list of sites and its fixed mask."""
    candidates = read_points(args.candidates, "capacity", required=False, default=1.0).places
    if args.existing is None:
        return candidates, np.zeros(len(candidates), dtype=bool)
    existing = read_points(args.existing, "capacity", required=False, default=1.0).places
    shared = sorted(set(existing.ids) & set(candidates.ids))
    if shared:
        raise InputError(
            f"{args.candidates}: id {shared[0]!r} is also an existing site in {args.existing} "
            "(a site is existing or candidate, not both)"
        )
    sites = Places(
        np.concatenate([existing.ids, candidates.ids]),
        np.concatenate([existing.lon, candidates.lon]),
        np.concatenate([existing.lat, candidates.lat]),
    )
    fixed = np.zeros(len(sites), dtype=bool)
    fixed[: len(existing)] = True
    return sites, fixed


def _minutes_option(value: float | None, name: str, *, required: bool) -> float:
    if value is None:
        if required:
            raise InputError(f"--{name} is required")
        return math.inf
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"--{name} must be a non-negative number, got {value}")
    return value


def run_location(args: argparse.Namespace) -> tuple[float, str]:
    max_minutes = _minutes_option(
        args.max_minutes, "max-minutes", required=args.command != "pmedian"
    )
    if args.command == "goal":
        if not (args.goal is not None and 0 < args.goal <= 100):
            raise InputError(f"--goal must be a percent in (0, 100], got {args.goal}")
    elif args.command != "lscp" and (args.p is None or args.p < 0):
        raise InputError("--p must be a non-negative number of new sites")
    demand = read_points(args.demand, "population", required=True, default=0.0)
    sites, fixed = read_sites(args)
    provider = make_provider(args)
    options = {"method": args.method, "time_limit": args.time_limit}
    start = time.perf_counter()
    pairs = provider.within(demand.places, sites, max_minutes)
    if args.command == "mclp":
        result = location.mclp(demand.values, pairs, fixed, args.p, max_minutes, **options)
    elif args.command == "lscp":
        result = location.lscp(demand.values, pairs, fixed, max_minutes, **options)
    elif args.command == "goal":
        share = args.goal / 100
        result = location.coverage_goal(demand.values, pairs, fixed, share, max_minutes, **options)
    else:
        result = location.pmedian(demand.values, pairs, fixed, args.p, **options)
    seconds = time.perf_counter() - start
    write_csv(
        args.out,
        ["id", "added"],
        zip(sites.ids[result.opened], _floats(result.added), strict=True),
    )
    summary = (
        f"objective={result.objective!r} covered={result.covered!r} solver={result.solver} "
        f"gap={result.gap!r} engine_seconds={seconds:.6f}"
    )
    if result.goal_met is not None:
        summary += f" goal_met={result.goal_met}"
    return seconds, summary


def run_drop_one(args: argparse.Namespace) -> tuple[float, str]:
    target = _minutes_option(args.target_minutes, "target-minutes", required=True)
    demand = read_points(args.demand, "population", required=True, default=0.0)
    facilities = read_points(args.facilities, "capacity", required=False, default=1.0).places
    provider = make_provider(args)
    start = time.perf_counter()
    minutes, index = provider.nearest(demand.places, facilities, min(2, len(facilities)))
    result = location.drop_one(minutes, index, demand.values, len(facilities), target)
    seconds = time.perf_counter() - start
    order = result.ranking()
    write_csv(
        args.out,
        [
            "id",
            "rank",
            "population_beyond",
            "communes_beyond",
            "population_losing_reach",
            "communes_losing_reach",
            "mean_minutes_after",
            "mean_minutes_change",
        ],  # fmt: skip
        zip(
            facilities.ids[order],
            range(1, len(order) + 1),
            _floats(result.population_beyond[order]),
            result.communes_beyond[order],
            _floats(result.population_losing_reach[order]),
            result.communes_losing_reach[order],
            _floats(result.mean_minutes_after[order]),
            _floats(result.mean_minutes_change[order]),
            strict=True,
        ),
    )
    return seconds, f"sites={len(facilities)} engine_seconds={seconds:.6f}"


def _floats(values: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    """Shortest round-tripping text of each float; empty where not ``present``."""
    text = [repr(float(value)) for value in values]
    if present is None:
        return text
    return [t if p else "" for t, p in zip(text, present, strict=True)]


def write_csv(path: Path, header: Sequence[str], rows) -> None:
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as error:
        raise InputError(f"{path}: cannot be written: {error}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m indicators.cli",
        description="Nearest access, 2SFCA and location models from CSV files (no database).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def provider_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--out", type=Path, required=True, help="output CSV")
        sub.add_argument("--provider", choices=["crowfly", "road", "matrix"], default="crowfly")
        sub.add_argument("--osm", type=Path, help="road network file for --provider road")
        sub.add_argument("--matrix", type=Path, help="origin-destination CSV for --provider matrix")
        sub.add_argument("--detour", type=float, default=1.3, help="crow-fly detour factor")
        sub.add_argument("--speed-kmh", type=float, default=50.0, help="crow-fly speed")
        sub.add_argument(
            "--access-minutes", type=float, default=0.0, help="crow-fly fixed access time"
        )

    nearest = commands.add_parser("nearest", help="minutes to the nearest facility per origin")
    nearest.add_argument("--origins", type=Path, required=True, help="id,lon,lat[,population]")
    nearest.add_argument("--facilities", type=Path, required=True, help="id,lon,lat[,capacity]")
    provider_options(nearest)
    nearest.set_defaults(run=run_nearest)

    fca = commands.add_parser("2sfca", help="two-step floating catchment access per demand point")
    fca.add_argument("--demand", type=Path, required=True, help="id,lon,lat,population")
    fca.add_argument("--supply", type=Path, required=True, help="id,lon,lat[,capacity]")
    fca.add_argument(
        "--max-minutes", type=float, default=None, help="cut-off (default: the last band)"
    )
    fca.add_argument(
        "--bands",
        default=None,
        help="step weights minutes:weight, upper bounds inclusive, e.g. 10:1,15:0.6667,20:0.3333 "
        "(default: the APL bands 10:1, 15:2/3, 20:1/3 exactly)",
    )
    provider_options(fca)
    fca.set_defaults(run=run_2sfca)

    for name, help_text in (
        ("mclp", "open p sites covering the most demand within --max-minutes"),
        ("lscp", "the fewest sites covering all coverable demand within --max-minutes"),
        ("goal", "the fewest sites bringing --goal percent of the demand within --max-minutes"),
        ("pmedian", "open p sites minimising demand x minutes to the nearest open site"),
    ):
        model = commands.add_parser(name, help=help_text)
        model.add_argument("--demand", type=Path, required=True, help="id,lon,lat,population")
        model.add_argument("--candidates", type=Path, required=True, help="id,lon,lat")
        model.add_argument("--existing", type=Path, help="id,lon,lat: sites kept open")
        model.add_argument("--max-minutes", type=float, default=None, help="target time")
        if name == "goal":
            model.add_argument(
                "--goal", type=float, required=True, help="percent of the demand to cover"
            )
        elif name != "lscp":
            model.add_argument("--p", type=int, required=True, help="new sites to open")
        model.add_argument("--method", choices=["auto", "highs", "greedy"], default="auto")
        model.add_argument(
            "--time-limit", type=float, default=location.DEFAULT_TIME_LIMIT, help="seconds"
        )
        provider_options(model)
        model.set_defaults(run=run_location)

    drop = commands.add_parser("drop-one", help="what closing each facility alone would do")
    drop.add_argument("--demand", type=Path, required=True, help="id,lon,lat,population")
    drop.add_argument("--facilities", type=Path, required=True, help="id,lon,lat")
    drop.add_argument("--target-minutes", type=float, required=True)
    provider_options(drop)
    drop.set_defaults(run=run_drop_one)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        seconds, summary = args.run(args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(summary, int):  # nearest and 2sfca: the pairs they considered
        summary = f"engine_seconds={seconds:.6f} pairs={summary}"
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
