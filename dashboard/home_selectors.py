"""Read queries behind the home page (its map), in a small fixed number of queries.

Geometries leave the database already simplified and rounded (``AsGeoJSON`` with
``SROS_MAP_COORD_PRECISION`` decimals): a page never ships full-resolution polygons.

At national scale (34,868 communes) the page itself carries only the regions and the
départements; the communes of the region chosen come by a request of their own
(``region_commune_rows``, issue 12 §4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.gis.db.models import Extent
from django.db.models import Count, Exists, OuterRef, Sum

from core.geo import map_shape, national_outline
from facilities.models import Facility
from facilities.selectors import FacilityPoint, facility_points
from territories.models import Commune, Department, Region
from territories.selectors import regions_coverage
from territories.shapes import commune_map_fields, in_bbox


@dataclass(frozen=True)
class Overview:
    """What the home page summarises: the loaded region(s) and the totals."""

    region_names: list[str]
    #: The same regions' names, saying which départements are loaded when not all of them are
    #: ("Provence-Alpes-Côte d'Azur — Alpes-Maritimes seulement, 1 département sur 6").
    region_labels: list[str]
    #: (code, label) of each loaded region, for the region choice.
    regions: list[tuple[str, str]]
    commune_count: int
    population: int
    facility_count: int
    count_by_kind: dict[str, int]
    # (west, south, east, north) of the communes' polygons, None without polygons.
    extent: tuple[float, float, float, float] | None


def overview() -> Overview:
    """Totals of the loaded data (three queries); counts per kind are over open facilities,
    located or not."""
    totals = Commune.objects.aggregate(
        n=Count("id"), population=Sum("population"), extent=Extent("geometry")
    )
    coverage = regions_coverage()  # by region code
    loaded = [c for c in coverage.values() if c.loaded]
    kinds = dict(
        Facility.objects.filter(status=Facility.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return Overview(
        region_names=[c.name for c in loaded],
        region_labels=[c.label for c in loaded],
        regions=[(code, c.label) for code, c in coverage.items() if c.loaded],
        commune_count=totals["n"],
        population=totals["population"] or 0,
        facility_count=sum(kinds.values()),
        count_by_kind=kinds,
        extent=totals["extent"],
    )


def region_exists(region_code: str) -> bool:
    return Region.objects.filter(code=region_code).exists()


def region_commune_rows(
    region_code: str,
    *,
    low_zoom: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[tuple[str, str, int | None, str]]:
    """(code, name, population, GeoJSON text) of the region's communes with a polygon, in
    their map geometry (the importer's simplified copy, its coarse copy when ``low_zoom``, or
    the full polygon simplified on the fly where no copy is stored), only those whose polygon's
    bounding box intersects ``bbox`` when given; geometries stay text, never parsed (one
    query)."""
    communes = Commune.objects.filter(department__region__code=region_code, geometry__isnull=False)
    return list(
        in_bbox(communes, bbox)
        .annotate(shape=map_shape(*commune_map_fields(low_zoom)))
        .order_by("code")
        .values_list("code", "name", "population", "shape")
    )


def region_populations(region_code: str) -> list[int | None]:
    """Populations of the region's communes with a polygon: what the legend's classes are
    drawn from, the same communes the layer shows (one query)."""
    communes = Commune.objects.filter(department__region__code=region_code, geometry__isnull=False)
    return list(communes.values_list("population", flat=True))


def region_extent(region_code: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the region's commune polygons, None without polygons."""
    communes = Commune.objects.filter(department__region__code=region_code)
    return communes.aggregate(e=Extent("geometry"))["e"]


def region_facilities(region_code: str) -> list[FacilityPoint]:
    """Open, located facilities in the region's communes, as map points (two queries)."""
    located = Facility.objects.filter(
        status=Facility.Status.OPEN,
        point__isnull=False,
        commune__department__region__code=region_code,
    )
    return [point for _, point in facility_points(located)]


def map_department_outlines(region_code: str | None = None) -> list[dict]:
    """Simplified polygons of the départements (of the region of ``region_code`` at map
    precision, else of all regions at national precision) that have communes loaded and a
    geometry."""
    departments = Department.objects.filter(geometry__isnull=False)
    if region_code is not None:
        departments = departments.filter(region__code=region_code)
    rows = (
        departments.filter(Exists(Commune.objects.filter(department=OuterRef("pk"))))
        .annotate(shape=map_shape() if region_code is not None else national_outline())
        .values_list("code", "name", "shape")
    )
    return [
        {"type": "Feature", "id": code, "properties": {"n": name}, "geometry": json.loads(shape)}
        for code, name, shape in rows
    ]


def outline_extent() -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the départements with communes loaded and a polygon:
    what the national map draws (the communes' extent would span the oceans from the Antilles
    to La Réunion when overseas communes are loaded without département polygons)."""
    departments = Department.objects.filter(geometry__isnull=False).filter(
        Exists(Commune.objects.filter(department=OuterRef("pk")))
    )
    return departments.aggregate(e=Extent("geometry"))["e"]


def map_region_outlines() -> list[dict]:
    """Polygons of the regions that have communes loaded and a geometry, at national
    precision; ``c`` is the region code the page links to."""
    communes = Commune.objects.filter(department__region=OuterRef("pk"))
    rows = (
        Region.objects.filter(geometry__isnull=False)
        .filter(Exists(communes))
        .annotate(shape=national_outline())
        .order_by("code")
        .values_list("code", "name", "shape")
    )
    return [
        {
            "type": "Feature",
            "id": code,
            "properties": {"n": name, "c": code},
            "geometry": json.loads(shape),
        }
        for code, name, shape in rows
    ]
