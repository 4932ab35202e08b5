"""Read queries on territories, for other apps to call instead of reaching into the models."""

from collections.abc import Sequence

import numpy as np
import shapely

from .models import Commune, MunicipalDistrict


def communes_at_points(points: Sequence[tuple[float, float]]) -> list[int | None]:
    """The id of the commune whose polygon contains each (lon, lat) WGS84 point, or None.

    One spatial-index query for all points (shapely STRtree), not one database query each.
    A point on a shared boundary goes to the lowest commune id, so the answer is stable.
    """
    if not points:
        return []
    rows = list(Commune.objects.exclude(geometry=None).values_list("id", "geometry"))
    result: list[int | None] = [None] * len(points)
    if not rows:
        return result
    ids = np.array([row[0] for row in rows])
    polygons = shapely.from_wkb([bytes(row[1].wkb) for row in rows])
    tree = shapely.STRtree(polygons)
    point_geoms = shapely.points(np.asarray(points, dtype=float))
    point_index, polygon_index = tree.query(point_geoms, predicate="intersects")
    for p, c in sorted(zip(point_index, ids[polygon_index], strict=True), key=lambda t: t[1]):
        if result[p] is None:
            result[p] = int(c)
    return result


def commune_ids_by_code(codes: Sequence[str]) -> dict[str, int]:
    """Map INSEE codes to commune ids; an arrondissement municipal code (Lyon 69383) maps to
    its parent commune (69123). Unknown codes are absent from the result."""
    found = dict(Commune.objects.filter(code__in=codes).values_list("code", "id"))
    districts = MunicipalDistrict.objects.filter(code__in=codes).values_list("code", "commune_id")
    found.update(dict(districts))
    return found
