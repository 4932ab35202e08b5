"""Read endpoints of stored indicator runs and values: what the dashboard shows and exports
carry, read from the database, never recomputed in a request. Both belong to a region: a user
reads those of the regions ``access.roles`` shows them. ``POST /api/calculs/`` starts a run
(``indicators.services.run_create``), for whom ``access.roles.can_start_run`` allows."""

from __future__ import annotations

import csv
import json

from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from access import roles
from access.api import RegionScopedViewSet
from access.roles import visible_region_ids
from core.response_cache import CachedListMixin, cached_count
from core.workers import UNAVAILABLE, BrokerUnavailable
from pathways.models import Level
from pathways.selectors import STATES, state_sentence
from territories.models import Region

from . import apl_services, filters, selectors, services, weights
from .models import AplRun, AplValue, AplZoneValue, IndicatorRun, IndicatorValue

#: What a level's figures counted (``indicators.weights``).
WEIGHTS_USED = ["total", "women_15_44", "mixed"]


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
    population_weight = serializers.ChoiceField(
        choices=WEIGHTS_USED,
        help_text="whom the level's figures count: total; women_15_44 (INSEE F1529 + F3044, "
        "perinatal levels); mixed: women where the ages are loaded, total population elsewhere",
    )
    population_weight_note = serializers.CharField(
        help_text="the weight in words (French), with the warning when some or every commune "
        "counted its total population; empty for a level counting everyone"
    )


class ProvenanceEntrySerializer(serializers.Serializer):
    """One input file of a run, as the run copied it when it started (``core.provenance``)."""

    kind = serializers.CharField(help_text="import kind (opendata registry)")
    file = serializers.CharField(help_text="file name as imported")
    sha256 = serializers.CharField()
    source_date = serializers.DateField(allow_null=True, help_text="the file's own date")
    source_version = serializers.CharField(allow_blank=True, help_text="edition, e.g. FINESS")
    imported_at = serializers.DateTimeField()
    import_id = serializers.IntegerField(help_text="the import record (may since be deleted)")


class IndicatorRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_code", read_only=True)
    inputs_provenance = ProvenanceEntrySerializer(
        many=True, read_only=True, help_text="the input files, [] when none was recorded"
    )
    sources = serializers.CharField(
        source="sources_statement",
        read_only=True,
        help_text="the sources in words (French), or a sentence saying none was recorded",
    )
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
            "sources",
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
                **_weight_fields(run, int(level_id)),
            }
            for level_id, data in run.level_states.items()
        }


def _weight_fields(run: IndicatorRun, level_id: int) -> dict[str, str]:
    data = weights.weight_data(run, level_id)
    note = weights.weight_note(data)
    return {
        "population_weight": data.get("used", "total") if data else "total",
        "population_weight_note": note.sentence if note else "",
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
    population_weight = serializers.SerializerMethodField(
        help_text="whom the level's figures count (total, women_15_44, or mixed: women where "
        "the ages are loaded, total population elsewhere); null without a level"
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
            "population_weight",
            "facility",
            "value",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=STATES, allow_null=True))
    def get_level_state(self, value: IndicatorValue) -> str | None:
        if value.level_id is None:
            return None
        states, _weights = self._run_meta(value.run_id)
        return states.get(str(value.level_id), {}).get("state", "computed")

    @extend_schema_field(serializers.ChoiceField(choices=WEIGHTS_USED, allow_null=True))
    def get_population_weight(self, value: IndicatorValue) -> str | None:
        if value.level_id is None:
            return None
        _states, weights_ = self._run_meta(value.run_id)
        return weights_.get(str(value.level_id), {}).get("used", "total")

    def _run_meta(self, run_id: int) -> tuple[dict, dict]:
        """(level states, population weights) of a run, one query per run shown (a page holds
        one run's values, or each region's latest)."""
        runs = self.context.setdefault("run_level_states", {})
        if run_id not in runs:
            states, summary = (
                IndicatorRun.objects.filter(pk=run_id)
                .values_list("level_states", "inputs_summary")
                .first()
            ) or ({}, {})
            runs[run_id] = (states or {}, (summary or {}).get("population_weights", {}))
        return runs[run_id]

    #: How each field is read straight from the row (``to_representation``); a field declared
    #: above and missing here is written by DRF as usual.
    FAST_FIELDS = {
        "id": lambda self, row: row.pk,
        "run": lambda self, row: row.run_id,
        "unit_kind": lambda self, row: row.unit_kind,
        "unit_code": lambda self, row: row.unit_code,
        "unit_name": lambda self, row: row.unit_name,
        "zoning": lambda self, row: row.zoning_id,
        "indicator": lambda self, row: row.indicator,
        "indicator_label": lambda self, row: self._labels().get(row.indicator, row.indicator),
        "level": lambda self, row: row.level_id,
        "level_code": lambda self, row: row.level_code,
        "level_name": lambda self, row: row.level_name,
        "pathway_code": lambda self, row: row.pathway_code,
        "pathway_name": lambda self, row: row.pathway_name,
        "facility": lambda self, row: row.facility_finess,
        "value": lambda self, row: row.value,
    }

    def to_representation(self, value: IndicatorValue) -> dict:
        """The fields above, read straight from the row: DRF's field-by-field path (and
        ``get_indicator_display``, hashing lazy labels for every row) cost 30 ms of the 45 a
        page of 100 took. The declared fields still describe the answer (OpenAPI), and a test
        holds the two equal."""
        fast, fields = self.FAST_FIELDS, self.fields
        row = {}
        for name in self.Meta.fields:
            if name in fast:
                row[name] = fast[name](self, value)
            else:
                field = fields[name]
                attribute = field.get_attribute(value)
                row[name] = None if attribute is None else field.to_representation(attribute)
        return row

    def _labels(self) -> dict[str, str]:
        """The indicators' labels in the active language, translated once per page."""
        language = get_language()
        cached = getattr(self, "_label_cache", None)
        if cached is None or cached[0] != language:
            labels = {key: str(label) for key, label in IndicatorValue.Indicator.choices}
            self._label_cache = cached = (language, labels)
        return cached[1]


class RunStartSerializer(serializers.Serializer):
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.defer("geometry"),
        help_text="INSEE code of the region",
    )
    levels = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Level.current.all(),
        required=False,
        help_text="default: every current level (a retired level cannot be computed)",
    )


class IndicatorRunViewSet(RegionScopedViewSet):
    serializer_class = IndicatorRunSerializer
    filterset_class = filters.IndicatorRunFilter

    @extend_schema(request=RunStartSerializer, responses={201: IndicatorRunSerializer})
    def create(self, request, *args, **kwargs):
        """Queue a run; 400 with the reason (French) when the region has nothing to compute
        (``services.RunRefused``), 503 when the broker is down (nothing queued)."""
        start = RunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        region = start.validated_data["region"]
        if not roles.can_start_run(request.user, region):
            raise PermissionDenied
        try:
            run = services.run_create(
                region=region,
                levels=start.validated_data.get("levels") or None,
                requested_by=request.user,
            )
        except services.RunRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except BrokerUnavailable:
            return Response({"detail": UNAVAILABLE}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        run = filters.run_list().get(pk=run.pk)  # with the annotations the fields read
        data = IndicatorRunSerializer(run, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    def region_id_of(self, obj) -> int:
        return obj.region_id

    def get_queryset(self):
        return self.scope(filters.run_list())


class PositionedValues:
    """The values of whole runs in the list's order, as Django's paginator reads a list (its
    ``count`` and a slice): a page is read by the rows' positions in their runs
    (``IndicatorValue.position``, runs in id order as the list's first key), so PostgreSQL
    reads the page's rows only, where ``OFFSET`` skipped every row before it (15-40 ms for a
    far page of a run of 69,000 values on the loaded machine)."""

    def __init__(self, runs: list[selectors.NumberedRun], count: int) -> None:
        self.runs, self.rows = runs, count

    def count(self) -> int:
        return self.rows

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, part: slice) -> list[IndicatorValue]:
        start, stop = part.start or 0, self.rows if part.stop is None else part.stop
        wanted, offset = Q(pk__in=[]), 0
        for run in self.runs:
            first, end = max(start - offset, 0), min(stop - offset, run.size)
            if first < end:
                wanted |= Q(run_id=run.pk, position__gte=first, position__lt=end)
            offset += run.size
        named = selectors.with_names(filters.value_list()).filter(wanted)
        return list(named.order_by("run_id", "position"))


#: The filters of the values list other than ``run``: with any of them, pages use ``OFFSET``.
NARROWING_FILTERS = [name for name in filters.IndicatorValueFilter.base_filters if name != "run"]


class IndicatorValueViewSet(CachedListMixin, RegionScopedViewSet):
    """Without ``run``: the latest done run of each region the user may read.

    Pages of done runs are served from the response cache (``core.response_cache``), keyed by
    the runs they may show, so users of the same regions share them."""

    serializer_class = IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    region_field = "run__region"

    def region_id_of(self, obj) -> int:
        return obj.run.region_id

    def get_queryset(self):
        if self.action == "list":  # the page's rows get their names in paginate_queryset
            return self.scope(filters.value_list(codes=False))
        return self.scope(selectors.with_names(filters.value_list()))

    def paginate_queryset(self, queryset):
        """Whole done runs (no filter but ``run``): the page by position
        (``PositionedValues``). Otherwise the page's ids first (read from the index of the
        list's order), then its rows with their codes and names: with ``OFFSET``, PostgreSQL
        would otherwise sort the whole run and compute the unit-name subqueries of every row
        it skips (500 ms for a far page)."""
        ids_in_order = queryset.values_list("pk", flat=True)
        positioned = self._positioned(ids_in_order)
        if positioned is not None:
            return super().paginate_queryset(positioned)
        ids = super().paginate_queryset(ids_in_order)
        if ids is None:
            return None
        named = selectors.with_names(filters.value_list()).filter(pk__in=list(ids))
        rows = {row.pk: row for row in named.order_by()}
        return [rows[pk] for pk in ids if pk in rows]  # a run deleted in between: fewer rows

    def _positioned(self, ids_in_order) -> PositionedValues | None:
        """The list by position when it is whole done runs whose values all have their
        position and count as many rows as the list (``count`` is the list's own, cached for
        its pages as before): values deleted from a stored run since (a level or zoning
        removed, whose values cascade) leave holes in its positions, and it pages with
        ``OFFSET``. The runs' level states come with them (``get_level_state``)."""
        visible = getattr(self, "visible_runs", None)
        params = self.request.query_params
        if visible is None or any(params.get(name) for name in NARROWING_FILTERS):
            return None
        runs = selectors.numbered_runs(visible)
        if runs is None:
            return None
        key = getattr(self, "count_cache_key", None)
        count = cached_count(key, ids_in_order.count) if key else ids_in_order.count()
        if count != sum(run.size for run in runs):
            return None
        self.run_level_states = {run.pk: (run.level_states, run.population_weights) for run in runs}
        return PositionedValues(runs, count)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        states = getattr(self, "run_level_states", None)
        if states is not None:  # read with the runs (``_positioned``): no query per run
            context["run_level_states"] = dict(states)
        return context

    def cache_parts(self, request) -> list[str] | None:
        raw = request.query_params.get("run")
        try:
            run_id = int(raw) if raw not in (None, "") else None
        except ValueError:
            return None  # the filter answers 400
        runs = selectors.value_list_runs(visible_region_ids(request.user), run_id)
        if runs is not None:
            self.visible_runs = [pk for pk, _end in runs]
        return None if runs is None else [repr(runs)]

    def scope(self, queryset):
        """The list scoped by the ids of the runs it may show (``cache_parts``: the runs of the
        user's regions the query names) rather than by a join to the runs' regions, the same
        rows: with several runs in the table PostgreSQL estimated the join at a fifth of a
        run's rows and sorted all of them on disk for every page (650 ms for a far page of a
        region's third run), where the estimate from the run ids keeps the index of the
        list's order."""
        visible = getattr(self, "visible_runs", None)
        if self.action == "list" and visible is not None:
            return queryset.filter(run_id__in=visible)
        return super().scope(queryset)


# --- the APL of the DREES (indicators.apl_services) ---------------------------------------


class AplRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = AplRun
        fields = ["id", "region", "provider", "parameters", "unit", "summary", "created_at"]


class AplValueSerializer(serializers.ModelSerializer):
    """A commune's APL with what it rests on; ``notes`` says it in words (French)."""

    code = serializers.CharField(source="commune.code", read_only=True)
    name = serializers.CharField(source="commune.name", read_only=True)
    notes = serializers.SerializerMethodField(
        help_text="estimation : activité non connue / population totale : âges non chargés / "
        "bassin incomplet"
    )

    class Meta:
        model = AplValue
        fields = [
            "code",
            "name",
            "population",
            "standardised_population",
            "value",
            "ages_known",
            "estimated_supply",
            "incomplete_catchment",
            "notes",
            "drees_year",
            "drees_value",
            "difference",
        ]

    drees_year = serializers.SerializerMethodField(help_text="year of the DREES's APL shown")
    drees_value = serializers.SerializerMethodField(
        help_text="the APL the DREES publishes for the commune (consultations/visites par an "
        "et par habitant standardisé); null when not imported"
    )
    difference = serializers.SerializerMethodField(
        help_text="ours minus the DREES's, only when ours is in the same unit (consultations)"
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_notes(self, value: AplValue) -> list[str]:
        return apl_services.value_notes(value)

    def _drees(self, value: AplValue) -> tuple[int, float | None] | None:
        return self.context.get("drees", {}).get(value.commune_id)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_drees_year(self, value: AplValue) -> int | None:
        drees = self._drees(value)
        return drees[0] if drees else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_drees_value(self, value: AplValue) -> float | None:
        drees = self._drees(value)
        return drees[1] if drees else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_difference(self, value: AplValue) -> float | None:
        drees = self._drees(value)
        if not drees or drees[1] is None or value.value is None:
            return None
        if self.context.get("unit") != apl_services.UNIT_CONSULTATIONS:
            return None
        return value.value - drees[1]


class AplZoneValueSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="zone.code", read_only=True)
    name = serializers.CharField(source="zone.name", read_only=True)
    zoning = serializers.CharField(source="zone.zoning.name", read_only=True)

    class Meta:
        model = AplZoneValue
        fields = [
            "code",
            "name",
            "zoning",
            "population",
            "value",
            "communes_missing",
            "communes_incomplete",
        ]


#: The columns of the CSV export of a run's communes (French, as the pages).
APL_CSV_COLUMNS = [
    ("code", "code_commune"),
    ("name", "commune"),
    ("population", "population"),
    ("standardised_population", "population_standardisee"),
    ("value", "apl"),
    ("notes", "avertissements"),
    ("drees_year", "annee_apl_drees"),
    ("drees_value", "apl_drees"),
    ("difference", "ecart"),
]


class AplRunViewSet(RegionScopedViewSet):
    """APL runs of the regions the user may read; ``communes``, ``communes-csv`` and ``zones``
    give a run's values, each with its unit and the inputs it lacked."""

    serializer_class = AplRunSerializer

    def region_id_of(self, obj) -> int:
        return obj.region_id

    def get_queryset(self):
        return self.scope(AplRun.objects.select_related("region").order_by("-created_at", "-id"))

    def _values(self, run: AplRun):
        return run.values.select_related("commune").order_by("commune__code")

    def _context(self, run: AplRun) -> dict:
        return {"unit": run.unit, "drees": apl_services.drees_reference(run)}

    @extend_schema(responses=AplValueSerializer(many=True))
    @action(detail=True)
    def communes(self, request, pk=None):
        run = self.get_object()
        data = AplValueSerializer(self._values(run), many=True, context=self._context(run)).data
        return Response({"unit": run.unit, "provider": run.parameters.get("travel"),
                         "results": data})  # fmt: skip

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, url_path="communes-csv", url_name="communes-csv")
    def communes_csv(self, request, pk=None):
        run = self.get_object()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="apl-{run.pk}.csv"'
        writer = csv.writer(response, delimiter=";")
        # The header row comes first, as in every CSV of the product (scripts read it); the
        # unit and the travel times are columns, the same on every row.
        writer.writerow(
            [header for _field, header in APL_CSV_COLUMNS] + ["unite", "temps_de_trajet"]
        )
        travel = json.dumps(run.parameters.get("travel"), ensure_ascii=False)
        rows = AplValueSerializer(self._values(run), many=True, context=self._context(run))
        for row in rows.data:
            writer.writerow(
                [
                    " ; ".join(row[f]) if f == "notes" else ("" if row[f] is None else row[f])
                    for f, _h in APL_CSV_COLUMNS
                ]
                + [run.unit, travel]
            )
        return response

    @extend_schema(responses=AplZoneValueSerializer(many=True))
    @action(detail=True)
    def zones(self, request, pk=None):
        run = self.get_object()
        values = run.zone_values.select_related("zone__zoning").order_by("zone__code")
        return Response(
            {"unit": run.unit, "results": AplZoneValueSerializer(values, many=True).data}
        )
