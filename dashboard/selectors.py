"""Read queries of the dashboard: stored runs, their values and the map geometries of a region.

Nothing here computes an indicator: every figure is an ``IndicatorValue`` of a done run
(``indicators.selectors.latest_run``). Geometries leave the database simplified and rounded
(``SROS_MAP_COORD_PRECISION`` decimals) as GeoJSON text, which the layer builders paste into
the response without parsing it again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from core import response_cache
from facilities.models import Facility
from facilities.selectors import FacilityPoint, facility_points
from indicators.models import IndicatorRun, IndicatorValue
from indicators.weights import WeightNote, run_weight_note
from pathways.models import Level, LevelRequirement, Pathway
from pathways.selectors import (
    COMPUTED,
    MISSING,
    LevelState,
    level_access_target,
    level_facilities,
    state_label,
    state_sentence,
)
from territories.models import Region, Zoning

Indicator = IndicatorValue.Indicator
UnitKind = IndicatorValue.UnitKind

#: Indicators stored per commune; the others are stored per zone, département and region.
COMMUNE_INDICATORS = (Indicator.POPULATION, Indicator.NEAREST_MINUTES, Indicator.ACCESS_2SFCA)
GROUP_INDICATORS = (
    Indicator.POPULATION,
    Indicator.MEAN_MINUTES,
    Indicator.SHARE_BEYOND,
    Indicator.POPULATION_BEYOND,
    Indicator.SHARE_BEYOND_SECOND,
    Indicator.POPULATION_BEYOND_SECOND,
    Indicator.POPULATION_UNDERSERVED,
    Indicator.DENSITY_PER_10K,
)
#: Indicators that do not depend on a pathway level.
LEVEL_FREE = (Indicator.POPULATION,)


def indicators_of(unit_kind: str) -> tuple[str, ...]:
    return COMMUNE_INDICATORS if unit_kind == UnitKind.COMMUNE else GROUP_INDICATORS


# --- runs ---------------------------------------------------------------------------------


def run_parts(run: IndicatorRun) -> list[str]:
    """What a value kept for ``run`` (``core.response_cache.kept``) depends on in the run: its
    id, end time and staleness (a done run's values never change; ``stale`` flips when the data
    it read changes)."""
    return [str(run.pk), run.finished_at.isoformat() if run.finished_at else "", str(run.stale)]


def current_run(region: Region) -> IndicatorRun | None:
    """The region's most recent run in any state: a queued or running one shows its progress
    bar above the figures of the latest done run."""
    return IndicatorRun.objects.filter(region=region).order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class StateNote:
    """How the run computed a level, as the pages say it (``pathways.selectors``)."""

    state: str  # "computed", "approximated" or "missing"
    label: str  # the state's short French name
    sentence: str  # "" when computed; else what is missing, and which file to load
    absent: frozenset[str] = frozenset()

    @property
    def computed(self) -> bool:
        return self.state == COMPUTED

    @property
    def missing(self) -> bool:
        return self.state == MISSING


def level_note(run: IndicatorRun, level_id: int | None) -> StateNote | None:
    """The state ``run`` recorded for a level (None for no level); computed when the run
    recorded none (made before states were recorded)."""
    if level_id is None:
        return None
    data = run.level_state_of(level_id)
    state = LevelState.from_json(data)
    return StateNote(
        state.state, str(state_label(state.state)), state_sentence(data), frozenset(state.absent)
    )


def run_levels(run: IndicatorRun) -> list[Level]:
    """The levels of ``run`` in pathway order, each with ``target`` (minutes or None) set from
    its requirements and ``note`` (``StateNote``) from the run's recorded state (two
    queries)."""
    levels = list(
        run.levels.select_related("pathway")
        .prefetch_related(Prefetch("requirements", queryset=LevelRequirement.objects.all()))
        .order_by("pathway__order", "pathway__code", "rank")
    )
    for level in levels:
        level.target = level_access_target(level)
        level.note = level_note(run, level.pk)
        level.weight = run_weight_note(run, level.pk)
    return levels


def first_shown_level(levels: list[Level]) -> Level | None:
    """The level a map or chart shows when none is asked: the first with values (a missing
    level, no authorisation loaded, would show a region all "données manquantes", as the
    real-data demo did), else the first; None without levels."""
    shown = [lv for lv in levels if not (getattr(lv, "note", None) and lv.note.missing)]
    return (shown or levels or [None])[0]


def kept_run_levels(run: IndicatorRun) -> list[Level]:
    """``run_levels`` read once per run and kept (``core.response_cache.kept``): the levels,
    their requirements and the pathways change only through an import or the admin, which
    make every kept value stale."""
    return response_cache.kept(["run-levels", *run_parts(run)], lambda: run_levels(run))


@dataclass(frozen=True)
class LevelNote:
    label: str  # the level as the run recorded it ("Urgences – 1. Soins urgents…")
    note: StateNote


def run_level_notes(run: IndicatorRun | None) -> list[LevelNote]:
    """The levels of ``run`` approximated or missing an input, from the run alone (no
    query): what every page of the run says above its figures."""
    if run is None:
        return []
    notes = []
    for level_id, data in run.level_states.items():
        note = level_note(run, int(level_id))
        if note is not None and not note.computed:
            notes.append(LevelNote(data.get("label", ""), note))
    return notes


@dataclass(frozen=True)
class LevelWeight:
    label: str  # the level as the run recorded it
    weight: WeightNote


def run_weight_notes(run: IndicatorRun | None) -> list[LevelWeight]:
    """The levels of ``run`` counted by the women aged 15 to 44 (the perinatal levels), each
    with what its figures counted (``indicators.weights``), from the run alone (no query):
    every page of the run says it above its figures, as a warning where some communes
    counted their total population."""
    if run is None:
        return []
    notes = []
    for level_id, data in run.level_states.items():
        weight = run_weight_note(run, int(level_id))
        if weight is not None and run.level_state_of(int(level_id)).get("state") != MISSING:
            notes.append(LevelWeight(data.get("label", ""), weight))
    return notes


def region_zonings(region: Region) -> list[Zoning]:
    return list(Zoning.objects.filter(region=region).order_by("name", "id"))


def pathway_of_region(code: str) -> Pathway | None:
    return Pathway.objects.filter(code=code).first()


# --- key figures --------------------------------------------------------------------------


@dataclass
class LevelFigures:
    level: Level
    target: int | None
    facilities: int | None
    note: StateNote | None = None
    #: of ``facilities`` (read anywhere in France), those in the region; None for a run made
    #: before it was recorded
    facilities_in_region: int | None = None
    population_beyond: float | None = None
    share_beyond: float | None = None
    population_underserved: float | None = None
    mean_minutes: float | None = None
    weight: WeightNote | None = None
    second_target: int | None = None
    population_beyond_second: float | None = None
    share_beyond_second: float | None = None

    @property
    def share_percent(self) -> float | None:
        return None if self.share_beyond is None else 100 * self.share_beyond

    @property
    def share_second_percent(self) -> float | None:
        return None if self.share_beyond_second is None else 100 * self.share_beyond_second


@dataclass
class RegionFigures:
    population: float | None
    communes: int
    count_by_kind: dict[str, int]
    levels: list[LevelFigures] = field(default_factory=list)


def region_figures(region: Region, run: IndicatorRun, levels: list[Level]) -> RegionFigures:
    """The region's key figures from ``run`` (one query for its values) and the open facilities
    per kind of the registry (one query)."""
    values: dict[tuple[str, int | None], float | None] = {
        (indicator, level_id): value
        for indicator, level_id, value in IndicatorValue.objects.filter(
            run=run, unit_kind=UnitKind.REGION, unit_code=region.code
        ).values_list("indicator", "level_id", "value")
    }
    per_level = run.inputs_summary.get("facilities_per_level", {})
    in_region = run.inputs_summary.get("facilities_per_level_in_region", {})
    figures = [
        LevelFigures(
            level=level,
            target=level.target,
            facilities=per_level.get(str(level.id)),
            facilities_in_region=in_region.get(str(level.id)),
            note=getattr(level, "note", None) or level_note(run, level.id),
            population_beyond=values.get((Indicator.POPULATION_BEYOND, level.id)),
            share_beyond=values.get((Indicator.SHARE_BEYOND, level.id)),
            population_underserved=values.get((Indicator.POPULATION_UNDERSERVED, level.id)),
            mean_minutes=values.get((Indicator.MEAN_MINUTES, level.id)),
            weight=run_weight_note(run, level.id),
            second_target=level.second_target_minutes,
            population_beyond_second=values.get((Indicator.POPULATION_BEYOND_SECOND, level.id)),
            share_beyond_second=values.get((Indicator.SHARE_BEYOND_SECOND, level.id)),
        )
        for level in levels
    ]
    return RegionFigures(
        population=values.get((Indicator.POPULATION, None)),
        communes=run.inputs_summary.get("units", 0),
        count_by_kind=facility_counts(region),
        levels=figures,
    )


#: Kinds a hospital list cannot contain: Eurostat GISCO lists établissements sanitaires only.
NOT_IN_HOSPITAL_LISTS = (Facility.Kind.MSP, Facility.Kind.HEALTH_CENTRE, Facility.Kind.EHPAD)


def unknown_kinds(facilities: QuerySet[Facility]) -> frozenset[str]:
    """The kinds whose count ``facilities`` cannot tell (one query): every kind when none is
    loaded, the non-hospital kinds when all come from a hospital list (GISCO), none when a
    registry that lists every kind (FINESS, the demo) is loaded. Shown "non chargé", not 0:
    the real-data demo showed "0" MSP, centres de santé and EHPAD."""
    sources = set(facilities.order_by().values_list("source", flat=True).distinct())
    if not sources:
        return frozenset(Facility.Kind.values)
    if sources <= {Facility.Source.GISCO}:
        return frozenset(NOT_IN_HOSPITAL_LISTS)
    return frozenset()


def facility_counts(region: Region) -> dict[str, int]:
    return dict(
        Facility.objects.filter(status=Facility.Status.OPEN, commune__department__region=region)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )


# --- values of a layer --------------------------------------------------------------------


@dataclass(frozen=True)
class UnitValue:
    value: float | None
    population: float | None
    facility_id: int | None = None


def layer_values(
    run: IndicatorRun,
    *,
    unit_kind: str,
    indicator: str,
    level: Level | None,
    zoning: Zoning | None = None,
) -> dict[str, UnitValue]:
    """``{unit code: (value, population, nearest facility)}`` of one indicator of ``run`` for
    every unit of a kind (one query: the indicator and the units' population together)."""
    level_filter = Q(level=level) if indicator not in LEVEL_FREE else Q(level__isnull=True)
    rows = IndicatorValue.objects.filter(
        run=run, unit_kind=unit_kind, zoning=zoning, indicator__in={indicator, Indicator.POPULATION}
    ).filter(level_filter | Q(indicator=Indicator.POPULATION))
    values: dict[str, float | None] = {}
    facilities: dict[str, int | None] = {}
    population: dict[str, float | None] = {}
    for code, name, value, facility_id in rows.values_list(
        "unit_code", "indicator", "value", "facility_id"
    ):
        if name == Indicator.POPULATION:
            population[code] = value
        if name == indicator:
            values[code], facilities[code] = value, facility_id
    return {
        code: UnitValue(value, population.get(code), facilities.get(code))
        for code, value in values.items()
    }


def unit_values(run: IndicatorRun, units: list[tuple[str, str, int | None]]) -> dict:
    """Every value of ``run`` for the given (unit kind, code, zoning id) units, keyed by
    (unit kind, code, indicator, level id) — one query."""
    condition = Q(pk__in=[])
    for kind, code, zoning_id in units:
        condition |= Q(unit_kind=kind, unit_code=code, zoning_id=zoning_id)
    return {
        (kind, code, indicator, level_id): (value, facility_id)
        for kind, code, indicator, level_id, value, facility_id in IndicatorValue.objects.filter(
            condition, run=run
        ).values_list("unit_kind", "unit_code", "indicator", "level_id", "value", "facility_id")
    }


def commune_minutes(
    run: IndicatorRun, commune_codes: list[str]
) -> dict[int, list[tuple[str, float | None, int | None, float]]]:
    """Per level id: (commune code, nearest minutes, nearest facility id, population) of the
    given communes (one query)."""
    population = {}
    minutes: dict[int, list] = defaultdict(list)
    rows = IndicatorValue.objects.filter(
        run=run,
        unit_kind=UnitKind.COMMUNE,
        unit_code__in=commune_codes,
        indicator__in=[Indicator.NEAREST_MINUTES, Indicator.POPULATION],
    ).values_list("unit_code", "indicator", "level_id", "value", "facility_id")
    rows = list(rows)
    for code, indicator, _level, value, _facility in rows:
        if indicator == Indicator.POPULATION:
            population[code] = value or 0.0
    for code, indicator, level_id, value, facility_id in rows:
        if indicator == Indicator.NEAREST_MINUTES:
            minutes[level_id].append((code, value, facility_id, population.get(code, 0.0)))
    return minutes


# --- facilities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapFacility:
    point: FacilityPoint
    levels: list[int]


def region_facilities(region: Region, levels: list[Level]) -> list[MapFacility]:
    """Open facilities of the region that have a point, with their current authorisations and
    the ids of the ``levels`` they serve (three queries plus one per level)."""
    facilities = Facility.objects.filter(
        status=Facility.Status.OPEN, point__isnull=False, commune__department__region=region
    )
    serving: dict[int, list[int]] = defaultdict(list)
    for level in levels:
        note = getattr(level, "note", None)
        if note is not None and note.missing:
            continue
        absent = note.absent if note is not None else ()
        for facility_id in (
            level_facilities(level, absent=absent)
            .filter(pk__in=facilities.values("pk"))
            .values_list("pk", flat=True)
        ):
            serving[facility_id].append(level.id)
    return [MapFacility(point, serving.get(pk, [])) for pk, point in facility_points(facilities)]


def facilities_by_id(ids: set[int]) -> dict[int, Facility]:
    return {
        f.pk: f
        for f in Facility.objects.filter(pk__in=ids)
        .select_related("commune")
        .only("pk", "finess_et", "name", "kind", "commune__name", "commune__code")
    }
