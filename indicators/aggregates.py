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
    n = len(codes)
    inside = groups >= 0
    g, population = groups[inside], units.population[inside]
    rows = [
        (kind, code, zoning_id, Code.POPULATION, None, None, float(v))
        for code, v in zip(codes, group_sum(population, g, n).tolist(), strict=True)
    ]
    for level in facilities:
        minutes = nearest[level.level_id][0][inside]
        target = level.target_minutes if level.target_minutes is not None else math.inf
        beyond = beyond_target(minutes, population, g, n, target)
        facility_groups = np.array(
            [of_commune.get(int(c), -1) for c in level.commune_ids.tolist()], dtype=np.int64
        )
        placed = facility_groups >= 0
        density = density_per_10k(level.capacity[placed], facility_groups[placed], population, g, n)
        a = access[level.level_id][inside]
        threshold = thresholds[str(level.level_id)]
        underserved = group_sum(np.where((a <= 0) | (a < threshold), population, 0.0), g, n)
        indicators = [(Code.MEAN_MINUTES, beyond.mean_minutes), (Code.DENSITY_PER_10K, density)]
        indicators.append((Code.POPULATION_UNDERSERVED, underserved))
        if level.target_minutes is not None:
            indicators.append((Code.POPULATION_BEYOND, beyond.population_beyond))
            indicators.append((Code.SHARE_BEYOND, beyond.share_beyond))
        for indicator, values in indicators:
            rows += [
                (kind, code, zoning_id, indicator, level.level_id, None, value_or_none(v))
                for code, v in zip(codes, values.tolist(), strict=True)
            ]
    return rows
