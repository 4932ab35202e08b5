"""Endpoints of the regional schema: versions (read), their volets, objectives and what-if
scenarios (read and write; a scenario's evaluation at ``/api/scenarios/<id>/resultat/``),
pilot projects (read and write) and initiatives (read).

Same rules as the pages: ``sros.permissions`` decides, ``sros.services`` writes (never a
serializer). An update names the ``lock_version`` it was loaded at; a stale one answers 409
with the object as saved. Validation errors of the services answer 400 keyed by field.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import RegionScopedViewSet
from core.api import DecimalTextFloatField, conflict_response, validation_error
from core.locking import ConflictError
from facilities.activities import mention_choices, modality_choices
from indicators.aggregates import value_or_none
from pathways.models import Pathway
from territories.models import Region, Zone

from . import compliance, permissions, scenarios, services, text_limits
from .models import (
    AuthorisedActivity,
    Initiative,
    Objective,
    PilotProject,
    Scenario,
    ScenarioChange,
    SchemaVersion,
    Volet,
    VoletTheme,
)
from .schema_selectors import InitiativeFilter, ObjectiveFilter

# --- Output -----------------------------------------------------------------------------------


class VersionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_code", read_only=True)

    class Meta:
        model = SchemaVersion
        fields = [
            "id",
            "region",
            "number",
            "label",
            "state",
            "based_on",
            "default_zoning",
            "created_at",
            "adopted_at",
            "lock_version",
        ]


class VoletSerializer(serializers.ModelSerializer):
    activities = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Volet
        fields = ["id", "version", "theme", "title", "narrative", "pathway", "activities"]
        fields += ["order", "lock_version"]


class ComplianceSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="implantations counted")
    status = serializers.ChoiceField(choices=list(compliance.STATUS_LABELS))
    method = serializers.ChoiceField(
        choices=[compliance.BY_AUTHORISATION, compliance.BY_KIND, compliance.NO_DATA]
    )


class ObjectiveSerializer(serializers.ModelSerializer):
    activity_code = serializers.CharField(source="activity.code", read_only=True)
    zone_code = serializers.CharField(source="zone.code", read_only=True)
    compliance = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "version",
            "zone",
            "zone_code",
            "activity",
            "activity_code",
            "modality",
            "mention",
            "minimum",
            "maximum",
            "max_access_minutes",
            "justification",
            "lock_version",
            "compliance",
        ]

    @extend_schema_field(ComplianceSerializer)
    def get_compliance(self, objective: Objective) -> dict:
        """Read from the ``compliance`` map the view computed for the whole page (one count
        per zoning, activity and modality), else computed for this objective alone."""
        found = self.context.get("compliance", {}).get(objective.pk)
        if found is None:
            found = compliance.objective_compliance(objective)
        return {"count": found.count, "status": found.status, "method": found.method}


class PilotProjectSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="schema.region.code", read_only=True)

    class Meta:
        model = PilotProject
        fields = ["id", "region", "title", "description", "theme", "zone", "start_date"]
        fields += ["end_date", "lock_version"]


class InitiativeSerializer(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(
        slug_field="department_code", many=True, read_only=True
    )

    class Meta:
        model = Initiative
        fields = ["id", "title", "kind", "description", "places", "cost", "reproducibility"]
        fields += ["source", "region", "zone", "departments"]


def change_kind_field(**kwargs) -> serializers.ChoiceField:
    """A change's kind: open, close, authorise (add an authorisation) or withdraw (one). Its
    OpenAPI enum is ``ScenarioChangeKindEnum`` (``ENUM_NAME_OVERRIDES`` in the settings: every
    ``kind`` enum would otherwise compete for the name ``KindEnum``)."""
    return serializers.ChoiceField(choices=ScenarioChange.Kind.choices, **kwargs)


class ScenarioChangeSerializer(serializers.ModelSerializer):
    kind = change_kind_field(read_only=True)
    finess = serializers.CharField(source="facility.finess_et", default="", read_only=True)
    # Null unless the change opens a new site (which has a point).
    lon = serializers.FloatField(source="point.x", default=None, read_only=True, allow_null=True)
    lat = serializers.FloatField(source="point.y", default=None, read_only=True, allow_null=True)

    class Meta:
        model = ScenarioChange
        fields = ["id", "kind", "finess", "label", "facility_kind", "lon", "lat", "activity"]
        fields += ["modality", "reason", "order"]


class ScenarioSerializer(serializers.ModelSerializer):
    # Null for a scenario made outside a request (load_demo, a script).
    author = serializers.CharField(
        source="author.username", default=None, read_only=True, allow_null=True
    )
    changes = ScenarioChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Scenario
        fields = ["id", "version", "name", "description", "author", "created_at", "updated_at"]
        fields += ["lock_version", "changes"]


# --- Input (validated here, written by the services) ------------------------------------------


class LockedInput(serializers.Serializer):
    lock_version = serializers.IntegerField(
        min_value=0, help_text="lock_version of the object as loaded; stale → 409"
    )


class VoletInput(LockedInput):
    title = serializers.CharField(max_length=200)
    narrative = serializers.CharField(
        allow_blank=True, required=False, max_length=text_limits.NARRATIVE
    )
    theme = serializers.PrimaryKeyRelatedField(
        queryset=VoletTheme.objects.all(), allow_null=True, required=False
    )
    pathway = serializers.PrimaryKeyRelatedField(
        queryset=Pathway.objects.all(), allow_null=True, required=False
    )
    activities = serializers.PrimaryKeyRelatedField(
        queryset=AuthorisedActivity.objects.all(), many=True, required=False
    )
    order = serializers.IntegerField(min_value=0, required=False)


class VoletCreateInput(VoletInput):
    version = serializers.PrimaryKeyRelatedField(queryset=SchemaVersion.objects.all())
    lock_version = None


class ObjectiveInput(LockedInput):
    zone = serializers.PrimaryKeyRelatedField(queryset=Zone.objects.all())
    activity = serializers.PrimaryKeyRelatedField(queryset=AuthorisedActivity.objects.all())
    # A code of the activity's modalities in the catalogue, checked by the service.
    modality = serializers.CharField(max_length=40, allow_blank=True, required=False)
    mention = serializers.CharField(max_length=40, allow_blank=True, required=False)
    minimum = serializers.IntegerField(required=False)
    maximum = serializers.IntegerField(allow_null=True, required=False)
    max_access_minutes = serializers.IntegerField(allow_null=True, required=False)
    justification = serializers.CharField(
        allow_blank=True, required=False, max_length=text_limits.COMMENT
    )


class ObjectiveCreateInput(ObjectiveInput):
    version = serializers.PrimaryKeyRelatedField(queryset=SchemaVersion.objects.all())
    lock_version = None


class PilotProjectInput(LockedInput):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        allow_blank=True, required=False, max_length=text_limits.DESCRIPTION
    )
    theme = serializers.PrimaryKeyRelatedField(queryset=VoletTheme.objects.all())
    zone = serializers.PrimaryKeyRelatedField(queryset=Zone.objects.select_related("zoning"))
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True, required=False)


class PilotProjectCreateInput(PilotProjectInput):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    lock_version = None


class ScenarioChangeInput(serializers.Serializer):
    """One change as ``sros.scenarios.change_errors`` reads it (the rules are checked there)."""

    kind = change_kind_field()
    # Codes are bounded like their model fields, so that no huge value is echoed in an error.
    finess = serializers.CharField(allow_blank=True, required=False, default="", max_length=9)
    label = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    facility_kind = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=20
    )
    # A longitude/latitude may come as typed in a French page: "6,95" (core.api).
    lon = DecimalTextFloatField(allow_null=True, required=False, default=None)
    lat = DecimalTextFloatField(allow_null=True, required=False, default=None)
    activity = serializers.CharField(allow_blank=True, required=False, default="", max_length=30)
    modality = serializers.CharField(allow_blank=True, required=False, default="", max_length=30)


class ScenarioInput(LockedInput):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        allow_blank=True, required=False, max_length=text_limits.COMMENT
    )
    changes = ScenarioChangeInput(many=True, required=False)


class ScenarioCreateInput(ScenarioInput):
    version = serializers.PrimaryKeyRelatedField(queryset=SchemaVersion.objects.all())
    lock_version = None


class ObjectiveApiFilter(ObjectiveFilter):
    """The pages' objective filter, plus the version (the pages are per version already)."""

    modality = django_filters.ChoiceFilter(choices=modality_choices, label="modalité")
    mention = django_filters.ChoiceFilter(choices=mention_choices, label="mention")

    class Meta(ObjectiveFilter.Meta):
        fields = ["version", "activity", "zone", "modality", "mention"]


# --- Views ------------------------------------------------------------------------------------


class SchemaWriteViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, RegionScopedViewSet):
    """Create and update through a service; subclasses name the service calls and the rule.

    ``create_input``/``update_input`` validate the payload; ``allowed_to_create(user, data)``
    and ``can_write(user, obj)`` ask ``sros.permissions``; ``create_object`` and
    ``update_object`` call ``sros.services``.
    """

    create_input: type[serializers.Serializer]
    update_input: type[serializers.Serializer]

    def _input(self, serializer_class, partial: bool = False) -> dict:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _output(self, obj, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj).data, status=code)

    def create(self, request, *args, **kwargs):
        values = self._input(self.create_input)
        if not self.allowed_to_create(request.user, values):
            raise exceptions.PermissionDenied
        try:
            obj = self.create_object(values)
        except ValidationError as exc:
            raise validation_error(exc) from exc
        except services.VersionReadOnly as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return self._output(self.get_queryset().get(pk=obj.pk), status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        obj = self.get_object()
        values = self._input(self.update_input, partial=partial)
        if "lock_version" not in values:
            raise exceptions.ValidationError({"lock_version": [_("Ce champ est obligatoire.")]})
        lock_version = values.pop("lock_version")
        try:
            obj = self.update_object(obj, lock_version, values)
        except ConflictError as conflict:
            current = self.get_queryset().get(pk=conflict.current.pk)
            return conflict_response(self.get_serializer(current).data)
        except ValidationError as exc:
            raise validation_error(exc) from exc
        except services.VersionReadOnly as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return self._output(self.get_queryset().get(pk=obj.pk))


class VersionChildMixin:
    """For objects of a schema version (volets, objectives, scenarios): their region is the
    version's, and writing them is editing the version."""

    region_field = "version__schema__region"

    def region_id_of(self, obj) -> int:
        return obj.version.schema.region_id

    def can_write(self, user, obj) -> bool:
        return permissions.can_edit_version(user, obj.version)

    def allowed_to_create(self, user, values) -> bool:
        return permissions.can_edit_version(user, values["version"])


class VersionViewSet(RegionScopedViewSet):
    serializer_class = VersionSerializer
    region_field = "schema__region"
    filterset_fields = ["state", "number"]

    def region_id_of(self, obj) -> int:
        return obj.schema.region_id

    def get_queryset(self):
        versions = SchemaVersion.objects.select_related("schema").annotate(
            region_code=F("schema__region__code")
        )
        return self.scope(versions.order_by("schema__region__code", "-number"))


@extend_schema_view(
    create=extend_schema(request=VoletCreateInput),
    update=extend_schema(request=VoletInput, responses={200: VoletSerializer, 409: None}),
    partial_update=extend_schema(request=VoletInput, responses={200: VoletSerializer, 409: None}),
)
class VoletViewSet(VersionChildMixin, SchemaWriteViewSet):
    serializer_class = VoletSerializer
    create_input = VoletCreateInput
    update_input = VoletInput
    filterset_fields = ["version", "theme", "pathway"]

    def create_object(self, values):
        return services.volet_create(user=self.request.user, **values)

    def update_object(self, obj, lock_version, values):
        return services.volet_update(
            obj.pk, lock_version=lock_version, user=self.request.user, **values
        )

    def get_queryset(self):
        volets = Volet.objects.select_related("version__schema").prefetch_related(
            Prefetch("activities", queryset=AuthorisedActivity.objects.only("id"))
        )
        return self.scope(volets.order_by("version_id", "order", "title", "id"))


@extend_schema_view(
    create=extend_schema(request=ObjectiveCreateInput),
    update=extend_schema(request=ObjectiveInput, responses={200: ObjectiveSerializer, 409: None}),
    partial_update=extend_schema(
        request=ObjectiveInput, responses={200: ObjectiveSerializer, 409: None}
    ),
    destroy=extend_schema(
        parameters=[OpenApiParameter("lock_version", int, required=True)],
        responses={204: None, 409: None},
    ),
)
class ObjectiveViewSet(mixins.DestroyModelMixin, VersionChildMixin, SchemaWriteViewSet):
    """Objectives (OQOS) with their compliance: the implantations counted in the zone against
    the minimum and maximum (``sros.compliance``)."""

    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveApiFilter
    create_input = ObjectiveCreateInput
    update_input = ObjectiveInput

    def create_object(self, values):
        return services.objective_create(user=self.request.user, **values)

    def update_object(self, obj, lock_version, values):
        return services.objective_update(
            obj.pk, lock_version=lock_version, user=self.request.user, **values
        )

    def get_queryset(self):
        objectives = Objective.objects.select_related(
            "version__schema", "zone__zoning", "activity"
        ).order_by("version_id", "activity__order", "activity__code", "modality", "zone__code")
        return self.scope(objectives)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "compliance": compliance.compliance_for(page)}
        data = ObjectiveSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        lock_version = request.query_params.get("lock_version", "")
        if not lock_version.isdigit():
            raise exceptions.ValidationError({"lock_version": [_("Ce champ est obligatoire.")]})
        try:
            services.objective_delete(obj.pk, lock_version=int(lock_version), user=request.user)
        except ConflictError as conflict:
            current = self.get_queryset().get(pk=conflict.current.pk)
            return conflict_response(self.get_serializer(current).data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=PilotProjectCreateInput),
    update=extend_schema(
        request=PilotProjectInput, responses={200: PilotProjectSerializer, 409: None}
    ),
    partial_update=extend_schema(
        request=PilotProjectInput, responses={200: PilotProjectSerializer, 409: None}
    ),
)
class PilotProjectViewSet(SchemaWriteViewSet):
    """Pilot projects of a region's schema; planners of the region create and edit them."""

    serializer_class = PilotProjectSerializer
    create_input = PilotProjectCreateInput
    update_input = PilotProjectInput
    region_field = "schema__region"
    filterset_fields = ["theme", "zone"]

    def region_id_of(self, obj) -> int:
        return obj.schema.region_id

    def can_write(self, user, obj) -> bool:
        return permissions.can_edit_projects(user, obj.schema.region_id)

    def allowed_to_create(self, user, values) -> bool:
        return permissions.can_edit_projects(user, values["region"])

    def create_object(self, values):
        region = values.pop("region")
        schema = services.schema_create(region=region)
        return services.pilot_project_create(schema=schema, user=self.request.user, **values)

    def update_object(self, obj, lock_version, values):
        return services.pilot_project_update(
            obj.pk, lock_version=lock_version, user=self.request.user, **values
        )

    def get_queryset(self):
        projects = PilotProject.objects.select_related("schema__region").defer(
            "schema__region__geometry"
        )
        return self.scope(projects.order_by("schema__region__code", "start_date", "title", "id"))


def _compliance(found: compliance.Compliance) -> dict:
    return {"count": found.count, "status": found.status, "method": found.method}


def _figure(figure) -> dict:
    return {
        "unit_kind": figure.unit_kind,
        "unit_code": figure.unit_code,
        "unit_name": figure.unit_name,
        "zoning": figure.zoning,
        "indicator": figure.indicator,
        "base": value_or_none(figure.base),
        "scenario": value_or_none(figure.scenario),
        "delta": value_or_none(figure.delta),
    }


def scenario_result_data(result: scenarios.ScenarioResult) -> dict:
    """The scenario page's comparison as JSON: objectives whose compliance the scenario
    changes (and all the others), and per pathway level the sites it closes and opens, the
    region's figures and every changed figure of a département or zone."""
    return {
        "scenario": result.scenario.pk,
        "provider": result.provider,
        "units": result.units,
        "objectives": [
            {
                "objective": change.objective.pk,
                "zone_code": change.objective.zone.code,
                "activity_code": change.objective.activity.code,
                "modality": change.objective.modality,
                "base": _compliance(change.base),
                "scenario": _compliance(change.scenario),
                "changed": change.changed,
            }
            for change in result.objectives
        ],
        "levels": [
            {
                "level": level.level.pk,
                "name": str(level.level),
                "target_minutes": level.target_minutes,
                # whom the figures count: total, women_15_44 or mixed (indicators.weights)
                "population_weight": level.weight.get("used", "total"),
                "closed": level.closed,
                "opened": level.opened,
                "region": [_figure(f) for f in level.region_figures],
                "changed": [_figure(f) for f in level.changed_figures],
            }
            for level in result.levels
        ],
        "timings": result.timings,
    }


@extend_schema_view(
    create=extend_schema(request=ScenarioCreateInput),
    update=extend_schema(request=ScenarioInput, responses={200: ScenarioSerializer, 409: None}),
    partial_update=extend_schema(
        request=ScenarioInput, responses={200: ScenarioSerializer, 409: None}
    ),
)
class ScenarioViewSet(VersionChildMixin, SchemaWriteViewSet):
    """What-if scenarios of a version with their changes; ``resultat`` evaluates one against
    its base (``sros.scenarios.evaluate_scenario``, as the scenario page does). Planners of
    the region write them while the version is a draft; an update replaces the changes (a
    PATCH without ``changes`` keeps them)."""

    serializer_class = ScenarioSerializer
    create_input = ScenarioCreateInput
    update_input = ScenarioInput
    filterset_fields = ["version"]

    def create_object(self, values):
        return scenarios.scenario_create(user=self.request.user, **values)

    def update_object(self, obj, lock_version, values):
        values.setdefault("name", obj.name)
        values.setdefault("description", obj.description)
        if "changes" not in values:
            values["changes"] = [
                scenarios.change_values(c) for c in obj.changes.select_related("facility")
            ]
        return scenarios.scenario_update(
            obj.pk, lock_version=lock_version, user=self.request.user, **values
        )

    def get_queryset(self):
        changes = ScenarioChange.objects.select_related("facility").only(
            "id", "scenario_id", "kind", "facility__finess_et", "label", "facility_kind",
            "point", "activity", "modality", "reason", "order",
        )  # fmt: skip
        items = Scenario.objects.select_related("version__schema", "author").prefetch_related(
            Prefetch("changes", queryset=changes)
        )
        return self.scope(items.order_by("version_id", "name", "id"))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="resultat")
    def result(self, request, pk=None):
        scenario = self.get_object()
        return Response(scenario_result_data(scenarios.evaluate_scenario(scenario)))


class InitiativeViewSet(viewsets.ReadOnlyModelViewSet):
    """The inventory of initiatives on the ground (national): any signed-in user reads it."""

    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter

    def get_queryset(self):
        return Initiative.objects.prefetch_related("departments").order_by("kind", "title", "id")
