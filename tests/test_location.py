"""Location models (indicators/engine/location.py) against brute force and PySAL spopt, and the
drop-one ranking against full recomputes. No database: the engine is pure numpy/scipy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from indicators.engine.location import (
    GOAL_TOLERANCE,
    GREEDY,
    HIGHS,
    coverage_goal,
    drop_one,
    lscp,
    mclp,
    pmedian,
)
from indicators.engine.travel import NO_DESTINATION, Pairs, Places
from indicators.engine.travel.crowfly import CrowFly


def dense_pairs(cost: np.ndarray) -> Pairs:
    """Every finite entry of a demand × site matrix as a pair."""
    origin, destination = np.nonzero(np.isfinite(cost))
    return Pairs(origin.astype(np.int64), destination.astype(np.int64), cost[origin, destination])


def random_instance(seed: int, n: int = 40, m: int = 18, n_fixed: int = 3):
    """Demand and sites on a 60 × 60 km square, minutes at 1 km/min, some pairs unreachable."""
    rng = np.random.default_rng(seed)
    demand_xy = rng.uniform(0, 60, (n, 2))
    site_xy = rng.uniform(0, 60, (m, 2))
    cost = np.linalg.norm(demand_xy[:, None, :] - site_xy[None, :, :], axis=2)
    demand = rng.integers(0, 5000, n).astype(float)
    fixed = np.zeros(m, dtype=bool)
    fixed[:n_fixed] = True
    return demand, cost, fixed


def brute_force(demand, cost, fixed, p, score):
    """Best ``score(open mask)`` over every set of at most p candidates (max)."""
    candidates = np.flatnonzero(~fixed)
    best = -np.inf
    for size in range(p + 1):
        for chosen in itertools.combinations(candidates, size):
            is_open = fixed.copy()
            is_open[list(chosen)] = True
            best = max(best, score(is_open))
    return best


def covered_demand(demand, cost, is_open, limit):
    return float(demand[(cost[:, is_open] <= limit).any(axis=1)].sum())


# --- MCLP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [0, 1, 2, 3])
def test_mclp_equals_brute_force(seed, p):
    demand, cost, fixed = random_instance(seed, n=25, m=10)
    result = mclp(demand, dense_pairs(cost), fixed, p, 15.0)
    best = brute_force(
        demand, cost, fixed, p, lambda is_open: covered_demand(demand, cost, is_open, 15.0)
    )
    assert result.objective == pytest.approx(best)
    assert result.solver == HIGHS and result.gap == 0.0 and not result.heuristic
    assert len(result.opened) <= p and not fixed[result.opened].any()
    is_open = fixed.copy()
    is_open[result.opened] = True
    assert covered_demand(demand, cost, is_open, 15.0) == pytest.approx(result.objective)
    base = covered_demand(demand, cost, fixed, 15.0)
    assert base + result.added.sum() == pytest.approx(result.objective)
    assert np.all(np.diff(result.added) <= 1e-9) and np.all(result.added > 0)


@pytest.mark.parametrize("seed", range(4))
def test_mclp_coverage_never_decreases_with_p(seed):
    demand, cost, fixed = random_instance(seed, n=60, m=30)
    objectives = []
    for p in range(0, 8):
        result = mclp(demand, dense_pairs(cost), fixed, p, 12.0)
        assert result.gap == 0.0
        objectives.append(result.objective)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(objectives))
    assert objectives[-1] > objectives[0]


def greedy_trap():
    """Six people; site X reaches four of them, A and B three each, disjoint: the greedy takes
    X first and covers five with two sites, the optimum A + B covers six."""
    reach = {0: [0, 1, 2], 1: [3, 4, 5], 2: [1, 2, 3, 4]}  # A, B, X
    origin = np.array([row for site in reach for row in reach[site]])
    destination = np.array([site for site in reach for _ in reach[site]])
    return np.ones(6), Pairs(origin, destination, np.full(len(origin), 5.0)), np.zeros(3, bool)


def test_mclp_greedy_is_strictly_worse_on_the_trap_and_says_so():
    demand, pairs, fixed = greedy_trap()
    exact = mclp(demand, pairs, fixed, 2, 10.0)
    greedy = mclp(demand, pairs, fixed, 2, 10.0, method=GREEDY)
    assert exact.objective == 6 and sorted(exact.opened) == [0, 1] and exact.gap == 0.0
    assert greedy.objective == 5 and greedy.solver == GREEDY and greedy.heuristic
    # The LP relaxation's bound is 6 (the optimum): the gap is (6 - 5) / 5.
    assert greedy.bound == pytest.approx(6.0)
    assert greedy.gap == pytest.approx(0.2)


def test_mclp_auto_falls_back_to_greedy_beyond_the_pair_budget():
    demand, cost, fixed = random_instance(1)
    result = mclp(demand, dense_pairs(cost), fixed, 3, 15.0, exact_max_pairs=10)
    assert result.solver == GREEDY and result.status == GREEDY
    assert result.bound >= result.objective - 1e-6


def test_mclp_existing_sites_count_and_are_never_opened():
    demand = np.array([10.0, 20.0, 30.0])
    # Site 0 (existing) reaches point 0; candidates 1 and 2 reach points 1 and 2.
    pairs = Pairs(np.array([0, 1, 2, 0]), np.array([0, 1, 2, 1]), np.array([5.0, 5, 5, 5]))
    fixed = np.array([True, False, False])
    result = mclp(demand, pairs, fixed, 1, 10.0)
    assert list(result.opened) == [2] and result.objective == 40.0
    assert list(result.added) == [30.0]


def test_mclp_refuses_bad_input():
    with pytest.raises(ValueError, match="non-negative"):
        mclp(np.array([-1.0]), dense_pairs(np.ones((1, 1))), np.array([False]), 1, 5)
    with pytest.raises(ValueError, match="do not exist"):
        mclp(np.ones(1), Pairs(np.array([3]), np.array([0]), np.array([1.0])), [False], 1, 5)
    with pytest.raises(ValueError, match="method"):
        mclp(np.ones(1), dense_pairs(np.ones((1, 1))), np.array([False]), 1, 5, method="cbc")


# --- LSCP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_lscp_equals_brute_force(seed):
    demand, cost, fixed = random_instance(seed, n=25, m=11)
    result = lscp(demand, dense_pairs(cost), fixed, 14.0)
    is_all = np.ones(len(fixed), dtype=bool)
    coverable = covered_demand(demand, cost, is_all, 14.0)
    assert result.covered == pytest.approx(coverable)
    assert result.uncoverable == pytest.approx(demand.sum() - coverable)
    candidates = np.flatnonzero(~fixed)
    fewest = None
    for size in range(len(candidates) + 1):
        for chosen in itertools.combinations(candidates, size):
            is_open = fixed.copy()
            is_open[list(chosen)] = True
            if covered_demand(demand, cost, is_open, 14.0) >= coverable - 1e-9:
                fewest = size
                break
        if fewest is not None:
            break
    assert result.objective == fewest and result.gap == 0.0
    is_open = fixed.copy()
    is_open[result.opened] = True
    assert covered_demand(demand, cost, is_open, 14.0) == pytest.approx(coverable)


def test_lscp_greedy_reports_its_gap_to_the_lp_bound():
    demand, cost, fixed = random_instance(3, n=80, m=40)
    exact = lscp(demand, dense_pairs(cost), fixed, 9.0)
    greedy = lscp(demand, dense_pairs(cost), fixed, 9.0, method=GREEDY)
    assert greedy.objective >= exact.objective
    assert greedy.bound <= exact.objective
    assert greedy.covered == pytest.approx(exact.covered)
    assert greedy.heuristic == (greedy.objective != greedy.bound)


# --- p-median --------------------------------------------------------------------------------


def total_minutes(demand, cost, is_open):
    return float((demand * cost[:, is_open].min(axis=1)).sum())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pmedian_equals_brute_force(seed, p):
    demand, cost, fixed = random_instance(seed, n=25, m=10)
    result = pmedian(demand, dense_pairs(cost), fixed, p)
    best = -brute_force(demand, cost, fixed, p, lambda o: -total_minutes(demand, cost, o))
    assert result.objective == pytest.approx(best)
    assert result.gap == 0.0 and result.uncoverable == 0
    assert result.mean_minutes == pytest.approx(best / demand[demand > 0].sum())
    base = total_minutes(demand, cost, fixed)
    assert base - result.added.sum() == pytest.approx(result.objective)


def test_pmedian_without_existing_sites_serves_every_point_it_can():
    demand, cost, _ = random_instance(2, n=30, m=12, n_fixed=0)
    cost[cost > 25] = np.inf  # each point reaches only the sites within 25 minutes
    fixed = np.zeros(cost.shape[1], dtype=bool)
    result = pmedian(demand, dense_pairs(cost), fixed, 12)
    reachable = np.isfinite(cost).any(axis=1)
    assert result.covered == pytest.approx(demand[reachable].sum())
    assert result.uncoverable == pytest.approx(demand[~reachable].sum())


def test_pmedian_greedy_is_never_better_than_the_optimum():
    demand, cost, fixed = random_instance(5, n=60, m=30)
    exact = pmedian(demand, dense_pairs(cost), fixed, 4)
    greedy = pmedian(demand, dense_pairs(cost), fixed, 4, method=GREEDY)
    assert greedy.objective >= exact.objective - 1e-6
    assert greedy.bound <= exact.objective + 1e-6


# --- coverage goal ---------------------------------------------------------------------------


def fewest_meeting(demand, cost, fixed, required, limit):
    """Brute force: the smallest number of candidates (subsets by increasing size) whose
    coverage, with the existing sites, reaches ``required``; None if no subset does."""
    candidates = np.flatnonzero(~fixed)
    slack = GOAL_TOLERANCE * demand.sum()
    for size in range(len(candidates) + 1):
        for chosen in itertools.combinations(candidates, size):
            is_open = fixed.copy()
            is_open[list(chosen)] = True
            if covered_demand(demand, cost, is_open, limit) >= required - slack:
                return size
    return None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("part", [0.3, 0.7, 1.0])
def test_coverage_goal_equals_brute_force(seed, part):
    demand, cost, fixed = random_instance(seed, n=25, m=11)
    total = demand.sum()
    base = covered_demand(demand, cost, fixed, 14.0)
    reachable = covered_demand(demand, cost, np.ones(len(fixed), bool), 14.0)
    goal = (base + part * (reachable - base)) / total  # between today's share and the best one
    result = coverage_goal(demand, dense_pairs(cost), fixed, goal, 14.0)

    assert result.objective == fewest_meeting(demand, cost, fixed, goal * total, 14.0)
    assert result.solver == HIGHS and result.gap == 0.0 and not result.heuristic
    assert result.goal_met and len(result.opened) == result.objective
    assert not fixed[result.opened].any()
    is_open = fixed.copy()
    is_open[result.opened] = True
    covered = covered_demand(demand, cost, is_open, 14.0)
    assert covered == pytest.approx(result.covered)
    assert covered >= goal * total * (1 - 1e-9)
    assert base + result.added.sum() == pytest.approx(result.covered)
    assert result.uncoverable == pytest.approx(total - reachable)


@pytest.mark.parametrize("seed", range(4))
def test_coverage_goal_count_never_decreases_with_the_goal(seed):
    demand, cost, fixed = random_instance(seed, n=60, m=30)
    counts = [
        coverage_goal(demand, dense_pairs(cost), fixed, goal, 12.0).objective
        for goal in np.linspace(0.05, 0.9, 10)
    ]
    assert all(b >= a for a, b in itertools.pairwise(counts))


def test_coverage_goal_already_met_by_the_existing_sites_opens_nothing():
    demand, cost, fixed = random_instance(1)
    share = covered_demand(demand, cost, fixed, 15.0) / demand.sum()
    for method in ("auto", GREEDY):
        result = coverage_goal(demand, dense_pairs(cost), fixed, share, 15.0, method=method)
        assert len(result.opened) == 0 and result.objective == 0 and result.goal_met
        assert result.covered == pytest.approx(share * demand.sum()) and result.gap == 0.0


def test_an_unreachable_goal_says_so_and_opens_the_lscp_sites():
    demand, cost, fixed = random_instance(2, n=30, m=12)
    pairs = dense_pairs(cost)
    reachable = covered_demand(demand, cost, np.ones(len(fixed), bool), 10.0)
    assert reachable < demand.sum()  # some points are beyond every site
    result = coverage_goal(demand, pairs, fixed, 1.0, 10.0)
    lscp_result = lscp(demand, pairs, fixed, 10.0)

    assert not result.goal_met
    assert result.covered == pytest.approx(reachable)  # the best share any choice reaches
    assert result.parameters["reachable"] == pytest.approx(reachable)
    assert result.objective == lscp_result.objective and result.gap == 0.0
    assert result.uncoverable == pytest.approx(demand.sum() - reachable)
    assert not fixed[result.opened].any()


def test_coverage_goal_greedy_meets_the_goal_and_states_its_gap():
    for seed in range(5):
        demand, cost, fixed = random_instance(seed, n=80, m=40)
        pairs = dense_pairs(cost)
        exact = coverage_goal(demand, pairs, fixed, 0.85, 9.0)
        greedy = coverage_goal(demand, pairs, fixed, 0.85, 9.0, method=GREEDY)
        assert greedy.solver == GREEDY and greedy.goal_met == exact.goal_met
        if greedy.goal_met:
            assert greedy.covered >= 0.85 * demand.sum() * (1 - 1e-9)
        assert greedy.objective >= exact.objective >= greedy.bound
        assert greedy.heuristic == (greedy.gap != 0.0) == (greedy.objective != greedy.bound)
        assert greedy.gap == pytest.approx((greedy.objective - greedy.bound) / greedy.objective)


def test_coverage_goal_greedy_is_strictly_worse_on_the_trap_and_says_so():
    demand, pairs, fixed = greedy_trap()
    exact = coverage_goal(demand, pairs, fixed, 1.0, 10.0)
    greedy = coverage_goal(demand, pairs, fixed, 1.0, 10.0, method=GREEDY)
    assert exact.objective == 2 and sorted(exact.opened) == [0, 1] and exact.goal_met
    # X first (four people), then A and B for the two it leaves: three sites.
    assert greedy.objective == 3 and greedy.goal_met and greedy.heuristic
    assert greedy.bound == 2 and greedy.gap == pytest.approx(1 / 3)
    # The fallback beyond the pair budget is the same greedy.
    fallback = coverage_goal(demand, pairs, fixed, 1.0, 10.0, exact_max_pairs=3)
    assert fallback.solver == GREEDY and fallback.status == GREEDY and fallback.objective == 3


def test_coverage_goal_under_a_tiny_time_limit_still_meets_the_goal_and_states_its_gap():
    """Whichever answers (HiGHS proven, HiGHS stopped with its dual bound, or the greedy when
    HiGHS found nothing), the goal is met and the gap is the one to the bound."""
    demand, cost, fixed = random_instance(7, n=400, m=200, n_fixed=5)
    pairs = dense_pairs(cost)
    exact = coverage_goal(demand, pairs, fixed, 0.97, 6.0)
    rushed = coverage_goal(demand, pairs, fixed, 0.97, 6.0, method=HIGHS, time_limit=0.01)
    assert exact.gap == 0.0 and rushed.goal_met and exact.goal_met
    assert rushed.covered >= 0.97 * demand.sum() * (1 - 1e-9)
    assert rushed.bound <= exact.objective <= rushed.objective
    assert rushed.heuristic == (rushed.objective != rushed.bound)


def test_coverage_goal_keeps_existing_sites_and_refuses_bad_goals():
    demand = np.array([10.0, 20.0, 30.0, 40.0])
    # Site 0 (existing) reaches point 0; candidates 1, 2, 3 reach points 1, 2 and 3 alone.
    pairs = Pairs(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3]), np.full(4, 5.0))
    fixed = np.array([True, False, False, False])
    result = coverage_goal(demand, pairs, fixed, 0.5, 10.0)  # 10 + 40 = 50 of 100
    assert list(result.opened) == [3] and list(result.added) == [40.0]
    assert result.covered == 50.0 and result.goal_met
    assert coverage_goal(demand, pairs, fixed, 0.51, 10.0).objective == 2
    for goal in (0.0, -0.1, 1.01, float("nan")):
        with pytest.raises(ValueError, match="goal"):
            coverage_goal(demand, pairs, fixed, goal, 10.0)


# --- against PySAL spopt ---------------------------------------------------------------------

spopt = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")
# PuLP 3.3 warns of its 4.0 API on every variable spopt builds.
pulp_warnings = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")


def cbc():
    return pulp.PULP_CBC_CMD(msg=False)


@pulp_warnings
@pytest.mark.parametrize("seed", range(3))
def test_mclp_equals_spopt(seed):
    demand, cost, fixed = random_instance(seed, n=70, m=35, n_fixed=4)
    ours = mclp(demand, dense_pairs(cost), fixed, 3, 12.0)
    # spopt's p_facilities counts the predefined (existing) sites.
    theirs = spopt.MCLP.from_cost_matrix(
        cost, demand, 12.0, p_facilities=3 + int(fixed.sum()), predefined_facilities_arr=fixed
    ).solve(cbc())
    assert ours.objective == pytest.approx(theirs.problem.objective.value())


@pulp_warnings
@pytest.mark.parametrize("seed", range(3))
def test_lscp_equals_spopt(seed):
    demand, cost, fixed = random_instance(seed, n=70, m=35, n_fixed=4)
    ours = lscp(demand, dense_pairs(cost), fixed, 12.0)
    # spopt covers every row it is given: only the populated points some site can cover.
    keep = (cost <= 12.0).any(axis=1) & (demand > 0)
    theirs = spopt.LSCP.from_cost_matrix(cost[keep], 12.0, predefined_facilities_arr=fixed).solve(
        cbc()
    )
    assert ours.objective + fixed.sum() == pytest.approx(theirs.problem.objective.value())


@pulp_warnings
@pytest.mark.parametrize("seed", range(3))
def test_pmedian_equals_spopt(seed):
    demand, cost, fixed = random_instance(seed, n=50, m=25, n_fixed=3)
    ours = pmedian(demand, dense_pairs(cost), fixed, 3)
    theirs = spopt.PMedian.from_cost_matrix(
        cost, demand, p_facilities=3 + int(fixed.sum()), predefined_facilities_arr=fixed
    ).solve(cbc())
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-9)


@pulp_warnings
def test_spopt_finds_the_trap_optimum_greedy_misses():
    demand, pairs, _ = greedy_trap()
    cost = np.full((6, 3), 99.0)
    cost[pairs.origin, pairs.destination] = pairs.minutes
    theirs = spopt.MCLP.from_cost_matrix(cost, demand, 10.0, p_facilities=2).solve(cbc())
    greedy = mclp(demand, pairs, np.zeros(3, bool), 2, 10.0, method=GREEDY)
    assert theirs.problem.objective.value() == 6 > greedy.objective


# --- drop-one --------------------------------------------------------------------------------


def full_recompute(provider, units, sites, demand, closed, target):
    """Nearest times with one site removed, then the same figures the drop-one gives."""
    keep = np.flatnonzero(np.arange(len(sites)) != closed)
    minutes, _ = provider.nearest(units, sites.subset(keep), 1)
    return minutes[:, 0]


@pytest.mark.parametrize("seed", range(3))
def test_drop_one_equals_a_full_recompute_for_every_site(seed):
    rng = np.random.default_rng(seed)
    units = Places(np.arange(300), rng.uniform(4.5, 6.5, 300), rng.uniform(44.0, 45.5, 300))
    sites = Places(np.arange(25), rng.uniform(4.5, 6.5, 25), rng.uniform(44.0, 45.5, 25))
    demand = rng.integers(0, 3000, 300).astype(float)
    provider = CrowFly()
    minutes, index = provider.nearest(units, sites, 2)
    before = minutes[:, 0]
    ranking = drop_one(minutes, index, demand, len(sites), 30.0)
    assert ranking.mean_minutes_before == pytest.approx((demand * before).sum() / demand.sum())
    for site in range(len(sites)):
        after = full_recompute(provider, units, sites, demand, site, 30.0)
        beyond = demand[(before <= 30) & (after > 30)].sum()
        assert ranking.population_beyond[site] == pytest.approx(beyond)
        assert ranking.communes_beyond[site] == np.count_nonzero((before <= 30) & (after > 30))
        assert ranking.mean_minutes_after[site] == pytest.approx(
            (demand * after).sum() / demand.sum()
        )
    order = ranking.ranking()
    harm = ranking.population_beyond[order]
    assert np.all(np.diff(harm) <= 0)


def test_drop_one_counts_points_losing_all_reach_apart():
    # Points 0-1 reach only site 0; point 2 reaches sites 0 then 1; point 3 only site 1.
    minutes = np.array([[5.0, np.inf], [8.0, np.inf], [10.0, 40.0], [3.0, np.inf]])
    index = np.array([[0, NO_DESTINATION], [0, NO_DESTINATION], [0, 1], [1, NO_DESTINATION]])
    demand = np.array([100.0, 50.0, 10.0, 1.0])
    result = drop_one(minutes, index, demand, 2, 30.0)
    assert list(result.population_losing_reach) == [150.0, 1.0]
    assert list(result.communes_losing_reach) == [2, 1]
    assert list(result.population_beyond) == [10.0, 0.0]
    # Closing site 0 leaves points 2 (40 min) and 3 (3 min) reaching a site.
    assert result.mean_minutes_after[0] == pytest.approx((10 * 40 + 1 * 3) / 11)
    assert list(result.ranking()) == [0, 1]
