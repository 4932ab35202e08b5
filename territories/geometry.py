"""Geometry helpers shared by the territory importers and zone services (shapely 2, vectorised).

Everything here works on shapely geometries in WGS84 lon/lat; conversion to GeoDjango happens
once, at the edge, through WKB (``to_geos``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon

#: Generous lon/lat boxes of metropolitan France (Corsica included) and of the overseas
#: départements and collectivities; a territory must lie entirely inside one of them.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "France métropolitaine": (-6.0, 41.0, 10.0, 51.5),
    "Antilles (Guadeloupe, Martinique, Saint-Martin, Saint-Barthélemy)": (-63.5, 14.0, -60.5, 18.5),
    "Guyane": (-55.0, 1.5, -51.0, 6.5),
    "La Réunion": (55.0, -21.6, 56.0, -20.7),
    "Mayotte": (44.8, -13.2, 45.5, -12.4),
    "Saint-Pierre-et-Miquelon": (-56.6, 46.6, -55.9, 47.3),
}


def inside_france(geometries: Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """For each geometry, whether its bounds fit in one of ``FRANCE_BOXES``.

    A bbox test and not a true border: it catches swapped lat/lon, projected coordinates read
    as degrees and files of another country, which is what goes wrong in practice.
    """
    bounds = shapely.bounds(np.asarray(geometries, dtype=object))
    ok = np.zeros(len(bounds), dtype=bool)
    for xmin, ymin, xmax, ymax in FRANCE_BOXES.values():
        ok |= (
            (bounds[:, 0] >= xmin)
            & (bounds[:, 1] >= ymin)
            & (bounds[:, 2] <= xmax)
            & (bounds[:, 3] <= ymax)
        )
    return ok


def polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of ``geometry`` as one MultiPolygon (lines and points of a collection,
    typically left over by ``make_valid``, are dropped); empty if it has none."""
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if shapely.get_type_id(part) in (3, 6)  # Polygon, MultiPolygon
    ]
    polygons = []
    for part in parts:
        polygons.extend(shapely.get_parts(part) if part.geom_type == "MultiPolygon" else [part])
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    return shapely.MultiPolygon(polygons)


def is_polygonal(geometry: shapely.Geometry | None) -> bool:
    return geometry is not None and geometry.geom_type in ("Polygon", "MultiPolygon")


def repair(geometry: shapely.Geometry) -> tuple[shapely.Geometry, str]:
    """A valid MultiPolygon from a polygonal geometry, and why it needed repair ('' if not).

    The result is empty when nothing polygonal survives ``make_valid`` (e.g. a ring folded
    onto a line): the caller must then reject the feature.
    """
    geometry = shapely.force_2d(geometry)
    if geometry.is_valid:
        return polygonal_part(geometry), ""
    reason = shapely.is_valid_reason(geometry)
    return polygonal_part(shapely.make_valid(geometry)), reason


def map_geometries(geometries: Sequence[shapely.Geometry]) -> list[shapely.Geometry]:
    """Simplified copies for maps that keep the edges shared between neighbours.

    ``coverage_simplify`` simplifies each shared edge once, so neighbours still touch with no
    gap or overlap; coordinates are then snapped to ``SROS_MAP_COORD_PRECISION`` decimals.
    A geometry that would come out invalid or empty keeps its full-resolution shape.
    """
    if not len(geometries):
        return []
    array = np.asarray(geometries, dtype=object)
    grid = 10.0**-settings.SROS_MAP_COORD_PRECISION
    try:
        simplified = shapely.coverage_simplify(array, settings.SROS_MAP_SIMPLIFY_TOLERANCE)
    except shapely.errors.GEOSException:
        simplified = shapely.simplify(array, settings.SROS_MAP_SIMPLIFY_TOLERANCE)
    rounded = shapely.set_precision(simplified, grid)
    result = []
    for original, candidate in zip(array, rounded, strict=True):
        candidate = polygonal_part(candidate)
        if candidate.is_empty or not candidate.is_valid:
            candidate = polygonal_part(original)
        result.append(candidate)
    return result


def simplify_one(geometry: shapely.Geometry) -> shapely.Geometry:
    """A map copy of a single geometry (same tolerance and precision as ``map_geometries``)."""
    return map_geometries([geometry])[0]


def to_geos(geometry: shapely.Geometry | None) -> GEOSGeometry | None:
    """A GeoDjango geometry with SRID 4326 (a MultiPolygon for polygonal input), or None."""
    if geometry is None or geometry.is_empty:
        return None
    geos = GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326)
    if geos.geom_type == "Polygon":
        geos = MultiPolygon(geos, srid=4326)
    return geos


def to_hexewkb(geometries: Sequence[shapely.Geometry] | np.ndarray) -> list[str]:
    """Hex EWKB (SRID 4326) of each geometry, in one vectorised call: what
    ``core.importing.bulk_upsert`` writes to PostGIS, without a GEOS object per geometry (30 s
    of the national commune file). Polygonal input must already be MultiPolygons
    (``polygonal_part`` makes them) and nothing may be empty."""
    array = shapely.set_srid(np.asarray(geometries, dtype=object), 4326)
    return shapely.to_wkb(array, hex=True, include_srid=True).tolist()


def from_geos(geometry: GEOSGeometry | None) -> shapely.Geometry | None:
    if geometry is None:
        return None
    return shapely.from_wkb(bytes(geometry.wkb))
