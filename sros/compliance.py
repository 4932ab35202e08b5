"""Compliance of OQOS objectives: the implantations of an activity in a zone compared with the
objective's minimum and maximum (docs/indicators.md, "Target compliance").

Implantations are counted as distinct open facilities (sites) located in the zone's communes,
as the law counts them: an IRM site with three machines is one implantation.

- by authorisation: facilities holding an authorisation in force for the activity or heavy
  equipment (and the objective's modality and mention, if any), read through
  ``facilities.selectors``;
- by kind: when no facility of the zoning's communes carries any authorisation (the real
  GISCO hospitals carry none), facilities of the activity's ``proxy_kinds`` are counted
  instead. The method is returned with every count, so a page can say which one it used.

An activity or equipment the imported authorisations do not carry
(``AuthorisedActivity.counted_by_registry`` false) and without proxy kinds has no count: its
status is ``unknown``.

The comparison itself is ``indicators.engine.compliance``, the one rule used for single
objectives here and for whole zonings by the indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
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


def _zonings_with_authorisations(
    zoning_ids: set[int], on: dt.date | None
) -> tuple[set[int], set[int]]:
    """The zonings among ``zoning_ids`` where some facility of their communes holds an
    authorisation in force, and those where one holds a heavy equipment's (the ARS CSV carries
    none, so activities loaded say nothing of equipment): one query for all of them."""
    held = current_authorisations(on).filter(facility__commune_id=OuterRef("commune_id"))
    rows = (
        ZoneMembership.objects.filter(zoning_id__in=zoning_ids)
        .filter(Exists(held))
        .annotate(equipment=Exists(held.filter(equipment__isnull=False)))
        .values_list("zoning_id", "equipment")
        .distinct()
    )
    with_any: set[int] = set()
    with_equipment: set[int] = set()
    for zoning_id, equipment in rows:
        with_any.add(zoning_id)
        if equipment:
            with_equipment.add(zoning_id)
    return with_any, with_equipment


def _holding(codes) -> Q:
    """Authorisations of these activity or heavy-equipment codes."""
    return Q(activity__in=codes) | Q(equipment__in=codes)


def counted_facilities(
    method: str, activity, modality: str, on: dt.date | None = None, mention: str = ""
):
    """The queryset of the facilities a group's count counts (what ``adjust`` is given)."""
    if method == BY_KIND:
        return open_facilities().filter(kind__in=activity.proxy_kinds)
    authorisations = current_authorisations(on).filter(_holding([activity.code]))
    if modality:
        authorisations = authorisations.filter(modality=modality)
    if mention:
        authorisations = authorisations.filter(mention=mention)
    return open_facilities().filter(pk__in=authorisations.values("facility_id"))


def _authorisation_counts(
    groups: list[tuple[int, str, str, str]], on: dt.date | None
) -> dict[tuple[int, str, str, str], int]:
    """Distinct open facilities (sites) per (zone id, activity or equipment, modality, mention)
    holding a current authorisation; modality or mention "" counts every one. One query for
    every group: the distinct (zone, code, modality, mention, facility) rows, counted here (a
    site holding two modalities, or three IRM, counts once)."""
    if not groups:
        return {}
    rows = (
        current_authorisations(on)
        .filter(
            _holding({g[1] for g in groups}),
            facility__status=Facility.Status.OPEN,
            facility__commune__memberships__zone_id__in={g[0] for g in groups},
        )
        .annotate(code=Coalesce("activity", "equipment"))
        .values_list(
            "facility__commune__memberships__zone_id", "code", "modality", "mention", "facility_id"
        )
        .distinct()
        .order_by()
    )
    facilities: dict[tuple[int, str, str, str], set[int]] = defaultdict(set)
    for zone_id, code, modality, mention, facility_id in rows:
        for m in {modality, ""}:
            for n in {mention, ""}:
                facilities[(zone_id, code, m, n)].add(facility_id)
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
    groups: dict[tuple[int, int, str, str], list[Objective]] = defaultdict(list)
    for o in objectives:
        groups[(o.zone.zoning_id, o.activity_id, o.modality, o.mention)].append(o)
    with_authorisations, with_equipment = (
        _zonings_with_authorisations({key[0] for key in groups}, on) if groups else (set(), set())
    )
    methods = {
        key: _method(
            members[0].activity,
            key[0]
            in (with_equipment if members[0].activity.kind == "equipment" else with_authorisations),
        )
        for key, members in groups.items()
    }
    by_authorisation = _authorisation_counts(
        [
            (o.zone_id, o.activity.code, o.modality, o.mention)
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
    for key, members in groups.items():
        zoning_id, _activity_id, modality, mention = key
        activity, method = members[0].activity, methods[key]
        if method == NO_DATA:
            for objective in members:
                result[objective.pk] = Compliance(None, UNKNOWN, NO_DATA)
            continue
        if method == BY_AUTHORISATION:
            counts = {
                o.zone_id: by_authorisation.get((o.zone_id, activity.code, modality, mention), 0)
                for o in members
            }
        else:
            counts = {
                o.zone_id: sum(by_kind.get((o.zone_id, k), 0) for k in activity.proxy_kinds)
                for o in members
            }
        if adjust is not None:
            counted = counted_facilities(method, activity, modality, on, mention)
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
