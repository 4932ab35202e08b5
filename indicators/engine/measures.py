"""The coverage measures: nearest access, population beyond a target, density, 2SFCA, compliance.

Pure numpy/scipy on arrays (docs/indicators.md): no Django import, no ORM, and no Python loop over
origin × destination pairs. Travel times come from a ``TravelTimeProvider`` (crow-fly, road or
an imported matrix), which answers with k-nearest arrays or sparse ``Pairs``; everything else
here is vectorised arithmetic, ``np.bincount`` group sums and sparse matrix products.

Indices, not ids: units are rows ``0..n-1`` and facilities ``0..m-1`` of the ``Places`` the
caller passed; groups (zones, départements) are integer codes ``0..n_groups-1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from .travel import NO_DESTINATION, UNREACHABLE, Pairs, Places, TravelTimeProvider

__all__ = [
    "APL_BANDS",
    "BeyondTarget",
    "GaussianWeights",
    "NearestAccess",
    "StepWeights",
    "TwoStepFCA",
    "WeightFunction",
    "beyond_target",
    "compliance",
    "density_per_10k",
    "group_sum",
    "nearest_access",
    "two_step_fca",
]


# --- nearest access -------------------------------------------------------------------------


@dataclass(frozen=True)
class NearestAccess:
    """The k fastest facilities of each unit, sorted by time.

    ``minutes`` (n, k) float64 and ``facility`` (n, k) int64 (indices into the facilities).
    ``UNREACHABLE`` (inf) / ``NO_DESTINATION`` (-1) fill the places of facilities that cannot
    be reached. After an incremental what-if (``indicators.engine.whatif``) a place may also be
    NaN / ``NO_DESTINATION``: not known without a new provider call; the first column is always
    known.
    """

    minutes: np.ndarray
    facility: np.ndarray

    @property
    def first_minutes(self) -> np.ndarray:
        """T_i = min_j t_ij (docs/indicators.md, "nearest access"); inf where no facility is
        reachable."""
        return self.minutes[:, 0]

    @property
    def first_facility(self) -> np.ndarray:
        return self.facility[:, 0]

    @property
    def k(self) -> int:
        return self.minutes.shape[1]


def nearest_access(
    provider: TravelTimeProvider, units: Places, facilities: Places, k: int = 3
) -> NearestAccess:
    """Nearest access T_i = min_j t_ij, with the k fastest facilities kept (docs/indicators.md).

    The 2nd and 3rd nearest are kept so that closing a facility (a what-if) shifts a unit to its
    next facility without a new provider call.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    n = len(units)
    if len(facilities) == 0:
        return NearestAccess(
            np.full((n, k), UNREACHABLE), np.full((n, k), NO_DESTINATION, dtype=np.int64)
        )
    minutes, index = provider.nearest(units, facilities, k)
    minutes = np.asarray(minutes, dtype=np.float64).reshape(n, k)
    index = np.asarray(index, dtype=np.int64).reshape(n, k)
    return NearestAccess(minutes, index)


# --- aggregates per zone --------------------------------------------------------------------


def group_sum(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Σ of ``values`` per group code (0..n_groups-1), float64, zero for an empty group."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    return np.bincount(groups, weights=values, minlength=n_groups)[:n_groups]


@dataclass(frozen=True)
class BeyondTarget:
    """Per-group population, mean time and population beyond a target time (arrays of n_groups)."""

    population: np.ndarray
    mean_minutes: np.ndarray
    population_beyond: np.ndarray
    share_beyond: np.ndarray


def beyond_target(
    minutes: np.ndarray,
    population: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    target_minutes: float | np.ndarray,
) -> BeyondTarget:
    """Population beyond a target time per zone (docs/indicators.md "nearest access", aggregated).

    - ``mean_minutes`` = Σ P_i T_i / Σ P_i over the reachable units of the group (T_i finite):
      the population-weighted mean time; NaN for a group with no reachable population.
    - ``population_beyond`` = Σ P_i over units with T_i > target (strictly: a unit exactly at
      30 min meets a 30 min target); an unreachable unit (T_i = inf) counts as beyond.
    - ``share_beyond`` = population_beyond / population, 0..1; NaN for a group of no population.

    ``target_minutes`` is one target for every group or an array of one target per group.
    """
    minutes = np.asarray(minutes, dtype=np.float64)
    population = np.asarray(population, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    target = np.asarray(target_minutes, dtype=np.float64)
    unit_target = target[groups] if target.ndim else target

    reachable = np.isfinite(minutes)
    reachable_population = np.where(reachable, population, 0.0)
    timed = np.where(reachable, minutes * population, 0.0)
    beyond = np.where(~(minutes <= unit_target), population, 0.0)

    total = group_sum(population, groups, n_groups)
    weight = group_sum(reachable_population, groups, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(weight > 0, group_sum(timed, groups, n_groups) / weight, np.nan)
        population_beyond = group_sum(beyond, groups, n_groups)
        share = np.where(total > 0, population_beyond / total, np.nan)
    return BeyondTarget(total, mean, population_beyond, share)


def density_per_10k(
    capacity: np.ndarray,
    facility_groups: np.ndarray,
    population: np.ndarray,
    unit_groups: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Density = Σ S_j in zone / Σ P_i in zone × 10,000 (docs/indicators.md); NaN where no
    population.

    S_j is a count (capacity 1), beds or practitioners' FTE, as the caller passes.
    """
    supply = group_sum(capacity, facility_groups, n_groups)
    people = group_sum(population, unit_groups, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(people > 0, supply / people * 10_000.0, np.nan)


# --- weight functions (distance decay) ------------------------------------------------------


class WeightFunction(Protocol):
    """Maps travel minutes to a weight in [0, 1]; zero beyond ``max_minutes``."""

    max_minutes: float

    def __call__(self, minutes: np.ndarray) -> np.ndarray: ...

    def parameters(self) -> dict[str, Any]: ...


#: DREES's APL bands (accessibilité potentielle localisée, médecins généralistes): full weight up
#: to 10 minutes, 2/3 up to 15, 1/3 up to 20, nothing beyond; upper bounds inclusive.
APL_BANDS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (15.0, 2.0 / 3.0), (20.0, 1.0 / 3.0))


@dataclass(frozen=True)
class StepWeights:
    """Step decay w(t) by bands ``(upper bound in minutes, weight)``, upper bounds inclusive.

    Follows the APL of the DREES (bands of ``APL_BANDS`` by default), and PySAL
    ``access.weights.step_fn`` (``t <= bound``); w(t) = 0 beyond the last bound, or for a NaN.
    """

    bands: tuple[tuple[float, float], ...] = APL_BANDS
    _bounds: np.ndarray = field(init=False, repr=False, compare=False)
    _weights: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bands = tuple((float(bound), float(weight)) for bound, weight in self.bands)
        if not bands:
            raise ValueError("at least one band is needed")
        bounds = np.array([bound for bound, _w in bands])
        weights = np.array([weight for _b, weight in bands])
        if not np.all(np.isfinite(bounds)) or np.any(bounds < 0):
            raise ValueError("band bounds must be finite, non-negative minutes")
        if np.any(np.diff(bounds) <= 0):
            raise ValueError("band bounds must be strictly increasing")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("band weights must be finite and non-negative")
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "_bounds", bounds)
        object.__setattr__(self, "_weights", np.append(weights, 0.0))

    @classmethod
    def parse(cls, text: str) -> StepWeights:
        """``"10:1,15:0.6667,20:0.3333"`` → bands; raises ValueError naming the bad band."""
        bands = []
        for part in text.split(","):
            bound, sep, weight = part.strip().partition(":")
            try:
                if not sep:
                    raise ValueError
                bands.append((float(bound), float(weight)))
            except ValueError:
                raise ValueError(
                    f"band {part.strip()!r} is not 'minutes:weight' (e.g. 10:1,15:0.6667,20:0.3333)"
                ) from None
        return cls(tuple(bands))

    @property
    def max_minutes(self) -> float:
        return self.bands[-1][0]

    def __call__(self, minutes: np.ndarray) -> np.ndarray:
        minutes = np.asarray(minutes, dtype=np.float64)
        band = np.searchsorted(self._bounds, minutes, side="left")  # first bound >= t
        band = np.where(np.isnan(minutes), len(self._bounds), band)
        return self._weights[band]

    def parameters(self) -> dict[str, Any]:
        return {"kind": "step", "bands": [list(band) for band in self.bands]}


@dataclass(frozen=True)
class GaussianWeights:
    """Gaussian decay w(t) = exp(-t² / 2σ²) for t <= max_minutes, 0 beyond.

    The unnormalised kernel of PySAL ``access.weights.gaussian(sigma)`` (w(0) = 1), cut at the
    catchment radius as in Dai's Gaussian 2SFCA; σ defaults to max_minutes / 2, so the weight at
    the cut-off is e^-2 ≈ 0.135.
    """

    max_minutes: float
    sigma: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_minutes) and self.max_minutes > 0):
            raise ValueError("max_minutes must be a positive number")
        sigma = self.max_minutes / 2.0 if self.sigma is None else float(self.sigma)
        if not (math.isfinite(sigma) and sigma > 0):
            raise ValueError("sigma must be a positive number")
        object.__setattr__(self, "sigma", sigma)

    def __call__(self, minutes: np.ndarray) -> np.ndarray:
        minutes = np.asarray(minutes, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            inside = minutes <= self.max_minutes
        return np.where(inside, np.exp(-(minutes * minutes) / (2.0 * self.sigma**2)), 0.0)

    def parameters(self) -> dict[str, Any]:
        return {"kind": "gaussian", "max_minutes": self.max_minutes, "sigma": self.sigma}


# --- 2SFCA ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoStepFCA:
    """``access`` A_i per unit (supply per inhabitant) and ``ratio`` R_j per facility."""

    access: np.ndarray
    ratio: np.ndarray


def weight_matrix(pairs: Pairs, weight: WeightFunction, n_units: int, n_facilities: int):
    """W = [w(t_ij)] as a CSR (n_units × n_facilities) array; pairs of weight 0 drop out.

    Dropping them is right for 2SFCA: a pair of weight 0 adds nothing to either step.
    """
    w = np.asarray(weight(pairs.minutes), dtype=np.float64)
    keep = w > 0
    return sparse.csr_array(
        (w[keep], (np.asarray(pairs.origin)[keep], np.asarray(pairs.destination)[keep])),
        shape=(n_units, n_facilities),
    )


def two_step_fca(
    pairs: Pairs, population: np.ndarray, capacity: np.ndarray, weight: WeightFunction
) -> TwoStepFCA:
    """Two-step floating catchment area with distance decay (docs/indicators.md; the DREES's APL).

    Step 1, per facility: R_j = S_j / Σ_i w(t_ij) P_i — supply over the weighted population of
    its catchment; R_j = 0 when its catchment holds no population.
    Step 2, per unit: A_i = Σ_j w(t_ij) R_j.
    This is Luo & Qi's enhanced 2SFCA as PySAL ``access.Access.two_stage_fca`` computes it
    (with APL step weights, the APL of the DREES before its per-age demand weighting).
    ``pairs`` are the unit–facility pairs within the cut-off (``provider.within``), in any
    order: both steps are weighted sums over the pairs (``np.bincount``), which need neither a
    sort nor a sparse matrix (``WhatIf`` keeps one, to update columns).
    """
    population = np.asarray(population, dtype=np.float64)
    capacity = np.asarray(capacity, dtype=np.float64)
    origin = np.asarray(pairs.origin, dtype=np.int64)
    destination = np.asarray(pairs.destination, dtype=np.int64)
    w = np.asarray(weight(pairs.minutes), dtype=np.float64)
    n, m = len(population), len(capacity)
    demand = np.bincount(destination, weights=w * population[origin], minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(demand > 0, capacity / demand, 0.0)
    access = np.bincount(origin, weights=w * ratio[destination], minlength=n)
    return TwoStepFCA(access=access, ratio=ratio)


def ratios(w, population: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Step 1 of 2SFCA on a weight matrix: R_j = S_j / Σ_i w_ij P_i, 0 for an empty catchment."""
    demand = w.T @ population
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(demand > 0, capacity / demand, 0.0)


# --- target compliance (OQOS) ---------------------------------------------------------------

BELOW, WITHIN, ABOVE = "below", "within", "above"


def compliance(
    count: np.ndarray | Sequence[float],
    minimum: np.ndarray | Sequence[float] | float,
    maximum: np.ndarray | Sequence[float] | float,
) -> np.ndarray:
    """Implantations per zone against the OQOS target (objectifs quantitatifs de l'offre de soins).

    "below" when count < minimum, "above" when count > maximum, else "within" (bounds
    inclusive); a NaN bound means no bound on that side.
    """
    count = np.asarray(count, dtype=np.float64)
    minimum = np.asarray(minimum, dtype=np.float64)
    maximum = np.asarray(maximum, dtype=np.float64)
    return np.where(count < minimum, BELOW, np.where(count > maximum, ABOVE, WITHIN))
