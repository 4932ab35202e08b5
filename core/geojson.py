"""Geometry in API answers: full precision, or the simplified map geometry on request
(``?simplified=1``), as drf-gis's ``GeometryField(precision=…)`` writes it.

A list of polygons costs its time in Python turning each geometry into coordinates and rounding
them one by one (drf-gis's ``_recursive_round``: 150 ms for 100 AURA communes). So a list's
queryset can ask PostGIS for the GeoJSON text instead (``with_geojson``: ``ST_AsGeoJSON`` at the
same precision, annotated as ``<field>_geojson``, the raw column deferred), and the fields of
``full_geometry`` / ``map_geometry`` read that text when it is there. Without the annotation
they work as before, so a queryset that does not ask for it is served the same way.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework_gis.fields import GeometryField

# ~0.1 m: enough for any planning use of a full geometry; map geometries use 4 decimals.
FULL_PRECISION = 6


SIMPLIFIED_PARAMETER = OpenApiParameter(
    "simplified",
    OpenApiTypes.BOOL,
    description="1: the simplified map geometry at map precision (4 decimals); "
    "otherwise the full geometry (6 decimals).",
)


def wants_simplified(request: Request | None) -> bool:
    if request is None:
        return False
    return request.query_params.get("simplified", "").lower() in ("1", "true", "yes")


GEOJSON_SUFFIX = "_geojson"
_MISSING = object()


class DatabaseGeoJSONField(GeometryField):
    """drf-gis's ``GeometryField`` (same OpenAPI schema: drf-spectacular maps it from the model
    field its ``source`` names) that serves the GeoJSON PostGIS wrote when the queryset
    annotated it (``with_geojson``), and otherwise rounds the geometry in Python as before."""

    def get_attribute(self, instance: Any) -> Any:
        text = getattr(instance, self.source + GEOJSON_SUFFIX, _MISSING)
        if text is _MISSING:
            return super().get_attribute(instance)
        return None if text is None else json.loads(text)  # a dict: passed through as it is


def with_geojson(queryset: QuerySet, *, precision: int, fields: tuple[str, ...]) -> QuerySet:
    """``queryset`` with each of ``fields`` as GeoJSON text written by the database at
    ``precision`` decimals (``<field>_geojson``), the geometry column itself not fetched."""
    annotations = {name + GEOJSON_SUFFIX: AsGeoJSON(name, precision=precision) for name in fields}
    return queryset.defer(*fields).annotate(**annotations)


# Every geometry column is nullable: the schema says so (allow_null).
def full_geometry(**kwargs: Any) -> GeometryField:
    return DatabaseGeoJSONField(precision=FULL_PRECISION, read_only=True, allow_null=True, **kwargs)


def map_geometry(**kwargs: Any) -> GeometryField:
    return DatabaseGeoJSONField(
        precision=settings.SROS_MAP_COORD_PRECISION, read_only=True, allow_null=True, **kwargs
    )
