"""Read queries behind the project-level pages (the home map), in a small fixed number of queries.

Geometries leave the database already simplified and rounded (``AsGeoJSON`` with
``SROS_MAP_COORD_PRECISION`` decimals): a page never ships full-resolution polygons.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.db.models import Extent, MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from facilities.models import Facility
from facilities.selectors import current_authorisations
from territories.models import Commune, Department, Region


class SimplifyPreserveTopology(GeoFunc):
    """``ST_SimplifyPreserveTopology`` (PostGIS) / ``SimplifyPreserveTopology`` (SpatiaLite)."""

    function = "ST_SimplifyPreserveTopology"
    output_field = MultiPolygonField(srid=4326)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function="SimplifyPreserveTopology", **extra_context
        )


def _map_geojson(expression: F | GeoFunc) -> AsGeoJSON:
    return AsGeoJSON(expression, precision=settings.SROS_MAP_COORD_PRECISION)


def _simplified(field_name: str) -> SimplifyPreserveTopology:
    return SimplifyPreserveTopology(field_name, Value(settings.SROS_MAP_SIMPLIFY_TOLERANCE))


@dataclass(frozen=True)
class CommuneShape:
    code: str
    name: str
    population: int | None
    geometry: dict


@dataclass(frozen=True)
class FacilityPoint:
    finess_et: str
    name: str
    kind: str
    commune_name: str
    lat: float
    lon: float
    authorisations: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    """What the home page summarises: the loaded region(s) and the totals."""

    region_names: list[str]
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
    names = list(
        Region.objects.filter(departments__communes__isnull=False)
        .distinct()
        .order_by("code")
        .values_list("name", flat=True)
    )
    kinds = dict(
        Facility.objects.filter(status=Facility.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return Overview(
        region_names=names,
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
        .annotate(
            shape=_map_geojson(
                Coalesce("map_geometry", _simplified("geometry"), output_field=MultiPolygonField())
            )
        )
        .order_by("code")
        .values_list("code", "name", "population", "shape")
    )
    return [CommuneShape(code, name, pop, json.loads(shape)) for code, name, pop, shape in rows]


def map_department_outlines() -> list[dict]:
    """Simplified polygons of the départements that have communes loaded and a geometry."""
    rows = (
        Department.objects.filter(geometry__isnull=False)
        .filter(Exists(Commune.objects.filter(department=OuterRef("pk"))))
        .annotate(shape=_map_geojson(_simplified("geometry")))
        .values_list("code", "name", "shape")
    )
    return [
        {"type": "Feature", "id": code, "properties": {"n": name}, "geometry": json.loads(shape)}
        for code, name, shape in rows
    ]


def facility_points(facilities: QuerySet[Facility]) -> list[tuple[int, FacilityPoint]]:
    """(id, map point) of each of ``facilities`` by FINESS number, with its commune name and
    its authorisations in force (two queries, whatever the number of facilities)."""
    authorisations: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for facility_id, activity, modality in (
        current_authorisations()
        .filter(facility__in=facilities)
        .order_by("activity", "modality")
        .values_list("facility_id", "activity", "modality")
    ):
        authorisations[facility_id].append((activity, modality))
    rows = facilities.order_by("finess_et").values_list(
        "id", "finess_et", "name", "kind", "commune__name", "point"
    )
    return [
        (
            pk,
            FacilityPoint(
                finess_et=finess_et,
                name=name,
                kind=kind,
                commune_name=commune_name or "",
                lat=point.y,
                lon=point.x,
                authorisations=authorisations.get(pk, []),
            ),
        )
        for pk, finess_et, name, kind, commune_name, point in rows
    ]


def map_facilities() -> list[FacilityPoint]:
    """Open facilities that have a location, as map points (two queries)."""
    located = Facility.objects.filter(status=Facility.Status.OPEN, point__isnull=False)
    return [point for _, point in facility_points(located)]
