"""Suggestions written as scenarios: where to open new sites of a pathway level, answered by a
location model (``indicators.engine.location``: MCLP, LSCP, the coverage goal, p-median, existing
sites fixed) on a
Celery worker, and written back as the scenario's new-site changes, each with its reason.

The instance is the one the scenario page evaluates (``sros.scenarios.evaluate_scenario``):

- demand: the region's communes, weighted as the level's figures are (women aged 15 to 44 for
  a perinatal level, ``indicators.inputs.level_population``);
- fixed sites: the level's open facilities (anywhere in France, as a run reads them) as the
  scenario leaves them: the sites it closes (or whose authorisation it withdraws) are not
  fixed, its new sites qualifying for the level are;
- candidates: the communes' points (``Commune.point``: population-weighted centre where known)
  or the points the planner clicked;
- times: the provider the scenario page evaluates with (crow-fly by default), pairs within the
  target time (MCLP, LSCP, coverage goal) or twice the target time (p-median: a commune beyond
  that of every site counts at the model's penalty, ``location.pmedian``).

The answer is written (``sros.suggestion_jobs``) under the scenario's ``lock_version`` as it was
when the planner asked; the previous changes are kept, the new sites appended
(docs/suggestions.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_minutes, format_number
from facilities import perinatal
from indicators import inputs
from indicators import services as indicator_services
from indicators.engine import location
from indicators.engine.travel import Places
from pathways.models import Level
from territories.models import Commune

from . import scenarios
from .models import Scenario, ScenarioChange, SuggestionJob

Status = SuggestionJob.Status
Model = SuggestionJob.Model
#: Most new sites a suggestion may open (a schema opens a few sites, not hundreds).
MAX_P = 20
#: Most clicked candidate points.
MAX_POINTS = 200
#: Time limit given to HiGHS (seconds); beyond it the greedy answers, with its gap.
TIME_LIMIT = 60.0
#: p-median pairs reach this many times the target time.
PMEDIAN_HORIZON = 2.0
#: Coverage goals a planner may ask (percent of the level's demand).
MIN_GOAL, MAX_GOAL = 1.0, 100.0
#: How a reason names the model (« suggéré par … »).
MODEL_NAMES = {
    Model.MCLP: "MCLP",
    Model.LSCP: "LSCP",
    Model.GOAL: gettext_lazy("l'objectif de couverture"),
    Model.PMEDIAN: "p-médiane",
}


# --- what a new site of a level is ------------------------------------------------------------


@dataclass(frozen=True)
class NewSite:
    """The kind and authorisations a new site needs to serve a level: one activity, with one
    modality (or none), or several for a maternity (its perinatal units)."""

    facility_kind: str
    activity: str
    modalities: tuple[str, ...]


def new_site_of(level: Level) -> NewSite | None:
    """How a new site can serve ``level``: its first requirement, as a kind and the
    authorisations to hold. A maternity of a type is authorised for the perinatal units of
    that type (``perinatal.UNITS_OF_TYPE``: type 2A obstétrique and néonatologie, …), written
    as one « Ouvrir » row per unit at the same place (``scenarios.new_site_groups``). Where
    the requirement names no kind, the kind most of the level's sites have (else a CH)."""
    for requirement in level.requirements.all():
        activity = requirement.activity_id or ""
        modalities = (requirement.modality,) if requirement.modality else ()
        if requirement.maternity_type:
            activity = perinatal.ACTIVITY
            modalities = perinatal.UNITS_OF_TYPE[requirement.maternity_type]
        kind = requirement.facility_kind or _usual_kind(level)
        return NewSite(kind, activity, modalities or ("",))
    return None


def _usual_kind(level: Level) -> str:
    from pathways.selectors import level_facilities

    kinds = Counter(level_facilities(level).values_list("kind", flat=True))
    return kinds.most_common(1)[0][0] if kinds else "ch"


def current_levels() -> list[Level]:
    """The current levels, in the pages' order."""
    return list(
        Level.current.select_related("pathway")
        .prefetch_related("requirements")
        .order_by("pathway__order", "pathway__code", "rank")
    )


def suggestible_levels() -> list[Level]:
    """The current levels a new site can serve."""
    return [level for level in current_levels() if new_site_of(level) is not None]


# --- the instance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    units: inputs.Units
    demand: np.ndarray
    fixed: Places
    candidates: Places
    candidate_communes: list[str]  # commune name of each candidate ("" if none)
    target_minutes: float
    weight: str  # whom the demand counts: a Level.Weight, or "mixed" (``weight_summary``)
    weight_asked: str  # whom the level asks to count


def _fixed_sites(scenario: Scenario, level: Level, level_sites: inputs.LevelFacilities) -> Places:
    """The level's sites as the scenario leaves them (closed ones out, new ones in)."""
    requirements = list(level.requirements.all())
    keep = np.ones(len(level_sites), dtype=bool)
    position = {int(fid): j for j, fid in enumerate(level_sites.facility_ids.tolist())}
    ids, lon, lat = [], [], []
    for site in scenarios.scenario_sites(scenario):
        serves = (
            site.is_open
            and site.lon is not None
            and scenarios.qualifies(requirements, site.kind, site.authorisations)
        )
        if site.facility_id in position and not serves:
            keep[position[site.facility_id]] = False
        elif serves and site.facility_id not in position:
            ids.append(site.finess), lon.append(site.lon), lat.append(site.lat)
    kept = level_sites.places.subset(np.flatnonzero(keep))
    return Places(
        np.concatenate([kept.ids, np.array(ids, dtype=object)]),
        np.concatenate([kept.lon, np.array(lon, dtype=np.float64)]),
        np.concatenate([kept.lat, np.array(lat, dtype=np.float64)]),
    )


def build_instance(
    scenario: Scenario, level: Level, target_minutes: float, points: list[list[float]] | None
) -> Instance:
    """The demand, fixed sites and candidates of a suggestion (see the module's docstring)."""
    region = scenario.version.schema.region
    units = inputs.load_units(region, with_zonings=False)
    level_sites = inputs.load_level_facilities(level)
    demand = inputs.level_population(units, level_sites)
    fixed = _fixed_sites(scenario, level, level_sites)
    names = dict(Commune.objects.filter(department__region=region).values_list("id", "name"))
    if points is None:
        candidates = Places(
            np.array([f"commune-{code}" for code in units.places.ids], dtype=object),
            units.places.lon.copy(),
            units.places.lat.copy(),
        )
        communes = [names.get(int(i), "") for i in units.commune_ids]
    else:
        candidates = Places(
            np.array([f"point-{n}" for n in range(1, len(points) + 1)], dtype=object),
            np.array([p[0] for p in points], dtype=np.float64),
            np.array([p[1] for p in points], dtype=np.float64),
        )
        communes = [
            getattr(scenarios.commune_at(scenario.version, lon, lat), "name", "")
            for lon, lat in points
        ]
    weight = inputs.weight_summary(units, level_sites)
    return Instance(
        units, demand, fixed, candidates, communes, float(target_minutes), weight["used"],
        weight["asked"],
    )  # fmt: skip


def solve(
    instance: Instance, model: str, p: int | None, goal: float | None = None
) -> location.LocationResult:
    """The location model's answer on the instance (fixed sites first, then candidates);
    ``goal`` is the coverage goal's percent of the demand."""
    provider = indicator_services.build_provider(indicator_services.default_provider_parameters())
    sites = Places(
        np.concatenate([instance.fixed.ids, instance.candidates.ids]),
        np.concatenate([instance.fixed.lon, instance.candidates.lon]),
        np.concatenate([instance.fixed.lat, instance.candidates.lat]),
    )
    fixed = np.zeros(len(sites), dtype=bool)
    fixed[: len(instance.fixed)] = True
    target = instance.target_minutes
    horizon = target * PMEDIAN_HORIZON if model == Model.PMEDIAN else target
    pairs = provider.within(instance.units.places, sites, horizon)
    options = {"time_limit": TIME_LIMIT}
    if model == Model.MCLP:
        return location.mclp(instance.demand, pairs, fixed, int(p or 0), target, **options)
    if model == Model.LSCP:
        return location.lscp(instance.demand, pairs, fixed, target, **options)
    if model == Model.GOAL:
        share = float(goal) / 100.0
        return location.coverage_goal(instance.demand, pairs, fixed, share, target, **options)
    return location.pmedian(instance.demand, pairs, fixed, int(p or 0), **options)


# --- the answer as changes ------------------------------------------------------------------------


def people_label(weight: str | None) -> str:
    """Whom a level's figures count, as the pages say it."""
    if weight == Level.Weight.WOMEN_15_44:
        return _("femmes de 15 à 44 ans")
    if weight == "mixed":
        return _("personnes (femmes de 15 à 44 ans, habitants là où les âges manquent)")
    return _("habitants")


def reason_of(model: str, added: float, instance: Instance) -> str:
    """Why a suggested site is there, in the planner's words."""
    name = MODEL_NAMES[Model(model)]
    if model == Model.PMEDIAN:
        total = float(instance.demand.sum())
        saved = added / total if total else 0.0
        return _("suggéré par %(model)s : temps moyen réduit de %(minutes)s") % {
            "model": name,
            "minutes": format_minutes(saved, 2),
        }
    return _("suggéré par %(model)s : +%(people)s %(who)s à moins de %(minutes)s") % {
        "model": name,
        "people": format_number(added),
        "who": people_label(instance.weight),
        "minutes": format_minutes(instance.target_minutes, 0),
    }


def answer_changes(
    result: location.LocationResult, instance: Instance, site: NewSite, model: str
) -> list[dict[str, Any]]:
    """The opened candidates as open changes (values of ``sros.scenarios.change_errors``)."""
    changes = []
    for number, (index, added) in enumerate(zip(result.opened, result.added, strict=True), 1):
        candidate = int(index) - len(instance.fixed)
        commune = instance.candidate_communes[candidate]
        label = _("Site suggéré %(n)d") % {"n": number}
        # One row per authorisation of the site, at one place: one new site (a maternity's
        # units); the reason on each, since each row is shown with its own.
        for modality in site.modalities:
            changes.append(
                {
                    "kind": ScenarioChange.Kind.OPEN,
                    "label": f"{label} – {commune}" if commune else label,
                    "facility_kind": site.facility_kind,
                    "lon": float(instance.candidates.lon[candidate]),
                    "lat": float(instance.candidates.lat[candidate]),
                    "activity": site.activity,
                    "modality": modality,
                    "reason": reason_of(model, float(added), instance)[:300],
                }
            )
    return changes


def result_summary(result: location.LocationResult, instance: Instance) -> dict[str, Any]:
    """What the job page says of the answer."""
    total = float(instance.demand.sum())
    model_covers = result.model != location.PMEDIAN  # covered: within the target
    return {
        "solver": result.solver,
        "status": result.status,
        "gap": result.gap if np.isfinite(result.gap) else None,
        "heuristic": result.heuristic,
        "seconds": round(result.seconds, 3),
        "objective": result.objective,
        "covered": result.covered,
        "uncoverable": result.uncoverable,
        "mean_minutes": result.mean_minutes if np.isfinite(result.mean_minutes) else None,
        "demand": total,
        "weight": instance.weight,
        "weight_asked": instance.weight_asked,
        "opened": len(result.opened),
        "added": [float(a) for a in result.added],
        "fixed_sites": len(instance.fixed),
        "candidates": len(instance.candidates),
        # the coverage goal: whether it is met, and the most any choice of candidates reaches
        "goal_met": result.goal_met,
        "reachable": result.parameters.get("reachable"),
        "share": result.covered / total if total and model_covers else None,
        "reachable_share": (total - result.uncoverable) / total if total and model_covers else None,
    }
