"""Our location models (indicators/engine/location.py) against PySAL ``spopt`` with PuLP/CBC.

    .venv/bin/python bench/bench_location.py [--repeat 3] [--time-limit 120] [--minutes 30]
                                             [--goal 99.9] [--models goal]

Instances (issue 13 §1):
- **MCLP and LSCP on AURA** (real): the 4,021 communes of ``geo/communes-aura-cog2026.geojson``
  as demand (population; point = ``representative_point``) and as candidate sites, the 566
  GISCO hospitals as existing sites kept open; MCLP opens ``--p`` (default 5) new sites within
  ``--minutes``; LSCP covers every commune some site can cover within the same time.
- **Coverage goal** on the same AURA instance: the fewest new sites bringing ``--goal`` % of
  the population within ``--minutes``. spopt has no partial covering model, so only our time
  is printed, with a check of minimality: the MCLP's optimum with one site fewer falls short.
- **p-median**, at most 500 × 200: 500 AURA communes drawn with a fixed seed as demand, 20
  hospitals as existing sites and 180 other drawn communes as candidates, every pair (no
  cut-off), ``--p`` new sites.

Both sides are given the same pairs (``CrowFly().within``, ×1.3 at 50 km/h): ours as ``Pairs``,
spopt's as the dense cost matrix its ``from_cost_matrix`` takes (an unreachable pair as a cost
far above the target). **Travel times are excluded on both sides** and printed apart; model
building is included on both (spopt's ``from_cost_matrix`` + ``solve``; our whole call, which
builds its sparse model); both get the same time limit (HiGHS' ``time_limit``, CBC's
``timeLimit``); times are the best of ``--repeat``. spopt's ``p_facilities`` counts the existing
sites, so it is given ``p + len(existing)`` with ``predefined_facilities_arr``; its LSCP is given
only the populated communes some site can cover (it covers every row it gets, as ours covers
the populated coverable ones). The bench fails if an objective differs.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indicators.engine import location  # noqa: E402
from indicators.engine.travel import Pairs, Places  # noqa: E402
from indicators.engine.travel.crowfly import CrowFly  # noqa: E402

DATA = Path(os.environ.get("SROS_OPEN_DATA_DIR", ROOT.parent / "shared" / "data"))
FAR = 1e6  # spopt's cost of a pair beyond the cut-off: never within any target


def aura() -> tuple[Places, np.ndarray, Places]:
    import geopandas

    communes = geopandas.read_file(DATA / "geo/communes-aura-cog2026.geojson")
    points = communes.geometry.representative_point()
    demand = Places(np.array(communes["code"]), points.x.to_numpy(), points.y.to_numpy())
    with open(DATA / "facilities/eurostat-gisco-hospitals-aura-2020.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    hospitals = Places(
        np.array([row["id"] for row in rows]),
        np.array([float(row["lon"]) for row in rows]),
        np.array([float(row["lat"]) for row in rows]),
    )
    return demand, communes["population"].to_numpy(dtype=float), hospitals


def join(existing: Places, candidates: Places) -> tuple[Places, np.ndarray]:
    sites = Places(
        np.concatenate([existing.ids, candidates.ids]),
        np.concatenate([existing.lon, candidates.lon]),
        np.concatenate([existing.lat, candidates.lat]),
    )
    return sites, np.arange(len(sites)) < len(existing)


def dense(pairs: Pairs, n: int, m: int) -> np.ndarray:
    cost = np.full((n, m), FAR)
    cost[pairs.origin, pairs.destination] = pairs.minutes
    return cost


def best_of(repeat: int, call):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return min(times), result


def report(name: str, ours_seconds: float, ours, theirs_seconds: float, theirs_value: float):
    equal = abs(ours.objective - theirs_value) <= 1e-6 * max(1.0, abs(theirs_value))
    print(
        f"{name}: objective ours {ours.objective:.6f} ({ours.solver}, gap {ours.gap:g}, "
        f"{len(ours.opened)} new sites) spopt {theirs_value:.6f} -> "
        f"{'EQUAL' if equal else 'DIFFERENT'}; ours {ours_seconds:.3f} s, spopt+CBC "
        f"{theirs_seconds:.3f} s, spopt/ours {theirs_seconds / ours_seconds:.1f}x"
    )
    return equal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--p", type=int, default=5)
    parser.add_argument("--goal", type=float, default=99.9, help="coverage goal, percent")
    parser.add_argument(
        "--models", default="mclp,lscp,goal,pmedian", help="comma-separated, e.g. goal alone"
    )
    args = parser.parse_args()
    models = set(args.models.split(","))
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # PuLP 3.3 on its 4.0 API
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    def cbc():
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=args.time_limit)

    demand, population, hospitals = aura()
    sites, fixed = join(hospitals, demand)
    n_fixed = int(fixed.sum())
    start = time.perf_counter()
    pairs = CrowFly().within(demand, sites, args.minutes)
    travel = time.perf_counter() - start
    print(
        f"AURA: {len(demand)} communes as demand and candidates, {n_fixed} hospitals kept open; "
        f"{len(pairs)} pairs within {args.minutes:g} min built in {travel:.3f} s (excluded)"
    )
    # spopt's dense matrix (147 MB on AURA), only for the models compared with it
    cost = dense(pairs, len(demand), len(sites)) if models & {"mclp", "lscp"} else None
    ok = True

    if "mclp" in models:
        seconds, ours = best_of(
            args.repeat,
            lambda: location.mclp(
                population, pairs, fixed, args.p, args.minutes, time_limit=args.time_limit
            ),
        )
        their_seconds, theirs = best_of(
            args.repeat,
            lambda: MCLP.from_cost_matrix(
                cost, population, args.minutes, p_facilities=args.p + n_fixed,
                predefined_facilities_arr=fixed,
            ).solve(cbc()),
        )  # fmt: skip
        ok &= report(
            f"MCLP p={args.p}", seconds, ours, their_seconds, theirs.problem.objective.value()
        )

    if "lscp" in models:
        seconds, ours = best_of(
            args.repeat,
            lambda: location.lscp(
                population, pairs, fixed, args.minutes, time_limit=args.time_limit
            ),
        )
        keep = (cost <= args.minutes).any(axis=1) & (population > 0)
        their_seconds, theirs = best_of(
            args.repeat,
            lambda: LSCP.from_cost_matrix(
                cost[keep], args.minutes, predefined_facilities_arr=fixed
            ).solve(cbc()),
        )
        ok &= report(
            "LSCP", seconds, ours, their_seconds, theirs.problem.objective.value() - n_fixed
        )

    if "goal" in models:
        goal = args.goal / 100
        seconds, ours = best_of(
            args.repeat,
            lambda: location.coverage_goal(
                population, pairs, fixed, goal, args.minutes, time_limit=args.time_limit
            ),
        )
        total = population.sum()
        today = location.coverage_goal(population, pairs, fixed, 1e-9, args.minutes).covered / total
        fewer = location.mclp(
            population, pairs, fixed, max(len(ours.opened) - 1, 0), args.minutes,
            time_limit=args.time_limit,
        )  # fmt: skip
        minimal = not ours.opened.size or (fewer.gap == 0 and fewer.objective < goal * total)
        ok &= bool(ours.goal_met is False or minimal)
        greedy_seconds, greedy = best_of(
            args.repeat,
            lambda: location.coverage_goal(
                population, pairs, fixed, goal, args.minutes, method=location.GREEDY
            ),
        )
        print(
            f"coverage goal {args.goal:g} %: {len(ours.opened)} new sites ({ours.solver}, gap "
            f"{ours.gap:g}, goal {'met' if ours.goal_met else 'OUT OF REACH'}), share "
            f"{100 * today:.3f} % today -> {100 * ours.covered / total:.3f} %; "
            f"ours {seconds:.3f} s; MCLP with one site fewer covers {fewer.objective:,.0f} of "
            f"{goal * total:,.0f} required ({'minimal' if minimal else 'NOT MINIMAL'}); "
            f"greedy {len(greedy.opened)} sites, gap {greedy.gap:.3g}, {greedy_seconds:.3f} s"
        )

    if "pmedian" in models:
        rng = np.random.default_rng(13)
        drawn = rng.permutation(len(demand))
        small_demand = demand.subset(drawn[:500])
        small_sites, small_fixed = join(
            hospitals.subset(rng.permutation(len(hospitals))[:20]), demand.subset(drawn[500:680])
        )
        small_population = population[drawn[:500]]
        start = time.perf_counter()
        all_pairs = CrowFly().within(small_demand, small_sites, np.inf)
        travel = time.perf_counter() - start
        print(
            f"p-median: {len(small_demand)} demand x {len(small_sites)} sites "
            f"({int(small_fixed.sum())} existing), {len(all_pairs)} pairs in {travel:.3f} s "
            "(excluded)"
        )
        small_cost = dense(all_pairs, len(small_demand), len(small_sites))
        seconds, ours = best_of(
            args.repeat,
            lambda: location.pmedian(
                small_population, all_pairs, small_fixed, args.p, time_limit=args.time_limit
            ),
        )
        their_seconds, theirs = best_of(
            args.repeat,
            lambda: PMedian.from_cost_matrix(
                small_cost, small_population, p_facilities=args.p + int(small_fixed.sum()),
                predefined_facilities_arr=small_fixed,
            ).solve(cbc()),
        )  # fmt: skip
        ok &= report(
            f"p-median p={args.p}", seconds, ours, their_seconds, theirs.problem.objective.value()
        )
    print("all objectives equal" if ok else "OBJECTIVES DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
