"""The page « Flux de patients » of a region (issue 13 §3): per zone of a zoning, for a year
and an activity, where its residents are treated (in the zone, in each other zone, in the
region outside every zone, outside the region) and the share of its establishments' stays
coming from outside the zone; and its CSV/XLSX export. Readers of the region
(``view_helpers.region_or_403``); a read, so GET forms only.

What is not loaded (no flows, no correspondence of PMSI codes, no zoning) is said on the page,
never shown as zeros.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from indicators.flows_selectors import correspondence_year, flow_editions
from indicators.flows_services import ZoningFlows, zoning_flows
from territories.models import Region, Zoning

from .exports import writers
from .exports.flows import EJ_RULE, flows_table
from .exports.views import download_response
from .view_helpers import int_or_none, region_or_403, run_context

EXPORT_FORMATS = ("csv", "xlsx")


def _selection(request: HttpRequest, region: Region) -> dict:
    """The zonings and editions offered, and the ones chosen (the first zoning and the newest
    edition by default); an unknown choice falls back to the default."""
    zonings = list(Zoning.objects.filter(region=region).order_by("name"))
    editions = flow_editions()
    zoning_id = int_or_none(request.GET.get("zonage"))
    zoning = next((z for z in zonings if z.pk == zoning_id), zonings[0] if zonings else None)
    chosen = request.GET.get("edition", "")
    edition = next((e for e in editions if f"{e[0]}|{e[1]}" == chosen), None)
    edition = edition or (editions[0] if editions else None)
    return {"zonings": zonings, "editions": editions, "zoning": zoning, "edition": edition}


def _result(selection: dict) -> ZoningFlows | None:
    if selection["zoning"] is None or selection["edition"] is None:
        return None
    year, activity = selection["edition"]
    return zoning_flows(selection["zoning"], year, activity)


@require_safe
@login_required
def patient_flows_page(request: HttpRequest, region_code: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    selection = _selection(request, region)
    result = _result(selection)
    context = {
        **run_context(region),
        **selection,
        "result": result,
        "ej_rule": _(EJ_RULE),
        "correspondence_missing": bool(selection["editions"])
        and correspondence_year(selection["edition"][0]) is None,
    }
    return render(request, "dashboard/patient_flows.html", context)


@require_safe
@login_required
def patient_flows_export(request: HttpRequest, region_code: str, extension: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    if extension not in EXPORT_FORMATS:
        raise Http404
    result = _result(_selection(request, region))
    if result is None:
        raise Http404
    table = flows_table(region, result, request.user)
    body = writers.to_csv(table) if extension == "csv" else writers.to_xlsx(table)
    return download_response(body, f"{table.stem}.{extension}", extension, request=request)
