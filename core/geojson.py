"""Geometry in API answers: full precision, or the simplified map geometry on request
(``?simplified=1``), as drf-gis's ``GeometryField(precision=…)`` writes it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
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


# Every geometry column is nullable: the schema says so (allow_null).
def full_geometry(**kwargs: Any) -> GeometryField:
    return GeometryField(precision=FULL_PRECISION, read_only=True, allow_null=True, **kwargs)


def map_geometry(**kwargs: Any) -> GeometryField:
    return GeometryField(
        precision=settings.SROS_MAP_COORD_PRECISION, read_only=True, allow_null=True, **kwargs
    )
