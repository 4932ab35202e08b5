"""Urgent care within 30 minutes as the national indicator counts it (issue 11 §3): the nearest
of several emergency means, each with its own travel direction.

- a structure des urgences: the patient goes there (commune → site);
- a SMUR or antenne de SMUR: the team leaves its base for the patient (base → commune);
- an antenne de médecine d'urgence: commune → site, counted, but open only part of the day
  (the caller notes « aux heures d'ouverture »);
- a médecin correspondant du SAMU: the doctor goes to the patient (base → commune);
- a héliSMUR base: flight time from the base (``travel.helismur``).

``urgent_access`` returns, per unit, the minutes of each means, the nearest means and its
place; ``means_beyond`` aggregates the population beyond the target per group and the
population each means is nearest to. No loop over units or pairs: one provider call per means
(k = 1) and array arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .measures import BeyondTarget, beyond_target, group_sum, nearest_access
from .travel import NO_DESTINATION, UNREACHABLE, Places, TravelTimeProvider, outbound

__all__ = ["Means", "MeansAccess", "UrgentGroups", "means_beyond", "urgent_access"]


@dataclass(frozen=True)
class Means:
    """One kind of emergency means: its ``name`` (a code), its places and provider, and
    whether its time runs from the place to the commune (``from_base``)."""

    name: str
    places: Places
    provider: TravelTimeProvider
    from_base: bool = False


@dataclass(frozen=True)
class MeansAccess:
    """Per unit: ``minutes`` (n, M) of each means (inf where it has none in reach, or none at
    all), ``place`` (n, M) the index of that means' nearest place (``NO_DESTINATION``);
    ``names`` the M means in the order given. ``exact_direction[m]`` is False where the
    provider could not give the means' direction (an imported matrix)."""

    names: tuple[str, ...]
    minutes: np.ndarray
    place: np.ndarray
    exact_direction: tuple[bool, ...]

    @property
    def nearest_minutes(self) -> np.ndarray:
        """T_i = the minimum over every means; inf where none is in reach."""
        if not self.names:
            return np.full(self.minutes.shape[0], UNREACHABLE)
        return self.minutes.min(axis=1)

    @property
    def nearest_means(self) -> np.ndarray:
        """Index into ``names`` of the nearest means (the first given wins a tie); -1 where
        none is in reach."""
        if not self.names:
            return np.full(self.minutes.shape[0], -1, dtype=np.int64)
        best = np.argmin(self.minutes, axis=1)
        return np.where(np.isfinite(self.nearest_minutes), best, -1)

    @property
    def nearest_place(self) -> np.ndarray:
        """Index of the nearest place within its means; ``NO_DESTINATION`` where none."""
        means = self.nearest_means
        rows = np.arange(len(means))
        if not self.names:
            return np.full(len(means), NO_DESTINATION, dtype=np.int64)
        return np.where(means >= 0, self.place[rows, np.maximum(means, 0)], NO_DESTINATION)

    def without(self, excluded: Sequence[str]) -> np.ndarray:
        """The nearest minutes leaving out the means ``excluded`` (e.g. the antennes de
        médecine d'urgence, outside their opening hours)."""
        keep = [m for m, name in enumerate(self.names) if name not in excluded]
        if not keep:
            return np.full(self.minutes.shape[0], UNREACHABLE)
        return self.minutes[:, keep].min(axis=1)


def urgent_access(units: Places, means: Sequence[Means]) -> MeansAccess:
    """The minutes of each means to every unit, in its own direction (module docstring)."""
    n = len(units)
    minutes = np.full((n, len(means)), UNREACHABLE)
    place = np.full((n, len(means)), NO_DESTINATION, dtype=np.int64)
    exact = []
    for m, entry in enumerate(means):
        provider, is_exact = outbound(entry.provider) if entry.from_base else (entry.provider, True)
        exact.append(is_exact)
        found = nearest_access(provider, units, entry.places, k=1)
        minutes[:, m] = found.first_minutes
        place[:, m] = found.first_facility
    return MeansAccess(tuple(m.name for m in means), minutes, place, tuple(exact))


@dataclass(frozen=True)
class UrgentGroups:
    """Per group: the population beyond the target (with every means, and without those left
    out by ``means_beyond(excluded=…)``), and the population each means is nearest to
    (``by_means`` (n_groups, M); the unreachable population is in ``beyond.population_beyond``
    only)."""

    beyond: BeyondTarget
    beyond_without: BeyondTarget
    by_means: np.ndarray


def means_beyond(
    access: MeansAccess,
    population: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    target_minutes: float,
    *,
    excluded: Sequence[str] = (),
) -> UrgentGroups:
    """Population beyond ``target_minutes`` per group (strictly beyond, as ``beyond_target``:
    a commune at exactly 30 minutes is within), and per means the population it is nearest
    to."""
    population = np.asarray(population, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    beyond = beyond_target(access.nearest_minutes, population, groups, n_groups, target_minutes)
    without = beyond_target(access.without(excluded), population, groups, n_groups, target_minutes)
    nearest = access.nearest_means
    by_means = np.zeros((n_groups, len(access.names)))
    for m in range(len(access.names)):  # a loop over the few means, not over units
        by_means[:, m] = group_sum(np.where(nearest == m, population, 0.0), groups, n_groups)
    return UrgentGroups(beyond, without, by_means)
