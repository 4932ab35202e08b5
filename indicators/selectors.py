"""Read queries on indicator runs: what pages, exports and the API show."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    When,
)

from pathways.models import Level
from territories.models import Commune, Department, Region, Zone

from .models import IndicatorRun, IndicatorValue


def _done_runs_latest_first(**filters) -> QuerySet[IndicatorRun]:
    return IndicatorRun.objects.filter(status=IndicatorRun.Status.DONE, **filters).order_by(
        "-finished_at", "-id"
    )


def latest_run(region: Region) -> IndicatorRun | None:
    """The latest *done* run of ``region``: what pages read. A queued, running or failed run
    never replaces it; a stale one is still returned (its ``stale`` flag says so)."""
    return _done_runs_latest_first(region=region).first()


def latest_run_ids() -> QuerySet:
    """The id of every region's latest done run (``latest_run`` for all regions, as one
    subquery for filters)."""
    latest = _done_runs_latest_first(region=OuterRef("pk")).values("pk")[:1]
    return Region.objects.annotate(latest=Subquery(latest)).exclude(latest=None).values("latest")


def value_list_runs(region_ids: QuerySet, run_id: int | None) -> list[tuple] | None:
    """What a page of the values list depends on: (id, end time) of the runs it may show —
    run ``run_id`` or, without it, the latest done run of each region — among the regions of
    ``region_ids``. None when one of them is not done (its values may still be written).

    A done run's values never change, so with the data version (``core.response_cache``) this
    names the page's content."""
    runs = IndicatorRun.objects.filter(region__in=region_ids)
    runs = runs.filter(pk=run_id) if run_id is not None else runs.filter(pk__in=latest_run_ids())
    states = list(runs.order_by("pk").values_list("pk", "status", "finished_at"))
    if any(status != IndicatorRun.Status.DONE for _pk, status, _end in states):
        return None
    return [(pk, end.isoformat() if end else "") for pk, _status, end in states]


@dataclass(frozen=True)
class NumberedRun:
    """A run's values as its list's pages read them: how many there are by their positions
    (``IndicatorValue.position``), and the run's level states and population weights (what
    every value shows)."""

    pk: int
    size: int
    level_states: dict
    population_weights: dict


def numbered_runs(run_ids: list[int]) -> list[NumberedRun] | None:
    """The runs ``run_ids`` in id order (the list's first key), each with the number of values
    its positions count (the last position + 1, read from the end of the index on (run,
    position)); None when a run has values without a position (written by ``bulk_create``):
    its list is paged with ``OFFSET``. A run deleted since is left out."""
    values = IndicatorValue.objects.filter(run=OuterRef("pk"))
    last = values.filter(position__isnull=False).order_by("-position").values("position")[:1]
    runs = (
        IndicatorRun.objects.filter(pk__in=run_ids)
        .annotate(last=Subquery(last), unnumbered=Exists(values.filter(position__isnull=True)))
        .order_by("pk")
        .values_list(
            "pk", "last", "unnumbered", "level_states", "inputs_summary__population_weights"
        )
    )
    numbered = []
    for pk, last_position, unnumbered, level_states, weights in runs:
        if unnumbered:
            return None
        size = 0 if last_position is None else last_position + 1
        numbered.append(NumberedRun(pk, size, level_states or {}, weights or {}))
    return numbered


def run_values(
    run: IndicatorRun,
    *,
    indicator: str | None = None,
    level: Level | None = None,
    unit_kind: str | None = None,
) -> QuerySet[IndicatorValue]:
    values = IndicatorValue.objects.filter(run=run)
    if indicator is not None:
        values = values.filter(indicator=indicator)
    if level is not None:
        values = values.filter(level=level)
    if unit_kind is not None:
        values = values.filter(unit_kind=unit_kind)
    return values


@dataclass(frozen=True)
class RegionRuns:
    region: Region
    runs: list[IndicatorRun]
    latest_done: IndicatorRun | None


def runs_by_region(
    *, regions: QuerySet[Region] | None = None, per_region: int = 5
) -> list[RegionRuns]:
    """Every region of ``regions`` (default: all) with its ``per_region`` most recent runs
    (any state) and its latest done run, in three queries whatever the number of regions."""
    regions = (
        (Region.objects.all() if regions is None else regions)
        .prefetch_related(
            Prefetch(
                "indicator_runs",
                queryset=IndicatorRun.objects.select_related("requested_by").order_by(
                    "-created_at", "-id"
                ),
                to_attr="all_runs",
            )
        )
        .order_by("code")
    )
    result = []
    for region in regions.defer("geometry"):
        done = [run for run in region.all_runs if run.status == IndicatorRun.Status.DONE]
        latest = max(done, key=lambda run: (run.finished_at, run.id), default=None)
        result.append(RegionRuns(region, region.all_runs[:per_region], latest))
    return result


def _name_of(model, **match) -> Subquery:
    return Subquery(model.objects.filter(**match).values("name")[:1])


def with_names(values: QuerySet[IndicatorValue]) -> QuerySet[IndicatorValue]:
    """``values`` annotated with the name of their unit (commune, département, zone or region),
    of their level and of its pathway, still in one query: each unit name is an indexed
    lookup on its code (and zoning), chosen by the value's unit kind."""
    Kind = IndicatorValue.UnitKind
    code = OuterRef("unit_code")
    return values.annotate(
        unit_name=Case(
            When(unit_kind=Kind.COMMUNE, then=_name_of(Commune, code=code)),
            When(unit_kind=Kind.DEPARTMENT, then=_name_of(Department, code=code)),
            When(
                unit_kind=Kind.ZONE,
                then=_name_of(Zone, zoning_id=OuterRef("zoning_id"), code=code),
            ),
            When(unit_kind=Kind.REGION, then=_name_of(Region, code=code)),
            output_field=CharField(),
        ),
        level_name=F("level__name"),
        pathway_name=F("level__pathway__name"),
    )
