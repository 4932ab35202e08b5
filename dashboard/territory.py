"""The "diagnostic territorial" of a commune, a zone or a département, and the population beyond
target per zone of a pathway — assembled from the stored values of one run.

"Facilities around" a territory are those that are the nearest facility of one of its communes
within the level's target, as the run stored them: no travel time is computed here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.gis.db.models import Extent
from django.db.models import Count
from django.utils.translation import gettext as _

from core import response_cache
from facilities.models import Facility
from indicators.display import format_value
from indicators.models import IndicatorRun
from pathways.models import Level
from territories.models import Commune, Department, Region, Zone, Zoning
from territories.selectors import loaded_departments, region_label

from . import charts, selectors
from .layers import WEIGHTED_INDICATORS
from .selectors import Indicator, UnitKind

BEYOND_INDICATORS = [Indicator.POPULATION, Indicator.POPULATION_BEYOND, Indicator.SHARE_BEYOND]
KINDS = {"commune": UnitKind.COMMUNE, "departement": UnitKind.DEPARTMENT, "zone": UnitKind.ZONE}


@dataclass
class Unit:
    kind: str  # an IndicatorValue.UnitKind
    code: str
    name: str
    region: Region
    zoning: Zoning | None = None
    department: Department | None = None
    commune_codes: list[str] = field(default_factory=list)
    extent: tuple[float, float, float, float] | None = None

    @property
    def label(self) -> str:
        return str(UnitKind(self.kind).label)


def find_unit(region: Region, kind: str, code: str, zoning_id: int | None) -> Unit | None:
    """The territory named by the URL, within ``region``; None if there is none."""
    unit_kind = KINDS.get(kind)
    if unit_kind == UnitKind.COMMUNE:
        commune = (
            Commune.objects.filter(code=code, department__region=region)
            .select_related("department")
            .defer("geometry", "map_geometry", "low_zoom_map_geometry", "department__geometry")
            .first()
        )
        if commune is None:
            return None
        communes = Commune.objects.filter(pk=commune.pk)
        unit = Unit(unit_kind, code, commune.name, region, department=commune.department)
        unit.commune_codes = [code]
    elif unit_kind == UnitKind.DEPARTMENT:
        department = loaded_departments(region).defer("geometry").filter(code=code).first()
        if department is None:
            return None
        communes = Commune.objects.filter(department=department)
        unit = Unit(unit_kind, code, department.name, region, department=department)
        unit.commune_codes = list(communes.values_list("code", flat=True))
    elif unit_kind == UnitKind.ZONE and zoning_id is not None:
        zone = (
            Zone.objects.filter(zoning_id=zoning_id, zoning__region=region, code=code)
            .select_related("zoning")
            .defer("geometry", "map_geometry")
            .first()
        )
        if zone is None:
            return None
        communes = Commune.objects.filter(zones=zone)
        unit = Unit(unit_kind, code, zone.name, region, zoning=zone.zoning)
        unit.commune_codes = list(communes.values_list("code", flat=True))
        main = communes.values("department").annotate(n=Count("id")).order_by("-n").first()
        if main:
            unit.department = Department.objects.defer("geometry").get(pk=main["department"])
    else:
        return None
    unit.extent = communes.aggregate(e=Extent("geometry"))["e"]
    return unit


def _time_indicator(unit: Unit) -> str:
    return Indicator.NEAREST_MINUTES if unit.kind == UnitKind.COMMUNE else Indicator.MEAN_MINUTES


def diagnostic(run: IndicatorRun, unit: Unit, levels: list[Level], chosen: str | None) -> dict:
    """Everything the territory page shows besides the map."""
    keys = [(unit.kind, unit.code, unit.zoning.pk if unit.zoning else None)]
    if unit.department and unit.kind != UnitKind.DEPARTMENT:
        keys.append((UnitKind.DEPARTMENT, unit.department.code, None))
    keys.append((UnitKind.REGION, unit.region.code, None))
    values = selectors.unit_values(run, keys)
    # A commune's chart is read against its département's communes.
    if unit.kind == UnitKind.DEPARTMENT:
        minutes = department_minutes(run, unit.department, unit.commune_codes)
    elif unit.kind == UnitKind.COMMUNE and unit.department is not None:
        minutes = department_minutes(run, unit.department)
    else:
        minutes = selectors.commune_minutes(run, unit.commune_codes)
    own = set(unit.commune_codes)
    chosen_level = next(
        (lv for lv in levels if str(lv.pk) == chosen), selectors.first_shown_level(levels)
    )

    nearest, around_ids = [], set()
    for level in levels:
        rows = [row for row in minutes.get(level.pk, []) if row[0] in own]
        nearest.append(_nearest_of(unit, level, rows, values))
        around_ids |= {
            facility_id
            for _code, t, facility_id, _pop in rows
            if facility_id and t is not None and (level.target is None or t <= level.target)
        }
    inside = list(
        Facility.objects.filter(status=Facility.Status.OPEN, commune__code__in=unit.commune_codes)
        .order_by("kind", "name")
        .values_list("pk", flat=True)
    )
    facilities = selectors.facilities_by_id(set(inside) | around_ids)
    for row in nearest:
        row["facility"] = facilities.get(row.pop("facility_id"))
    for_chart = {lv.pk: minutes.get(lv.pk, []) for lv in levels}
    unit_rows = [row for row in for_chart.get(chosen_level.pk, [])] if chosen_level else []
    own_rows = [row for row in unit_rows if row[0] in own]
    return {
        "population": values.get((unit.kind, unit.code, Indicator.POPULATION, None), (None,))[0],
        "comparison": _comparison(unit, levels, values),
        "nearest": nearest,
        "facilities_inside": [facilities[pk] for pk in inside if pk in facilities],
        "facilities_around": sorted(
            (facilities[pk] for pk in around_ids - set(inside) if pk in facilities),
            key=lambda f: (f.kind, f.name),
        ),
        "chosen_level": chosen_level,
        "band_chart": charts.band_bars(
            [
                (
                    str(level.name if len(level.pathway.name) > 30 else level),
                    charts.population_by_band(
                        [r[1] for r in for_chart[level.pk] if r[0] in own],
                        [r[3] for r in for_chart[level.pk] if r[0] in own],
                    ),
                )
                for level in levels
                if not _missing(level)
            ]
        ),
        "histogram": charts.time_histogram(
            [r[1] for r in unit_rows],
            [r[3] for r in unit_rows],
            marker=_marker(unit, chosen_level, values, own_rows),
            marker_label=unit.name,
            target=chosen_level.target if chosen_level else None,
        )
        if chosen_level
        else "",
        "histogram_scope": unit.department.name
        if unit.kind == UnitKind.COMMUNE and unit.department
        else unit.name,
    }


def department_minutes(
    run: IndicatorRun, department: Department, codes: list[str] | None = None
) -> dict[int, list]:
    """``selectors.commune_minutes`` of every commune of ``department`` (their ``codes`` when
    the caller has them): what the charts of the département's page and of each of its
    communes read (thousands of values), read once per run and kept
    (``core.response_cache.kept``)."""

    def read() -> dict[int, list]:
        if codes is not None:
            return dict(selectors.commune_minutes(run, codes))
        communes = Commune.objects.filter(department=department).values_list("code", flat=True)
        return dict(selectors.commune_minutes(run, list(communes)))

    parts = ["department-minutes", department.code, *selectors.run_parts(run)]
    return response_cache.kept(parts, read)


def _missing(level: Level) -> bool:
    """Whether the run left ``level`` uncomputed for lack of an input (``run_levels`` note)."""
    note = getattr(level, "note", None)
    return note is not None and note.missing


def _marker(unit, level, values, own_rows) -> float | None:
    if level is None:
        return None
    value = values.get((unit.kind, unit.code, _time_indicator(unit), level.pk), (None,))[0]
    return value


def _nearest_of(unit: Unit, level: Level, rows, values) -> dict:
    """A commune's nearest facility of ``level``; for a zone or a département, the facility
    nearest to most of its inhabitants, its mean time and its worst commune's time."""
    if unit.kind == UnitKind.COMMUNE:
        t, facility_id = values.get(
            (unit.kind, unit.code, Indicator.NEAREST_MINUTES, level.pk), (None, None)
        )
        return {"level": level, "minutes": t, "facility_id": facility_id, "worst": None}
    served = Counter()
    for _code, _t, facility_id, population in rows:
        if facility_id:
            served[facility_id] += population
    reached = [t for _c, t, _f, _p in rows if t is not None]
    mean = values.get((unit.kind, unit.code, Indicator.MEAN_MINUTES, level.pk), (None,))[0]
    return {
        "level": level,
        "minutes": mean,
        "facility_id": served.most_common(1)[0][0] if served else None,
        "worst": None if not rows else (None if len(reached) < len(rows) else max(reached)),
        "unreached": len(rows) - len(reached),
    }


def _comparison(unit: Unit, levels: list[Level], values: dict) -> dict:
    """Rows (level, indicator, formatted values of the unit, its département and the region)."""
    columns = [(unit.kind, unit.code)]
    headers = [unit.name]
    if unit.department and unit.kind != UnitKind.DEPARTMENT:
        columns.append((UnitKind.DEPARTMENT, unit.department.code))
        headers.append(unit.department.name)
    columns.append((UnitKind.REGION, unit.region.code))
    headers.append(region_label(unit.region))  # a partial region says so
    rows = []
    for level in levels:
        for indicator in _compared_indicators(unit):
            cells = []
            for kind, code in columns:
                name = indicator
                if kind != UnitKind.COMMUNE and indicator == Indicator.NEAREST_MINUTES:
                    name = Indicator.MEAN_MINUTES
                if kind != UnitKind.COMMUNE and indicator == Indicator.ACCESS_2SFCA:
                    name = Indicator.POPULATION_UNDERSERVED
                value = values.get((kind, code, name, level.pk), (None,))[0]
                cells.append(format_value(name, value))
            if all(c == "—" for c in cells):
                continue
            rows.append(
                {"level": level, "indicator": _row_label(unit, indicator, level), "cells": cells}
            )
    return {"headers": headers, "rows": rows}


def _compared_indicators(unit: Unit) -> list[str]:
    if unit.kind == UnitKind.COMMUNE:
        return [Indicator.NEAREST_MINUTES]
    return [
        Indicator.MEAN_MINUTES,
        Indicator.SHARE_BEYOND,
        Indicator.POPULATION_BEYOND,
        Indicator.SHARE_BEYOND_SECOND,
        Indicator.POPULATION_BEYOND_SECOND,
        Indicator.POPULATION_UNDERSERVED,
        Indicator.DENSITY_PER_10K,
    ]


def _row_label(unit: Unit, indicator: str, level: Level | None = None) -> str:
    """The row's indicator, with the threshold of a second-threshold row and, for a level
    counted by the women aged 15 to 44, whom its figures counted."""
    if unit.kind == UnitKind.COMMUNE:
        return _("Temps d'accès (commune : au plus proche ; autres : moyen pondéré)")
    label = str(Indicator(indicator).label)
    second = getattr(level, "second_target_minutes", None)
    if second and indicator in (Indicator.SHARE_BEYOND_SECOND, Indicator.POPULATION_BEYOND_SECOND):
        label += f" ({second} min)"
    weight = getattr(level, "weight", None)
    if weight is not None and indicator in WEIGHTED_INDICATORS:
        label += f" — {weight.short}"
    return label


def beyond_by_unit(run: IndicatorRun, levels: list[Level], zoning: Zoning | None) -> dict:
    """Population and share beyond target of each zone of ``zoning`` (or each département)
    for the levels with a target that the run computed (two queries)."""
    targeted = [lv for lv in levels if lv.target is not None and not _missing(lv)]
    kind = UnitKind.ZONE if zoning else UnitKind.DEPARTMENT
    if zoning:
        names = dict(Zone.objects.filter(zoning=zoning).values_list("code", "name"))
    else:
        names = dict(loaded_departments(run.region_id).values_list("code", "name"))
    values = {
        (code, indicator, level_id): value
        for code, indicator, level_id, value in selectors.IndicatorValue.objects.filter(
            run=run,
            unit_kind=kind,
            zoning=zoning,
            indicator__in=BEYOND_INDICATORS,
        ).values_list("unit_code", "indicator", "level_id", "value")
    }
    rows = []
    for code in sorted(names):
        cells = [
            (
                format_value(Indicator.POPULATION_BEYOND,
                             values.get((code, Indicator.POPULATION_BEYOND, lv.pk))),
                format_value(Indicator.SHARE_BEYOND,
                             values.get((code, Indicator.SHARE_BEYOND, lv.pk))),
            )
            for lv in targeted
        ]  # fmt: skip
        rows.append(
            {
                "code": code,
                "name": names[code],
                "kind": "zone" if zoning else "departement",
                "population": format_value(
                    Indicator.POPULATION, values.get((code, Indicator.POPULATION, None))
                ),
                "cells": cells,
            }
        )
    return {"levels": targeted, "rows": rows}
