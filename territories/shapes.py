"""Territories' map shapes: simplified GeoJSON of communes, zones and départements, in a
fixed number of queries, for every map page and export that draws them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import QuerySet

from core.geo import map_shape

from .models import Commune, Region, Zone, Zoning
from .selectors import loaded_departments


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    geometry: str  # GeoJSON text


def commune_shapes(
    region: Region,
    codes: list[str] | None = None,
    *,
    low_zoom: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[Shape]:
    """The region's communes with a polygon (of ``codes`` only, when given), in their map copy
    or, ``low_zoom``, their coarse copy for low zooms; with ``bbox`` (west, south, east,
    north) only those whose polygon's bounding box intersects it (``in_bbox``)."""
    communes = Commune.objects.filter(department__region=region, geometry__isnull=False)
    if codes is not None:
        communes = communes.filter(code__in=codes)
    communes = in_bbox(communes, bbox)
    rows = communes.annotate(shape=map_shape(*commune_map_fields(low_zoom))).order_by("code")
    return [Shape(*row) for row in rows.values_list("code", "name", "shape")]


def commune_map_fields(low_zoom: bool) -> tuple[str, ...]:
    """The stored copies a commune is drawn from, the first present wins: the coarse copy at
    low zooms (a database imported before it existed has the map copy), else the map copy."""
    return ("low_zoom_map_geometry", "map_geometry") if low_zoom else ("map_geometry",)


def in_bbox(
    communes: QuerySet[Commune], bbox: tuple[float, float, float, float] | None
) -> QuerySet[Commune]:
    """``communes`` whose polygon's bounding box intersects ``bbox`` (PostGIS ``&&``, which
    the spatial index of ``geometry`` serves), all of them without a bbox. SpatiaLite's
    ``bboverlaps`` is ``MbrOverlaps``, false for a box inside a commune's: there the polygons
    that intersect the box are kept (every commune the view shows, a few fewer than ``&&``)."""
    if bbox is None:
        return communes
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    if getattr(connection.ops, "spatialite", False):
        return communes.filter(geometry__intersects=box)
    return communes.filter(geometry__bboverlaps=box)


def zone_shapes(zoning: Zoning) -> list[Shape]:
    rows = (
        Zone.objects.filter(zoning=zoning, geometry__isnull=False)
        .annotate(shape=map_shape("map_geometry"))
        .order_by("code")
    )
    return [Shape(*row) for row in rows.values_list("code", "name", "shape")]


def department_shapes(region: Region) -> list[Shape]:
    rows = (
        loaded_departments(region)
        .filter(geometry__isnull=False)
        .annotate(shape=map_shape())
        .order_by("code")
    )
    return [Shape(*row) for row in rows.values_list("code", "name", "shape")]


def region_extent(region: Region) -> tuple[float, float, float, float] | None:
    return Commune.objects.filter(department__region=region).aggregate(e=Extent("geometry"))["e"]
