"""The dashboard's comparison of a what-if scenario with its base: the page (figures of one
pathway level beside two synchronised maps, or one map of the difference) and its JSON layer.

A scenario is shown under the dashboard of its version's region only (another region's URL is
a 404); the user needs the region (``can_view_region``) and the version
(``can_view_version``). Figures come from ``sros.scenarios.evaluate_scenario`` at each
request, as on the scenario's own page: nothing is stored.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core import provenance
from core.maps import LEAFLET, MARKERCLUSTER
from indicators.weights import weight_note
from sros import scenarios
from sros.models import Scenario
from sros.permissions import can_view_version
from territories import shapes as territory_shapes
from territories.models import Region

from . import comparison, scenario_selectors, selectors
from .view_helpers import int_or_none, region_or_403, run_context


def _scenario(request: HttpRequest, region_code: str, scenario_id: int) -> tuple[Region, Scenario]:
    """The region (403 if the user may not see it) and its scenario (404 if the scenario
    belongs to another region's schema, 403 if the user may not see its version)."""
    region = region_or_403(request, region_code)
    scenario = get_object_or_404(
        Scenario.objects.select_related("version__schema"),
        pk=scenario_id,
        version__schema__region=region,
    )
    if not can_view_version(request.user, scenario.version):
        raise PermissionDenied
    return region, scenario


def _chosen_level(levels: list[scenarios.LevelResult], value: str | None):
    """The level asked for, else the first the scenario touches, else the first."""
    by_id = {str(level.level.pk): level for level in levels}
    if value in by_id:
        return by_id[value]
    return next((level for level in levels if level.touched), levels[0] if levels else None)


def _level_title(level: scenarios.LevelResult) -> str:
    title = str(selectors.Indicator.NEAREST_MINUTES.label)
    if level.target_minutes is not None:
        title += " " + _("(cible %(minutes)s min)") % {"minutes": f"{level.target_minutes:g}"}
    return title


@require_safe
@login_required
def scenario_comparison(request: HttpRequest, region_code: str, scenario_id: int) -> HttpResponse:
    region, scenario = _scenario(request, region_code, scenario_id)
    result = scenarios.evaluate_scenario(scenario)
    chosen = _chosen_level(result.levels, request.GET.get("level"))
    modes = [(comparison.SIDE_BY_SIDE, _("côte à côte")), (comparison.DIFFERENCE, _("différence"))]
    mode = request.GET.get("mode")
    if mode not in dict(modes):
        mode = comparison.SIDE_BY_SIDE
    region_context = run_context(region)
    context = {
        "region": region,
        "region_label": region_context["region_label"],
        "nav_pathways": region_context["nav_pathways"],
        "scenario": scenario,
        "version": scenario.version,
        "result": result,
        "chosen": chosen,
        "mode": mode,
        "modes": modes,
        "objectives": result.changed_objectives,
        "leaflet": LEAFLET,
        "markercluster": MARKERCLUSTER,  # for dashboard/_map_head.html
        # computed now from the data loaded now: its sources are the region's files now
        "sources": provenance.statement(provenance.collect(region_id=region.pk)),
    }
    if chosen is not None:
        extent = territory_shapes.region_extent(region)
        layer_url = reverse("dashboard:scenario_layer", args=[region.code, scenario.pk])
        context |= {
            "title": _level_title(chosen),
            "weight": weight_note(chosen.weight),
            "region_rows": [comparison.figure_row(f) for f in chosen.region_figures],
            "unit_groups": comparison.unit_figures(chosen.changed_figures),
            "communes": comparison.commune_rows(chosen.communes),
            "layer_url": f"{layer_url}?level={chosen.level.pk}",
            "bounds": [[extent[1], extent[0]], [extent[3], extent[2]]] if extent else None,
            "labels": _labels(),
        }
    return render(request, "dashboard/scenario.html", context)


def _labels() -> dict[str, str]:
    return {
        "base": _("Actuel"),
        "scenario": _("Scénario"),
        "delta": _("Écart"),
        "population": _("Population"),
        "loading": _("Chargement…"),
        "error": _("La couche n’a pas pu être chargée."),
        "finess": _("FINESS ET"),
        "newSite": _("Nouveau site du scénario"),
        "closed": _("Ne dessert plus ce niveau dans le scénario"),
        "opened": _("Dessert ce niveau dans le scénario"),
        "sites": _("Sites changés"),
    }


@require_safe
@login_required
def scenario_layer(request: HttpRequest, region_code: str, scenario_id: int) -> HttpResponse:
    """The communes of the region with their base and scenario minutes for one level
    (``?level=<id>``), and the sites the scenario changes for it."""
    region, scenario = _scenario(request, region_code, scenario_id)
    level_id = int_or_none(request.GET.get("level"))
    if level_id is None:
        return JsonResponse({"error": _("Précisez le niveau de filière (level).")}, status=400)
    result = scenarios.evaluate_scenario(scenario, levels=[level_id], with_objectives=False)
    if not result.levels:
        return JsonResponse(
            {"error": _("Niveau de filière inconnu ou sans établissement.")}, status=404
        )
    level = result.levels[0]
    text = comparison.comparison_layer(
        territory_shapes.commune_shapes(region),
        result.commune_codes,
        result.population,
        level.base_minutes,
        level.scenario_minutes,
        title=_level_title(level),
        sites=scenario_selectors.changed_sites(scenario, level),
    )
    response = HttpResponse(text, content_type="application/geo+json; charset=utf-8")
    patch_cache_control(response, private=True, no_cache=True)
    response["Vary"] = "Cookie, Accept-Language"
    return response
