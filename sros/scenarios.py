"""What-if scenarios on a schema version: validate and save them, and evaluate them.

A scenario is a list of changes to the facility registry (open a site, close one, add or
withdraw an authorisation). ``evaluate_scenario`` compares the registry as it is (the base)
with the registry once the changes are applied, for every pathway level and for the version's
objectives:

- indicators: ``indicators.engine.whatif.WhatIf`` built once per level on the base inputs
  (``indicators.inputs``), then one ``close``/``open`` per change touching the level: a facility
  that stops qualifying for the level (closed, or an authorisation withdrawn) is closed, one
  that starts qualifying (opened, or an authorisation added) is opened. The figures per zone,
  département and region come from the very functions an indicator run uses;
- compliance: ``sros.compliance.compliance_for`` with the scenario's extra and removed
  facilities added to its counts.
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.formatting import format_minutes
from core.locking import locked, save_checked
from facilities import perinatal
from facilities.activities import catalogue
from facilities.models import Facility
from facilities.selectors import current_authorisations
from indicators import aggregates, inputs
from indicators import services as indicator_services
from indicators.display import TIME_INDICATORS, format_value
from indicators.engine import APL_BANDS, StepWeights
from indicators.engine.travel import Places, TravelTimeProvider
from indicators.engine.whatif import WhatIf
from indicators.models import IndicatorValue
from pathways.models import Level
from territories.models import Commune, Zone, ZoneMembership

from . import compliance, scenario_base
from .models import Scenario, ScenarioChange, SchemaVersion
from .services import ensure_editable

Kind = ScenarioChange.Kind
CHANGE_FIELDS = ("kind", "finess", "label", "facility_kind", "lon", "lat", "activity", "modality")
#: Differences smaller than this are rounding, not a change the scenario made.
TOLERANCE = 1e-9


# --- validation -----------------------------------------------------------------------------


def _commune_at(version: SchemaVersion, lon: float, lat: float) -> Commune | None:
    """The commune of the version's region containing the point, if any."""
    return (
        Commune.objects.filter(
            department__region_id=version.schema.region_id,
            geometry__intersects=Point(lon, lat, srid=4326),
        )
        .order_by("id")
        .first()
    )


def _authorisation_errors(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    activity, modality = values.get("activity") or "", values.get("modality") or ""
    if not activity:
        if modality:
            errors.setdefault("modality", []).append(_("Une modalité demande une activité."))
        return
    index = catalogue()
    if index.kinds.get(activity) != "activity":
        errors.setdefault("activity", []).append(_("Activité inconnue : %s.") % activity)
    elif not index.allows(activity, modality):
        errors.setdefault("modality", []).append(
            _("Cette modalité ne s'applique pas à l'activité « %(activity)s ».")
            % {"activity": index.activity_label(activity)}
        )


def change_errors(version: SchemaVersion, values: dict[str, Any]) -> dict[str, list[str]]:
    """The rules of one change, as French messages per field (empty when valid).

    ``values`` has the keys of ``CHANGE_FIELDS``; on success it gains ``facility`` (the site
    named by ``finess``) and, for an opening, ``commune`` (where the new point lies).
    """
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if kind not in Kind.values:
        return {"kind": [_("Choisissez un type de changement.")]}
    _authorisation_errors(values, errors)
    if kind == Kind.OPEN:
        if values.get("facility_kind") not in Facility.Kind.values:
            errors.setdefault("facility_kind", []).append(
                _("Choisissez le type du nouvel établissement.")
            )
        lon, lat = values.get("lon"), values.get("lat")
        if lon is None or lat is None:
            errors.setdefault("lon", []).append(_("Donnez la longitude et la latitude du site."))
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors.setdefault("lon", []).append(_("Coordonnées invalides (degrés WGS84)."))
        else:
            commune = _commune_at(version, lon, lat)
            if commune is None:
                errors.setdefault("lon", []).append(
                    _("Le point (%(lon)s, %(lat)s) est hors de la région du schéma.")
                    % {"lon": lon, "lat": lat}
                )
            values["commune"] = commune
        return errors
    finess = (values.get("finess") or "").strip().upper()
    facility = Facility.objects.filter(finess_et=finess).first() if finess else None
    if facility is None:
        message = (
            _("Aucun établissement n'a le n° FINESS « %s ».") % finess
            if finess
            else _("Donnez le n° FINESS de l'établissement.")
        )
        errors.setdefault("finess", []).append(message)
        return errors
    if facility.status != Facility.Status.OPEN:
        errors.setdefault("finess", []).append(
            _("L'établissement %(finess)s n'est pas ouvert (%(status)s).")
            % {"finess": finess, "status": facility.get_status_display()}
        )
    values["facility"] = facility
    if kind == Kind.CLOSE or errors:
        return errors
    if not values.get("activity"):
        errors.setdefault("activity", []).append(_("Choisissez l'activité de l'autorisation."))
        return errors
    held = (
        current_authorisations()
        .filter(
            facility=facility, activity=values["activity"], modality=values.get("modality") or ""
        )
        .exists()
    )
    if kind == Kind.AUTHORISE and held:
        errors.setdefault("activity", []).append(
            _("L'établissement %s détient déjà cette autorisation.") % finess
        )
    elif kind == Kind.WITHDRAW and not held:
        errors.setdefault("activity", []).append(
            _("L'établissement %s ne détient pas cette autorisation.") % finess
        )
    return errors


def _change_key(values: dict[str, Any]) -> tuple:
    if values.get("kind") == Kind.OPEN:
        where = (round(values.get("lon") or 0, 6), round(values.get("lat") or 0, 6))
        # Several rows at one place open one site with several authorisations (a maternity's
        # units: ``new_site_groups``); the same authorisation twice is a duplicate.
        return (
            Kind.OPEN,
            where,
            values.get("facility_kind"),
            values.get("activity") or "",
            values.get("modality") or "",
        )
    facility = values.get("facility")
    authorisation = () if values.get("kind") == Kind.CLOSE else (values.get("activity") or "",)
    return (values.get("kind"), facility.pk if facility else None, *authorisation)


def changes_errors(
    version: SchemaVersion, changes: Sequence[dict[str, Any]]
) -> list[dict[str, list[str]]]:
    """The errors of each change (``change_errors``), plus those of the list: a change given
    twice, and a change on a site the same scenario closes."""
    result = [change_errors(version, values) for values in changes]
    seen: dict[tuple, int] = {}
    closed = {
        values["facility"].pk
        for values, errors in zip(changes, result, strict=True)
        if not errors and values.get("kind") == Kind.CLOSE
    }
    for number, (values, errors) in enumerate(zip(changes, result, strict=True), start=1):
        if errors:
            continue
        key = _change_key(values)
        if key in seen:
            errors.setdefault("kind", []).append(
                _("Ce changement figure déjà dans le scénario (ligne %d).") % seen[key]
            )
            continue
        seen[key] = number
        facility = values.get("facility")
        if values["kind"] != Kind.CLOSE and facility is not None and facility.pk in closed:
            errors.setdefault("finess", []).append(
                _("Le scénario ferme déjà l'établissement %s.") % facility.finess_et
            )
    return result


def _check(version: SchemaVersion, name: str, changes: Sequence[dict], exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Donnez un nom au scénario.")]
    elif (
        Scenario.objects.filter(version=version, name=name.strip()).exclude(pk=exclude_pk).exists()
    ):
        errors["name"] = [_("Un scénario de ce nom existe déjà pour cette version.")]
    for number, change in enumerate(changes_errors(version, changes), start=1):
        for field_name, messages in change.items():
            errors.setdefault("changes", []).extend(
                _("Changement %(n)d (%(field)s) : %(message)s")
                % {"n": number, "field": field_name, "message": message}
                for message in messages
            )
    if errors:
        raise ValidationError(errors)


# --- writes ---------------------------------------------------------------------------------


def _write_changes(
    scenario: Scenario, changes: Sequence[dict[str, Any]], user: AbstractBaseUser | None
) -> None:
    reasons = {}
    for change in scenario.changes.select_related("facility"):
        # A change given again without its reason (the form has none) keeps the one it had.
        reasons[_change_key({**change_values(change), "facility": change.facility})] = change.reason
        change._history_user = user
        change.delete()
    for order, values in enumerate(changes):
        if "reason" not in values:
            values = {**values, "reason": reasons.get(_change_key(values), "")}
        point = None
        if values["kind"] == Kind.OPEN:
            point = Point(values["lon"], values["lat"], srid=4326)
        save_checked(
            ScenarioChange(
                scenario=scenario,
                kind=values["kind"],
                facility=values.get("facility") if values["kind"] != Kind.OPEN else None,
                label=values.get("label") or "",
                facility_kind=values.get("facility_kind") or "" if point else "",
                point=point,
                activity=values.get("activity") or "",
                modality=values.get("modality") or "",
                reason=values.get("reason") or "",
                order=order,
            ),
            user,
        )


@transaction.atomic
def scenario_create(
    *,
    version: SchemaVersion,
    name: str,
    description: str = "",
    changes: Sequence[dict[str, Any]] = (),
    user: AbstractBaseUser | None = None,
) -> Scenario:
    """A scenario of a draft version; ``ValidationError`` lists every broken rule."""
    version = SchemaVersion.objects.select_for_update().get(pk=version.pk)
    ensure_editable(version)
    changes = [dict(values) for values in changes]
    _check(version, name, changes)
    scenario = save_checked(
        Scenario(version=version, name=name.strip(), description=description or "", author=user),
        user,
    )
    _write_changes(scenario, changes, user)
    return scenario


@transaction.atomic
def scenario_update(
    scenario: Scenario | int,
    *,
    lock_version: int,
    name: str,
    description: str = "",
    changes: Sequence[dict[str, Any]] = (),
    user: AbstractBaseUser | None = None,
) -> Scenario:
    """Replace a scenario's name, description and changes, if nobody saved it since
    ``lock_version`` (``ConflictError`` otherwise)."""
    pk = scenario.pk if isinstance(scenario, Scenario) else scenario
    current = locked(Scenario, pk, lock_version)
    ensure_editable(current.version)
    changes = [dict(values) for values in changes]
    _check(current.version, name, changes, exclude_pk=current.pk)
    current.name, current.description = name.strip(), description or ""
    current.lock_version += 1
    save_checked(current, user)
    _write_changes(current, changes, user)
    return current


def change_values(change: ScenarioChange) -> dict[str, Any]:
    """A saved change as the values ``change_errors`` and the form take."""
    return {
        "kind": change.kind,
        "finess": change.facility.finess_et if change.facility_id else "",
        "label": change.label,
        "facility_kind": change.facility_kind,
        "lon": change.point.x if change.point else None,
        "lat": change.point.y if change.point else None,
        "activity": change.activity,
        "modality": change.modality,
        "reason": change.reason,
    }


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """A facility as the scenario leaves it: its authorisations, and whether it is open."""

    facility_id: int  # -1 for a new site
    finess: str
    kind: str
    lon: float | None
    lat: float | None
    commune_id: int | None
    base_authorisations: frozenset[tuple[str, str]]
    authorisations: frozenset[tuple[str, str]]
    is_open: bool


def _sites(scenario: Scenario) -> list[_Site]:
    """Every site the scenario touches, existing ones first (by id), then new ones."""
    # A new query rather than scenario.changes: a caller's prefetch may defer the facility's
    # fields (the API's list does), and each deferred field would cost a query per site.
    changes = list(
        ScenarioChange.objects.filter(scenario=scenario)
        .select_related("facility")
        .order_by("order", "id")
    )
    existing_ids = {c.facility_id for c in changes if c.facility_id}
    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for facility_id, activity, equipment, modality in (
        current_authorisations()
        .filter(facility_id__in=existing_ids)
        .values_list("facility_id", "activity", "equipment", "modality")
    ):
        # A heavy equipment is held as its code, so equipment objectives count the site.
        held[facility_id].add((activity or equipment, modality))
    after = {fid: set(held[fid]) for fid in existing_ids}
    closed: set[int] = set()
    for change in changes:
        if change.kind == Kind.CLOSE:
            closed.add(change.facility_id)
        elif change.kind == Kind.AUTHORISE:
            after[change.facility_id].add((change.activity, change.modality))
        elif change.kind == Kind.WITHDRAW:
            after[change.facility_id].discard((change.activity, change.modality))
    sites = []
    facilities = {c.facility_id: c.facility for c in changes if c.facility_id}
    for fid in sorted(existing_ids):
        f = facilities[fid]
        sites.append(
            _Site(
                fid, f.finess_et, f.kind,
                f.point.x if f.point else None, f.point.y if f.point else None, f.commune_id,
                frozenset(held[fid]), frozenset(after[fid]),
                f.status == Facility.Status.OPEN and fid not in closed,
            )
        )  # fmt: skip
    groups = new_site_groups(changes)
    communes = _communes_of_points(scenario, [(g[0].point.x, g[0].point.y) for g in groups])
    for number, (group, commune_id) in enumerate(zip(groups, communes, strict=True), start=1):
        authorisations = {(c.activity, c.modality) for c in group if c.activity}
        first = group[0]
        sites.append(
            _Site(
                -1, f"new-{number}", first.facility_kind, first.point.x, first.point.y,
                commune_id, frozenset(), frozenset(authorisations), True,
            )
        )  # fmt: skip
    return sites


def new_site_groups(changes: Iterable[ScenarioChange]) -> list[list[ScenarioChange]]:
    """The scenario's new sites: its « Ouvrir » changes grouped by place (to 10⁻⁶°) and kind,
    in the order of their first row. Rows at one place open one site holding all their
    authorisations: a maternity of type 2A, 2B or 3 is one site with its obstétrique and
    neonatal units (décret n° 98-899, ``facilities.perinatal``). The sites are numbered
    ``new-1``, ``new-2``… in this order."""
    groups: dict[tuple, list[ScenarioChange]] = {}
    for change in changes:
        if change.kind != Kind.OPEN:
            continue
        key = (round(change.point.x, 6), round(change.point.y, 6), change.facility_kind)
        groups.setdefault(key, []).append(change)
    return list(groups.values())


def _communes_of_points(scenario: Scenario, points: list[tuple[float, float]]) -> list[int | None]:
    """The id of the region's commune holding each point (its polygon is not read)."""
    region_id = scenario.version.schema.region_id
    return [
        Commune.objects.filter(
            department__region_id=region_id, geometry__intersects=Point(lon, lat, srid=4326)
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
        for lon, lat in points
    ]


def _qualifies(
    requirements: Iterable, kind: str, authorisations: Iterable[tuple[str, str]]
) -> bool:
    """Whether a site meets any requirement of a level: the rule of
    ``pathways.selectors.level_facilities``, on a site's scenario state instead of the ORM."""
    held = set(authorisations)
    # The site's maternity type, derived from its perinatal units as the selectors do.
    maternity = perinatal.maternity_type(m for a, m in held if a == perinatal.ACTIVITY)
    for requirement in requirements:
        if requirement.facility_kind and requirement.facility_kind != kind:
            continue
        if requirement.activity_id and not any(
            activity == requirement.activity_id
            and (not requirement.modality or modality == requirement.modality)
            for activity, modality in held
        ):
            continue
        if requirement.maternity_type and requirement.maternity_type != maternity:
            continue
        return True
    return False


@dataclass(frozen=True)
class Figure:
    """One figure of a unit (region, département or zone), base and scenario."""

    unit_kind: str
    unit_code: str
    unit_name: str
    zoning: str
    indicator: str
    base: float | None
    scenario: float | None

    @property
    def label(self) -> str:
        return str(IndicatorValue.Indicator(self.indicator).label)

    @property
    def delta(self) -> float | None:
        if self.base is None or self.scenario is None:
            return None
        return self.scenario - self.base

    @property
    def shown_base(self) -> str:
        return format_value(self.indicator, self.base)

    @property
    def shown_scenario(self) -> str:
        return format_value(self.indicator, self.scenario)

    @property
    def shown_delta(self) -> str:
        """The change as the figures show (people whole, shares in points of per cent), but
        minutes with a decimal: a closure often moves a mean by less than one."""
        if self.delta is not None and self.indicator in TIME_INDICATORS:
            return format_minutes(self.delta, 1)
        return format_value(self.indicator, self.delta)

    @property
    def changed(self) -> bool:
        if (self.base is None) != (self.scenario is None):
            return True
        return self.delta is not None and abs(self.delta) > TOLERANCE * max(1.0, abs(self.base))


@dataclass(frozen=True)
class CommuneChange:
    code: str
    name: str
    population: float
    base_minutes: float
    scenario_minutes: float

    @property
    def delta(self) -> float:
        return self.scenario_minutes - self.base_minutes


@dataclass
class LevelResult:
    """Base and scenario figures of one pathway level."""

    level: Level
    target_minutes: float | None
    closed: list[str]  # FINESS of the sites that stop serving the level
    opened: list[str]  # FINESS (or ``new-n``) of those that start serving it
    base_minutes: np.ndarray = field(repr=False)
    scenario_minutes: np.ndarray = field(repr=False)
    base_access: np.ndarray = field(repr=False)
    scenario_access: np.ndarray = field(repr=False)
    figures: list[Figure] = field(default_factory=list)
    communes: list[CommuneChange] = field(default_factory=list)
    #: whom the figures count (``indicators.inputs.weight_summary``)
    weight: dict = field(default_factory=dict)

    @property
    def touched(self) -> bool:
        return bool(self.closed or self.opened)

    @property
    def region_figures(self) -> list[Figure]:
        return [f for f in self.figures if f.unit_kind == IndicatorValue.UnitKind.REGION]

    @property
    def changed_figures(self) -> list[Figure]:
        """Changed figures of départements and zones (the region's are always shown)."""
        return [
            f for f in self.figures if f.unit_kind != IndicatorValue.UnitKind.REGION and f.changed
        ]

    def figure(self, unit_kind: str, unit_code: str, indicator: str) -> Figure:
        for f in self.figures:
            if (f.unit_kind, f.unit_code, f.indicator) == (unit_kind, unit_code, indicator):
                return f
        raise KeyError((unit_kind, unit_code, indicator))


@dataclass(frozen=True)
class ObjectiveChange:
    objective: Any
    base: compliance.Compliance
    scenario: compliance.Compliance

    @property
    def changed(self) -> bool:
        return self.base != self.scenario


@dataclass
class ScenarioResult:
    scenario: Scenario
    levels: list[LevelResult]
    objectives: list[ObjectiveChange]
    timings: dict[str, float]
    provider: str
    #: The communes the levels' minute arrays are aligned with: codes and populations.
    commune_codes: list[str] = field(repr=False)
    population: np.ndarray = field(repr=False)

    @property
    def units(self) -> int:
        """How many communes the evaluation covers."""
        return len(self.commune_codes)

    @property
    def changed_objectives(self) -> list[ObjectiveChange]:
        return [o for o in self.objectives if o.changed]


def _weight() -> StepWeights:
    return StepWeights(APL_BANDS)


def _levels() -> list[Level]:
    return list(
        Level.current.select_related("pathway")
        .prefetch_related("requirements")
        .order_by("pathway__order", "pathway__code", "rank")
    )


def _apply(base: WhatIf, level: inputs.LevelFacilities, requirements, sites: list[_Site]):
    """The level's WhatIf once the sites' changes apply, and the scenario's facility arrays
    (aligned with the state's facilities: closed ones keep their place, with no capacity)."""
    position = {int(fid): j for j, fid in enumerate(level.facility_ids.tolist())}
    state, closed, opened = base, [], []
    facility_ids, commune_ids = list(level.facility_ids), list(level.commune_ids)
    for site in sites:
        serves_base = site.facility_id in position
        serves = (
            site.is_open
            and site.lon is not None
            and _qualifies(requirements, site.kind, site.authorisations)
        )
        if serves_base and not serves:
            state = state.close(position[site.facility_id]).whatif
            closed.append(site.finess)
        elif serves and not serves_base:
            place = Places(np.array([site.finess], dtype=object), np.array([site.lon]),
                           np.array([site.lat]))  # fmt: skip
            state = state.open(place, capacity=inputs.FACILITY_CAPACITY).whatif
            facility_ids.append(site.facility_id)
            commune_ids.append(site.commune_id if site.commune_id is not None else -1)
            opened.append(site.finess)
    scenario_level = inputs.LevelFacilities(
        level_id=level.level_id,
        key=level.key,
        target_minutes=level.target_minutes,
        places=state.facilities,
        facility_ids=np.array(facility_ids, dtype=np.int64),
        commune_ids=np.array(commune_ids, dtype=np.int64),
        capacity=state.capacity * state.is_open,
        population_weight=level.population_weight,
        second_target_minutes=level.second_target_minutes,
    )
    return state, scenario_level, closed, opened


def _group_figures(region, units, level, minutes, access) -> dict[tuple, float | None]:
    """The figures of an indicator run for one level: (unit kind, code, zoning id, indicator)
    → value, through the run's own aggregation (``indicators.services``)."""
    nearest = {level.level_id: (minutes, None)}
    access_by_level = {level.level_id: access}
    weighted = inputs.level_population(units, level)
    thresholds = {str(level.level_id): aggregates.underserved_threshold(access, weighted)}
    figures = {}
    for kind, zoning_id, codes, groups, of_commune in aggregates.group_sets(region, units):
        rows = aggregates.group_rows(
            kind, zoning_id, codes, groups, of_commune, units, [level], nearest,
            access_by_level, thresholds,
        )  # fmt: skip
        for unit_kind, code, zoning, indicator, level_id, _facility, value in rows:
            if level_id is not None:
                figures[(unit_kind, code, zoning, indicator)] = value
    return figures


def _unit_names(region, units: inputs.Units) -> dict[tuple, tuple[str, str]]:
    """(unit kind, code, zoning id) → (name, zoning name) for the tables."""
    names = {(IndicatorValue.UnitKind.REGION, region.code, None): (region.name, "")}
    for code, name in region.departments.values_list("code", "name"):
        names[(IndicatorValue.UnitKind.DEPARTMENT, code, None)] = (name, "")
    zonings = {z.zoning_id: z.name for z in units.zonings}
    for zoning_id, code, name in Zone.objects.filter(zoning_id__in=zonings).values_list(
        "zoning_id", "code", "name"
    ):
        names[(IndicatorValue.UnitKind.ZONE, code, zoning_id)] = (name, zonings[zoning_id])
    return names


def _commune_changes(
    units, base_minutes, minutes, commune_names: dict[int, str] | None = None, limit: int = 25
) -> list[CommuneChange]:
    with np.errstate(invalid="ignore"):
        delta = np.where(
            np.isfinite(base_minutes) & np.isfinite(minutes),
            minutes - base_minutes,
            np.where(np.isfinite(base_minutes) == np.isfinite(minutes), 0.0, np.inf),
        )
    changed = np.flatnonzero(np.abs(delta) > TOLERANCE)
    changed = changed[np.argsort(-np.abs(delta[changed]), kind="stable")][:limit]
    names = commune_names
    if names is None:
        ids = units.commune_ids[changed].tolist()
        names = dict(Commune.objects.filter(id__in=ids).values_list("id", "name"))
    return [
        CommuneChange(
            units.places.ids[i], names.get(int(units.commune_ids[i]), ""),
            float(units.population[i]), float(base_minutes[i]), float(minutes[i]),
        )
        for i in changed
    ]  # fmt: skip


def _level_result(
    region, units, names, level, base_level, base, sites, timings, kept, commune_names
):
    """One level's comparison; ``kept(label, build)`` keeps what depends on the base only
    (``scenario_base.cached`` under the evaluation's key); ``commune_names``: id → name of the
    region's communes if kept, else None (the changed ones are then read)."""
    requirements = list(level.requirements.all())
    started = time.perf_counter()
    state, scenario_level, closed, opened = _apply(base, base_level, requirements, sites)
    timings["what-if"] = timings.get("what-if", 0.0) + time.perf_counter() - started
    started = time.perf_counter()
    before = kept(
        ("figures", level.pk, _zonings_digest(units)),
        lambda: _group_figures(region, units, base_level, base.nearest.first_minutes, base.access),
    )
    after = (
        _group_figures(region, units, scenario_level, state.nearest.first_minutes, state.access)
        if closed or opened
        else before
    )
    figures = [
        Figure(key[0], key[1], *names.get((key[0], key[1], key[2]), (key[1], "")), key[3],
               value, after[key])
        for key, value in before.items()
    ]  # fmt: skip
    timings["aggregates"] = timings.get("aggregates", 0.0) + time.perf_counter() - started
    return LevelResult(
        level=level,
        target_minutes=base_level.target_minutes,
        closed=closed,
        opened=opened,
        base_minutes=base.nearest.first_minutes,
        scenario_minutes=state.nearest.first_minutes,
        base_access=base.access,
        scenario_access=state.access,
        figures=figures,
        communes=_commune_changes(
            units, base.nearest.first_minutes, state.nearest.first_minutes, commune_names
        ),
        weight=inputs.weight_summary(units, base_level),
    )


def _level_base(level, units, provider, weight):
    """The level's facilities and its WhatIf on the base (None for a level with none)."""
    base_level = inputs.load_level_facilities(level)
    if len(base_level) == 0:
        return base_level, None
    base = WhatIf.build(
        provider, units.places, base_level.places, inputs.level_population(units, base_level),
        base_level.capacity, weight, k=indicator_services.K_NEAREST,
    )  # fmt: skip
    return base_level, base


def _zonings_digest(units: inputs.Units) -> str:
    """What the zone figures depend on beyond the base: the zonings as read now."""
    digest = hashlib.sha256()
    for zoning in units.zonings:
        digest.update(f"{zoning.zoning_id}\x1f{zoning.name}\x1f".encode())
        digest.update("\x1f".join(zoning.zone_codes).encode())
        digest.update(units.zone[zoning.zoning_id].tobytes())
    return digest.hexdigest()


def _commune_names(region) -> dict[int, str]:
    return dict(Commune.objects.filter(department__region=region).values_list("id", "name"))


def _count_adjustment(sites: list[_Site]) -> compliance.CountAdjustment:
    """Count changes per zone for ``compliance_for``: a touched site counts in the scenario
    if it is open and holds the activity (or, counting by kind, is of a proxy kind)."""
    existing = [s for s in sites if s.facility_id >= 0]
    commune_ids = {s.commune_id for s in sites if s.commune_id is not None}

    def adjust(method, activity, modality, zoning_id, counted) -> dict[int, int]:
        zone_of = dict(
            ZoneMembership.objects.filter(
                zoning_id=zoning_id, commune_id__in=commune_ids
            ).values_list("commune_id", "zone_id")
        )
        in_base = set(
            counted.filter(pk__in=[s.facility_id for s in existing]).values_list("pk", flat=True)
        )
        delta: dict[int, int] = defaultdict(int)
        for site in sites:
            zone_id = zone_of.get(site.commune_id)
            if zone_id is None:
                continue
            if method == compliance.BY_AUTHORISATION:
                counts = any(
                    a == activity.code and (not modality or m == modality)
                    for a, m in site.authorisations
                )
            else:
                counts = site.kind in activity.proxy_kinds
            delta[zone_id] += int(site.is_open and counts) - int(site.facility_id in in_base)
        return {zone_id: d for zone_id, d in delta.items() if d}

    return adjust


def evaluate_scenario(
    scenario: Scenario,
    *,
    provider: TravelTimeProvider | None = None,
    levels: Iterable[int] | None = None,
    with_objectives: bool = True,
) -> ScenarioResult:
    """The scenario against its base (the registry as it is): indicators of every pathway
    level and compliance of the version's objectives, side by side. Crow-fly times unless a
    ``provider`` is given; only the levels whose ids are in ``levels``, if given (a map shows
    one level, and each level costs a what-if build); no objectives if ``with_objectives`` is
    false (a map layer does not show them)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    provider = provider or indicator_services.build_provider(
        indicator_services.default_provider_parameters()
    )
    region = scenario.version.schema.region
    weight, k = _weight(), indicator_services.K_NEAREST
    key = scenario_base.base_key(region, provider.parameters(), weight.parameters(), k)
    units = scenario_base.cached(
        key and (*key, "units"), lambda: inputs.load_units(region, with_zonings=False)
    )
    units = inputs.attach_zonings(units, region)

    def kept(label: tuple, build):
        return scenario_base.cached(key and (*key, *label), build)

    commune_names = kept(("commune names",), lambda: _commune_names(region)) if key else None
    sites = _sites(scenario)
    names = _unit_names(region, units)
    timings["inputs"] = time.perf_counter() - started
    wanted = None if levels is None else set(levels)
    results = []
    for level in _levels():
        if wanted is not None and level.pk not in wanted:
            continue
        step = time.perf_counter()
        base_level, base = scenario_base.cached(
            key and (*key, "level", level.pk),
            functools.partial(_level_base, level, units, provider, weight),
        )
        timings["build"] = timings.get("build", 0.0) + time.perf_counter() - step
        if base is None:
            continue
        result = _level_result(
            region, units, names, level, base_level, base, sites, timings, kept, commune_names
        )
        results.append(result)
    step = time.perf_counter()
    objectives = _objective_changes(scenario, sites) if with_objectives else []
    timings["compliance"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    return ScenarioResult(
        scenario=scenario,
        levels=results,
        objectives=objectives,
        timings={k: round(v, 3) for k, v in timings.items()},
        provider=provider.name,
        commune_codes=units.places.ids.tolist(),
        population=units.population,
    )


def _objective_changes(scenario: Scenario, sites: list[_Site]) -> list[ObjectiveChange]:
    objectives = list(
        scenario.version.objectives.select_related("zone", "zone__zoning", "activity")
    )
    base = compliance.compliance_for(objectives)
    after = compliance.compliance_for(objectives, adjust=_count_adjustment(sites))
    return [ObjectiveChange(o, base[o.pk], after[o.pk]) for o in objectives]


# Public names of the rules above, for the suggestions (``sros.suggestions``) that build a
# location model's fixed sites from a scenario exactly as its evaluation does.
scenario_sites = _sites
qualifies = _qualifies
commune_at = _commune_at


class _Preview(Exception):
    """Raised to roll a preview's scenario back once evaluated."""


def scenario_preview(
    *, version: SchemaVersion, changes: Sequence[dict[str, Any]], user=None
) -> ScenarioResult:
    """The evaluation of ``changes`` as the builder's rows hold them, before anything is saved:
    the scenario is written (with every rule of ``scenario_create``) and evaluated inside a
    transaction that is then rolled back, so the figures are exactly those the saved scenario
    would show, and nothing stays (no scenario, no history row, no commit hook).
    ``ValidationError`` as for ``scenario_create``."""
    result: ScenarioResult | None = None
    try:
        with transaction.atomic():
            scenario = scenario_create(
                version=version,
                # A name no saved scenario holds: the preview never meets the unique name rule.
                name=f"aperçu {uuid.uuid4()}",
                changes=changes,
                user=user,
            )
            result = evaluate_scenario(scenario)
            raise _Preview
    except _Preview:
        pass
    return result
