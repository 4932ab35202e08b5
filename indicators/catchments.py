"""Catchments of a pathway level (issue 13 §3): for every facility serving the level, the
region's communes whose nearest facility it is.

"Nearest" is the engine's nearest access (``engine.measures.nearest_access``, T_i = min_j
t_ij, docs/indicators.md) with the travel-time provider given, crow-fly by default (its
parameters are returned with the result and said wherever it is shown); the level's facilities
are all of France's, so a commune near a border may belong to a facility of another region.
A commune with no polygon point (no place to measure from) is listed in ``unplaced``, never
given a facility; a commune that reaches no facility has ``facility == -1``.

Read on demand, like the scenario comparison (``sros.scenarios``): the figure is one nearest
facility per commune, the same array a run computes, and takes well under a second on AURA.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pathways.models import Level
from pathways.selectors import MISSING, level_state
from territories.models import Region

from . import inputs
from . import services as indicator_services
from .engine.measures import nearest_access
from .engine.regionalisation import catchment_labels
from .engine.travel import Places, TravelTimeProvider


@dataclass(frozen=True)
class Catchments:
    """``facility[i]``: the index in ``facilities`` of commune i's nearest facility (-1: none
    reached); communes as ``units`` orders them (by INSEE code, those with a point)."""

    level: Level
    units: inputs.Units
    facilities: inputs.LevelFacilities
    facility: np.ndarray
    minutes: np.ndarray
    provider: dict[str, Any]
    level_state: str

    @property
    def unplaced(self) -> list[str]:
        return list(self.units.excluded_codes)

    def commune_codes(self) -> list[str]:
        return [str(code) for code in self.units.places.ids]


def level_catchments(
    region: Region, level: Level, provider: TravelTimeProvider | None = None
) -> Catchments:
    """Every commune of ``region`` with its nearest facility of ``level`` (see the module)."""
    provider = provider or indicator_services.build_provider(
        indicator_services.default_provider_parameters()
    )
    state = level_state(level, region)
    units = inputs.load_units(region, with_zonings=False)
    if state.state == MISSING:
        facilities = inputs.load_level_facilities(level, absent=state.absent)
        facilities = _none_of(facilities)
    else:
        facilities = inputs.load_level_facilities(
            level, absent=state.absent, stamp=inputs.registry_stamp()
        )
    nearest = nearest_access(provider, units.places, facilities.places, k=1)
    labels = catchment_labels(nearest.minutes, nearest.facility)
    return Catchments(
        level=level,
        units=units,
        facilities=facilities,
        facility=labels,
        minutes=np.where(labels >= 0, nearest.minutes[:, 0], np.inf),
        provider=provider.parameters(),
        level_state=state.state,
    )


def _none_of(facilities: inputs.LevelFacilities) -> inputs.LevelFacilities:
    """The level's facilities emptied: a level missing an input has no catchment (the page
    says which file is missing), not the catchments of whatever sites happen to be loaded."""
    empty = np.empty(0)
    return replace(
        facilities,
        places=Places(ids=np.empty(0, dtype=object), lon=empty, lat=empty),
        facility_ids=np.empty(0, dtype=np.int64),
        commune_ids=np.empty(0, dtype=np.int64),
        capacity=empty,
    )
