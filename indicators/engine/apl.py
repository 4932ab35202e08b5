"""The APL (accessibilité potentielle localisée) of the DREES, on arrays.

The method (Barlet, Coldefy, Collin, Lucas-Gabrielli, DREES Études et résultats n° 795, March
2012, and Document de travail série Études et recherche n° 124, December 2012; parameters as
revised in 2015 and listed on https://drees.solidarites-sante.gouv.fr/sources-outils-et-enquetes/
lindicateur-daccessibilite-potentielle-localisee-apl, "Paru le 20/08/2020") is a two-step
floating catchment area where:

- **supply** S_j is the activity of the practitioners of practice site j (their ETP, or their
  consultations and visits), not a head count;
- **demand** D_i is commune i's population *standardised by age*: Σ_a c_a P_ia with c_a the
  relative consumption of general-practice care of age band a (1 = the national mean);
- **step 1 sums demand over every commune in reach whatever its region**: the caller passes
  every loaded commune within reach of the facilities its own communes reach (``catchment``),
  so a region's APL does not depend on where the run stops;
- the decay is the step function of ``measures.APL_BANDS`` (1 up to 10 min, 2/3 up to 15, 1/3
  up to 20, 0 beyond).

APL_i = Σ_j w(t_ij) · S_j / Σ_k w(t_kj) D_k, in the unit of S_j per standardised inhabitant.

Everything here is generic sparse algebra over ``measures.weight_matrix`` / ``measures.ratios``
(no Django, no loop over pairs). Which inputs were missing is carried as boolean flags per unit,
never as zeros: a commune whose catchment holds a commune of unknown population, or a site
of unknown activity, is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .measures import APL_BANDS, StepWeights, WeightFunction, ratios, weight_matrix
from .travel import Pairs, Places, TravelTimeProvider

__all__ = [
    "APL_WEIGHTS",
    "AgeWeights",
    "Apl",
    "apl",
    "apl_in_scope",
    "reaches",
    "site_supply",
    "standardised_demand",
]

#: The decay of the APL method in force (see module docstring).
APL_WEIGHTS = StepWeights(APL_BANDS)


@dataclass(frozen=True)
class AgeWeights:
    """Relative consumption of general-practice care per age band (1 = national mean).

    ``bands[b]`` is (label, weight); the caller gives the population counts of each commune in
    the same band order. ``source`` says where the numbers come from and is recorded with every
    figure built on them.
    """

    bands: tuple[tuple[str, float], ...]
    source: str

    def __post_init__(self) -> None:
        if not self.bands:
            raise ValueError("at least one age band is needed")
        weights = np.array([w for _label, w in self.bands], dtype=np.float64)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("age weights must be finite and non-negative")
        if not self.source.strip():
            raise ValueError("age weights must name their source")

    @property
    def labels(self) -> list[str]:
        return [label for label, _w in self.bands]

    @property
    def weights(self) -> np.ndarray:
        return np.array([w for _label, w in self.bands], dtype=np.float64)


def standardised_demand(
    population: np.ndarray, band_counts: np.ndarray | None, weights: AgeWeights | None
) -> tuple[np.ndarray, np.ndarray]:
    """(D_i, ages_known_i): the age-standardised population of each unit.

    D_i = Σ_a c_a P_ia where the unit's counts by age are known (a row of ``band_counts`` with
    no NaN) and weights are given; elsewhere D_i = P_i, the total population, and
    ``ages_known`` is False so that the figure can say so. A NaN population stays NaN
    (unknown, not zero).
    """
    population = np.asarray(population, dtype=np.float64)
    known = np.zeros(len(population), dtype=bool)
    demand = population.copy()
    if band_counts is None or weights is None:
        return demand, known
    counts = np.asarray(band_counts, dtype=np.float64).reshape(len(population), -1)
    if counts.shape[1] != len(weights.bands):
        raise ValueError(
            f"{counts.shape[1]} age bands given for {len(weights.bands)} weights "
            f"({', '.join(weights.labels)})"
        )
    known = ~np.isnan(counts).any(axis=1)
    standardised = np.where(known[:, None], counts, 0.0) @ weights.weights
    return np.where(known, standardised, demand), known


def site_supply(
    activity_etp: np.ndarray, site: np.ndarray, n_sites: int
) -> tuple[np.ndarray, np.ndarray]:
    """(S_j, estimated_j): the ETP of each practice site from its practitioners' activities.

    ``activity_etp[p]`` is practitioner-activity p's ETP, NaN when the file gives none; such a
    practitioner counts 1 ETP and its site is ``estimated`` ("estimation : activité non
    connue").
    """
    activity = np.asarray(activity_etp, dtype=np.float64)
    site = np.asarray(site, dtype=np.int64)
    unknown = np.isnan(activity)
    supply = np.bincount(site, weights=np.where(unknown, 1.0, activity), minlength=n_sites)
    estimated = np.bincount(site, weights=unknown.astype(np.float64), minlength=n_sites) > 0
    return supply[:n_sites], estimated[:n_sites]


def reaches(w, facility_flag: np.ndarray) -> np.ndarray:
    """Per unit: does it reach (w > 0) at least one flagged facility? (a sparse product)"""
    flag = np.asarray(facility_flag, dtype=np.float64)
    return (w @ flag) > 0


@dataclass(frozen=True)
class Apl:
    """The APL per unit and what it rests on.

    - ``value``: APL_i in the unit of the supply per standardised inhabitant; NaN where the
      unit's own demand is unknown;
    - ``ratio``: R_j per facility (supply per standardised inhabitant of its catchment);
    - ``incomplete``: the unit reaches a facility whose catchment holds a unit of unknown
      demand or crosses into territory not loaded ("bassin incomplet");
    - ``estimated_supply``: the unit reaches a facility whose activity was estimated;
    - ``ages_known``: the unit's own demand was standardised by age.
    """

    value: np.ndarray
    ratio: np.ndarray
    incomplete: np.ndarray
    estimated_supply: np.ndarray
    ages_known: np.ndarray


def apl(
    pairs: Pairs,
    demand: np.ndarray,
    supply: np.ndarray,
    *,
    weight: WeightFunction = APL_WEIGHTS,
    ages_known: np.ndarray | None = None,
    estimated_supply: np.ndarray | Sequence[bool] | None = None,
    facility_outside_loaded: np.ndarray | Sequence[bool] | None = None,
) -> Apl:
    """The APL of every unit of ``pairs`` (all units within reach of the facilities).

    ``demand`` D_i (``standardised_demand``; NaN = unknown), ``supply`` S_j per facility
    (``site_supply``, or consultations). ``facility_outside_loaded[j]``: the caller knows that
    j's catchment reaches territory whose communes are not loaded. A unit of unknown demand
    adds nothing to step 1 but makes every facility it reaches incomplete.
    """
    demand = np.asarray(demand, dtype=np.float64)
    supply = np.asarray(supply, dtype=np.float64)
    n, m = len(demand), len(supply)
    w = weight_matrix(pairs, weight, n, m)
    unknown = np.isnan(demand)
    ratio = ratios(w, np.where(unknown, 0.0, demand), supply)
    incomplete_facility = (w.T @ unknown.astype(np.float64)) > 0
    if facility_outside_loaded is not None:
        incomplete_facility |= np.asarray(facility_outside_loaded, dtype=bool)
    estimated = (
        np.zeros(m, dtype=bool)
        if estimated_supply is None
        else np.asarray(estimated_supply, dtype=bool)
    )
    value = np.where(unknown, np.nan, w @ ratio)
    return Apl(
        value=value,
        ratio=ratio,
        incomplete=reaches(w, incomplete_facility),
        estimated_supply=reaches(w, estimated),
        ages_known=np.zeros(n, dtype=bool) if ages_known is None else np.asarray(ages_known),
    )


def apl_in_scope(
    provider: TravelTimeProvider,
    units: Places,
    scope: np.ndarray,
    facilities: Places,
    demand: np.ndarray,
    supply: np.ndarray,
    *,
    weight: WeightFunction = APL_WEIGHTS,
    ages_known: np.ndarray | None = None,
    estimated_supply: np.ndarray | None = None,
    facility_outside_loaded: np.ndarray | None = None,
) -> Apl:
    """The APL of the units ``scope`` (indices into ``units``), border-correct.

    ``units`` are every loaded unit (all regions); step 1 of each facility that a scope unit
    reaches sums the demand of every unit within its reach, in scope or not, so that the result
    equals the national computation on those units exactly. Two ``within`` calls: scope →
    facilities (which facilities matter), then all units → those facilities (their full
    catchments). The arrays of the result are aligned with ``scope``.
    """
    scope = np.asarray(scope, dtype=np.int64)
    demand = np.asarray(demand, dtype=np.float64)
    supply = np.asarray(supply, dtype=np.float64)
    reach = weight.max_minutes
    if len(scope) == len(units) and np.array_equal(scope, np.arange(len(units))):
        # Every unit in scope (all of France): the first call's pairs are the catchments.
        second = provider.within(units, facilities, reach)
        used = np.unique(np.asarray(second.destination, dtype=np.int64))
        second = Pairs(
            second.origin,
            np.searchsorted(used, np.asarray(second.destination, dtype=np.int64)),
            second.minutes,
        )
    else:
        first = provider.within(units.subset(scope), facilities, reach)
        used = np.unique(np.asarray(first.destination, dtype=np.int64))
        second = provider.within(units, facilities.subset(used), reach)
    origin = np.asarray(second.origin, dtype=np.int64)
    rows = np.union1d(np.unique(origin), scope)  # sorted: searchsorted maps back
    pairs = Pairs(np.searchsorted(rows, origin), np.asarray(second.destination), second.minutes)

    def pick(flags: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
        return None if flags is None else np.asarray(flags)[index]

    result = apl(
        pairs,
        demand[rows],
        supply[used],
        weight=weight,
        ages_known=pick(ages_known, rows),
        estimated_supply=pick(estimated_supply, used),
        facility_outside_loaded=pick(facility_outside_loaded, used),
    )
    at = np.searchsorted(rows, scope)
    return Apl(
        value=result.value[at],
        ratio=result.ratio,
        incomplete=result.incomplete[at],
        estimated_supply=result.estimated_supply[at],
        ages_known=result.ages_known[at],
    )
