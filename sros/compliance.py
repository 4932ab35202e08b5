"""Compliance of OQOS objectives: the implantations of an activity in a zone compared with the
objective's minimum and maximum (docs/indicators.md, "Target compliance").

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

from django.db.models import Count, Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility
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


def _zonings_with_authorisations(zoning_ids: set[int], on: dt.date | None) -> set[int]:
    """The zonings among ``zoning_ids`` where some facility of their communes holds an
    authorisation in force (one query for all of them)."""
    held = current_authorisations(on).filter(facility__commune_id=OuterRef("commune_id"))
    return set(
        ZoneMembership.objects.filter(zoning_id__in=zoning_ids)
        .filter(Exists(held))
        .values_list("zoning_id", flat=True)
        .distinct()
    )


def counted_facilities(method: str, activity, modality: str, on: dt.date | None = None):
    """The queryset of the facilities a group's count counts (what ``adjust`` is given)."""
    if method == BY_KIND:
        return open_facilities().filter(kind__in=activity.proxy_kinds)
    authorisations = current_authorisations(on).filter(activity=activity.code)
    if modality:
        authorisations = authorisations.filter(modality=modality)
    return open_facilities().filter(pk__in=authorisations.values("facility_id"))


def _authorisation_counts(
    groups: list[tuple[int, str, str]], on: dt.date | None
) -> dict[tuple[int, str, str], int]:
    """Distinct open facilities per (zone id, registry activity, modality) holding a current
    authorisation; modality "" counts every modality of the activity. One query for every
    group: the distinct (zone, activity, modality, facility) rows, counted here (a facility
    holding two modalities counts once for the activity)."""
    if not groups:
        return {}
    rows = (
        current_authorisations(on)
        .filter(
            facility__status=Facility.Status.OPEN,
            facility__commune__memberships__zone_id__in={g[0] for g in groups},
            activity__in={g[1] for g in groups},
        )
        .values_list(
            "facility__commune__memberships__zone_id", "activity", "modality", "facility_id"
        )
        .distinct()
        .order_by()
    )
    facilities: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    for zone_id, activity, modality, facility_id in rows:
        facilities[(zone_id, activity, modality)].add(facility_id)
        facilities[(zone_id, activity, "")].add(facility_id)
    return {group: len(facilities.get(group, ())) for group in set(groups)}


def _kind_counts(zone_ids: set[int], kinds: set[str]) -> dict[tuple[int, str], int]:
    """Open facilities per (zone id, kind): one aggregate query. A facility has one kind, so
    the count of an activity's proxy kinds is the sum over them."""
    if not zone_ids or not kinds:
        return {}
    rows = (
        open_facilities()
        .filter(commune__memberships__zone_id__in=zone_ids, kind__in=kinds)
        .annotate(zone_id=F("commune__memberships__zone_id"))
        .values("zone_id", "kind")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    return {(row["zone_id"], row["kind"]): row["n"] for row in rows}


#: ``adjust(method, activity, modality, zoning_id, counted)`` → count change per zone id, where
#: ``counted`` is the queryset of the facilities the base count counts (a what-if scenario).
CountAdjustment = Callable[[str, Any, str, int, Any], dict[int, int]]


def _method(activity, has_authorisations: bool) -> str:
    if activity.counted_by_registry and has_authorisations:
        return BY_AUTHORISATION
    if activity.proxy_kinds and not has_authorisations:
        return BY_KIND
    return NO_DATA


def compliance_for(
    objectives: Iterable[Objective],
    on: dt.date | None = None,
    *,
    adjust: CountAdjustment | None = None,
) -> dict[int, Compliance]:
    """Compliance of each objective, by id, in at most three queries whatever the number of
    objectives, zonings, activities and modalities: which zonings hold authorisations, the
    authorisations and the facilities of the proxy kinds, per zone.
    ``adjust`` adds a scenario's extra and removed facilities to the counts; the method (by
    authorisation or by kind) stays the base's."""
    objectives = list(objectives)
    groups: dict[tuple[int, int, str], list[Objective]] = defaultdict(list)
    for objective in objectives:
        groups[(objective.zone.zoning_id, objective.activity_id, objective.modality)].append(
            objective
        )
    with_authorisations = (
        _zonings_with_authorisations({key[0] for key in groups}, on) if groups else set()
    )
    methods = {
        key: _method(members[0].activity, key[0] in with_authorisations)
        for key, members in groups.items()
    }
    by_authorisation = _authorisation_counts(
        [
            (o.zone_id, o.activity.code, o.modality)
            for key, members in groups.items()
            if methods[key] == BY_AUTHORISATION
            for o in members
        ],
        on,
    )
    kind_groups = [members for key, members in groups.items() if methods[key] == BY_KIND]
    by_kind = _kind_counts(
        {o.zone_id for members in kind_groups for o in members},
        {kind for members in kind_groups for kind in members[0].activity.proxy_kinds},
    )
    result: dict[int, Compliance] = {}
    for (zoning_id, _activity_id, modality), members in groups.items():
        activity, method = members[0].activity, methods[(zoning_id, _activity_id, modality)]
        if method == NO_DATA:
            for objective in members:
                result[objective.pk] = Compliance(None, UNKNOWN, NO_DATA)
            continue
        if method == BY_AUTHORISATION:
            counts = {
                o.zone_id: by_authorisation.get((o.zone_id, activity.code, modality), 0)
                for o in members
            }
        else:
            counts = {
                o.zone_id: sum(by_kind.get((o.zone_id, k), 0) for k in activity.proxy_kinds)
                for o in members
            }
        if adjust is not None:
            counted = counted_facilities(method, activity, modality, on)
            for zone_id, delta in adjust(method, activity, modality, zoning_id, counted).items():
                counts[zone_id] = counts.get(zone_id, 0) + delta
        for objective in members:
            count = counts.get(objective.zone_id, 0)
            result[objective.pk] = Compliance(
                count, status_of(count, objective.minimum, objective.maximum), method
            )
    return result


def objective_compliance(objective: Objective, on: dt.date | None = None) -> Compliance:
    return compliance_for([objective], on)[objective.pk]
