"""Map geometry straight from the database: simplified and rounded by PostGIS/SpatiaLite, so a
page never ships full-resolution polygons (MapIt's ``simplify_tolerance``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.db.models import F, Value
from django.db.models.functions import Coalesce


class SimplifyPreserveTopology(GeoFunc):
    """``ST_SimplifyPreserveTopology`` (PostGIS) / ``SimplifyPreserveTopology`` (SpatiaLite)."""

    function = "ST_SimplifyPreserveTopology"
    output_field = MultiPolygonField(srid=4326)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function="SimplifyPreserveTopology", **extra_context
        )


def map_geojson(expression: F | GeoFunc) -> AsGeoJSON:
    """``expression`` as GeoJSON text at map precision (``SROS_MAP_COORD_PRECISION``)."""
    return AsGeoJSON(expression, precision=settings.SROS_MAP_COORD_PRECISION)


def simplified(field_name: str) -> SimplifyPreserveTopology:
    """``field_name`` simplified now with ``SROS_MAP_SIMPLIFY_TOLERANCE``."""
    return SimplifyPreserveTopology(field_name, Value(settings.SROS_MAP_SIMPLIFY_TOLERANCE))


def map_shape(*fields: str) -> AsGeoJSON:
    """The first of ``fields`` present (a stored map geometry), else ``geometry`` simplified
    now, as GeoJSON text at map precision."""
    shape = (
        Coalesce(*[F(f) for f in fields], simplified("geometry"), output_field=MultiPolygonField())
        if fields
        else simplified("geometry")
    )
    return map_geojson(shape)
