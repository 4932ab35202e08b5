"""Read endpoints of care pathways and their graded levels (with each level's requirements and
access target). Reference data: any signed-in user reads them."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from facilities import api as facilities_api

from . import filters
from .models import Level, LevelRequirement, Pathway
from .selectors import level_access_target


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelRequirement
        fields = ["activity", "modality", "facility_kind", "access_target_minutes"]


class LevelSerializer(serializers.ModelSerializer):
    pathway = serializers.SlugRelatedField(slug_field="code", read_only=True)
    access_target_minutes = serializers.SerializerMethodField()
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Level
        fields = ["id", "pathway", "rank", "code", "name", "access_target_minutes"]
        fields += ["requirements"]

    def get_access_target_minutes(self, level: Level) -> int | None:
        return level_access_target(level)


class PathwayLevelSerializer(LevelSerializer):
    class Meta(LevelSerializer.Meta):
        fields = [name for name in LevelSerializer.Meta.fields if name != "pathway"]


class PathwaySerializer(serializers.ModelSerializer):
    levels = PathwayLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = ["id", "code", "name", "description", "order", "levels"]


class PathwayViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PathwaySerializer
    lookup_field = "code"

    def get_queryset(self):
        return filters.pathway_list()


class LevelViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LevelSerializer
    filterset_class = filters.LevelFilter

    def get_queryset(self):
        return filters.level_list()


class FacilityViewSet(facilities_api.FacilityViewSet):
    """Facilities as a GeoJSON FeatureCollection, filterable by pathway level too."""

    filterset_class = filters.FacilityFilter

    def get_queryset(self):
        return facilities_api.points_as_geojson(filters.facility_list())
