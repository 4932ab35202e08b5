"""Geometry in API answers: full precision, or the simplified map geometry on request
(``?simplified=1``), as drf-gis's ``GeometryField(precision=…)`` writes it.

A list of polygons costs its time in Python turning each geometry into coordinates and rounding
them one by one (drf-gis's ``_recursive_round``: 150 ms for 100 AURA communes). So a list's
queryset can ask PostGIS for the GeoJSON text instead (``with_geojson``: ``ST_AsGeoJSON`` at the
same precision, annotated as ``<field>_geojson``, the raw column deferred), and the fields of
``full_geometry`` / ``map_geometry`` read that text when it is there. Without the annotation
they work as before, so a queryset that does not ask for it is served the same way.

That text is not parsed again: the field hands it on as ``RawJSON`` and ``GeoJSONTextRenderer``
(DRF's JSON renderer otherwise) writes it into the answer as it is — parsing and re-encoding
the polygons of a département's 500 communes was three quarters of the layer's time.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
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


class RawJSON:
    """JSON text written by the database, to be put in the answer as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class DatabaseGeoJSONField(GeometryField):
    """drf-gis's ``GeometryField`` (same OpenAPI schema: drf-spectacular maps it from the model
    field its ``source`` names) that serves the GeoJSON PostGIS wrote when the queryset
    annotated it (``with_geojson``), and otherwise rounds the geometry in Python as before."""

    def get_attribute(self, instance: Any) -> Any:
        text = getattr(instance, self.source + GEOJSON_SUFFIX, _MISSING)
        if text is _MISSING:
            return super().get_attribute(instance)
        return None if text is None else RawJSON(text)

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, RawJSON):
            return value
        return super().to_representation(value)


class GeoJSONTextRenderer(JSONRenderer):
    """DRF's JSON renderer that writes ``RawJSON`` text where it stands: each one is encoded as
    a placeholder string naming its index, and the placeholders are replaced in one pass over
    the bytes. The placeholder carries a random per-process token, so no data can forge it."""

    _token = secrets.token_hex(12)
    _placeholder = re.compile(rb'"' + _token.encode() + rb':(\d+)"')

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        fragments: list[str] = []
        token, base = self._token, self.encoder_class

        class Encoder(base):
            def default(self, o: Any) -> Any:
                if isinstance(o, RawJSON):
                    fragments.append(o.text)
                    return f"{token}:{len(fragments) - 1}"
                return super().default(o)

        self.encoder_class = Encoder
        try:
            body = super().render(data, accepted_media_type, renderer_context)
        finally:
            self.encoder_class = base
        if not fragments:
            return body
        return self._placeholder.sub(lambda m: fragments[int(m[1])].encode(), body)


def geo_renderers() -> list[type]:
    """The API's renderers (settings) with ``GeoJSONTextRenderer`` in place of DRF's JSON one:
    for the viewsets whose querysets use ``with_geojson``."""
    from rest_framework.settings import api_settings

    renderers = api_settings.DEFAULT_RENDERER_CLASSES
    return [GeoJSONTextRenderer if r is JSONRenderer else r for r in renderers]


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
