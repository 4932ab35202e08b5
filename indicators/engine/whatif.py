"""Incremental what-if: close or open one facility and update only the units it touches.

A planner asks "what if this maternity closes?" and expects an answer while the map is open.
A full recompute calls the travel-time provider for every unit (a road Dijkstra over the whole
graph); instead ``WhatIf.build`` computes once the k nearest facilities of each unit and the
2SFCA weight matrix, then:

- **close(j)**: units whose k nearest contain j shift to their next facility; only units whose
  k nearest are all closed go back to the provider (for those units only). In 2SFCA, R_j depends
  on column j alone, so closing j removes its term w_ij·R_j from the A_i of its catchment and
  leaves every other R unchanged.
- **open(facility, capacity)**: one provider call for the new column (its time from every unit
  and its catchment pairs), merged into the k nearest; its R is computed from its own column and
  w_i,new·R_new added to the A_i of its catchment.

Each call returns a ``WhatIfResult`` whose ``whatif`` is the new state, so scenarios compose
(``w.close(3).whatif.open(site).access``); the original state is never modified.

After closures a unit may know fewer than k facilities (its next one was not computed): those
places are NaN / ``NO_DESTINATION`` in ``nearest.minutes``/``facility``. Known places, and
always the first column, equal a full recompute on the same open facilities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from .measures import (
    NearestAccess,
    WeightFunction,
    nearest_access,
    ratios,
    weight_matrix,
)
from .travel import NO_DESTINATION, UNREACHABLE, Places, TravelTimeProvider

UNKNOWN = np.nan  # minutes of a place of the k nearest not computed since closures


@dataclass(frozen=True)
class WhatIfResult:
    """Nearest access and 2SFCA access after one change, the units it touched, the new state."""

    nearest: NearestAccess
    access: np.ndarray
    changed_units: np.ndarray
    whatif: WhatIf | None = None


@dataclass(frozen=True)
class WhatIf:
    """A scenario state: facilities (closed ones keep their index), k nearest, 2SFCA terms."""

    provider: TravelTimeProvider
    units: Places
    facilities: Places
    population: np.ndarray
    capacity: np.ndarray
    weight: WeightFunction
    is_open: np.ndarray  # (m,) bool
    nearest: NearestAccess
    w: sparse.csr_array  # (n, m) weights w(t_ij) of the pairs within the cut-off
    ratio: np.ndarray  # (m,) R_j, 0 for a closed facility
    access: np.ndarray  # (n,) A_i

    @classmethod
    def build(
        cls,
        provider: TravelTimeProvider,
        units: Places,
        facilities: Places,
        population: np.ndarray,
        capacity: np.ndarray,
        weight: WeightFunction,
        k: int = 3,
    ) -> WhatIf:
        """The baseline: k nearest of every unit and the 2SFCA weight matrix, computed once."""
        population = np.asarray(population, dtype=np.float64)
        capacity = np.asarray(capacity, dtype=np.float64)
        nearest = nearest_access(provider, units, facilities, k)
        pairs = provider.within(units, facilities, weight.max_minutes)
        w = weight_matrix(pairs, weight, len(units), len(facilities))
        ratio = ratios(w, population, capacity)
        return cls(
            provider=provider,
            units=units,
            facilities=facilities,
            population=population,
            capacity=capacity,
            weight=weight,
            is_open=np.ones(len(facilities), dtype=bool),
            nearest=nearest,
            w=w,
            ratio=ratio,
            access=w @ ratio,
        )

    @classmethod
    def from_nearest(
        cls,
        provider: TravelTimeProvider,
        units: Places,
        facilities: Places,
        population: np.ndarray,
        nearest: NearestAccess,
        weight: WeightFunction,
    ) -> WhatIf:
        """A baseline whose nearest times are already known (a stored run's), with no 2SFCA
        terms: no provider call here, and ``open`` then costs one provider call for the new
        facility alone. Its ``access`` stays 0: only the nearest times are meant to be read.
        ``nearest.facility`` indexes ``facilities`` (``NO_DESTINATION`` where not known)."""
        n, m = len(units), len(facilities)
        return cls(
            provider=provider,
            units=units,
            facilities=facilities,
            population=np.asarray(population, dtype=np.float64),
            capacity=np.zeros(m),
            weight=weight,
            is_open=np.ones(m, dtype=bool),
            nearest=nearest,
            w=sparse.csr_array((n, m)),
            ratio=np.zeros(m),
            access=np.zeros(n),
        )

    def result(self, changed_units: np.ndarray) -> WhatIfResult:
        return WhatIfResult(self.nearest, self.access, np.unique(changed_units), self)

    def close(self, j: int) -> WhatIfResult:
        """Close facility j (an index into ``facilities``)."""
        if not 0 <= j < len(self.is_open):
            raise IndexError(f"no facility {j} (there are {len(self.is_open)})")
        if not self.is_open[j]:
            raise ValueError(f"facility {j} is already closed")
        is_open = self.is_open.copy()
        is_open[j] = False

        minutes = self.nearest.minutes.copy()
        facility = self.nearest.facility.copy()
        hit = facility == j
        rows = np.flatnonzero(hit.any(axis=1))
        if len(rows):
            minutes[rows], facility[rows] = _remove(minutes[rows], facility[rows], hit[rows])
            # A unit that lists every open facility knows there is no further one.
            complete = rows[np.isfinite(minutes[rows]).sum(axis=1) == is_open.sum()]
            minutes[complete] = np.where(
                np.isnan(minutes[complete]), UNREACHABLE, minutes[complete]
            )
            lost = rows[np.isnan(minutes[rows, 0])]
            if len(lost):
                open_index = np.flatnonzero(is_open)
                found = nearest_access(
                    self.provider,
                    self.units.subset(lost),
                    self.facilities.subset(open_index),
                    self.nearest.k,
                )
                minutes[lost] = found.minutes
                facility[lost] = _global_index(found.facility, open_index)

        column = self.w[:, [j]].tocoo()
        catchment = column.coords[0]
        ratio = self.ratio.copy()
        ratio[j] = 0.0
        access = self.access.copy()
        # Recomputed rather than decremented, so that A_i equals a full recompute to the last bit.
        access[catchment] = self.w[catchment] @ ratio

        state = replace(
            self,
            is_open=is_open,
            nearest=NearestAccess(minutes, facility),
            ratio=ratio,
            access=access,
        )
        return state.result(np.concatenate([rows, catchment]))

    def open(self, facility: Places, capacity: float = 1.0) -> WhatIfResult:
        """Open one new facility (a ``Places`` of length 1); it gets the next index."""
        if len(facility) != 1:
            raise ValueError("open() takes exactly one facility")
        n, m = len(self.units), len(self.is_open)

        times, _index = self.provider.nearest(self.units, facility, 1)
        times = np.asarray(times, dtype=np.float64).reshape(n)
        minutes, index, rows = _insert(self.nearest.minutes, self.nearest.facility, times, m)

        pairs = self.provider.within(self.units, facility, self.weight.max_minutes)
        column = weight_matrix(pairs, self.weight, n, 1)
        w = sparse.hstack([self.w, column], format="csr")
        new_ratio = ratios(column, self.population, np.array([capacity], dtype=np.float64))
        ratio = np.append(self.ratio, new_ratio)
        catchment = column.tocoo().coords[0]
        access = self.access.copy()
        access[catchment] = w[catchment] @ ratio

        state = replace(
            self,
            facilities=_concat(self.facilities, facility),
            capacity=np.append(self.capacity, float(capacity)),
            is_open=np.append(self.is_open, True),
            nearest=NearestAccess(minutes, index),
            w=w,
            ratio=ratio,
            access=access,
        )
        return state.result(np.concatenate([rows, catchment]))


def _remove(
    minutes: np.ndarray, facility: np.ndarray, hit: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Drop the hit place of each row, shift the rest left, and fill the last place.

    The last place becomes UNREACHABLE when the row already listed every reachable facility
    (it held an UNREACHABLE place), else UNKNOWN: the next facility was never computed.
    """
    n, k = minutes.shape
    order = np.argsort(hit, axis=1, kind="stable")  # the hit place moves last, others keep order
    minutes = np.take_along_axis(minutes, order, axis=1)
    facility = np.take_along_axis(facility, order, axis=1)
    complete = np.isinf(minutes).any(axis=1)
    minutes[:, k - 1] = np.where(complete, UNREACHABLE, UNKNOWN)
    facility[:, k - 1] = NO_DESTINATION
    return minutes, facility


def _insert(
    minutes: np.ndarray, facility: np.ndarray, times: np.ndarray, new_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge a new facility's times into sorted k-nearest rows; returns the rows it entered.

    It enters a row at the first place whose time is greater, if that place is a known one;
    after UNKNOWN places its rank is unknown, so it is left out (the known prefix stays exact).
    """
    n, k = minutes.shape
    with np.errstate(invalid="ignore"):
        position = (minutes <= times[:, None]).sum(axis=1)
    known = (~np.isnan(minutes)).sum(axis=1)
    rows = np.flatnonzero(position < known)
    if not len(rows):
        return minutes, facility, rows
    old_m, old_f, pos = minutes[rows], facility[rows], position[rows][:, None]
    column = np.arange(k)[None, :]
    shifted_m = np.concatenate([old_m[:, :1], old_m[:, :-1]], axis=1)
    shifted_f = np.concatenate([old_f[:, :1], old_f[:, :-1]], axis=1)
    new_m = np.where(column < pos, old_m, np.where(column == pos, times[rows][:, None], shifted_m))
    new_f = np.where(column < pos, old_f, np.where(column == pos, new_index, shifted_f))
    minutes, facility = minutes.copy(), facility.copy()
    minutes[rows], facility[rows] = new_m, new_f
    return minutes, facility, rows


def _global_index(index: np.ndarray, subset: np.ndarray) -> np.ndarray:
    """Indices into a subset of the facilities → indices into all of them."""
    if not len(subset):
        return np.full_like(index, NO_DESTINATION)
    return np.where(index >= 0, subset[np.maximum(index, 0)], NO_DESTINATION)


def _concat(a: Places, b: Places) -> Places:
    return Places(
        np.concatenate([a.ids, b.ids]),
        np.concatenate([a.lon, b.lon]),
        np.concatenate([a.lat, b.lat]),
    )
