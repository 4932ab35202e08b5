"""The APL of the DREES for a region, from the database: inputs, the engine, storage.

docs/indicators.md ("The APL of the DREES") gives the method and its sources. What this module
adds to the engine (``indicators.engine.apl``) is where the inputs come from:

- **communes**: every loaded commune with a point, *whatever its region*: step 1 of a site
  near the border sums the demand of the neighbouring region's communes;
- **ages**: each commune's latest ``CommunePopulationByAge`` (INSEE RP), summed into the bands
  of the age weights; without weights, or for a commune without ages, the total population;
- **supply**: the general practitioners of the Annuaire Santé (``GENERAL_PRACTITIONER``) per
  practice site, at the site's point or its commune's; a practitioner's ETP is its activity
  when the file gives it in ETP (or in consultations, divided by the ETP → consultations factor
  when one is given); otherwise 1 ETP, flagged "estimation : activité non connue";
- **border**: a site within reach of a département none of whose communes is loaded makes its
  communes "bassin incomplet".
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce

from facilities.practitioners import GENERAL_PRACTITIONER, PracticeSite, Practitioner
from territories.models import (
    Commune,
    CommunePopulationByAge,
    Department,
    Region,
    ZoneMembership,
    Zoning,
)

from .engine.apl import APL_WEIGHTS, AgeWeights, Apl, apl_in_scope, site_supply, standardised_demand
from .engine.travel import Places
from .inputs import lon_lat
from .models import AplRun, AplValue, AplZoneValue, DreesApl
from .services import build_provider, default_provider_parameters

#: The INSEE variables (``CommunePopulationByAge.counts`` keys) of each band an ``AgeWeights``
#: may name; alternatives in order (75+ is POP75P up to RP 2020, POP7589 + POP90P from RP 2021).
INSEE_BANDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "0-14": (("POP0014",),),
    "15-29": (("POP1529",),),
    "30-44": (("POP3044",),),
    "45-59": (("POP4559",),),
    "60-74": (("POP6074",),),
    "75+": (("POP75P",), ("POP7589", "POP90P")),
}

UNIT_CONSULTATIONS = "consultations/visites accessibles par an et par habitant standardisé"
UNIT_ETP = "ETP de médecin généraliste pour 100 000 habitants standardisés"
SUPPLY_ESTIMATED = "estimation : activité non connue"
AGES_MISSING = "population totale : âges non chargés"
CATCHMENT_INCOMPLETE = "bassin incomplet"


@dataclass(frozen=True)
class AplCommunes:
    places: Places
    commune_ids: np.ndarray
    region_codes: np.ndarray
    population: np.ndarray  # NaN where not loaded
    band_counts: np.ndarray | None  # (n, bands), NaN rows where ages are not loaded


@dataclass(frozen=True)
class AplSites:
    places: Places
    site_ids: np.ndarray
    supply_etp: np.ndarray
    estimated: np.ndarray
    practitioners: int
    practitioners_with_activity: int


def band_counts(counts: dict[str, float], band: str) -> float:
    """The count of one band from a commune's INSEE counts; NaN when the file lacks it."""
    for variables in INSEE_BANDS[band]:
        if all(counts.get(v) is not None for v in variables):
            return float(sum(counts[v] for v in variables))
    return math.nan


def load_communes(weights: AgeWeights | None) -> AplCommunes:
    """Every loaded commune with a point (all regions), sorted by code."""
    rows = list(
        Commune.objects.exclude(point=None)
        .annotate(**lon_lat())
        .order_by("code")
        .values_list("id", "code", "lon", "lat", "population", "department__region__code")
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    places = Places(
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
    )
    population = np.array(
        [math.nan if r[4] is None else float(r[4]) for r in rows], dtype=np.float64
    )
    counts = None
    if weights is not None:
        unknown = [band for band in weights.labels if band not in INSEE_BANDS]
        if unknown:
            raise ValueError(
                f"age band(s) {', '.join(unknown)} are not INSEE bands ({', '.join(INSEE_BANDS)})"
            )
        latest: dict[int, dict] = {}
        for commune_id, _year, c in CommunePopulationByAge.objects.order_by(
            "commune_id", "year"
        ).values_list("commune_id", "year", "counts"):
            latest[commune_id] = c  # ordered by year: the last one wins
        position = {int(cid): i for i, cid in enumerate(ids)}
        counts = np.full((len(rows), len(weights.bands)), np.nan)
        for commune_id, c in latest.items():
            if commune_id in position:
                counts[position[commune_id]] = [band_counts(c, b) for b in weights.labels]
    return AplCommunes(places, ids, np.array([r[5] for r in rows]), population, counts)


def load_sites(consultations_per_etp: float | None) -> AplSites:
    """General practitioners per practice site, with their ETP (NaN when unknown).

    One query; the site's point (its own, else its commune's) comes as two floats (``ST_X``,
    ``ST_Y``), not as a GEOS object per row (most of the national 60,000 sites' 30 s)."""
    at = Coalesce(F("site__point"), F("site__commune__point"))
    rows = list(
        Practitioner.objects.filter(GENERAL_PRACTITIONER)
        .annotate(**lon_lat(at))
        .filter(lon__isnull=False)
        .order_by("site_id", "national_id", "id")
        .values_list(
            "site_id", "national_id", "activity", "activity_unit", "lon", "lat",
            "site__commune__code",
        )
    )  # fmt: skip
    etp_of: dict[tuple[int, str], float] = {}
    where: dict[int, tuple[float, float, str]] = {}
    for site_id, national_id, activity, unit, lon, lat, code in rows:
        key = (site_id, national_id)  # a practitioner counts once per site
        etp = _etp(activity, unit, consultations_per_etp)
        if key not in etp_of or (math.isnan(etp_of[key]) and not math.isnan(etp)):
            etp_of[key] = etp
        where[site_id] = (lon, lat, code or f"site:{site_id}")
    site_ids = np.array(sorted(where), dtype=np.int64)
    index = {int(s): i for i, s in enumerate(site_ids)}
    site_of = np.array([index[site] for site, _n in etp_of], dtype=np.int64)
    activity = np.array(list(etp_of.values()), dtype=np.float64)
    supply, estimated = site_supply(activity, site_of, len(site_ids))
    placed = [where[int(s)] for s in site_ids]
    # Ids are the sites' commune codes: a commune-to-commune matrix (the DREES's method, INSEE's
    # Metric distancier) gives the time to the site's commune.
    places = Places(
        np.array([code for _x, _y, code in placed], dtype=object),
        np.array([x for x, _y, _c in placed], dtype=np.float64),
        np.array([y for _x, y, _c in placed], dtype=np.float64),
    )
    known = int(np.count_nonzero(~np.isnan(activity)))
    return AplSites(places, site_ids, supply, estimated, len(activity), known)


def _etp(activity, unit: str, consultations_per_etp: float | None) -> float:
    if activity is None:
        return math.nan
    if unit == Practitioner.ActivityUnit.ETP:
        return float(activity)
    if unit == Practitioner.ActivityUnit.CONSULTATIONS and consultations_per_etp:
        return float(activity) / consultations_per_etp
    return math.nan


def border_radius_km(parameters: dict[str, Any], max_minutes: float) -> float:
    """How far (great-circle km) a site's catchment may reach: exact for crow-fly; for another
    provider, the crow-fly reach at its parameters' speed, else 90 km/h with no detour (a road
    is never shorter than the straight line; a faster average is not assumed)."""
    if parameters.get("provider") == "crowfly":
        minutes = max(max_minutes - float(parameters.get("access_minutes", 0.0)), 0.0)
        return minutes / 60.0 * float(parameters["speed_kmh"]) / float(parameters["detour"])
    return max_minutes / 60.0 * 90.0


def departments_unloaded() -> list[int]:
    """Ids of the départements with a polygon and no loaded commune (one query)."""
    communes = Commune.objects.filter(department=OuterRef("pk"))
    return list(
        Department.objects.exclude(geometry=None)
        .filter(~Exists(communes))
        .values_list("pk", flat=True)
    )


def sites_near_unloaded(sites: AplSites, radius_km: float) -> np.ndarray:
    """Per site: is a département with no loaded commune within ``radius_km``? One PostGIS
    query (distances on the geography, in metres) over those départements only, none when
    every département with a polygon has its communes (all of France loaded)."""
    unloaded = departments_unloaded()
    if not len(sites.site_ids) or not unloaded:
        return np.zeros(len(sites.site_ids), dtype=bool)
    site, commune = PracticeSite._meta.db_table, Commune._meta.db_table
    department = Department._meta.db_table
    sql = f"""
        SELECT s.id FROM {site} s LEFT JOIN {commune} c ON c.id = s.commune_id
        WHERE s.id = ANY(%s) AND EXISTS (
            SELECT 1 FROM {department} d
            WHERE d.id = ANY(%s)
              AND d.geometry && ST_Expand(COALESCE(s.point, c.point), %s)
              AND ST_DWithin(d.geometry::geography, COALESCE(s.point, c.point)::geography, %s)
        )
    """  # noqa: S608 - table names from the models, values as parameters
    # The bounding-box test (degrees, on the indexed geometry) keeps the geography distance to
    # the few départements near each site; 1° of longitude is >= 55.6 km up to 60° N.
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [sites.site_ids.tolist(), unloaded, radius_km / 55.6, radius_km * 1000.0]
        )
        near = {row[0] for row in cursor.fetchall()}
    return np.array([int(s) in near for s in sites.site_ids], dtype=bool)


def zone_means(run: AplRun, region: Region, values: dict[int, tuple[float, float, bool]]):
    """Population-weighted mean APL of each territoire de vie-santé of the region."""
    rows = []
    for zoning in Zoning.objects.filter(region=region, kind=Zoning.Kind.HEALTH_LIVING_AREA):
        members: dict[int, list[int]] = defaultdict(list)
        for zone_id, commune_id in ZoneMembership.objects.filter(zoning=zoning).values_list(
            "zone_id", "commune_id"
        ):
            members[zone_id].append(commune_id)
        for zone in zoning.zones.all():
            got = [values[c] for c in members[zone.pk] if c in values]
            population = sum(p for p, _v, _i in got if not math.isnan(p))
            missing = sum(1 for c in members[zone.pk] if c not in values or values[c][1] is None)
            incomplete = sum(1 for _p, _v, i in got if i)
            mean = None
            if not missing and population > 0:
                mean = sum(p * v for p, v, _i in got) / population
            rows.append(
                AplZoneValue(
                    run=run,
                    zone=zone,
                    population=population,
                    value=mean,
                    communes_missing=missing,
                    communes_incomplete=incomplete,
                )
            )
    AplZoneValue.objects.bulk_create(rows)


@dataclass(frozen=True)
class AplInputs:
    """What every APL computation of one moment reads from the database, once."""

    parameters: dict[str, Any]
    provider: Any
    communes: AplCommunes
    sites: AplSites
    demand: np.ndarray
    ages_known: np.ndarray
    radius_km: float
    outside: np.ndarray


def apl_inputs(
    provider_parameters: dict[str, Any] | None = None,
    age_weights: AgeWeights | None = None,
    consultations_per_etp: float | None = None,
    timings: dict[str, float] | None = None,
) -> AplInputs:
    """Every loaded commune and GP practice site, the standardised demand and the sites whose
    reach crosses into unloaded territory (``ValueError`` without any practitioner)."""
    clock = _Clock(timings)
    parameters = provider_parameters or default_provider_parameters()
    provider = build_provider(parameters)
    communes = load_communes(age_weights)
    clock("inputs: communes")
    sites = load_sites(consultations_per_etp)
    clock("inputs: practice sites")
    if not len(sites.site_ids):
        # Without any practitioner the APL is unknown, not 0: nothing is stored.
        raise ValueError(
            "no general practitioner with a placed practice site is loaded: import the "
            "Annuaire Santé (kind annuaire-sante) first"
        )
    demand, ages_known = standardised_demand(communes.population, communes.band_counts, age_weights)
    radius = border_radius_km(parameters, APL_WEIGHTS.max_minutes)
    outside = sites_near_unloaded(sites, radius)
    clock("inputs: border check (PostGIS)")
    return AplInputs(parameters, provider, communes, sites, demand, ages_known, radius, outside)


class _Clock:
    """Adds the time since the last call under a label to ``timings`` (when given)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, label: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[label] = self.timings.get(label, 0.0) + now - self.last
        self.last = now


def _check_factor(consultations_per_etp: float | None, consultations_source: str) -> None:
    if consultations_per_etp is not None and not consultations_source.strip():
        raise ValueError("the ETP → consultations factor must name its source")


def apl_compute(
    region_id: int,
    *,
    provider_parameters: dict[str, Any] | None = None,
    age_weights: AgeWeights | None = None,
    consultations_per_etp: float | None = None,
    consultations_source: str = "",
) -> AplRun:
    """Compute and store the APL of every commune of region ``region_id`` (and its TVS means).

    ``consultations_per_etp`` (with ``consultations_source``) converts ETP into consultations
    and visits per year; without it the APL is in ETP per 100,000 standardised inhabitants and
    the run's ``unit`` says so. No published factor is assumed (docs/indicators.md).
    """
    _check_factor(consultations_per_etp, consultations_source)
    region = Region.objects.get(pk=region_id)
    got = apl_inputs(provider_parameters, age_weights, consultations_per_etp)
    scope = np.flatnonzero(got.communes.region_codes == region.code)
    result = _apl_of(got, scope)
    return apl_store(region, got, scope, result, age_weights, consultations_per_etp,
                     consultations_source)  # fmt: skip


def apl_compute_all(
    region_ids: list[int] | None = None,
    *,
    provider_parameters: dict[str, Any] | None = None,
    age_weights: AgeWeights | None = None,
    consultations_per_etp: float | None = None,
    consultations_source: str = "",
    timings: dict[str, float] | None = None,
) -> list[AplRun]:
    """The APL of every region with communes (or of ``region_ids``), one ``AplRun`` each, as
    ``apl_compute`` stores it, with the inputs read once and the engine called once on all
    their communes: step 1 already sums across borders, so each region's values are those
    ``apl_compute`` gives it alone (``tests/test_apl_service.py``). ``timings`` (optional)
    receives the seconds of each part."""
    _check_factor(consultations_per_etp, consultations_source)
    got = apl_inputs(provider_parameters, age_weights, consultations_per_etp, timings)
    clock = _Clock(timings)
    present = set(got.communes.region_codes.tolist())
    regions = Region.objects.defer("geometry").order_by("code")
    if region_ids is not None:
        regions = regions.filter(pk__in=region_ids)
    chosen = [region for region in regions if region.code in present]
    if not chosen:
        return []
    wanted = np.isin(got.communes.region_codes, [r.code for r in chosen])
    scope = np.flatnonzero(wanted)
    result = _apl_of(got, scope)
    clock("engine (all communes at once)")
    position = np.full(len(got.communes.region_codes), -1, dtype=np.int64)
    position[scope] = np.arange(len(scope))
    runs = []
    for region in chosen:
        mine = np.flatnonzero(got.communes.region_codes == region.code)
        at = position[mine]
        part = Apl(
            value=result.value[at],
            ratio=result.ratio,
            incomplete=result.incomplete[at],
            estimated_supply=result.estimated_supply[at],
            ages_known=result.ages_known[at],
        )
        runs.append(apl_store(region, got, mine, part, age_weights, consultations_per_etp,
                              consultations_source))  # fmt: skip
    clock("store (one run per region)")
    return runs


def _apl_of(got: AplInputs, scope: np.ndarray) -> Apl:
    places, supply, estimated, outside = sites_by_place(got.sites, got.outside)
    return apl_in_scope(
        got.provider, got.communes.places, scope, places, got.demand, supply,
        ages_known=got.ages_known, estimated_supply=estimated, facility_outside_loaded=outside,
    )  # fmt: skip


def sites_by_place(
    sites: AplSites, outside: np.ndarray
) -> tuple[Places, np.ndarray, np.ndarray, np.ndarray]:
    """The practice sites merged by place (same id and point): their supply summed, their
    flags or-ed. The APL is unchanged (sites at one point share their catchment, so
    Σ_j S_j / Σ_k w D_k is the merged site's ratio) and the engine has fewer destinations:
    the public file places every site at its commune's point (60,000 sites, some 20,000
    places nationally)."""
    if not len(sites.site_ids):
        return sites.places, sites.supply_etp, sites.estimated, outside
    keys = np.rec.fromarrays([sites.places.ids.astype(str), sites.places.lon, sites.places.lat])
    _unique, first, group = np.unique(keys, return_index=True, return_inverse=True)
    group = group.ravel()
    n = len(first)
    places = Places(sites.places.ids[first], sites.places.lon[first], sites.places.lat[first])
    supply = np.bincount(group, weights=sites.supply_etp, minlength=n)
    estimated = np.bincount(group, weights=sites.estimated.astype(float), minlength=n) > 0
    near = np.bincount(group, weights=np.asarray(outside, dtype=float), minlength=n) > 0
    return places, supply, estimated, near


def apl_store(
    region: Region,
    got: AplInputs,
    scope: np.ndarray,
    result: Apl,
    age_weights: AgeWeights | None,
    consultations_per_etp: float | None,
    consultations_source: str,
) -> AplRun:
    """Store one region's run: ``scope`` (indices of ``got.communes``, the region's) and the
    engine's ``result`` aligned with it."""
    communes, sites, parameters, demand = got.communes, got.sites, got.parameters, got.demand
    scale = consultations_per_etp if consultations_per_etp is not None else 100_000.0
    unit = UNIT_CONSULTATIONS if consultations_per_etp is not None else UNIT_ETP
    value = result.value * scale
    with transaction.atomic():
        run = AplRun.objects.create(
            region=region,
            provider=parameters.get("provider", ""),
            parameters={
                "travel": parameters,
                "bands": [list(b) for b in APL_WEIGHTS.bands],
                "age_weights": None
                if age_weights is None
                else {"bands": [list(b) for b in age_weights.bands], "source": age_weights.source},
                "consultations_per_etp": consultations_per_etp,
                "consultations_source": consultations_source,
                "border_radius_km": got.radius_km,
            },
            unit=unit,
            summary={
                "communes": int(len(scope)),
                "communes_loaded": int(len(communes.places)),
                "communes_ages_known": int(np.count_nonzero(result.ages_known)),
                "communes_incomplete": int(np.count_nonzero(result.incomplete)),
                "communes_estimated_supply": int(np.count_nonzero(result.estimated_supply)),
                # Communes of the region without a point: no APL, and their inhabitants are
                # missing from the step 1 of the sites near them (listed, never shown as 0).
                "communes_without_point": list(
                    Commune.objects.filter(department__region=region, point=None)
                    .order_by("code")
                    .values_list("code", flat=True)
                ),
                "sites": int(len(sites.site_ids)),
                "practitioners": sites.practitioners,
                "practitioners_with_activity": sites.practitioners_with_activity,
            },
        )
        ids = communes.commune_ids[scope]
        population = communes.population[scope]
        rows = zip(
            ids.tolist(),
            _nullable(population),
            _nullable(demand[scope]),
            _nullable(value),
            np.asarray(result.ages_known, dtype=bool).tolist(),
            np.asarray(result.estimated_supply, dtype=bool).tolist(),
            np.asarray(result.incomplete, dtype=bool).tolist(),
            strict=True,
        )
        by_commune = _write_values(run.pk, rows)
        zone_means(run, region, by_commune)
    return run


#: AplValue columns in the order ``_write_values`` takes them (after the run).
_VALUE_FIELDS = ("commune_id", "population", "standardised_population", "value", "ages_known",
                 "estimated_supply", "incomplete_catchment")  # fmt: skip


def _nullable(values: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else v for v in np.asarray(values, dtype=float).tolist()]


def _write_values(run_id: int, rows) -> dict[int, tuple[float, float | None, bool]]:
    """Insert a run's AplValues (PostgreSQL COPY; ``bulk_create`` elsewhere: 35,000 model
    instances were 5 s of the national APL); returns {commune id: (population, value,
    incomplete)} for the zone means."""
    rows = list(rows)
    if connection.vendor == "postgresql":
        table = AplValue._meta.db_table
        sql = f"COPY {table} (run_id, {', '.join(_VALUE_FIELDS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((run_id, *row))
    else:
        AplValue.objects.bulk_create(
            AplValue(run_id=run_id, **dict(zip(_VALUE_FIELDS, row, strict=True))) for row in rows
        )
    return {row[0]: (math.nan if row[1] is None else row[1], row[3], row[6]) for row in rows}


def value_notes(value: AplValue) -> list[str]:
    """The honesty labels shown with a commune's APL (API, CSV, page)."""
    notes = []
    if value.estimated_supply:
        notes.append(SUPPLY_ESTIMATED)
    if not value.ages_known:
        notes.append(AGES_MISSING)
    if value.incomplete_catchment:
        notes.append(CATCHMENT_INCOMPLETE)
    return notes


def drees_reference(run: AplRun) -> dict[int, tuple[int, float | None]]:
    """{commune id: (year, value)} of the DREES's published APL for the run's communes: the
    latest year imported for the region's communes (one year for the whole run, so that the
    differences compare like with like). Empty when none is imported."""
    communes = run.values.values("commune_id")
    rows = DreesApl.objects.filter(commune_id__in=communes)
    year = rows.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return {}
    return {
        commune_id: (year, value)
        for commune_id, value in rows.filter(year=year).values_list("commune_id", "value")
    }


@dataclass(frozen=True)
class ReferenceApl:
    """The APL a zoning of doctors (ZIP/ZAC) should read for one commune, and whose it is."""

    value: float | None
    source: str  # "DREES <year>" or "calcul #<run id>"
    unit: str


def zoning_reference(region_id: int, *, under_65: bool = False) -> dict[int, ReferenceApl]:
    """{commune id: the APL to zone with} for the communes of a region: the DREES's published
    APL of the latest year imported where it is loaded (the official figure, issue 11 §1), else
    the value of the region's latest APL run; communes with neither are absent.

    ``under_65``: the zoning's arrêté reads the APL to general practitioners aged 65 or less
    (arrêté du 13 novembre 2017): the DREES's column of that name is read where filled, else
    its all-ages value, and the source says which (our own run counts every age)."""
    result: dict[int, ReferenceApl] = {}
    run = AplRun.objects.filter(region_id=region_id).order_by("-created_at", "-id").first()
    if run is not None:
        for commune_id, value in run.values.values_list("commune_id", "value"):
            result[commune_id] = ReferenceApl(value, f"calcul #{run.pk}", run.unit)
    drees = DreesApl.objects.filter(commune__department__region_id=region_id)
    year = drees.order_by("-year").values_list("year", flat=True).first()
    if year is not None:
        rows = drees.filter(year=year).values_list("commune_id", "value", "value_under_65")
        for commune_id, value, value_under_65 in rows:
            if under_65 and value_under_65 is not None:
                result[commune_id] = ReferenceApl(
                    value_under_65, f"DREES {year} (65 ans ou moins)", UNIT_CONSULTATIONS
                )
            elif under_65:
                result[commune_id] = ReferenceApl(
                    value, f"DREES {year} (tous âges)", UNIT_CONSULTATIONS
                )
            else:
                result[commune_id] = ReferenceApl(value, f"DREES {year}", UNIT_CONSULTATIONS)
    return result
