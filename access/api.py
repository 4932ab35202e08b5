"""The region-scoped base classes of the REST API: every endpoint that shows a region's data
derives from ``RegionScopedViewSet`` (HackSoft styleguide: views stay thin, a FilterSet reads
the query string, a selector builds the queryset, writes go through the app's services)."""

from __future__ import annotations

from rest_framework import permissions, viewsets
from rest_framework.request import Request

from . import roles


class RegionObjectPermission(permissions.BasePermission):
    """Reads need a role in the object's region (or admin); writes ask the view's
    ``can_write(user, obj)``. The view names the region of an object with
    ``region_id_of(obj)``."""

    def has_object_permission(self, request: Request, view, obj) -> bool:
        if not roles.can_view_region(request.user, view.region_id_of(obj)):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.can_write(request.user, obj)


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
            visible = roles.visible_region_ids(self.request.user)
            return queryset.filter(**{f"{self.region_field}__in": visible})
        return queryset
