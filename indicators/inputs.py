"""The engine's inputs, loaded from the database into arrays (the only ORM side of a run).

Units are the communes of the region that have a representative point; a commune without one
(e.g. one re-established after the polygons' vintage) cannot be placed and is excluded, with
its population reported in the run's summary. Facilities of each level come from all of France,
not only the region: people cross borders to the nearest maternity. Every facility counts with
a capacity of 1, since neither beds nor FTE are in the open data loaded.

A level weighted by the women aged 15 to 44 (``Level.Weight.WOMEN_15_44``, the perinatal
levels) counts, per commune, the INSEE census count ``F1529`` + ``F3044`` of its latest
``CommunePopulationByAge``; a commune whose ages are not loaded counts its total population
instead, and the run records how many did (``weight_summary``), for every page to say so.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F, FloatField, Func, OuterRef, QuerySet, Subquery
from django.utils import timezone

from facilities.models import Authorisation, Facility
from pathways.models import Level, LevelRequirement
from pathways.selectors import level_access_target, level_facilities
from territories.models import (
    Commune,
    CommunePopulationByAge,
    Region,
    ZoneMembership,
    Zoning,
)

from .engine.travel import Places

#: The capacity given to every facility (stated in each run's parameters).
FACILITY_CAPACITY = 1.0


@dataclass(frozen=True)
class ZoningGroups:
    """One zoning of the region as groups: ``zone_codes[g]`` is group g, ``of_commune`` maps a
    commune id to its group (communes in no zone of the zoning are absent)."""

    zoning_id: int
    name: str
    zone_codes: list[str]
    of_commune: dict[int, int]


@dataclass(frozen=True)
class Units:
    """The population units: ``places.ids`` are INSEE codes, sorted."""

    places: Places
    commune_ids: np.ndarray  # int64 database ids, aligned with places
    population: np.ndarray  # float64
    department: np.ndarray  # int64 index into department_codes
    department_codes: list[str]
    department_of_commune: dict[int, int]  # every commune of the region, placed or not
    zonings: list[ZoningGroups]
    zone: dict[int, np.ndarray]  # zoning id -> int64 group per unit, -1 outside every zone
    excluded_codes: list[str]
    excluded_population: int
    #: women aged 15 to 44 (INSEE F1529 + F3044) per unit, NaN where the ages are not loaded
    women_15_44: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    #: the census years the ages were read from (one per commune: its latest)
    ages_years: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.places)

    def of_department(self, code: str) -> np.ndarray:
        """Indices of the units of one département (a chunk of a run)."""
        return np.flatnonzero(self.department == self.department_codes.index(code))


@dataclass(frozen=True)
class LevelFacilities:
    """The facilities serving one level: ``places.ids`` are FINESS ET numbers."""

    level_id: int
    key: str  # "pathway:rank", stable across databases
    target_minutes: float | None
    places: Places
    facility_ids: np.ndarray  # int64 database ids
    commune_ids: np.ndarray  # int64, -1 where the facility has no commune
    capacity: np.ndarray = field(repr=False)
    #: who the level's figures count (``pathways.models.Level.Weight``)
    population_weight: str = Level.Weight.TOTAL
    #: a second threshold whose share beyond is reported too (minutes), or None
    second_target_minutes: float | None = None

    def __len__(self) -> int:
        return len(self.places)


def lon_lat(point: Any = None) -> dict[str, Func]:
    """``lon`` and ``lat`` of ``point`` (default the row's ``point``) as floats read by PostGIS
    (``ST_X``, ``ST_Y``), for ``annotate(**lon_lat())``: no GEOS object per row."""
    point = F("point") if point is None else point
    return {
        "lon": Func(point, function="ST_X", output_field=FloatField()),
        "lat": Func(point, function="ST_Y", output_field=FloatField()),
    }


def level_population(units: Units, level: LevelFacilities) -> np.ndarray:
    """Who ``level``'s figures count per unit: the total population, or for a level weighted
    by the women aged 15 to 44 their census count, the total population where the commune's
    ages are not loaded (the run says how many communes: ``weight_summary``)."""
    if level.population_weight != Level.Weight.WOMEN_15_44:
        return units.population
    women = units.women_15_44
    if len(women) != len(units):
        return units.population
    return np.where(np.isnan(women), units.population, women)


def weight_summary(units: Units, level: LevelFacilities) -> dict[str, Any]:
    """Which weight ``level``'s figures used, as the run records it: asked and used
    ("women_15_44", "total", or "mixed" when some communes fell back to their total
    population), the number of units, and of those that fell back with their population."""
    asked = str(level.population_weight)
    summary: dict[str, Any] = {"asked": asked, "used": asked, "units": len(units)}
    if asked != Level.Weight.WOMEN_15_44:
        return summary
    women = units.women_15_44
    unknown = np.isnan(women) if len(women) == len(units) else np.ones(len(units), dtype=bool)
    fallback = int(unknown.sum())
    summary["fallback_units"] = fallback
    summary["fallback_population"] = int(units.population[unknown].sum())
    summary["ages_years"] = list(units.ages_years)
    if fallback == len(units):
        summary["used"] = Level.Weight.TOTAL
    elif fallback:
        summary["used"] = "mixed"
    return summary


def _with_women_15_44(communes: QuerySet[Commune]) -> QuerySet[Commune]:
    """``communes`` annotated with the women aged 15 to 44 of their latest census year loaded
    (``women``, None where unknown) and that year (``ages_year``): in the one query of the
    communes, so a run or a scenario reads no more queries than before."""
    latest = CommunePopulationByAge.objects.filter(commune=OuterRef("pk")).order_by("-year")
    return communes.annotate(
        women=Subquery(latest.values("women_15_44")[:1]),
        ages_year=Subquery(latest.values("year")[:1]),
    )


def load_units(
    region: Region, *, departments: list[str] | None = None, with_zonings: bool = True
) -> Units:
    """The communes of ``region`` (of ``departments`` only, if given) as arrays."""
    communes = Commune.objects.filter(department__region=region)
    if departments is not None:
        communes = communes.filter(department__code__in=departments)
    # Coordinates as floats from the database (ST_X, ST_Y), not a GEOS point per commune.
    rows = list(
        _with_women_15_44(communes)
        .annotate(**lon_lat())
        .order_by("code")
        .values_list(
            "id", "code", "population", "lon", "department__code", "lat", "women", "ages_year"
        )
    )
    department_codes = sorted({row[4] for row in rows})
    department_index = {code: i for i, code in enumerate(department_codes)}
    placed = [row for row in rows if row[3] is not None]
    excluded = [row for row in rows if row[3] is None]
    commune_ids = np.array([row[0] for row in placed], dtype=np.int64)
    women = np.array(
        [np.nan if row[6] is None else float(row[6]) for row in placed], dtype=np.float64
    )
    years = sorted({row[7] for row in placed if row[6] is not None})
    places = Places(
        ids=np.array([row[1] for row in placed], dtype=object),
        lon=np.array([row[3] for row in placed], dtype=np.float64),
        lat=np.array([row[5] for row in placed], dtype=np.float64),
    )
    units = Units(
        places=places,
        commune_ids=commune_ids,
        population=np.array([row[2] or 0 for row in placed], dtype=np.float64),
        department=np.array([department_index[row[4]] for row in placed], dtype=np.int64),
        department_codes=department_codes,
        department_of_commune={row[0]: department_index[row[4]] for row in rows},
        zonings=[],
        zone={},
        excluded_codes=[row[1] for row in excluded],
        excluded_population=sum(row[2] or 0 for row in excluded),
        women_15_44=women,
        ages_years=years,
    )
    return attach_zonings(units, region) if with_zonings else units


def attach_zonings(units: Units, region: Region) -> Units:
    """``units`` with the region's zonings as they are now (a new ``Units``; ``units`` is left
    as it is): zonings are the planners' to edit, so a caller keeping units for long (the
    scenario base, ``sros.scenario_base``) reloads them, which costs no geometry."""
    zonings = _zonings(region)
    position = {int(cid): i for i, cid in enumerate(units.commune_ids)}
    zone = {}
    for zoning in zonings:
        groups = np.full(len(units), -1, dtype=np.int64)
        for commune_id, group in zoning.of_commune.items():
            if commune_id in position:
                groups[position[commune_id]] = group
        zone[zoning.zoning_id] = groups
    return replace(units, zonings=zonings, zone=zone)


def _zonings(region: Region) -> list[ZoningGroups]:
    result = []
    for zoning in Zoning.objects.filter(region=region).order_by("id"):
        codes = sorted(zoning.zones.values_list("code", flat=True))
        index = {code: i for i, code in enumerate(codes)}
        memberships = ZoneMembership.objects.filter(zoning=zoning).values_list(
            "commune_id", "zone__code"
        )
        result.append(
            ZoningGroups(
                zoning_id=zoning.id,
                name=zoning.name,
                zone_codes=codes,
                of_commune={commune_id: index[code] for commune_id, code in memberships},
            )
        )
    return result


#: Level facilities read in this process, under ``_level_key`` (see ``registry_stamp``).
_LEVELS_KEPT: OrderedDict[tuple, LevelFacilities] = OrderedDict()
_LEVELS_MAX = 64
_LOCK = threading.Lock()
_TABLES_STAMPED = (Facility, Authorisation, LevelRequirement)


def registry_stamp() -> tuple[int, ...] | None:
    """What changes whenever a facility, an authorisation or a level requirement is written
    or removed by another transaction: each table's row count and the sum of its rows'
    transaction ids (PostgreSQL ``xmin``: an update writes a new row version under the writer's
    id, a delete lowers the count; a sum rather than the newest id, so that a write committed
    by a transaction older than the newest one still shows). One
    query of a few milliseconds, where reading the level facilities of the national registry
    takes 1 to 3 s and an all-regions computation read them once per run, chunk and finish.

    None (nothing kept) on other databases, and when the current transaction itself wrote to
    one of the tables: its own successive writes share one transaction id, which the stamp
    would not tell apart (a test changing a facility between two computations)."""
    if connection.vendor != "postgresql":
        return None
    mine = "pg_current_xact_id_if_assigned()::text::bigint % 4294967296"
    sql = " UNION ALL ".join(
        f"SELECT count(*), coalesce(sum(xmin::text::bigint), 0), "  # noqa: S608
        f"coalesce(bool_or(xmin::text::bigint = {mine}), false) FROM {m._meta.db_table}"
        for m in _TABLES_STAMPED
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    if any(written for _count, _xmin, written in rows):
        return None
    return tuple(value for count, xmin, _w in rows for value in (count, xmin))


def load_level_facilities(
    level: Level, absent: Collection[str] = (), *, stamp: tuple[int, ...] | None = None
) -> LevelFacilities:
    """The open facilities of ``level`` that have a point, anywhere in France; ``absent``: the
    activities with no authorisation loaded, served by facility kind where the level names one
    (``pathways.selectors.level_facilities``). With a ``stamp`` (``registry_stamp``, read by
    the caller just before) the result is kept in this process under the stamp, the level,
    ``absent`` and today's date (authorisations in force today), and read again as soon as
    one of them changes."""
    if stamp is None:
        return _read_level_facilities(level, absent)
    key = (
        connection.settings_dict["NAME"], stamp, level.pk, level.pathway.code, level.rank,
        tuple(sorted(absent)), timezone.localdate().isoformat(),
    )  # fmt: skip
    with _LOCK:
        found = _LEVELS_KEPT.get(key)
        if found is not None:
            _LEVELS_KEPT.move_to_end(key)
            return found
    found = _read_level_facilities(level, absent)
    with _LOCK:
        _LEVELS_KEPT[key] = found
        while len(_LEVELS_KEPT) > _LEVELS_MAX:
            _LEVELS_KEPT.popitem(last=False)
    return found


def _read_level_facilities(level: Level, absent: Collection[str]) -> LevelFacilities:
    facilities: QuerySet[Facility] = level_facilities(level, absent=absent).exclude(point=None)
    # Coordinates as floats from PostGIS, not a GEOS point per facility.
    rows = list(
        facilities.annotate(**lon_lat())
        .order_by("finess_et")
        .values_list("id", "finess_et", "lon", "lat", "commune_id")
    )
    return LevelFacilities(
        level_id=level.id,
        key=f"{level.pathway.code}:{level.rank}",
        target_minutes=_float_or_none(level_access_target(level)),
        places=Places(
            ids=np.array([row[1] for row in rows], dtype=object),
            lon=np.array([row[2] for row in rows], dtype=np.float64),
            lat=np.array([row[3] for row in rows], dtype=np.float64),
        ),
        facility_ids=np.array([row[0] for row in rows], dtype=np.int64),
        commune_ids=np.array(
            [row[4] if row[4] is not None else -1 for row in rows], dtype=np.int64
        ),
        capacity=np.full(len(rows), FACILITY_CAPACITY, dtype=np.float64),
        population_weight=level.population_weight,
        second_target_minutes=_float_or_none(level.second_target_minutes),
    )


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def fingerprint(units: Units, facilities: list[LevelFacilities]) -> str:
    """sha256 of everything the engine reads: units (codes, points, populations, départements,
    zones), and per level its target and facilities (FINESS, points, capacities).

    Computed from the arrays, so identical inputs give identical fingerprints whatever the
    database ids or the order rows came in (arrays are sorted by code).
    """
    digest = hashlib.sha256()

    def add(label: str, data: Any) -> None:
        digest.update(label.encode())
        if isinstance(data, np.ndarray) and data.dtype != object:
            digest.update(np.ascontiguousarray(data).tobytes())
        else:
            digest.update("\x1f".join(map(str, data)).encode())

    add("unit.ids", units.places.ids)
    add("unit.lon", units.places.lon)
    add("unit.lat", units.places.lat)
    add("unit.population", units.population)
    add("unit.women_15_44", units.women_15_44)
    add("unit.department", [units.department_codes[i] for i in units.department])
    for zoning in units.zonings:
        zone = units.zone[zoning.zoning_id]
        add(f"zoning.{zoning.name}", [zoning.zone_codes[g] if g >= 0 else "" for g in zone])
    for level in sorted(facilities, key=lambda f: f.key):
        add(f"level.{level.key}.target", [level.target_minutes])
        add(f"level.{level.key}.second", [level.second_target_minutes])
        add(f"level.{level.key}.weight", [level.population_weight])
        add("facility.ids", level.places.ids)
        add("facility.lon", level.places.lon)
        add("facility.lat", level.places.lat)
        add("facility.capacity", level.capacity)
    return digest.hexdigest()


def summary(units: Units, facilities: list[LevelFacilities]) -> dict[str, Any]:
    """Counts shown with the run, and the units left out for lack of a point.

    The engine reads a level's facilities anywhere in France (no border effect), so
    ``facilities_per_level`` counts those; ``facilities_per_level_in_region`` counts the ones
    inside the region, the figure a reader compares with the region's facility table."""
    in_region = np.fromiter(units.department_of_commune, dtype=np.int64)
    return {
        "units": len(units),
        "population": int(units.population.sum()),
        "departments": units.department_codes,
        "zonings": [zoning.name for zoning in units.zonings],
        "facilities_per_level": {str(f.level_id): len(f) for f in facilities},
        "facilities_per_level_in_region": {
            str(f.level_id): int(np.isin(f.commune_ids, in_region).sum()) for f in facilities
        },
        "excluded_units": units.excluded_codes,
        "excluded_population": units.excluded_population,
        "population_weights": {str(f.level_id): weight_summary(units, f) for f in facilities},
    }
