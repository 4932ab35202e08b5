"""What every endpoint of the REST API shares: pagination, the ``simplified`` geometry switch,
the region permission and the mapping of service errors to HTTP answers.

Views stay thin (HackSoft styleguide): a FilterSet reads the query string, a selector builds
the queryset, an output serializer writes the answer; writes go through ``sros.services``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.fields import GeometryField

from . import permissions as sros_permissions

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


class RegionObjectPermission(permissions.BasePermission):
    """Reads need a role in the object's region (or admin); writes ask the view's
    ``can_write(user, obj)``, which calls ``sros.permissions``. The view names the region of
    an object with ``region_id_of(obj)``."""

    def has_object_permission(self, request: Request, view, obj) -> bool:
        if not sros_permissions.can_view_region(request.user, view.region_id_of(obj)):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.can_write(request.user, obj)


def visible_region_ids(user) -> Any:
    """A subquery of the ids of the regions ``user`` may read (``sros.permissions``)."""
    return sros_permissions.visible_regions(user).values("pk")


class RegionScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists show the regions the user may read; an object of another region is a 403."""

    permission_classes = [permissions.IsAuthenticated, RegionObjectPermission]
    region_field = "region"

    def region_id_of(self, obj) -> int:
        raise NotImplementedError

    def can_write(self, user, obj) -> bool:
        return False

    def scope(self, queryset):
        if self.action == "list":
            visible = visible_region_ids(self.request.user)
            return queryset.filter(**{f"{self.region_field}__in": visible})
        return queryset


def validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` (keyed by field) as DRF's 400 with field messages."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def conflict_response(current: dict[str, Any]) -> Response:
    """409: someone saved the object since the client loaded it; ``current`` is it as saved."""
    return Response(
        {
            "detail": _(
                "L'objet a été modifié depuis son chargement ; voici sa version enregistrée."
            ),
            "current": current,
        },
        status=status.HTTP_409_CONFLICT,
    )
