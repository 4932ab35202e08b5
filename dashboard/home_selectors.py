"""Read queries behind the home page (its map), in a small fixed number of queries.

Geometries leave the database already simplified and rounded (``AsGeoJSON`` with
``SROS_MAP_COORD_PRECISION`` decimals): a page never ships full-resolution polygons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.gis.db.models import Extent
from django.db.models import Count, Exists, OuterRef, Sum

from core.geo import map_shape
from facilities.models import Facility
from territories.models import Commune, Department
from territories.selectors import regions_coverage


@dataclass(frozen=True)
class CommuneShape:
    code: str
    name: str
    population: int | None
    geometry: dict


@dataclass(frozen=True)
class Overview:
    """What the home page summarises: the loaded region(s) and the totals."""

    region_names: list[str]
    #: The same regions' names, saying which départements are loaded when not all of them are
    #: ("Provence-Alpes-Côte d'Azur — Alpes-Maritimes seulement, 1 département sur 6").
    region_labels: list[str]
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
    loaded = [c for c in regions_coverage().values() if c.loaded]  # by region code
    kinds = dict(
        Facility.objects.filter(status=Facility.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return Overview(
        region_names=[c.name for c in loaded],
        region_labels=[c.label for c in loaded],
        commune_count=totals["n"],
        population=totals["population"] or 0,
        facility_count=sum(kinds.values()),
        count_by_kind=kinds,
        extent=totals["extent"],
    )


def map_communes() -> list[CommuneShape]:
    """Every commune with a polygon, in its map geometry (the importer's simplified copy, or
    the full polygon simplified on the fly where that copy is missing)."""
    rows = (
        Commune.objects.filter(geometry__isnull=False)
        .annotate(shape=map_shape("map_geometry"))
        .order_by("code")
        .values_list("code", "name", "population", "shape")
    )
    return [CommuneShape(code, name, pop, json.loads(shape)) for code, name, pop, shape in rows]


def map_department_outlines() -> list[dict]:
    """Simplified polygons of the départements that have communes loaded and a geometry."""
    rows = (
        Department.objects.filter(geometry__isnull=False)
        .filter(Exists(Commune.objects.filter(department=OuterRef("pk"))))
        .annotate(shape=map_shape())
        .values_list("code", "name", "shape")
    )
    return [
        {"type": "Feature", "id": code, "properties": {"n": name}, "geometry": json.loads(shape)}
        for code, name, shape in rows
    ]
