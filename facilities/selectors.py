"""Read queries on facilities, for other apps to call instead of reaching into the models."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import perinatal
from .models import Authorisation, Facility


def current_authorisations(on: dt.date | None = None) -> QuerySet[Authorisation]:
    """Authorisations in force on ``on`` (today by default): started, and not yet ended."""
    day = on or timezone.localdate()
    return Authorisation.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def open_facilities() -> QuerySet[Facility]:
    return Facility.objects.filter(status=Facility.Status.OPEN)


def facilities_matching(
    *,
    activity: str = "",
    modality: str = "",
    kind: str = "",
    on: dt.date | None = None,
    mention: str = "",
    maternity_type: str = "",
) -> QuerySet[Facility]:
    """Open facilities of ``kind`` (if given) holding a current authorisation for ``activity``
    with ``modality`` and ``mention`` (if given), and whose maternity type derived from their
    perinatal units is ``maternity_type`` (if given)."""
    facilities = open_facilities()
    if kind:
        facilities = facilities.filter(kind=kind)
    if activity:
        authorisations = current_authorisations(on).filter(activity=activity)
        if modality:
            authorisations = authorisations.filter(modality=modality)
        if mention:
            authorisations = authorisations.filter(mention=mention)
        facilities = facilities.filter(pk__in=authorisations.values("facility_id"))
    if maternity_type:
        facilities = facilities.filter(maternity_type_q(maternity_type, on))
    return facilities


def _holds_unit(unit: str, on: dt.date | None) -> Exists:
    return Exists(
        current_authorisations(on).filter(
            facility=OuterRef("pk"), activity=perinatal.ACTIVITY, modality=unit
        )
    )


def maternity_type_q(maternity_type: str, on: dt.date | None = None) -> Q:
    """Facilities whose units in force on ``on`` make them a maternity of ``maternity_type``:
    the rule of ``facilities.perinatal.maternity_type``, written in SQL (obstétrique, the
    type's unit, and none of a higher type's)."""
    rules = [(str(kind), unit) for kind, unit in perinatal.TYPE_RULES]
    position = [kind for kind, _unit in rules].index(maternity_type)
    condition = Q(_holds_unit(perinatal.OBSTETRICS, on)) & Q(_holds_unit(rules[position][1], on))
    for _higher, unit in rules[:position]:
        condition &= ~Q(_holds_unit(unit, on))
    return condition


def maternity_types(
    facility_ids: Iterable[int] | None = None, on: dt.date | None = None
) -> dict[int, str]:
    """The maternity type derived from the perinatal units in force on ``on`` of each facility
    (of ``facility_ids`` if given) that is a maternity (one query)."""
    units: dict[int, set[str]] = defaultdict(set)
    rows = current_authorisations(on).filter(activity=perinatal.ACTIVITY)
    if facility_ids is not None:
        rows = rows.filter(facility_id__in=list(facility_ids))
    for facility_id, modality in rows.values_list("facility_id", "modality"):
        units[facility_id].add(modality)
    types = {pk: perinatal.maternity_type(held) for pk, held in units.items()}
    return {pk: kind for pk, kind in types.items() if kind}


@dataclass(frozen=True)
class FacilityPoint:
    finess_et: str
    name: str
    kind: str
    commune_name: str
    lat: float
    lon: float
    authorisations: list[tuple[str, str]] = field(default_factory=list)


def facility_points(facilities: QuerySet[Facility]) -> list[tuple[int, FacilityPoint]]:
    """(id, map point) of each of ``facilities`` by FINESS number, with its commune name and
    its authorisations in force (two queries, whatever the number of facilities)."""
    authorisations: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for facility_id, activity, modality in (
        current_authorisations()
        .filter(facility__in=facilities)
        .order_by("activity_id", "modality")
        .values_list("facility_id", "activity", "modality")
    ):
        authorisations[facility_id].append((activity or "", modality))
    rows = facilities.order_by("finess_et").values_list(
        "id", "finess_et", "name", "kind", "commune__name", "point"
    )
    return [
        (
            pk,
            FacilityPoint(
                finess_et=finess_et,
                name=name,
                kind=kind,
                commune_name=commune_name or "",
                lat=point.y,
                lon=point.x,
                authorisations=authorisations.get(pk, []),
            ),
        )
        for pk, finess_et, name, kind, commune_name, point in rows
    ]


def map_facilities() -> list[FacilityPoint]:
    """Open facilities that have a location, as map points (two queries)."""
    located = Facility.objects.filter(status=Facility.Status.OPEN, point__isnull=False)
    return [point for _, point in facility_points(located)]


def region_sites_for_picking(region_id: int) -> list[dict]:
    """The open facilities of a region holding an authorisation in force, which a scenario
    closes or changes, for the scenario builder's map and its search list: FINESS ET, name,
    commune name and point (``f``, ``n``, ``c``, ``x``, ``y``, short keys as in the map
    layers), one query, ordered by name. Those without a point are searchable but not drawn
    (``x`` and ``y`` None). The registry's other sites (a FINESS extract lists every pharmacy
    and EHPAD: tens of thousands of markers) are left out; their number can still be typed."""
    held = current_authorisations().filter(facility=OuterRef("pk"))
    rows = (
        open_facilities()
        .filter(commune__department__region_id=region_id)
        .filter(Exists(held))
        .order_by("name", "finess_et")
        .values_list("finess_et", "name", "commune__name", "point")
    )
    return [
        {"f": finess, "n": name, "c": commune or "",
         "x": round(point.x, 5) if point else None, "y": round(point.y, 5) if point else None}
        for finess, name, commune, point in rows
    ]  # fmt: skip
