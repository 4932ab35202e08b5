"""The page « Territoires naturels » of a region (issue 13 §3; docs/natural-territories.md):
zonings proposed from patient flows (or, without flows, from nearest-facility catchments),
listed zone by zone beside the zoning the schema uses, on a map; the catchments of a level as a
map layer and its exports.

Readers of the region see everything; only its planners propose (``access.roles.is_planner``)
and put a proposal into the version in draft (``sros.permissions.can_edit_version``). The work
is in ``indicators.zoning_proposals`` and ``dashboard.catchment_layers``; a proposal takes about
2 s on AURA (4,021 communes), so it runs in the request.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from access.roles import is_planner
from core.maps import LEAFLET
from indicators.flows_selectors import flow_editions
from indicators.zoning_proposals import propose_zoning
from pathways.models import Level
from pathways.selectors import level_state, state_sentence
from sros import services as schema_services
from sros.permissions import can_edit_version
from sros.schema_selectors import current_zoning, editable_version
from territories.models import Region, Zoning
from territories.shapes import zone_shapes

from . import catchment_layers
from .exports import geo as geo_exports
from .exports import writers
from .exports.catchments import catchment_layer, catchment_table
from .exports.views import download_response
from .view_helpers import int_or_none, region_or_403, run_context

EXPORT_FORMATS = ("csv", "geojson", "gpkg")
#: Qualitative colours of the proposed zones (ColorBrewer "Set3"), cycled.
ZONE_COLOURS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
                "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"]  # fmt: skip


def _levels():
    return list(Level.objects.select_related("pathway").order_by("pathway__order", "rank"))


class ProposalForm(forms.Form):
    """The parameters of a proposal: a minimum population per zone or a number of zones (one
    of them), the flows edition, and the level whose catchments stand in for flows."""

    CRITERIA = (
        ("population", gettext_lazy("Population minimale par zone")),
        ("zones", gettext_lazy("Nombre de zones")),
    )
    criterion = forms.ChoiceField(
        label=gettext_lazy("Critère"), choices=CRITERIA, widget=forms.RadioSelect,
        initial="population",
    )  # fmt: skip
    min_population = forms.IntegerField(
        label=gettext_lazy("Population minimale par zone (habitants)"), min_value=1,
        required=False, initial=100_000,
    )  # fmt: skip
    n_zones = forms.IntegerField(
        label=gettext_lazy("Nombre de zones"), min_value=1, max_value=5000, required=False,
        initial=12,
    )  # fmt: skip
    edition = forms.ChoiceField(label=gettext_lazy("Flux de patients"), required=False)
    level = forms.ModelChoiceField(
        label=gettext_lazy("Niveau de filière (sans flux : bassins de l'établissement le plus "
                           "proche)"),
        queryset=Level.objects.select_related("pathway").order_by("pathway__order", "rank"),
        required=False,
    )  # fmt: skip

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [("", _("Les plus récents concernant la région"))] + [
            (f"{year}|{activity}", f"{year} — {activity}") for year, activity in editions
        ]

    def clean(self):
        data = super().clean()
        criterion = data.get("criterion")
        if criterion == "population" and not data.get("min_population"):
            self.add_error("min_population", _("Indiquez une population minimale."))
        if criterion == "zones" and not data.get("n_zones"):
            self.add_error("n_zones", _("Indiquez un nombre de zones."))
        return data

    def edition_value(self) -> tuple[int, str] | None:
        value = self.cleaned_data.get("edition") or ""
        if "|" not in value:
            return None
        year, activity = value.split("|", 1)
        return int(year), activity


def _zone_rows(zoning: Zoning) -> list[dict]:
    described = zoning.proposal.get("zones", {})
    zones = zoning.zones.annotate(n=Count("memberships")).order_by("code")
    return [
        {
            "code": zone.code, "name": zone.name, "population": zone.population,
            "communes": zone.n, "internal_share": described.get(zone.code, {}).get(
                "internal_share"
            ),
        }
        for zone in zones
    ]  # fmt: skip


def _layer(zoning: Zoning) -> dict:
    features = []
    for i, shape in enumerate(zone_shapes(zoning)):
        features.append(
            {
                "type": "Feature",
                "id": shape.code,
                "geometry": json.loads(shape.geometry) if shape.geometry else None,
                "properties": {
                    "c": shape.code,
                    "n": shape.name,
                    "s": ZONE_COLOURS[i % len(ZONE_COLOURS)],
                },  # fmt: skip
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _page(request, region, *, form=None, error="", status=200) -> HttpResponse:
    editions = flow_editions()
    proposals = list(
        Zoning.objects.filter(region=region, status=Zoning.Status.DRAFT).order_by("-id")
    )
    chosen_id = int_or_none(request.GET.get("zonage"))
    chosen = next((z for z in proposals if z.pk == chosen_id), proposals[0] if proposals else None)
    levels = _levels()
    level_id = int_or_none(request.GET.get("niveau"))
    level = next((lv for lv in levels if lv.pk == level_id), levels[0] if levels else None)
    draft = editable_version(region)
    context = {
        **run_context(region),
        "can_propose": is_planner(request.user, region),
        "form": form or ProposalForm(editions=editions),
        "editions": editions,
        "current": current_zoning(region),
        "proposals": proposals,
        "proposal": chosen,
        "levels": levels,
        "catchment_level": level,
        # How the level's facilities are known (missing: no catchment; approximated: by kind).
        "catchment_note": state_sentence(level_state(level, region).as_json()) if level else "",
        "draft_version": draft,
        "can_use": bool(draft and can_edit_version(request.user, draft)),
        "error": error,
        "leaflet": LEAFLET,
    }
    if chosen is not None:
        context |= {
            "zone_rows": _zone_rows(chosen),
            "layer": _layer(chosen),
            "details": chosen.proposal,
            "compared": chosen.proposal.get("compared_with"),
        }
    return render(request, "dashboard/natural_territories.html", context, status=status)


@require_safe
@login_required
def natural_territories_page(request: HttpRequest, region_code: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    return _page(request, region)


@require_POST
@login_required
def natural_territories_propose(request: HttpRequest, region_code: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    if not is_planner(request.user, region):
        raise PermissionDenied
    form = ProposalForm(request.POST, editions=flow_editions())
    if not form.is_valid():
        return _page(request, region, form=form, status=422)
    data = form.cleaned_data
    by_population = data["criterion"] == "population"
    try:
        zoning = propose_zoning(
            region,
            min_population=data["min_population"] if by_population else None,
            n_zones=None if by_population else data["n_zones"],
            edition=form.edition_value(),
            level=data.get("level"),
            compare_with=current_zoning(region),
        )
    except ValidationError as refused:
        return _page(request, region, form=form, error=" ".join(refused.messages), status=422)
    messages.success(
        request,
        _("Zonage proposé : « %(name)s », %(n)s zones (brouillon).")
        % {"name": zoning.name, "n": len(zoning.proposal["zones"])},
    )
    return _to_page(region, zoning)


@require_POST
@login_required
def natural_territories_use(request: HttpRequest, region_code: str, zoning_id: int):
    """Make the proposal the default zoning of the region's version in draft."""
    region = region_or_403(request, region_code)
    zoning = get_object_or_404(Zoning, pk=zoning_id, region=region)
    draft = editable_version(region)
    if draft is None or not can_edit_version(request.user, draft):
        raise PermissionDenied
    schema_services.version_set_zoning(version=draft, zoning=zoning, user=request.user)
    messages.success(
        request,
        _("La version %(n)s du schéma utilise désormais le zonage « %(name)s ».")
        % {"n": draft.number, "name": zoning.name},
    )
    return _to_page(region, zoning)


def _to_page(region: Region, zoning: Zoning) -> HttpResponse:
    url = reverse("dashboard:natural_territories", args=[region.code])
    return redirect(f"{url}?zonage={zoning.pk}")


def _catchments(request: HttpRequest, region: Region, *, simplified: bool = True):
    level = get_object_or_404(Level, pk=int_or_none(request.GET.get("niveau")) or 0)
    return catchment_layers.catchment_map(region, level, simplified=simplified)


@require_safe
@login_required
def catchments_layer(request: HttpRequest, region_code: str) -> JsonResponse:
    region = region_or_403(request, region_code)
    return JsonResponse(catchment_layers.catchments_geojson(_catchments(request, region)))


@require_safe
@login_required
def catchments_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    if extension not in EXPORT_FORMATS:
        raise Http404
    simplified = request.GET.get("simplified") == "1"
    result = _catchments(request, region, simplified=simplified)
    if extension == "csv":
        table = catchment_table(region, result, request.user)
        return download_response(
            writers.to_csv(table), f"{table.stem}.csv", extension, request=request
        )
    layer, metadata, sources, stem = catchment_layer(region, result, request.user)
    if extension == "geojson":
        body = geo_exports.to_geojson(layer, metadata, sources)
    else:
        crs = geo_exports.read_crs(request.GET.get("crs"))
        body = geo_exports.to_gpkg(layer, metadata, sources, name="bassins", crs=crs)
    return download_response(body, f"{stem}.{extension}", extension, request=request)
