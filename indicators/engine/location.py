"""Location models with existing sites kept open: MCLP, LSCP, the coverage goal, p-median, and
the drop-one ranking.

Every model works on the travel-time ``Pairs`` a provider gives (``provider.within``) between
demand points (communes, weighted by the population a level counts) and sites, the sites being
the existing ones (``fixed``, always open) followed by the candidates. Nothing here loops in
Python over demand × site pairs: the models are sparse matrices given to HiGHS
(``scipy.optimize.milp``), the greedy fallbacks work on compressed columns.

- **MCLP** (maximal covering location problem, Church & ReVelle 1974): open ``p`` candidates to
  maximise the demand within ``max_minutes`` of an open site (existing or new). Demand already
  covered by an existing site is a constant and leaves the model; the objective returned is the
  whole covered demand (existing ∪ new).
- **LSCP** (location set covering problem, Toregas et al. 1971): the fewest candidates such that
  every demand point some site can reach within ``max_minutes`` is covered; the demand no site
  can cover is reported (``uncoverable``), never counted as covered.
- **Coverage goal** (the partial set covering problem, Daskin & Owen 1999: the MCLP read the
  other way round, fewest sites for a coverage instead of most coverage for p sites): the fewest
  candidates such that the demand within ``max_minutes`` of an open site reaches a share ``goal``
  of the whole demand. Where even every candidate falls short, the answer says so
  (``goal_met`` false) and opens the sites an LSCP would: the fewest that reach the best
  share any choice can reach.
- **p-median** (Hakimi 1964; ReVelle & Swain 1970): open ``p`` candidates minimising
  Σ demand × minutes to the nearest open site. A demand point is only ever assigned to a
  candidate nearer than its nearest existing site (the existing one is always open), which keeps
  the model small when sites exist. A point that no open site reaches in ``pairs`` counts at
  ``unserved_minutes`` (default: one minute more than the longest pair), so that the model serves
  it when it can; it is reported apart and left out of the mean.

Exact answers come from HiGHS with ``mip_rel_gap = 0`` and a time limit. When the instance is
beyond ``exact_max_pairs`` or HiGHS finds no solution in time, a lazy greedy answers (the
objectives are submodular, so stale gains are upper bounds: Minoux's accelerated greedy), and its
gap is measured against the LP relaxation's bound. The answer states the solver, the gap and the
time; ``heuristic`` is true whenever the gap is not 0 (the pages say « heuristique »).

Drop-one (``drop_one``): for every site, what closing it alone would do, from the two nearest
sites of each demand point (``provider.nearest(k=2)``) in one vectorised pass; equal to a full
recompute with that site closed (tests/test_location.py).

Sources: R. Church, C. ReVelle, "The maximal covering location problem", Papers of the Regional
Science Association 32 (1974); C. Toregas et al., "The location of emergency service
facilities", Operations Research 19 (1971); C. ReVelle, R. Swain, "Central facilities location",
Geographical Analysis 2 (1970); M. S. Daskin, S. H. Owen, "Two new location covering problems:
the partial p-center problem and the partial set covering problem", Geographical Analysis 31
(1999); M. Minoux, "Accelerated greedy algorithms for maximizing
submodular set functions" (1978). docs/location-models.md.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .travel import NO_DESTINATION, Pairs

MCLP = "mclp"
LSCP = "lscp"
GOAL = "goal"
PMEDIAN = "pmedian"
HIGHS = "highs"
GREEDY = "greedy"

#: Pairs beyond which ``method="auto"`` goes straight to the greedy (HiGHS' memory and time
#: grow with them; AURA's 4,000 communes × 4,000 candidates within 30 minutes are ~0.6 million).
EXACT_MAX_PAIRS = 3_000_000
DEFAULT_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class LocationResult:
    """A location model's answer.

    ``opened``: indices of the candidate sites opened (into the sites, so ≥ the number of
    existing sites), in the order of ``added``: the demand each brings, counted site after site
    with the largest first, summing to what the new sites add to the existing ones.
    ``objective``: covered demand (MCLP), number of new sites (LSCP, coverage goal),
    Σ demand × minutes (p-median). ``covered``: demand within the target of an open site
    (MCLP, LSCP, coverage goal) or reached by one (p-median). ``uncoverable``: demand that no
    site, existing or candidate, can serve.
    ``gap``: relative gap between the answer and the best bound (0: proven optimal; ``inf``:
    no bound known). ``bound``: that bound, in the objective's unit. ``goal_met`` (coverage
    goal only): whether ``covered`` reaches the goal; false when no choice of candidates can.
    """

    model: str
    opened: np.ndarray
    added: np.ndarray
    objective: float
    covered: float
    uncoverable: float
    solver: str
    gap: float
    bound: float
    seconds: float
    status: str
    mean_minutes: float = float("nan")
    parameters: dict = field(default_factory=dict)
    goal_met: bool | None = None

    @property
    def heuristic(self) -> bool:
        return self.gap != 0.0


# --- the instance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """Pairs restricted to candidate sites, grouped by candidate (CSC-like), rows renumbered."""

    rows: np.ndarray  # demand index of each pair, grouped by column
    minutes: np.ndarray
    start: np.ndarray  # start[c]..start[c+1]: the pairs of candidate c
    candidates: np.ndarray  # site index of each candidate column

    def of(self, column: int) -> slice:
        return slice(self.start[column], self.start[column + 1])


def _check(demand: np.ndarray, pairs: Pairs, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    demand = np.asarray(demand, dtype=np.float64)
    fixed = np.asarray(fixed, dtype=bool)
    if demand.ndim != 1 or fixed.ndim != 1:
        raise ValueError("demand and fixed must be one-dimensional")
    if np.any(~np.isfinite(demand)) or np.any(demand < 0):
        raise ValueError("demand must be finite and non-negative")
    if len(pairs) and (pairs.origin.max() >= len(demand) or pairs.destination.max() >= len(fixed)):
        raise ValueError("pairs refer to demand points or sites that do not exist")
    return demand, fixed


def _candidate_columns(pairs: Pairs, fixed: np.ndarray, keep: np.ndarray) -> _Columns:
    """The pairs of candidate sites whose ``keep`` is true, grouped by candidate."""
    candidates = np.flatnonzero(~fixed)
    column_of = np.full(len(fixed), -1, dtype=np.int64)
    column_of[candidates] = np.arange(len(candidates))
    columns = column_of[pairs.destination]
    selected = keep & (columns >= 0)
    columns = columns[selected]
    order = np.argsort(columns, kind="stable")
    counts = np.bincount(columns, minlength=len(candidates))
    start = np.concatenate([[0], np.cumsum(counts)])
    return _Columns(
        pairs.origin[selected][order], pairs.minutes[selected][order], start, candidates
    )


def _covered_by(pairs: Pairs, sites: np.ndarray, n: int, max_minutes: float) -> np.ndarray:
    """Demand points within ``max_minutes`` of one of ``sites`` (a boolean mask of the sites)."""
    near = (pairs.minutes <= max_minutes) & sites[pairs.destination]
    covered = np.zeros(n, dtype=bool)
    covered[pairs.origin[near]] = True
    return covered


def _incidence(columns: _Columns, rows: np.ndarray, n_rows: int) -> sparse.csr_matrix:
    """Row × candidate 0/1 matrix of the pairs, rows renumbered by ``rows`` (−1: left out)."""
    counts = np.diff(columns.start)
    column = np.repeat(np.arange(len(columns.candidates)), counts)
    row = rows[columns.rows]
    kept = row >= 0
    return sparse.csr_matrix(
        (np.ones(int(kept.sum())), (row[kept], column[kept])),
        shape=(n_rows, len(columns.candidates)),
    )


def _solve(
    cost: np.ndarray,
    integral: np.ndarray,
    upper: np.ndarray,
    constraints: list[LinearConstraint],
    time_limit: float,
    *,
    relax: bool = False,
):
    return milp(
        cost,
        integrality=np.zeros_like(integral) if relax else integral,
        bounds=Bounds(np.zeros(len(cost)), upper),
        constraints=constraints,
        options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 0.0, "presolve": True},
    )


def _gap(objective: float, bound: float) -> float:
    if not np.isfinite(bound):
        return float("inf")
    difference = abs(objective - bound)
    if difference <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return difference / abs(objective) if objective else float("inf")


def _choose(method: str, n_pairs: int, exact_max_pairs: int, exact, greedy, bound):
    """``(chosen columns, solver, status, bound)``: HiGHS when the method and the size allow it
    (``exact()`` → chosen or None, status, bound), else — or when HiGHS found nothing in time —
    the greedy's columns with the LP relaxation's bound (``greedy()``, ``bound()``)."""
    if method not in ("auto", HIGHS, GREEDY):
        raise ValueError(f"method must be auto, highs or greedy, got {method!r}")
    status = GREEDY
    if method == HIGHS or (method == "auto" and n_pairs <= exact_max_pairs):
        chosen, status, found = exact()
        if chosen is not None:
            return chosen, HIGHS, status, found
    return greedy(), GREEDY, status, bound()


@dataclass(frozen=True)
class _Coverage:
    """A covering instance (MCLP, LSCP): what existing sites already cover within the target,
    what some site could cover, the candidate columns that reach the rest, and its rows."""

    demand: np.ndarray
    existing: np.ndarray  # demand points within the target of an existing site
    coverable: np.ndarray  # … of any site, existing or candidate
    columns: _Columns
    rows: np.ndarray  # the populated points left to cover

    @classmethod
    def of(cls, demand, pairs: Pairs, fixed, max_minutes: float) -> _Coverage:
        n = len(demand)
        existing = _covered_by(pairs, fixed, n, max_minutes)
        keep = (pairs.minutes <= max_minutes) & ~existing[pairs.origin]
        columns = _candidate_columns(pairs, fixed, keep)
        everywhere = np.ones(len(fixed), dtype=bool)
        coverable = existing | _covered_by(pairs, everywhere, n, max_minutes)
        rows = np.flatnonzero(~existing & coverable & (demand > 0))
        return cls(demand, existing, coverable, columns, rows)

    def gain_of(self, site: int, state):
        """The demand ``site`` adds to the points covered in ``state`` (None: the existing
        sites'), and the points covered with it (for ``_order_by_gain``)."""
        covered = self.existing if state is None else state
        column = int(np.searchsorted(self.columns.candidates, site))
        reached = self.columns.rows[self.columns.of(column)]
        new = reached[~covered[reached]]
        covered = covered.copy()
        covered[new] = True
        return float(self.demand[new].sum()), covered


def _order_by_gain(opened: np.ndarray, gain_of) -> tuple[np.ndarray, np.ndarray]:
    """Orders opened sites by their successive marginal gains, largest first (greedy within the
    chosen set), so that each site's ``added`` demand is stated and the gains sum to the total.
    A site that adds nothing to the others is left closed (a solver may open it at no cost)."""
    remaining = list(opened)
    order: list[int] = []
    gains: list[float] = []
    state = None
    while remaining:
        values = [gain_of(site, state)[0] for site in remaining]
        best = int(np.argmax(values))
        site = remaining.pop(best)
        gain, state = gain_of(site, state)
        if gain <= 0:
            break  # the sites left add nothing to those before them: not opened
        order.append(site)
        gains.append(gain)
    return np.array(order, dtype=np.int64), np.array(gains, dtype=np.float64)


# --- MCLP ------------------------------------------------------------------------------------


def mclp(
    demand: np.ndarray,
    pairs: Pairs,
    fixed: np.ndarray,
    p: int,
    max_minutes: float,
    *,
    method: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact_max_pairs: int = EXACT_MAX_PAIRS,
) -> LocationResult:
    """Opens ``p`` candidate sites (``~fixed``) maximising the demand within ``max_minutes``.

    ``p`` counts new sites only; the existing sites (``fixed``) stay open. Fewer than ``p``
    candidates: all are opened.
    """
    started = time.perf_counter()
    demand, fixed = _check(demand, pairs, fixed)
    if p < 0:
        raise ValueError("p must be non-negative")
    instance = _Coverage.of(demand, pairs, fixed, max_minutes)
    columns, rows = instance.columns, instance.rows
    base = float(demand[instance.existing].sum())
    p = min(p, len(columns.candidates))
    parameters = {"p": p, "max_minutes": max_minutes, "time_limit": time_limit}
    chosen, solver, status, bound = _choose(
        method,
        len(columns.rows),
        exact_max_pairs,
        lambda: _mclp_exact(demand, columns, rows, p, time_limit),
        lambda: _mclp_greedy(demand, columns, instance.existing, p),
        lambda: _mclp_bound(demand, columns, rows, p, time_limit),
    )
    opened, added = _order_by_gain(columns.candidates[chosen], instance.gain_of)
    objective = base + float(added.sum())
    return LocationResult(
        MCLP,
        opened,
        added,
        objective,
        objective,
        float(demand[~instance.coverable].sum()),
        solver,
        _gap(objective, base + bound),
        base + bound,
        time.perf_counter() - started,
        status,
        parameters=parameters,
    )


def _mclp_model(demand, columns, rows, p):
    """max Σ w_i y_i, y_i ≤ Σ_{j reaches i} x_j, Σ x_j ≤ p; x binary, y in [0, 1]."""
    n_x, n_y = len(columns.candidates), len(rows)
    row_number = np.full(len(demand), -1, dtype=np.int64)
    row_number[rows] = np.arange(n_y)
    reach = _incidence(columns, row_number, n_y)
    cover = sparse.hstack([-reach, sparse.identity(n_y)], format="csr")
    count = sparse.csr_matrix(np.concatenate([np.ones(n_x), np.zeros(n_y)]))
    cost = np.concatenate([np.zeros(n_x), -demand[rows]])
    integral = np.concatenate([np.ones(n_x), np.zeros(n_y)])
    constraints = [LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, 0, p)]
    return cost, integral, np.ones(n_x + n_y), constraints


def _mclp_exact(demand, columns, rows, p, time_limit):
    if p == 0 or len(rows) == 0:
        return np.zeros(0, dtype=np.int64), "optimal", 0.0
    result = _solve(*_mclp_model(demand, columns, rows, p), time_limit)
    if result.x is None:
        return None, "time_limit", np.inf
    chosen = np.flatnonzero(result.x[: len(columns.candidates)] > 0.5)
    if result.status == 0:
        return chosen, "optimal", float(-result.fun)
    return chosen, "time_limit", float(-result.mip_dual_bound)


def _mclp_bound(demand, columns, rows, p, time_limit) -> float:
    if p == 0 or len(rows) == 0:
        return 0.0
    result = _solve(*_mclp_model(demand, columns, rows, p), time_limit, relax=True)
    return float(-result.fun) if result.status == 0 else np.inf


def _mclp_greedy(demand, columns, existing, p) -> np.ndarray:
    covered = existing.copy()

    def gain(column: int) -> float:
        reached = columns.rows[columns.of(column)]
        return float(demand[reached[~covered[reached]]].sum())

    def take(column: int) -> None:
        covered[columns.rows[columns.of(column)]] = True

    return _lazy_greedy(len(columns.candidates), p, gain, take)


def _lazy_greedy(n_columns: int, p: int, gain, take, done=None) -> np.ndarray:
    """Minoux's accelerated greedy: gains only decrease, so a stale gain at the top of the heap
    that stays on top once refreshed is the true best. Ties go to the lower column; it stops at
    ``p`` columns, when none adds anything, or once ``done()`` is true."""
    heap = [(-gain(column), column) for column in range(n_columns)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < p and not (done is not None and done()):
        stale, column = heapq.heappop(heap)
        fresh = gain(column)
        if heap and -fresh > heap[0][0] + 1e-12 * max(1.0, abs(fresh)):
            heapq.heappush(heap, (-fresh, column))
            continue
        if fresh <= 0:
            break  # the best gain is nothing: no column adds anything any more
        take(column)
        chosen.append(column)
    return np.array(sorted(chosen), dtype=np.int64)


# --- LSCP ------------------------------------------------------------------------------------


def lscp(
    demand: np.ndarray,
    pairs: Pairs,
    fixed: np.ndarray,
    max_minutes: float,
    *,
    method: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact_max_pairs: int = EXACT_MAX_PAIRS,
) -> LocationResult:
    """The fewest candidate sites covering, within ``max_minutes``, every demand point with
    people that some site (existing or candidate) can cover; ``uncoverable`` is the rest."""
    started = time.perf_counter()
    demand, fixed = _check(demand, pairs, fixed)
    instance = _Coverage.of(demand, pairs, fixed, max_minutes)
    chosen, solver, status, bound = _lscp_choice(
        demand, instance, method, time_limit, exact_max_pairs
    )
    opened, added = _order_by_gain(instance.columns.candidates[chosen], instance.gain_of)
    objective = float(len(opened))
    return LocationResult(
        LSCP,
        opened,
        added,
        objective,
        float(demand[instance.coverable].sum()),
        float(demand[~instance.coverable].sum()),
        solver,
        _gap(objective, bound),
        bound,
        time.perf_counter() - started,
        status,
        parameters={"max_minutes": max_minutes, "time_limit": time_limit},
    )


def _lscp_choice(demand, instance: _Coverage, method, time_limit, exact_max_pairs):
    """The LSCP's sites (``_choose``: exact, greedy or both, with the bound); the coverage goal
    opens them too where its goal is beyond reach."""
    columns, rows = instance.columns, instance.rows
    return _choose(
        method,
        len(columns.rows),
        exact_max_pairs,
        lambda: _lscp_exact(demand, columns, rows, time_limit),
        lambda: _lscp_greedy(demand, columns, instance.existing),
        lambda: _lscp_bound(demand, columns, rows, time_limit),
    )


def _lscp_model(demand, columns, rows):
    """min Σ x_j, Σ_{j reaches i} x_j ≥ 1 for every row; x binary."""
    row_number = np.full(len(demand), -1, dtype=np.int64)
    row_number[rows] = np.arange(len(rows))
    reach = _incidence(columns, row_number, len(rows))
    n_x = len(columns.candidates)
    return np.ones(n_x), np.ones(n_x), np.ones(n_x), [LinearConstraint(reach, 1.0, np.inf)]


def _lscp_exact(demand, columns, rows, time_limit):
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), "optimal", 0.0
    result = _solve(*_lscp_model(demand, columns, rows), time_limit)
    if result.x is None:
        return None, "time_limit", np.inf
    chosen = np.flatnonzero(result.x > 0.5)
    if result.status == 0:
        return chosen, "optimal", float(len(chosen))
    return chosen, "time_limit", float(np.ceil(result.mip_dual_bound - 1e-9))


def _lscp_bound(demand, columns, rows, time_limit) -> float:
    if len(rows) == 0:
        return 0.0
    result = _solve(*_lscp_model(demand, columns, rows), time_limit, relax=True)
    # The number of sites is an integer: the LP bound rounds up.
    return float(np.ceil(result.fun - 1e-9)) if result.status == 0 else np.inf


def _lscp_greedy(demand, columns, existing) -> np.ndarray:
    """Chvátal's greedy set cover: the site covering most uncovered points (with people)."""
    covered = existing | (demand <= 0)

    def gain(column: int) -> float:
        reached = columns.rows[columns.of(column)]
        return float(np.count_nonzero(~covered[reached]))

    def take(column: int) -> None:
        covered[columns.rows[columns.of(column)]] = True

    return _lazy_greedy(len(columns.candidates), len(columns.candidates), gain, take)


# --- coverage goal ---------------------------------------------------------------------------

#: A coverage short of ``goal × total demand`` by less than this share of the total demand
#: reaches the goal: floating-point sums, and HiGHS' feasibility tolerance (1e-7 on the scaled
#: row), must not turn a goal met into one more site. A millionth of AURA's 8 million people
#: is 8 people, far below what a planner's percentage means.
GOAL_TOLERANCE = 1e-6


def coverage_goal(
    demand: np.ndarray,
    pairs: Pairs,
    fixed: np.ndarray,
    goal: float,
    max_minutes: float,
    *,
    method: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact_max_pairs: int = EXACT_MAX_PAIRS,
) -> LocationResult:
    """The fewest candidate sites (``~fixed``) such that the demand within ``max_minutes`` of an
    open site, existing or new, reaches ``goal`` (a share, 0 < goal ≤ 1) of the whole demand.

    The partial set covering problem (Daskin & Owen 1999), existing sites fixed:

        min Σ x_j  s.t.  y_i ≤ Σ_{j reaches i} x_j  (i not covered by an existing site),
                         Σ w_i y_i ≥ goal · W − (demand the existing sites cover),
                         x binary, y ∈ [0, 1].

    ``y`` may be continuous: for any binary ``x``, the largest Σ w_i y_i allowed is exactly the
    demand ``x`` covers (y_i = 1 where a chosen site reaches i, else y_i ≤ 0), so an ``x`` is
    feasible with continuous ``y`` if and only if it is with binary ``y``; the optimum is the
    same, HiGHS has fewer integers to branch on. The answer's coverage is recomputed from the
    opened sites, never read from ``y``.

    The existing sites already reach the goal: nothing is opened. The goal is beyond what every
    candidate together reaches: ``goal_met`` is false, ``covered`` is the best reachable demand
    and the sites opened are an LSCP's, the fewest that reach it (a planner asking for 95 %
    where 93 % is possible learns both figures and gets the sites to reach 93 %). The greedy
    fallback opens the candidate adding the most uncovered demand until the goal is met; its
    gap is to the larger of the LP relaxation's bound (rounded up) and the count of largest
    single-site gains needed to add the missing demand.
    """
    started = time.perf_counter()
    demand, fixed = _check(demand, pairs, fixed)
    goal = float(goal)
    if not 0 < goal <= 1:  # refuses nan too
        raise ValueError("goal must be a share of the demand, 0 < goal <= 1")
    instance = _Coverage.of(demand, pairs, fixed, max_minutes)
    columns = instance.columns
    total = float(demand.sum())
    slack = GOAL_TOLERANCE * max(total, 1.0)
    required = goal * total
    base = float(demand[instance.existing].sum())
    reachable = float(demand[instance.coverable].sum())
    if reachable >= required - slack:
        scale = 1.0 / max(total, 1.0)
        chosen, solver, status, bound = _choose(
            method,
            len(columns.rows),
            exact_max_pairs,
            lambda: _goal_exact(demand, instance, required, slack, scale, time_limit),
            lambda: _goal_greedy(demand, columns, instance.existing, required, slack),
            lambda: _goal_bound(demand, instance, required, slack, scale, time_limit),
        )
    else:  # unreachable: the fewest sites reaching every coverable point, as an LSCP
        chosen, solver, status, bound = _lscp_choice(
            demand, instance, method, time_limit, exact_max_pairs
        )
    opened, added = _order_by_gain(columns.candidates[chosen], instance.gain_of)
    covered = base + float(added.sum())
    objective = float(len(opened))
    return LocationResult(
        GOAL,
        opened,
        added,
        objective,
        covered,
        float(demand[~instance.coverable].sum()),
        solver,
        _gap(objective, bound),
        bound,
        time.perf_counter() - started,
        status,
        parameters={
            "goal": goal,
            "required": required,
            "reachable": reachable,
            "max_minutes": max_minutes,
            "time_limit": time_limit,
        },
        goal_met=bool(covered >= required - slack),
    )


def _goal_model(demand, columns, rows, needed, slack, scale):
    """min Σ x_j; y_i ≤ Σ_{j reaches i} x_j; Σ w_i y_i ≥ needed (scaled by 1 / W, so that
    HiGHS' tolerances are shares of the demand); x binary, y in [0, 1]."""
    n_x, n_y = len(columns.candidates), len(rows)
    row_number = np.full(len(demand), -1, dtype=np.int64)
    row_number[rows] = np.arange(n_y)
    reach = _incidence(columns, row_number, n_y)
    cover = sparse.hstack([-reach, sparse.identity(n_y)], format="csr")
    share = sparse.csr_matrix(np.concatenate([np.zeros(n_x), demand[rows] * scale]))
    cost = np.concatenate([np.ones(n_x), np.zeros(n_y)])
    integral = np.concatenate([np.ones(n_x), np.zeros(n_y)])
    # Half the slack below the goal: HiGHS' 1e-7 on the scaled row stays within the other half.
    constraints = [
        LinearConstraint(cover, -np.inf, 0.0),
        LinearConstraint(share, (needed - slack / 2) * scale, np.inf),
    ]
    return cost, integral, np.ones(n_x + n_y), constraints


def _goal_counting_bound(demand, columns, needed, slack) -> float:
    """No k sites add more than the k largest single-site gains (coverage is subadditive): the
    fewest such gains summing to the missing demand is a lower bound on the count."""
    if needed <= slack:
        return 0.0
    counts = np.diff(columns.start)
    column = np.repeat(np.arange(len(columns.candidates)), counts)
    gains = np.bincount(column, weights=demand[columns.rows], minlength=len(columns.candidates))
    reached = np.cumsum(np.sort(gains)[::-1])
    return float(np.searchsorted(reached, needed - slack) + 1)


def _goal_exact(demand, instance, required, slack, scale, time_limit):
    columns, rows = instance.columns, instance.rows
    needed = required - float(demand[instance.existing].sum())
    if needed <= slack:
        return np.zeros(0, dtype=np.int64), "optimal", 0.0
    result = _solve(*_goal_model(demand, columns, rows, needed, slack, scale), time_limit)
    if result.x is None:
        return None, "time_limit", np.inf
    chosen = np.flatnonzero(result.x[: len(columns.candidates)] > 0.5)
    if result.status == 0:
        status, bound = "optimal", float(len(chosen))
    else:
        status = "time_limit"
        dual = float(result.mip_dual_bound)
        bound = _goal_counting_bound(demand, columns, needed, slack)
        if np.isfinite(dual):
            bound = max(bound, float(np.ceil(dual - 1e-9)))
    # The opened sites' own coverage decides; should rounding leave it short, the greedy
    # completes it (and the gap to the bound says so).
    return _goal_greedy(demand, columns, instance.existing, required, slack, chosen), status, bound


def _goal_bound(demand, instance, required, slack, scale, time_limit) -> float:
    columns, rows = instance.columns, instance.rows
    needed = required - float(demand[instance.existing].sum())
    if needed <= slack:
        return 0.0
    counting = _goal_counting_bound(demand, columns, needed, slack)
    model = _goal_model(demand, columns, rows, needed, slack, scale)
    result = _solve(*model, time_limit, relax=True)
    # The number of sites is an integer: the LP bound rounds up.
    relaxed = float(np.ceil(result.fun - 1e-9)) if result.status == 0 else 0.0
    return max(relaxed, counting)


def _goal_greedy(demand, columns, existing, required, slack, chosen=()) -> np.ndarray:
    """The candidate adding the most uncovered demand, until the covered demand reaches the
    goal (starting from the existing sites and ``chosen``)."""
    covered = existing.copy()
    for column in chosen:
        covered[columns.rows[columns.of(int(column))]] = True
    reached = [float(demand[covered].sum())]

    def gain(column: int) -> float:
        rows = columns.rows[columns.of(column)]
        return float(demand[rows[~covered[rows]]].sum())

    def take(column: int) -> None:
        rows = columns.rows[columns.of(column)]
        new = rows[~covered[rows]]
        reached[0] += float(demand[new].sum())
        covered[new] = True

    def done() -> bool:
        return reached[0] >= required - slack

    chosen = np.asarray(chosen, dtype=np.int64)
    if done():
        return chosen
    n = len(columns.candidates)
    return np.union1d(chosen, _lazy_greedy(n, n, gain, take, done)).astype(np.int64)


# --- p-median --------------------------------------------------------------------------------


def pmedian(
    demand: np.ndarray,
    pairs: Pairs,
    fixed: np.ndarray,
    p: int,
    *,
    unserved_minutes: float | None = None,
    method: str = "auto",
    time_limit: float = DEFAULT_TIME_LIMIT,
    exact_max_pairs: int = EXACT_MAX_PAIRS,
) -> LocationResult:
    """Opens ``p`` candidate sites minimising Σ demand × minutes to the nearest open site.

    ``objective`` is that sum over the demand an open site reaches, ``mean_minutes`` its mean;
    ``added`` the reduction each new site brings (population × minutes).
    """
    started = time.perf_counter()
    demand, fixed = _check(demand, pairs, fixed)
    if p < 0:
        raise ValueError("p must be non-negative")
    n = len(demand)
    longest = float(pairs.minutes.max()) if len(pairs) else 0.0
    penalty = longest + 1.0 if unserved_minutes is None else float(unserved_minutes)
    nearest_fixed = np.full(n, np.inf)
    on_fixed = fixed[pairs.destination]
    np.minimum.at(nearest_fixed, pairs.origin[on_fixed], pairs.minutes[on_fixed])
    # A candidate farther than the nearest existing site is never the nearest open one.
    columns = _candidate_columns(pairs, fixed, pairs.minutes < nearest_fixed[pairs.origin])
    reachable = np.isfinite(nearest_fixed)
    reachable[columns.rows] = True
    rows = np.flatnonzero(reachable & (demand > 0))
    fallback = np.where(np.isfinite(nearest_fixed), nearest_fixed, penalty)
    p = min(p, len(columns.candidates))

    def gain_of(site: int, state):
        current = demand * fallback if state is None else state
        column = int(np.searchsorted(columns.candidates, site))
        span = columns.of(column)
        reached, minutes = columns.rows[span], columns.minutes[span]
        better = np.minimum(current[reached], demand[reached] * minutes)
        current = current.copy()
        gain = float((current[reached] - better).sum())
        current[reached] = better
        return gain, current

    chosen, solver, status, bound = _choose(
        method,
        len(columns.rows),
        exact_max_pairs,
        lambda: _pmedian_exact(demand, columns, rows, fallback, p, time_limit),
        lambda: _pmedian_greedy(demand, columns, fallback, p),
        lambda: _pmedian_bound(demand, columns, rows, fallback, p, time_limit),
    )
    opened, added = _order_by_gain(columns.candidates[chosen], gain_of)
    minutes = _minutes_to_open(n, pairs, fixed, opened)
    served = np.isfinite(minutes) & (demand > 0)
    objective = float((demand[served] * minutes[served]).sum())
    covered = float(demand[served].sum())
    model_objective = float((demand[rows] * fallback[rows]).sum() - added.sum())
    return LocationResult(
        PMEDIAN,
        opened,
        added,
        objective,
        covered,
        float(demand[~reachable].sum()),
        solver,
        _gap(model_objective, bound),
        bound,
        time.perf_counter() - started,
        status,
        mean_minutes=objective / covered if covered else float("nan"),
        parameters={"p": p, "unserved_minutes": penalty, "time_limit": time_limit},
    )


def _minutes_to_open(n: int, pairs: Pairs, fixed: np.ndarray, opened: np.ndarray) -> np.ndarray:
    is_open = fixed.copy()
    is_open[opened] = True
    minutes = np.full(n, np.inf)
    on_open = is_open[pairs.destination]
    np.minimum.at(minutes, pairs.origin[on_open], pairs.minutes[on_open])
    return minutes


def _pmedian_model(demand, columns, rows, fallback, p):
    """min Σ w_i d_ij z_ij + Σ w_i f_i u_i; Σ_j z_ij + u_i = 1, z_ij ≤ x_j, Σ x_j ≤ p, where
    u_i assigns i to its nearest existing site (or leaves it unserved at the penalty)."""
    n_x, n_rows = len(columns.candidates), len(rows)
    row_number = np.full(len(demand), -1, dtype=np.int64)
    row_number[rows] = np.arange(n_rows)
    pair_row = row_number[columns.rows]
    kept = pair_row >= 0
    pair_row = pair_row[kept]
    pair_column = np.repeat(np.arange(n_x), np.diff(columns.start))[kept]
    n_z = len(pair_row)
    z = np.arange(n_z)
    assign = sparse.hstack(
        [
            sparse.csr_matrix((n_rows, n_x)),
            sparse.csr_matrix((np.ones(n_z), (pair_row, z)), shape=(n_rows, n_z)),
            sparse.identity(n_rows, format="csr"),
        ],
        format="csr",
    )
    open_only = sparse.hstack(
        [
            sparse.csr_matrix((-np.ones(n_z), (z, pair_column)), shape=(n_z, n_x)),
            sparse.identity(n_z, format="csr"),
            sparse.csr_matrix((n_z, n_rows)),
        ],
        format="csr",
    )
    count = sparse.csr_matrix(np.concatenate([np.ones(n_x), np.zeros(n_z + n_rows)]))
    weight = demand[rows]
    cost = np.concatenate(
        [np.zeros(n_x), demand[columns.rows[kept]] * columns.minutes[kept], weight * fallback[rows]]
    )
    integral = np.concatenate([np.ones(n_x), np.zeros(n_z + n_rows)])
    constraints = [
        LinearConstraint(assign, 1.0, 1.0),
        LinearConstraint(open_only, -np.inf, 0.0),
        LinearConstraint(count, 0, p),
    ]
    return cost, integral, np.ones(len(cost)), constraints


def _pmedian_exact(demand, columns, rows, fallback, p, time_limit):
    if p == 0 or len(rows) == 0:
        return np.zeros(0, dtype=np.int64), "optimal", float((demand[rows] * fallback[rows]).sum())
    result = _solve(*_pmedian_model(demand, columns, rows, fallback, p), time_limit)
    if result.x is None:
        return None, "time_limit", np.inf
    chosen = np.flatnonzero(result.x[: len(columns.candidates)] > 0.5)
    if result.status == 0:
        return chosen, "optimal", float(result.fun)
    return chosen, "time_limit", float(result.mip_dual_bound)


def _pmedian_bound(demand, columns, rows, fallback, p, time_limit) -> float:
    if p == 0 or len(rows) == 0:
        return float((demand[rows] * fallback[rows]).sum())
    model = _pmedian_model(demand, columns, rows, fallback, p)
    result = _solve(*model, time_limit, relax=True)
    return float(result.fun) if result.status == 0 else -np.inf


def _pmedian_greedy(demand, columns, fallback, p) -> np.ndarray:
    current = demand * fallback

    def gain(column: int) -> float:
        span = columns.of(column)
        reached = columns.rows[span]
        return float(
            np.maximum(current[reached] - demand[reached] * columns.minutes[span], 0).sum()
        )

    def take(column: int) -> None:
        span = columns.of(column)
        reached = columns.rows[span]
        np.minimum.at(current, reached, demand[reached] * columns.minutes[span])

    return _lazy_greedy(len(columns.candidates), p, gain, take)


# --- drop-one --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DropOne:
    """What closing each site alone would do (arrays over the sites).

    ``population_beyond``: demand within ``target_minutes`` today that would be beyond it while
    still reaching a site; ``population_losing_reach``: demand that would reach no site at all,
    counted apart (and so left out of the mean, as a recompute leaves it out); ``communes_*``
    the same as counts of demand points; ``mean_minutes_after``: the demand-weighted mean time
    over the demand that still reaches a site, to compare with ``mean_minutes_before``.
    """

    target_minutes: float
    population_beyond: np.ndarray
    population_losing_reach: np.ndarray
    communes_beyond: np.ndarray
    communes_losing_reach: np.ndarray
    mean_minutes_before: float
    mean_minutes_after: np.ndarray

    @property
    def mean_minutes_change(self) -> np.ndarray:
        return self.mean_minutes_after - self.mean_minutes_before

    def ranking(self) -> np.ndarray:
        """Sites most harmful first: demand losing the target or all reach, then the change of
        the mean time, then the site index (a stable order for ties)."""
        harm = self.population_beyond + self.population_losing_reach
        change = np.nan_to_num(self.mean_minutes_change, nan=np.inf)
        return np.lexsort((np.arange(len(harm)), -change, -harm))


def drop_one(
    minutes: np.ndarray, index: np.ndarray, demand: np.ndarray, n_sites: int, target_minutes: float
) -> DropOne:
    """The drop-one ranking from the two nearest sites of each demand point.

    ``minutes``/``index``: shaped (n, k ≥ 1) and sorted by time, as ``provider.nearest`` gives
    them (``NO_DESTINATION`` where fewer sites are reachable); only the first two columns are
    read, since closing one site moves a point at most to its second nearest.
    """
    minutes = np.asarray(minutes, dtype=np.float64)
    index = np.asarray(index, dtype=np.int64)
    demand = np.asarray(demand, dtype=np.float64)
    if minutes.ndim != 2 or minutes.shape != index.shape or minutes.shape[0] != len(demand):
        raise ValueError("minutes and index must be (n, k) arrays with one row per demand point")
    first = index[:, 0]
    first_minutes = minutes[:, 0]
    if minutes.shape[1] > 1:
        second_minutes = np.where(index[:, 1] == NO_DESTINATION, np.inf, minutes[:, 1])
    else:
        second_minutes = np.full(len(demand), np.inf)
    reached = first != NO_DESTINATION
    loses = reached & ~np.isfinite(second_minutes)
    crosses = reached & ~loses & (first_minutes <= target_minutes)
    crosses &= second_minutes > target_minutes
    site = np.where(reached, first, 0)

    def per_site(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(site[mask], weights=values[mask], minlength=n_sites)[:n_sites]

    total_time = float((demand[reached] * first_minutes[reached]).sum())
    total_demand = float(demand[reached].sum())
    moving = reached & ~loses
    time_after = total_time + per_site(demand * (second_minutes - first_minutes), moving)
    time_after -= per_site(demand * first_minutes, loses)
    demand_after = total_demand - per_site(demand, loses)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_after = np.where(demand_after > 0, time_after / demand_after, np.nan)
    ones = np.ones(len(demand))
    return DropOne(
        float(target_minutes),
        per_site(demand, crosses),
        per_site(demand, loses),
        per_site(ones, crosses).astype(np.int64),
        per_site(ones, loses).astype(np.int64),
        total_time / total_demand if total_demand else float("nan"),
        mean_after,
    )
