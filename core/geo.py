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


#: Outlines on a whole-country map (zoom 5 to 6, where a pixel spans 2 to 5 km): simplified
#: by 0.01° (about 1 km) and rounded to 3 decimals (about 100 m), both finer than a pixel.
NATIONAL_TOLERANCE = 0.01
NATIONAL_PRECISION = 3


class Simplify(GeoFunc):
    """``ST_Simplify(geometry, tolerance, true)`` (PostGIS; ``true``: a part that would
    collapse is kept, so no outline vanishes) / ``Simplify`` (SpatiaLite). Douglas-Peucker
    without the topology check: some 25 times faster than ``ST_SimplifyPreserveTopology`` on
    the 96 départements (8 ms against 200 ms), for outlines only, never for choropleths whose
    neighbours must still meet."""

    function = "ST_Simplify"
    template = "%(function)s(%(expressions)s, true)"
    output_field = MultiPolygonField(srid=4326)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function="Simplify", template="%(function)s(%(expressions)s)"
        )


def national_outline(field_name: str = "geometry") -> AsGeoJSON:
    """``field_name`` as GeoJSON text for a whole-country map (``NATIONAL_TOLERANCE``,
    ``NATIONAL_PRECISION``)."""
    return AsGeoJSON(Simplify(field_name, Value(NATIONAL_TOLERANCE)), precision=NATIONAL_PRECISION)
