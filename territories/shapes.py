"""Territories' map shapes: simplified GeoJSON of communes, zones and départements, in a
fixed number of queries, for every map page and export that draws them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models import Extent

from core.geo import map_shape

from .models import Commune, Region, Zone, Zoning
from .selectors import loaded_departments


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    geometry: str  # GeoJSON text


def commune_shapes(region: Region, codes: list[str] | None = None) -> list[Shape]:
    communes = Commune.objects.filter(department__region=region, geometry__isnull=False)
    if codes is not None:
        communes = communes.filter(code__in=codes)
    rows = communes.annotate(shape=map_shape("map_geometry")).order_by("code")
    return [Shape(*row) for row in rows.values_list("code", "name", "shape")]


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
