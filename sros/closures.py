"""The « Fermetures » table of a pathway level: for every site serving it, what closing that
site alone would do to the region's communes, most harmful first, and the scenario closing it.

The figures are ``indicators.engine.location.drop_one`` on the two nearest sites of each
commune, with the times and weights the scenario page evaluates with (crow-fly by default; the
level's population weight, e.g. women aged 15 to 44 for a perinatal level): the population
newly beyond the level's target, the population that would reach no site at all (counted apart),
and the change of the weighted mean time. They equal a full re-evaluation of the scenario
closing that site (tests/test_suggestions.py). docs/suggestions.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from facilities.models import Facility
from indicators import inputs
from indicators import services as indicator_services
from indicators.engine import location
from pathways.models import Level

from . import scenarios
from .models import Scenario, ScenarioChange, SchemaVersion


@dataclass(frozen=True)
class ClosureRow:
    facility_id: int
    finess: str
    name: str
    commune: str
    in_region: bool
    population_beyond: float
    population_losing_reach: float
    communes_beyond: int
    communes_losing_reach: int
    mean_minutes_change: float | None

    @property
    def harm(self) -> float:
        return self.population_beyond + self.population_losing_reach


@dataclass(frozen=True)
class Closures:
    level: Level
    target_minutes: float | None
    mean_minutes: float | None
    rows: list[ClosureRow]
    provider: str
    weight: dict[str, Any]


def closures(version: SchemaVersion, level: Level) -> Closures:
    """The drop-one ranking of ``level``'s sites for the version's region: the sites located in
    the region and those outside that are the nearest of one of its communes."""
    region = version.schema.region
    provider = indicator_services.build_provider(indicator_services.default_provider_parameters())
    units = inputs.load_units(region, with_zonings=False)
    sites = inputs.load_level_facilities(level)
    target = sites.target_minutes
    if len(sites) == 0 or len(units) == 0 or target is None:
        return Closures(level, target, None, [], provider.name, inputs.weight_summary(units, sites))
    minutes, index = provider.nearest(units.places, sites.places, k=2)
    demand = inputs.level_population(units, sites)
    ranking = location.drop_one(minutes, index, demand, len(sites), target)
    nearest_of = np.bincount(index[:, 0][index[:, 0] >= 0], minlength=len(sites))
    facilities = {
        f.pk: f
        for f in Facility.objects.filter(pk__in=sites.facility_ids.tolist()).select_related(
            "commune__department"
        )
    }
    rows = []
    change = ranking.mean_minutes_change
    for j in ranking.ranking().tolist():
        facility = facilities[int(sites.facility_ids[j])]
        commune = facility.commune
        in_region = commune is not None and commune.department.region_id == region.pk
        if not in_region and nearest_of[j] == 0:
            continue
        rows.append(
            ClosureRow(
                facility.pk, facility.finess_et, facility.name,
                commune.name if commune else "", in_region,
                float(ranking.population_beyond[j]), float(ranking.population_losing_reach[j]),
                int(ranking.communes_beyond[j]), int(ranking.communes_losing_reach[j]),
                float(change[j]) if np.isfinite(change[j]) else None,
            )
        )  # fmt: skip
    mean = ranking.mean_minutes_before
    return Closures(
        level, target, mean if np.isfinite(mean) else None, rows, provider.name,
        inputs.weight_summary(units, sites),
    )  # fmt: skip


def closure_name(facility: Facility) -> str:
    return _("Fermeture : %(name)s (%(finess)s)") % {
        "name": facility.name[:150],
        "finess": facility.finess_et,
    }


@transaction.atomic
def close_in_scenario(
    *,
    version: SchemaVersion,
    facility: Facility,
    user: AbstractBaseUser,
    scenario: Scenario | None = None,
    lock_version: int | None = None,
) -> Scenario:
    """A scenario closing ``facility``: ``scenario`` with the closure added (under its
    ``lock_version``: ``ConflictError`` if saved since), else the version's scenario named
    after the closure, created if there is none. Closing a site twice adds nothing."""
    if scenario is None:
        scenario = Scenario.objects.filter(version=version, name=closure_name(facility)).first()
        if scenario is None:
            return scenarios.scenario_create(
                version=version,
                name=closure_name(facility),
                changes=[{"kind": ScenarioChange.Kind.CLOSE, "finess": facility.finess_et}],
                user=user,
            )
        lock_version = scenario.lock_version
    kept = [scenarios.change_values(c) for c in scenario.changes.select_related("facility")]
    close = {"kind": ScenarioChange.Kind.CLOSE, "finess": facility.finess_et}
    if any(c["kind"] == close["kind"] and c["finess"] == close["finess"] for c in kept):
        return scenario
    return scenarios.scenario_update(
        scenario.pk,
        lock_version=scenario.lock_version if lock_version is None else lock_version,
        name=scenario.name,
        description=scenario.description,
        changes=[*kept, close],
        user=user,
    )
