"""Read endpoints of care pathways and their graded levels (with each level's requirements and
access target). Reference data: any signed-in user reads them. With ``?region=<code>`` (a
region the user may see), each level also says its state there: computed, approximated by
facility kind, or missing an input (``selectors.level_state``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets

from access.roles import can_view_region
from facilities import api as facilities_api
from territories.models import Region

from . import filters
from .models import Level, LevelRequirement, Pathway
from .selectors import (
    STATES,
    authorised_activities,
    level_access_target,
    level_state,
    state_sentence,
)

REGION_PARAMETER = OpenApiParameter(
    "region",
    OpenApiTypes.STR,
    description="region code: each level's state there (`state`, `state_note`)",
)


class RequirementSerializer(serializers.ModelSerializer):
    # The code the column holds (a key of the catalogue), read without a query per row.
    activity = serializers.CharField(source="activity_code", read_only=True)

    class Meta:
        model = LevelRequirement
        fields = [
            "activity", "modality", "mention", "maternity_type", "facility_kind",
            "access_target_minutes",
        ]  # fmt: skip


class LevelSerializer(serializers.ModelSerializer):
    pathway = serializers.SlugRelatedField(slug_field="code", read_only=True)
    access_target_minutes = serializers.SerializerMethodField()
    requirements = RequirementSerializer(many=True, read_only=True)
    state = serializers.SerializerMethodField(
        help_text="with ?region=: computed from the sources loaded, approximated by facility "
        "kind (no authorisation of its activity loaded) or missing (none loaded, no fallback)"
    )
    state_note = serializers.SerializerMethodField(
        help_text="with ?region=: the state in words (French): what is missing, which file"
    )

    class Meta:
        model = Level
        fields = ["id", "pathway", "rank", "code", "name", "access_target_minutes"]
        fields += ["second_target_minutes", "target_source", "population_weight"]
        fields += ["requirements", "state", "state_note", "active", "retired_on"]

    def get_access_target_minutes(self, level: Level) -> int | None:
        return level_access_target(level)

    def _state(self, level: Level):
        region = self.context.get("state_region")
        if region is None:
            return None
        if "authorised" not in self.context:  # one query for every level of the answer
            self.context["authorised"] = authorised_activities(region)
        return level_state(level, authorised=self.context["authorised"])

    @extend_schema_field(serializers.ChoiceField(choices=STATES, allow_null=True))
    def get_state(self, level: Level) -> str | None:
        state = self._state(level)
        return state.state if state else None

    def get_state_note(self, level: Level) -> str | None:
        state = self._state(level)
        return state_sentence(state.as_json()) if state else None


class PathwayLevelSerializer(LevelSerializer):
    class Meta(LevelSerializer.Meta):
        fields = [name for name in LevelSerializer.Meta.fields if name != "pathway"]


class PathwaySerializer(serializers.ModelSerializer):
    levels = PathwayLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = ["id", "code", "name", "description", "order", "levels"]


class _StateRegion:
    """Puts the region of ``?region=`` in the serializer context, if the user may see it."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        code = self.request.query_params.get("region") if self.request else None
        region = Region.objects.defer("geometry").filter(code=code).first() if code else None
        if region is not None and can_view_region(self.request.user, region):
            context["state_region"] = region
        return context


@extend_schema_view(
    list=extend_schema(parameters=[REGION_PARAMETER]),
    retrieve=extend_schema(parameters=[REGION_PARAMETER]),
)
class PathwayViewSet(_StateRegion, viewsets.ReadOnlyModelViewSet):
    serializer_class = PathwaySerializer
    lookup_field = "code"

    def get_queryset(self):
        return filters.pathway_list()


@extend_schema_view(
    list=extend_schema(parameters=[REGION_PARAMETER]),
    retrieve=extend_schema(parameters=[REGION_PARAMETER]),
)
class LevelViewSet(_StateRegion, viewsets.ReadOnlyModelViewSet):
    serializer_class = LevelSerializer
    filterset_class = filters.LevelFilter

    def get_queryset(self):
        # The list shows the current levels; a retired one is still read by its id (the past
        # runs that computed it link to it), with ``active`` false and its end date.
        return filters.level_list(retired=self.action != "list")


class FacilityViewSet(facilities_api.FacilityViewSet):
    """Facilities as a GeoJSON FeatureCollection, filterable by pathway level too."""

    filterset_class = filters.FacilityFilter

    def get_queryset(self):
        return facilities_api.points_as_geojson(filters.facility_list())
