"""Read endpoints of the facility registry: facilities (GeoJSON points), authorisations and
groups. Public reference data: any signed-in user reads them."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from core.geojson import FULL_PRECISION, full_geometry, geo_renderers, with_geojson
from core.pagination import FeaturePagination
from core.response_cache import CachedListMixin

from . import filters
from .models import Authorisation, Facility, FacilityGroup


class FacilitySerializer(GeoFeatureModelSerializer):
    point = full_geometry()
    commune = serializers.CharField(source="commune_code", read_only=True, allow_null=True)
    department = serializers.CharField(source="department_code", read_only=True, allow_null=True)
    finess_ej = serializers.CharField(read_only=True, help_text="n° FINESS EJ (entité juridique)")

    class Meta:
        model = Facility
        geo_field = "point"
        id_field = "finess_et"
        fields = [
            "finess_et",
            "finess_ej",
            "name",
            "kind",
            "category_code",
            "category_label",
            "sector",
            "status",
            "address",
            "postcode",
            "city",
            "commune",
            "department",
            "source",
            "source_date",
            "point",
        ]


class AuthorisationSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="finess_et", read_only=True)
    # The code the column holds (a key of the catalogue), read without a query per row.
    activity = serializers.CharField(source="activity_code", read_only=True)

    class Meta:
        model = Authorisation
        fields = ["id", "facility", "activity", "modality", "mention", "start_date", "end_date"]


class FacilityGroupSerializer(serializers.ModelSerializer):
    """A GHT or GCS: its support and members are legal entities, given by FINESS EJ number."""

    support = serializers.CharField(
        source="support_finess", read_only=True, allow_null=True, help_text="n° FINESS EJ"
    )
    members = serializers.SlugRelatedField(
        slug_field="finess_ej", many=True, read_only=True, help_text="n° FINESS EJ"
    )

    class Meta:
        model = FacilityGroup
        fields = ["id", "kind", "code", "name", "support", "members"]


class FacilityViewSet(CachedListMixin, viewsets.ReadOnlyModelViewSet):
    """Facilities as a GeoJSON FeatureCollection; look one up by its FINESS ET number.
    The same for every signed-in user: pages are served from the response cache until the next
    ``data_changed`` (``core.response_cache``)."""

    serializer_class = FacilitySerializer
    pagination_class = FeaturePagination
    renderer_classes = geo_renderers()
    filter_backends = [DjangoFilterBackend, InBBoxFilter]
    filterset_class = filters.FacilityFilter
    bbox_filter_field = "point"
    lookup_field = "finess_et"

    def get_queryset(self):
        return points_as_geojson(filters.facility_list())


def points_as_geojson(queryset):
    """Facilities with their point written as GeoJSON by the database (``core.geojson``)."""
    return with_geojson(queryset, precision=FULL_PRECISION, fields=("point",))


class AuthorisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuthorisationSerializer
    filterset_class = filters.AuthorisationFilter

    def get_queryset(self):
        return filters.authorisation_list()


class FacilityGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FacilityGroupSerializer
    filterset_class = filters.FacilityGroupFilter

    def get_queryset(self):
        return filters.group_list()
