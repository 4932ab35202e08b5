"""The figures of an indicator run, from arrays: what is stored per commune, zone,
département and region. Shared by the runs (``services``) and the schema's scenarios, so that
a scenario's figures are computed exactly as a run's."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from territories.models import Region

from . import inputs
from .engine import beyond_target, density_per_10k, group_sum
from .models import IndicatorValue

#: A unit is under-served for a level when its 2SFCA access is zero (no facility within the
#: cut-off) or below this fraction of the region's population-weighted mean access.
UNDERSERVED_FRACTION = 0.5

# Plain strings, not enum members: COPY would dump an Enum member by its name.
Kind = SimpleNamespace(**{m.name: m.value for m in IndicatorValue.UnitKind})
Code = SimpleNamespace(**{m.name: m.value for m in IndicatorValue.Indicator})


def underserved_threshold(access: np.ndarray, population: np.ndarray) -> float:
    """The 2SFCA access below which a unit is under-served (see UNDERSERVED_FRACTION)."""
    total = population.sum()
    mean = float((access * population).sum() / total) if total > 0 else 0.0
    return UNDERSERVED_FRACTION * mean


def value_or_none(v: float | None) -> float | None:
    """A stored (or JSON) value: None where the figure is undefined (unreachable, empty
    group), JSON and the database having no infinity or NaN."""
    return float(v) if v is not None and math.isfinite(v) else None


def group_sets(region: Region, units: inputs.Units):
    """(unit kind, zoning id, group codes, group of each unit, group of each commune id) for
    the region, its départements and every zoning of the region."""
    yield (
        Kind.REGION, None, [region.code], np.zeros(len(units), dtype=np.int64),
        dict.fromkeys(units.department_of_commune, 0),
    )  # fmt: skip
    yield (
        Kind.DEPARTMENT, None, units.department_codes, units.department,
        units.department_of_commune,
    )  # fmt: skip
    for zoning in units.zonings:
        yield (
            Kind.ZONE, zoning.zoning_id, zoning.zone_codes, units.zone[zoning.zoning_id],
            zoning.of_commune,
        )  # fmt: skip


def group_rows(
    kind, zoning_id, codes, groups, of_commune, units, facilities, nearest, access, thresholds
) -> list[tuple]:
    """The stored rows of one set of groups (region, départements or a zoning's zones).

    ``POPULATION`` and the density per 10,000 inhabitants count everyone; a level's mean
    time, population and share beyond its target (and its second threshold), and its
    under-served population count the level's weight (``inputs.level_population``: the women
    aged 15 to 44 for the perinatal levels)."""
    n = len(codes)
    inside = groups >= 0
    g, population = groups[inside], units.population[inside]
    rows = [
        (kind, code, zoning_id, Code.POPULATION, None, None, float(v))
        for code, v in zip(codes, group_sum(population, g, n).tolist(), strict=True)
    ]
    for level in facilities:
        weighted = inputs.level_population(units, level)[inside]
        rows += _level_rows(
            kind, zoning_id, codes, g, of_commune, level, nearest[level.level_id][0][inside],
            access[level.level_id][inside], thresholds[str(level.level_id)], population,
            weighted,
        )  # fmt: skip
    return rows


def _level_rows(
    kind, zoning_id, codes, g, of_commune, level, minutes, a, threshold, population, weighted
) -> list[tuple]:
    """One level's rows: ``population`` (everyone) for the density, ``weighted`` (the
    level's weight) for the rest."""
    n = len(codes)
    target = level.target_minutes if level.target_minutes is not None else math.inf
    beyond = beyond_target(minutes, weighted, g, n, target)
    facility_groups = np.array(
        [of_commune.get(int(c), -1) for c in level.commune_ids.tolist()], dtype=np.int64
    )
    placed = facility_groups >= 0
    density = density_per_10k(level.capacity[placed], facility_groups[placed], population, g, n)
    underserved = group_sum(np.where((a <= 0) | (a < threshold), weighted, 0.0), g, n)
    indicators = [(Code.MEAN_MINUTES, beyond.mean_minutes), (Code.DENSITY_PER_10K, density)]
    indicators.append((Code.POPULATION_UNDERSERVED, underserved))
    if level.target_minutes is not None:
        indicators.append((Code.POPULATION_BEYOND, beyond.population_beyond))
        indicators.append((Code.SHARE_BEYOND, beyond.share_beyond))
    second = level.second_target_minutes
    if second is not None:
        beyond_second = beyond_target(minutes, weighted, g, n, second)
        indicators.append((Code.POPULATION_BEYOND_SECOND, beyond_second.population_beyond))
        indicators.append((Code.SHARE_BEYOND_SECOND, beyond_second.share_beyond))
    return [
        (kind, code, zoning_id, indicator, level.level_id, None, value_or_none(v))
        for indicator, values in indicators
        for code, v in zip(codes, values.tolist(), strict=True)
    ]
