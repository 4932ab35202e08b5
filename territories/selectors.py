"""Read queries on territories, for other apps to call instead of reaching into the models."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext

from .models import Commune, Department, Region


def communes_at_points(points: Sequence[tuple[float, float]]) -> list[int | None]:
    """The id of the commune whose polygon contains each (lon, lat) WGS84 point, or None.

    One query for all points, not one each: on PostGIS a single statement on the polygons'
    spatial index (no polygon leaves the database); elsewhere a shapely STRtree over the
    loaded polygons. A point on a shared boundary goes to the lowest commune id, so the
    answer is stable.
    """
    if not points:
        return []
    if connection.vendor == "postgresql":
        return _communes_at_points_sql(points)
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


def _communes_at_points_sql(points: Sequence[tuple[float, float]]) -> list[int | None]:
    table = connection.ops.quote_name(Commune._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.i, min(c.id)
            FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
            JOIN {table} c
              ON ST_Intersects(c.geometry, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
            GROUP BY p.i
            """,
            [[float(lon) for lon, _ in points], [float(lat) for _, lat in points]],
        )
        found = dict(cursor.fetchall())
    return [found.get(i) for i in range(1, len(points) + 1)]


@dataclass(frozen=True)
class RegionCoverage:
    """Which of a region's départements (those of the COG list loaded, ``Department``) have
    communes loaded. A region's figures only ever cover its loaded communes, so a partial
    region must say so wherever they appear: ``label``."""

    name: str
    #: Names of the départements with at least one commune loaded, by code.
    loaded: tuple[str, ...]
    #: Départements of the region in the COG list.
    total: int

    @property
    def is_empty(self) -> bool:
        """No département has a commune loaded: the region has no figure at all."""
        return not self.loaded

    @property
    def is_partial(self) -> bool:
        return 0 < len(self.loaded) < self.total

    @property
    def label(self) -> str:
        """The region's name, and for a partial region which départements its figures cover:
        "Provence-Alpes-Côte d'Azur — Alpes-Maritimes seulement, 1 département sur 6"."""
        if not self.is_partial:
            return self.name
        return ngettext(
            "%(region)s — %(departments)s seulement, %(loaded)s département sur %(total)s",
            "%(region)s — %(departments)s seulement, %(loaded)s départements sur %(total)s",
            len(self.loaded),
        ) % {
            "region": self.name,
            "departments": ", ".join(self.loaded),
            "loaded": len(self.loaded),
            "total": self.total,
        }


def regions_coverage(regions: Iterable[Region] | None = None) -> dict[str, RegionCoverage]:
    """The coverage of each region (all loaded regions by default), by region code; one
    query."""
    departments = Department.objects.filter(region__isnull=False)
    names: dict[str, str] = {}
    if regions is not None:
        regions = list(regions)
        names = {region.code: region.name for region in regions}
        departments = departments.filter(region__in=regions)
    rows = (
        departments.annotate(has_communes=Exists(Commune.objects.filter(department=OuterRef("pk"))))
        .order_by("region__code", "code")
        .values_list("region__code", "region__name", "name", "has_communes")
    )
    loaded: dict[str, list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for region_code, region_name, name, has_communes in rows:
        names.setdefault(region_code, region_name)
        totals[region_code] += 1
        if has_communes:
            loaded[region_code].append(name)
    return {
        code: RegionCoverage(name, tuple(loaded[code]), totals[code])
        for code, name in names.items()
    }


def region_coverage(region: Region) -> RegionCoverage:
    """Which of ``region``'s départements have communes loaded (one query, then kept on the
    instance for the rest of the request)."""
    coverage = region.__dict__.get("_coverage")
    if coverage is None:
        coverage = region.__dict__["_coverage"] = regions_coverage([region])[region.code]
    return coverage


def with_department_counts(regions):
    """``regions`` (a Region queryset) annotated with ``departments_total`` and
    ``departments_loaded``, so that ``region_label`` of a complete region costs no query."""
    departments = Department.objects.filter(region=OuterRef("pk")).order_by().values("region")
    loaded = departments.filter(Exists(Commune.objects.filter(department=OuterRef("pk"))))
    return regions.annotate(
        departments_total=Coalesce(Subquery(departments.annotate(n=Count("pk")).values("n")), 0),
        departments_loaded=Coalesce(Subquery(loaded.annotate(n=Count("pk")).values("n")), 0),
    )


def region_label(region: Region) -> str:
    """``region``'s name, saying which départements are loaded when not all of them are."""
    loaded = getattr(region, "departments_loaded", None)
    if loaded is not None and not 0 < loaded < region.departments_total:
        return region.name  # complete (or empty): no query
    return region_coverage(region).label


def region_is_empty(region: Region) -> bool:
    """Whether no commune of ``region`` is loaded (no query when it carries the counts of
    ``with_department_counts``, or its coverage was already read)."""
    loaded = getattr(region, "departments_loaded", None)
    if loaded is not None:
        return loaded == 0
    return region_coverage(region).is_empty


def loaded_departments(region: Region | int):
    """The départements of ``region`` (a region or its id) with at least one commune loaded:
    the only ones a region's figures, tables and maps may list (a partial region's other
    départements have no data, not zero)."""
    return Department.objects.filter(region=region).filter(
        Exists(Commune.objects.filter(department=OuterRef("pk")))
    )


def region_bounds(region: Region) -> list[float] | None:
    """The region's extent (min lon, min lat, max lon, max lat) for a map to fit, or None when
    its shape is not loaded."""
    return list(region.geometry.extent) if region.geometry else None


@dataclass(frozen=True)
class CommuneAdjacency:
    """The contiguity graph of a region's communes that have a polygon.

    ``commune_ids`` / ``codes`` are sorted by INSEE code; ``pairs`` (m × 2, ``i < j``) are
    positions in them of two communes whose boundaries share a line (rook contiguity: a
    contact at a single point, 252 of AURA's 11,809 contacts, does not count). ``no_polygon``:
    the codes of the region's communes without a polygon, which have no place in the graph.
    ``centroids`` (n × 2, lon/lat) place each polygon, e.g. to link an island to its nearest
    commune.
    """

    commune_ids: np.ndarray
    codes: list[str]
    pairs: np.ndarray
    no_polygon: list[str]
    centroids: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)


def commune_adjacency(region: Region) -> CommuneAdjacency:
    """Pairs of ``region``'s communes whose polygons share a boundary line.

    One code path on every database: the full polygons are read as WKB (no GEOS object per
    row) and queried against a shapely STRtree of themselves (``intersects`` on the tree's
    bounding boxes, then the exact predicate), then the contacts kept where the boundaries
    meet along a line (DE-9IM ``****1****``). On AURA (4,021 polygons, 11,557 pairs) this takes
    about 0.35 s, where the same self-join in PostGIS on the spatial index
    (``ST_Intersects``) took 2.7 s (docs/natural-territories.md).
    """
    communes = Commune.objects.filter(department__region=region).order_by("code")
    no_polygon = list(communes.filter(geometry=None).values_list("code", flat=True))
    rows = list(
        communes.exclude(geometry=None)
        .annotate(wkb=AsWKB("geometry"))
        .values_list("id", "code", "wkb")
    )
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    codes = [row[1] for row in rows]
    if not rows:
        empty = np.empty((0, 2), dtype=np.int64)
        return CommuneAdjacency(ids, codes, empty, no_polygon, np.empty((0, 2)))
    polygons = shapely.from_wkb([bytes(row[2]) for row in rows])
    tree = shapely.STRtree(polygons)
    first, second = tree.query(polygons, predicate="intersects")
    keep = first < second
    first, second = first[keep], second[keep]
    line = shapely.relate_pattern(polygons[first], polygons[second], "****1****")
    pairs = np.column_stack([first[line], second[line]]).astype(np.int64)
    centroids = shapely.get_coordinates(shapely.centroid(polygons))
    return CommuneAdjacency(ids, codes, pairs, no_polygon, centroids)
