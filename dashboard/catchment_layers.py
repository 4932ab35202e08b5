"""Catchments of a pathway level on the map (issue 13 §3): for every facility of the level, the
region's communes whose nearest facility it is (``indicators.catchments``), dissolved into one
polygon, as a GeoJSON layer; the same areas feed the exports (``dashboard.exports.catchments``).

The dissolve is ``territories.geometry.dissolve`` (GEOS coverage union) of the member
communes' map copies (simplified as one coverage at import, so neighbouring catchments keep
exactly their shared edges), snapped to the
map precision like a zone's map geometry (``territories.services.zone_refresh``); the exports
may ask for the full polygons instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import AsWKB

from facilities.models import Facility
from indicators.catchments import Catchments, level_catchments
from pathways.models import Level
from territories import geometry as geo
from territories.models import Commune, Region

#: Eight qualitative colours (ColorBrewer "Set2"), cycled so that neighbours mostly differ.
COLOURS = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"]


@dataclass(frozen=True)
class CatchmentArea:
    """One facility's catchment: its communes (INSEE codes) and their dissolved polygon."""

    facility_id: int
    finess: str
    name: str
    commune_name: str
    population: int
    codes: list[str]
    geometry: shapely.Geometry | None


@dataclass(frozen=True)
class CatchmentMap:
    catchments: Catchments
    areas: list[CatchmentArea]
    #: communes that reach no facility of the level (codes), never put in a catchment
    unreached: list[str]


def catchment_map(region: Region, level: Level, *, simplified: bool = True) -> CatchmentMap:
    """Every facility's catchment in ``region`` for ``level``, dissolved (see the module)."""
    catchments = level_catchments(region, level)
    codes = np.array(catchments.commune_codes(), dtype=object)
    field = "map_geometry" if simplified else "geometry"
    rows = (
        Commune.objects.filter(code__in=list(codes))
        .annotate(wkb=AsWKB(field))
        .values_list("code", "wkb")
    )
    shape_of = {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows if wkb is not None}
    facility_ids = catchments.facilities.facility_ids
    facilities = Facility.objects.select_related("commune").in_bulk(
        [int(facility_ids[j]) for j in np.unique(catchments.facility[catchments.facility >= 0])]
    )
    grid = 10.0**-settings.SROS_MAP_COORD_PRECISION
    areas = []
    for j in np.unique(catchments.facility[catchments.facility >= 0]):
        members = np.flatnonzero(catchments.facility == j)
        facility = facilities[int(facility_ids[j])]
        shapes = [shape_of[c] for c in codes[members] if c in shape_of]
        union = geo.dissolve(shapes) if shapes else None
        if union is not None and simplified:
            union = shapely.set_precision(union, grid)
        areas.append(
            CatchmentArea(
                facility_id=facility.pk,
                finess=facility.finess_et,
                name=facility.name,
                commune_name=facility.commune.name if facility.commune else "",
                population=int(catchments.units.population[members].sum()),
                codes=list(codes[members]),
                geometry=geo.polygonal_part(union) if union is not None else None,
            )
        )
    areas.sort(key=lambda area: (-area.population, area.finess))
    unreached = list(codes[catchments.facility < 0])
    return CatchmentMap(catchments, areas, unreached)


def catchments_geojson(result: CatchmentMap) -> dict:
    """The layer: one feature per facility (short property names: the page's script reads
    ``f`` FINESS, ``n`` name, ``c`` the facility's commune, ``p`` population, ``k`` communes,
    ``s`` colour)."""
    precision = settings.SROS_MAP_COORD_PRECISION
    features = []
    for i, area in enumerate(result.areas):
        geometry = (
            shapely.geometry.mapping(shapely.set_precision(area.geometry, 10.0**-precision))
            if area.geometry is not None and not area.geometry.is_empty
            else None
        )
        features.append(
            {
                "type": "Feature",
                "id": area.finess,
                "geometry": geometry,
                "properties": {
                    "f": area.finess,
                    "n": area.name,
                    "c": area.commune_name,
                    "p": area.population,
                    "k": len(area.codes),
                    "s": COLOURS[i % len(COLOURS)],
                },  # fmt: skip
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "provider": result.catchments.provider,
        "unreached": result.unreached,
        "unplaced": result.catchments.unplaced,
    }
