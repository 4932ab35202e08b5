"""Read endpoints of stored indicator runs and values: what the dashboard shows and exports
carry, read from the database, never recomputed in a request. Both belong to a region: a user
reads those of the regions ``access.roles`` shows them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.api import RegionScopedViewSet
from pathways.selectors import STATES, state_sentence

from . import filters, selectors
from .models import IndicatorRun, IndicatorValue


class MissingActivitySerializer(serializers.Serializer):
    activity = serializers.CharField(help_text="activity code with no authorisation loaded")
    modalities = serializers.ListField(child=serializers.CharField())


class LevelStateSerializer(serializers.Serializer):
    """How a run computed one level (``pathways.selectors.level_state``)."""

    state = serializers.ChoiceField(
        choices=STATES,
        help_text="computed: from the sources loaded; approximated: by facility kind, no "
        "authorisation of its activity loaded; missing: not computed (no value), no "
        "authorisation loaded",
    )
    label = serializers.CharField()
    missing = MissingActivitySerializer(many=True)
    kinds = serializers.ListField(
        child=serializers.CharField(), help_text="facility kinds of an approximated level"
    )
    files = serializers.ListField(
        child=serializers.CharField(), help_text="import kinds that load the missing data"
    )
    note = serializers.CharField(help_text="the state in words (French), empty when computed")


class IndicatorRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_code", read_only=True)
    levels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    level_states = serializers.SerializerMethodField(
        help_text="by level id: its state when the run started"
    )

    class Meta:
        model = IndicatorRun
        fields = [
            "id",
            "region",
            "levels",
            "level_states",
            "provider",
            "parameters",
            "fingerprint",
            "inputs_summary",
            "inputs_provenance",
            "status",
            "progress",
            "stale",
            "created_at",
            "started_at",
            "finished_at",
            "timings",
            "error",
        ]

    @extend_schema_field(serializers.DictField(child=LevelStateSerializer()))
    def get_level_states(self, run: IndicatorRun) -> dict:
        return {
            level_id: {
                "state": data.get("state", "computed"),
                "label": data.get("label", ""),
                "missing": data.get("missing", []),
                "kinds": data.get("kinds", []),
                "files": data.get("files", []),
                "note": state_sentence(data),
            }
            for level_id, data in run.level_states.items()
        }


class IndicatorValueSerializer(serializers.ModelSerializer):
    """A stored value with the codes and names of what it is about (``selectors.with_names``),
    so that a script needs no second call to label its rows."""

    unit_name = serializers.CharField(read_only=True, allow_null=True)
    indicator_label = serializers.CharField(source="get_indicator_display", read_only=True)
    level_code = serializers.CharField(read_only=True, allow_null=True)
    level_name = serializers.CharField(read_only=True, allow_null=True)
    pathway_code = serializers.CharField(read_only=True, allow_null=True)
    pathway_name = serializers.CharField(read_only=True, allow_null=True)
    facility = serializers.CharField(source="facility_finess", read_only=True, allow_null=True)
    level_state = serializers.SerializerMethodField(
        help_text="the state the run recorded for the value's level (null without a level)"
    )

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "run",
            "unit_kind",
            "unit_code",
            "unit_name",
            "zoning",
            "indicator",
            "indicator_label",
            "level",
            "level_code",
            "level_name",
            "pathway_code",
            "pathway_name",
            "level_state",
            "facility",
            "value",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=STATES, allow_null=True))
    def get_level_state(self, value: IndicatorValue) -> str | None:
        if value.level_id is None:
            return None
        # One query per run shown (a page holds one run's values, or each region's latest).
        states = self.context.setdefault("run_level_states", {})
        if value.run_id not in states:
            states[value.run_id] = (
                IndicatorRun.objects.filter(pk=value.run_id)
                .values_list("level_states", flat=True)
                .first()
                or {}
            )
        return states[value.run_id].get(str(value.level_id), {}).get("state", "computed")


class IndicatorRunViewSet(RegionScopedViewSet):
    serializer_class = IndicatorRunSerializer
    filterset_class = filters.IndicatorRunFilter

    def region_id_of(self, obj) -> int:
        return obj.region_id

    def get_queryset(self):
        return self.scope(filters.run_list())


class IndicatorValueViewSet(RegionScopedViewSet):
    """Without ``run``: the latest done run of each region the user may read."""

    serializer_class = IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    region_field = "run__region"

    def region_id_of(self, obj) -> int:
        return obj.run.region_id

    def get_queryset(self):
        return self.scope(selectors.with_names(filters.value_list()))
