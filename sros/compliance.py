"""Compliance of OQOS objectives: the implantations of an activity in a zone compared with the
objective's minimum and maximum (DESIGN §4, "Target compliance").

Implantations are counted as distinct open facilities located in the zone's communes:

- by authorisation: facilities holding an authorisation in force for the activity (and the
  objective's modality, if any), read through ``facilities.selectors``;
- by kind: when no facility of the zoning's communes carries any authorisation (the real
  GISCO hospitals carry none), facilities of the activity's ``proxy_kinds`` are counted
  instead. The method is returned with every count, so a page can say which one it used.

An activity with neither a registry code nor proxy kinds (heavy equipment, whose units the
facility data does not hold) has no count: its status is ``unknown``.

The comparison itself is ``indicators.engine.compliance``, the one rule used for single
objectives here and for whole zonings by the indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from facilities.selectors import current_authorisations, open_facilities
from indicators import engine
from territories.models import ZoneMembership

from .models import Objective

BELOW, WITHIN, ABOVE, UNKNOWN = "below", "within", "above", "unknown"
STATUS_LABELS = {
    BELOW: _("en dessous"),
    WITHIN: _("conforme"),
    ABOVE: _("au-dessus"),
    UNKNOWN: _("non mesurable"),
}
BY_AUTHORISATION, BY_KIND, NO_DATA = "authorisation", "kind", "none"


@dataclass(frozen=True)
class Compliance:
    count: int | None
    status: str
    method: str

    @property
    def label(self):
        return STATUS_LABELS[self.status]


def status_of(count: int | None, minimum: int, maximum: int | None) -> str:
    """below / within / above the objective's bounds (``maximum`` None: no upper bound)."""
    if count is None:
        return UNKNOWN
    upper = float("nan") if maximum is None else maximum
    return str(engine.compliance([count], minimum, upper)[0])


def _zoning_has_authorisations(zoning_id: int, on: dt.date | None) -> bool:
    communes = ZoneMembership.objects.filter(zoning_id=zoning_id).values("commune_id")
    return current_authorisations(on).filter(facility__commune_id__in=communes).exists()


def _counts_by_zone(facilities, zone_ids: set[int], zoning_id: int) -> dict[int, int]:
    """Distinct facilities per zone of ``zoning_id``, through their commune's membership."""
    zone = ZoneMembership.objects.filter(
        zoning_id=zoning_id, commune_id=OuterRef("commune_id")
    ).values("zone_id")[:1]
    rows = (
        facilities.filter(commune__memberships__zone_id__in=zone_ids)
        .annotate(zone_id=Subquery(zone))
        .values("zone_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["zone_id"]: row["n"] for row in rows}


#: ``adjust(method, activity, modality, zoning_id, counted)`` → count change per zone id, where
#: ``counted`` is the queryset of the facilities the base count counts (a what-if scenario).
CountAdjustment = Callable[[str, Any, str, int, Any], dict[int, int]]


def compliance_for(
    objectives: Iterable[Objective],
    on: dt.date | None = None,
    *,
    adjust: CountAdjustment | None = None,
) -> dict[int, Compliance]:
    """Compliance of each objective, by id: one count query per (zoning, activity, modality),
    however many zones. ``adjust`` adds a scenario's extra and removed facilities to the
    counts; the method (by authorisation or by kind) stays the base's."""
    objectives = list(objectives)
    groups: dict[tuple[int, int, str], list[Objective]] = defaultdict(list)
    for objective in objectives:
        groups[(objective.zone.zoning_id, objective.activity_id, objective.modality)].append(
            objective
        )
    has_authorisations: dict[int, bool] = {}
    result: dict[int, Compliance] = {}
    for (zoning_id, _activity_id, modality), members in groups.items():
        activity = members[0].activity
        if zoning_id not in has_authorisations:
            has_authorisations[zoning_id] = _zoning_has_authorisations(zoning_id, on)
        zone_ids = {objective.zone_id for objective in members}
        if activity.facility_activity and has_authorisations[zoning_id]:
            method = BY_AUTHORISATION
            authorisations = current_authorisations(on).filter(activity=activity.facility_activity)
            if modality:
                authorisations = authorisations.filter(modality=modality)
            facilities = open_facilities().filter(pk__in=authorisations.values("facility_id"))
        elif activity.proxy_kinds and not has_authorisations[zoning_id]:
            method = BY_KIND
            facilities = open_facilities().filter(kind__in=activity.proxy_kinds)
        else:
            for objective in members:
                result[objective.pk] = Compliance(None, UNKNOWN, NO_DATA)
            continue
        counts = _counts_by_zone(facilities, zone_ids, zoning_id)
        if adjust is not None:
            for zone_id, delta in adjust(method, activity, modality, zoning_id, facilities).items():
                counts[zone_id] = counts.get(zone_id, 0) + delta
        for objective in members:
            count = counts.get(objective.zone_id, 0)
            result[objective.pk] = Compliance(
                count, status_of(count, objective.minimum, objective.maximum), method
            )
    return result


def objective_compliance(objective: Objective, on: dt.date | None = None) -> Compliance:
    return compliance_for([objective], on)[objective.pk]
