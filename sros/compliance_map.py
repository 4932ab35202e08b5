"""Compliance as a map (issue 4 §1): for one activity (and modality) of a version, the zones of
the zoning the version uses for it, coloured by the compliance of their objective, and the
facilities counted, as points.

The page is a plain GET form and a table (usable without JS); ``static/schema/compliance_map.js``
draws the JSON layer (zones at map precision, ``SROS_MAP_COORD_PRECISION`` decimals, the
dashboard's zone shapes) with the vendored Leaflet. Statuses are ``sros.compliance``'s own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.maps import LEAFLET
from facilities.models import Modality
from territories.models import Zone, ZoneMembership, Zoning
from territories.shapes import zone_shapes

from . import compliance, permissions
from .models import AuthorisedActivity, Objective, SchemaVersion
from .schema_selectors import zoning_for
from .view_helpers import require, version_or_404

#: The badges' colours (``templates/schema/_layout.html``); a zone without objective is pale.
STATUS_COLOURS = {
    compliance.BELOW: "#ce0500",
    compliance.WITHIN: "#18753c",
    compliance.ABOVE: "#b34000",
    compliance.UNKNOWN: "#666666",
}
NO_OBJECTIVE, NO_OBJECTIVE_COLOUR = "none", "#dddddd"
NO_OBJECTIVE_LABEL = gettext_lazy("sans objectif")
FACILITY_PRECISION = 5


@dataclass(frozen=True)
class Choice:
    activity: AuthorisedActivity
    modality: str
    #: The catalogue's label of ``modality`` (read with the choices, one query for all).
    modality_label: str = ""

    @property
    def value(self) -> str:
        return f"{self.activity.code}:{self.modality}"

    @property
    def label(self) -> str:
        if not self.modality:
            return str(self.activity)
        return f"{self.activity} – {self.modality_label or self.modality}"


@dataclass(frozen=True)
class ZoneRow:
    zone: Zone
    objective: Objective | None
    result: compliance.Compliance | None

    @property
    def status(self) -> str:
        return self.result.status if self.result else NO_OBJECTIVE

    @property
    def label(self) -> str:
        return str(self.result.label if self.result else NO_OBJECTIVE_LABEL)


@dataclass
class ComplianceMap:
    version: SchemaVersion
    choice: Choice
    zoning: Zoning | None
    rows: list[ZoneRow]
    method: str


def choices(version: SchemaVersion) -> list[Choice]:
    """The (activity, modality) pairs the version has objectives for, in the table's order."""
    pairs = (
        version.objectives.order_by("activity__order", "activity__code", "modality")
        .values_list("activity_id", "modality")
        .distinct()
    )
    pairs = list(dict.fromkeys(pairs))
    activities = AuthorisedActivity.objects.in_bulk({a for a, _m in pairs})
    labels = dict(
        ((a, code), label)
        for a, code, label in Modality.objects.filter(
            activity_id__in=activities, code__in={m for _a, m in pairs if m}
        ).values_list("activity_id", "code", "label")
    )
    return [Choice(activities[a], m, labels.get((a, m), "")) for a, m in pairs]


def chosen(options: list[Choice], value: str | None) -> Choice | None:
    """The option named by ``value`` (``code:modality``), else the first one."""
    return next((c for c in options if c.value == value), options[0] if options else None)


def compliance_map(version: SchemaVersion, choice: Choice) -> ComplianceMap:
    """Every zone of the zoning used for the activity with its objective's compliance."""
    objectives = list(
        version.objectives.filter(activity=choice.activity, modality=choice.modality)
        .select_related("zone", "activity")
        .order_by("zone__code")
    )
    results = compliance.compliance_for(objectives)
    zoning = zoning_for(version, choice.activity)
    if zoning is None and objectives:
        zoning = objectives[0].zone.zoning
    by_zone = {o.zone_id: o for o in objectives}
    zones = Zone.objects.filter(zoning=zoning).order_by("code") if zoning else Zone.objects.none()
    rows = [
        ZoneRow(z, by_zone.get(z.pk), results.get(by_zone[z.pk].pk) if z.pk in by_zone else None)
        for z in zones.defer("geometry", "map_geometry")
    ]
    methods = {r.method for r in results.values()}
    method = methods.pop() if len(methods) == 1 else compliance.NO_DATA
    return ComplianceMap(version, choice, zoning, rows, method)


def _facility_features(data: ComplianceMap) -> list[dict]:
    """The facilities the counts count (by authorisation or by kind), in the zoning's zones."""
    if data.zoning is None or data.method == compliance.NO_DATA:
        return []
    counted = compliance.counted_facilities(data.method, data.choice.activity, data.choice.modality)
    zone_of = ZoneMembership.objects.filter(zoning=data.zoning).values("commune_id")
    rows = (
        counted.filter(commune_id__in=zone_of, point__isnull=False)
        .order_by("finess_et")
        .values_list("finess_et", "name", "kind", "point")
    )
    return [
        {
            "type": "Feature",
            "id": finess,
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(point.x, FACILITY_PRECISION),
                    round(point.y, FACILITY_PRECISION),
                ],
            },
            "properties": {"f": finess, "n": name, "k": kind},
        }
        for finess, name, kind, point in rows
    ]


def layer(data: ComplianceMap) -> dict:
    """The map's GeoJSON: zone features (``n`` name, ``c`` code, ``s`` status, ``l`` its label,
    ``k`` count, ``min``/``max`` bounds, ``f`` colour) and the counted facilities (``f``
    FINESS, ``n`` name, ``k`` kind) as a foreign member ``facilities`` (RFC 7946 §6.1)."""
    shapes = {s.code: s.geometry for s in zone_shapes(data.zoning)} if data.zoning else {}
    zones = []
    for row in data.rows:
        objective = row.objective
        zones.append(
            {
                "type": "Feature",
                "id": row.zone.code,
                "geometry": json.loads(shapes[row.zone.code]) if row.zone.code in shapes else None,
                "properties": {
                    "n": row.zone.name,
                    "c": row.zone.code,
                    "s": row.status,
                    "l": row.label,
                    "k": row.result.count if row.result else None,
                    "min": objective.minimum if objective else None,
                    "max": objective.maximum if objective else None,
                    "f": STATUS_COLOURS.get(row.status, NO_OBJECTIVE_COLOUR),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "activity": data.choice.value,
        "method": data.method,
        "features": zones,
        "facilities": {"type": "FeatureCollection", "features": _facility_features(data)},
    }


def _legend() -> list[dict]:
    return [
        *({"colour": STATUS_COLOURS[s], "label": str(compliance.STATUS_LABELS[s])} for s in (
            compliance.BELOW, compliance.WITHIN, compliance.ABOVE, compliance.UNKNOWN)),
        {"colour": NO_OBJECTIVE_COLOUR, "label": str(NO_OBJECTIVE_LABEL)},
    ]  # fmt: skip


# --- views ------------------------------------------------------------------------------------


@require_safe
@login_required
def compliance_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    options = choices(version)
    choice = chosen(options, request.GET.get("activite"))
    data = compliance_map(version, choice) if choice else None
    context = {
        "version": version,
        "options": options,
        "choice": choice,
        "data": data,
        "legend": _legend(),
        "leaflet": LEAFLET,
        "labels": {
            "count": _("Implantations :"),
            "bounds": _("Objectif (min – max) :"),
            "counted": _("Établissements comptés"),
            "error": _("La carte n'a pas pu être chargée."),
        },
    }
    return render(request, "schema/compliance_map.html", context)


@require_safe
@login_required
def compliance_layer(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_or_404(pk)
    require(permissions.can_view_version(request.user, version))
    choice = chosen(choices(version), request.GET.get("activite"))
    if choice is None:
        body = {"type": "FeatureCollection", "features": [], "facilities": None}
    else:
        body = layer(compliance_map(version, choice))
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return HttpResponse(text, content_type="application/geo+json")
