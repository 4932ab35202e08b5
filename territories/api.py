"""Read endpoints of territories: régions, départements, communes (GeoJSON), zonings and zones.

Régions, départements and communes are public reference data: any signed-in user reads them.
Zonings belong to a region: a user reads those of the regions ``access.roles`` shows them.
Geometries: full ones at 6 decimals, or with ``?simplified=1`` the map geometry at 4.
"""

from __future__ import annotations

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from access.api import RegionScopedViewSet
from core.geojson import (
    FULL_PRECISION,
    SIMPLIFIED_PARAMETER,
    full_geometry,
    geo_renderers,
    map_geometry,
    wants_simplified,
    with_geojson,
)
from core.pagination import FeaturePagination, IdsFirstMixin
from core.response_cache import CachedListMixin

from . import filters
from .models import Commune, Department, Region, Zone, Zoning


class SimplifiableGeometryField(GeometryField):
    """A polygon of a région or département (which keep no map copy): simplified on request
    with the map tolerance (topology kept), at the map precision."""

    def __init__(self, **kwargs):
        super().__init__(precision=FULL_PRECISION, read_only=True, **kwargs)
        self.map = map_geometry()

    def to_representation(self, value):
        if wants_simplified(self.context.get("request")) and value is not None:
            simple = value.simplify(settings.SROS_MAP_SIMPLIFY_TOLERANCE, preserve_topology=True)
            return self.map.to_representation(simple)
        return super().to_representation(value)


class RegionSerializer(GeoFeatureModelSerializer):
    geometry = SimplifiableGeometryField()

    class Meta:
        model = Region
        geo_field = "geometry"
        fields = ["id", "code", "name", "chief_town_code", "geometry"]


class DepartmentSerializer(GeoFeatureModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    geometry = SimplifiableGeometryField()

    class Meta:
        model = Department
        geo_field = "geometry"
        fields = ["id", "code", "name", "region", "chief_town_code", "geometry"]


class CommuneSerializer(GeoFeatureModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    geometry = full_geometry()
    point = full_geometry()

    class Meta:
        model = Commune
        geo_field = "geometry"
        fields = ["id", "code", "name", "department", "population", "population_year", "point"]
        fields += ["geometry"]


class CommuneMapSerializer(CommuneSerializer):
    geometry = map_geometry(source="map_geometry")
    point = map_geometry()


class ZoningSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Zoning
        fields = ["id", "region", "name", "kind", "status", "description"]


class ZoneSerializer(GeoFeatureModelSerializer):
    region = serializers.CharField(source="zoning.region.code", read_only=True)
    geometry = full_geometry()

    class Meta:
        model = Zone
        geo_field = "geometry"
        fields = ["id", "zoning", "region", "code", "name", "population", "geometry"]


class ZoneMapSerializer(ZoneSerializer):
    geometry = map_geometry(source="map_geometry")


class GeoViewSet(viewsets.ReadOnlyModelViewSet):
    """GeoJSON FeatureCollections, filterable by FilterSet and by ``in_bbox``."""

    pagination_class = FeaturePagination
    renderer_classes = geo_renderers()
    filter_backends = [DjangoFilterBackend, InBBoxFilter]
    bbox_filter_include_overlapping = True
    map_serializer_class: type | None = None

    def get_serializer_class(self):
        if self.map_serializer_class and wants_simplified(self.request):
            return self.map_serializer_class
        return self.serializer_class


@extend_schema_view(list=extend_schema(parameters=[SIMPLIFIED_PARAMETER]))
class RegionViewSet(GeoViewSet):
    serializer_class = RegionSerializer
    bbox_filter_field = "geometry"

    def get_queryset(self):
        return filters.region_list()


@extend_schema_view(list=extend_schema(parameters=[SIMPLIFIED_PARAMETER]))
class DepartmentViewSet(GeoViewSet):
    serializer_class = DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    bbox_filter_field = "geometry"

    def get_queryset(self):
        return filters.department_list()


@extend_schema_view(
    list=extend_schema(parameters=[SIMPLIFIED_PARAMETER]),
    retrieve=extend_schema(parameters=[SIMPLIFIED_PARAMETER]),
)
class CommuneViewSet(CachedListMixin, IdsFirstMixin, GeoViewSet):
    """Reference data, the same for every signed-in user: pages are served from the response
    cache until the next ``data_changed`` (``core.response_cache``). A page's ids are read
    before its rows (``core.pagination.IdsFirstMixin``): PostGIS writes the GeoJSON of the
    page's communes only, not of every commune before it."""

    serializer_class = CommuneSerializer
    map_serializer_class = CommuneMapSerializer
    filterset_class = filters.CommuneFilter
    bbox_filter_field = "point"
    bbox_filter_include_overlapping = False

    def get_queryset(self):
        if wants_simplified(self.request):  # the map layer: what CommuneMapSerializer shows
            return with_geojson(
                filters.commune_list(simplified=True),
                precision=settings.SROS_MAP_COORD_PRECISION,
                fields=("map_geometry", "point"),
            )
        return with_geojson(
            filters.commune_list(), precision=FULL_PRECISION, fields=("geometry", "point")
        )


class ZoningViewSet(RegionScopedViewSet):
    serializer_class = ZoningSerializer
    filterset_class = filters.ZoningFilter

    def region_id_of(self, obj) -> int:
        return obj.region_id

    def get_queryset(self):
        return self.scope(filters.zoning_list())


@extend_schema_view(
    list=extend_schema(parameters=[SIMPLIFIED_PARAMETER]),
    retrieve=extend_schema(parameters=[SIMPLIFIED_PARAMETER]),
)
class ZoneViewSet(GeoViewSet, RegionScopedViewSet):
    serializer_class = ZoneSerializer
    map_serializer_class = ZoneMapSerializer
    filterset_class = filters.ZoneFilter
    bbox_filter_field = "geometry"
    region_field = "zoning__region"

    def region_id_of(self, obj) -> int:
        return obj.zoning.region_id

    def get_queryset(self):
        return self.scope(filters.zone_list(simplified=wants_simplified(self.request)))
