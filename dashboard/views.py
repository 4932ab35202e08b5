"""Pages of the planning dashboard and the JSON layers of its maps.

Every page and layer needs a login and reads a region the user may see
(``access.roles.can_view_region``: members of the region, admins everywhere). Figures come
from access import roles
from the region's latest done run only; a queued or running run shows its progress bar.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import conditional_escape
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from access.roles import visible_regions
from core.maps import LEAFLET, MARKERCLUSTER
from facilities.maps import KIND_COLOURS
from facilities.models import Facility
from indicators.models import IndicatorRun
from indicators.selectors import latest_run
from pathways.models import Level
from territories import shapes as territory_shapes
from territories.models import Region, Zoning
from territories.selectors import regions_coverage

from . import layers, scenario_selectors, selectors, territory
from .map_view import BadMapView, MapView, read_map_view, selection_query
from .selectors import Indicator, UnitKind
from .view_helpers import (
    int_or_none,
    page_fragments,
    query_parts,
    region_or_403,
    render_fragment,
    run_context,
)

COMMUNES, DEPARTMENTS = "communes", "departements"


# --- the selection of a map -----------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What a choropleth shows: an indicator of a level for communes, départements or the
    zones of a zoning. Read from the query string of the page and of the layer alike."""

    units: str  # "communes", "departements" or a zoning id
    indicator: str
    level: Level | None
    zoning: Zoning | None

    @property
    def unit_kind(self) -> str:
        if self.zoning is not None:
            return UnitKind.ZONE
        return UnitKind.COMMUNE if self.units == COMMUNES else UnitKind.DEPARTMENT

    def query(self) -> dict[str, str]:
        return {
            "units": self.units,
            "indicator": self.indicator,
            "level": str(self.level.pk) if self.level else "",
        }


def read_selection(
    params, levels: list[Level], zonings: list[Zoning], default: Selection | None = None
) -> Selection:
    """The selection named by ``params``, each missing or unknown field taken from ``default``
    (or the first choice); an indicator not stored for the chosen units falls back to the
    first one that is."""
    zoning_by_id = {str(z.pk): z for z in zonings}
    units = params.get("units") or (default.units if default else COMMUNES)
    if units not in (COMMUNES, DEPARTMENTS) and units not in zoning_by_id:
        units = COMMUNES
    zoning = zoning_by_id.get(units)
    kind = (
        UnitKind.ZONE if zoning else UnitKind.COMMUNE if units == COMMUNES else UnitKind.DEPARTMENT
    )
    allowed = selectors.indicators_of(kind)
    indicator = params.get("indicator") or (default.indicator if default else "")
    if indicator not in allowed:
        indicator = allowed[1] if len(allowed) > 1 else allowed[0]
    level_by_id = {str(level.pk): level for level in levels}
    level = level_by_id.get(params.get("level") or "")
    if level is None and default and default.level in levels:
        level = default.level
    if level is None:
        level = selectors.first_shown_level(levels)
    if indicator in selectors.LEVEL_FREE:
        level = None
    return Selection(units, indicator, level, zoning)


def map_context(
    region: Region,
    run: IndicatorRun,
    selection: Selection,
    levels: list[Level],
    zonings: list[Zoning],
    *,
    bounds=None,
    indicators=None,
    show_levels: list[int] | None = None,
) -> dict:
    """What ``dashboard/_map.html`` needs: the selector's choices and the layer URLs, and
    for ``dashboard.js`` the last zoom of the coarse commune copies and whether the map's
    bounds are the region's (without ``bounds``, a territory's extent)."""
    extent = bounds or territory_shapes.region_extent(region)
    return {
        "selection": selection,
        "levels": levels,
        "zonings": zonings,
        "indicator_choices": [
            {
                "value": value,
                "label": label,
                "units": " ".join(
                    kind for kind in UnitKind.values if value in selectors.indicators_of(kind)
                ),
                "level_free": value in selectors.LEVEL_FREE,
            }
            for value, label in Indicator.choices
            if indicators is None or value in indicators
        ],
        "urls": {
            "choropleth": reverse("dashboard:choropleth", args=[region.code]),
            "facilities": reverse("dashboard:facilities", args=[region.code]),
            "boundaries": reverse("dashboard:boundaries", args=[region.code]),
        },
        "bounds": [[extent[1], extent[0]], [extent[3], extent[2]]] if extent else None,
        "bounds_are_region": bounds is None,
        "low_zoom_max": settings.SROS_LOW_ZOOM_MAX,
        "kinds": [
            {"value": kind, "label": label, "colour": KIND_COLOURS[kind]}
            for kind, label in Facility.Kind.choices
        ],
        "level_layers": [
            {"value": level.pk, "label": str(level), "on": level.pk in (show_levels or [])}
            for level in levels
        ],
        "kinds_on": show_levels is None,
        "labels": {
            "population": _("Population"),
            "loading": _("Chargement…"),
            "error": _("La couche n’a pas pu être chargée."),
            "kind": _("Type"),
            "level": _("Niveau"),
            "departments": _("Départements"),
            "zones": _("Zones"),
        },
        "leaflet": LEAFLET,
        "markercluster": MARKERCLUSTER,
    }


# --- pages ----------------------------------------------------------------------------------


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    regions = list(visible_regions(request.user).defer("geometry").order_by("code"))
    coverage = regions_coverage(regions)
    rows = [(region, coverage[region.code]) for region in regions]
    return render(request, "dashboard/index.html", {"regions": rows})


@require_safe
@login_required
def region_dashboard(request: HttpRequest, region_code: str) -> HttpResponse:
    """Key figures of the latest done run, with its date and inputs, and the indicator map.

    What comes from the run (the navigation, the key figures, the map's controls) is rendered
    once per run, language and selection and kept (``page_fragments``); what depends on the
    reader (their name, role and token, the run in progress, the latest scenarios, edited in
    the schema pages) is rendered for each request."""
    region = region_or_403(request, region_code)
    context = run_context(region)
    run = context["run"]
    if run is not None:
        parts = ["region", region.code, *selectors.run_parts(run)]
        parts += query_parts(request.GET, SELECTION)
        context["fragments"] = page_fragments(
            request, parts, lambda: _region_fragments(context, request.GET)
        )
        context |= MAP_HEAD
    context["scenarios"] = scenario_selectors.region_scenarios(context["region"])
    return render(request, "dashboard/region.html", context)


#: What ``dashboard/_map_head.html`` reads (the page's ``<head>`` is rendered per request).
MAP_HEAD = {"leaflet": LEAFLET, "markercluster": MARKERCLUSTER}

#: The query parameters of a map's selection (``read_selection``).
SELECTION = ("units", "indicator", "level")


def _region_fragments(page: dict, params) -> dict[str, str]:
    region, run = page["region"], page["run"]
    levels = selectors.run_levels(run)
    zonings = selectors.region_zonings(region)
    context = {"region": region, "run": run}
    context |= map_context(region, run, read_selection(params, levels, zonings), levels, zonings)
    context["figures"] = selectors.region_figures(region, run, levels)
    counts = context["figures"].count_by_kind
    unknown = selectors.unknown_kinds(Facility.objects.filter(commune__department__region=region))
    context["kind_rows"] = [
        {"label": label, "colour": KIND_COLOURS[kind],
         "count": None if kind in unknown else counts.get(kind, 0)}
        for kind, label in Facility.Kind.choices
    ]  # fmt: skip
    context["kinds_unknown"] = bool(unknown)
    return {
        "nav": render_fragment("dashboard/_nav.html", _nav_context(page)),
        "figures": render_fragment("dashboard/_region_figures.html", context),
        "map": render_fragment("dashboard/_map.html", context),
    }


def _nav_context(page: dict) -> dict:
    return {"region": page["region"], "nav_pathways": page["nav_pathways"]}


@require_safe
@login_required
def indicator_map(request: HttpRequest, region_code: str) -> HttpResponse:
    """The indicator map on the whole page."""
    return render(request, "dashboard/map.html", _map_page_context(request, region_code))


def _map_page_context(request: HttpRequest, region_code: str) -> dict:
    """The run context of a region plus its indicator map for the selection in the query."""
    region = region_or_403(request, region_code)
    context = run_context(region)
    run = context["run"]
    if run is not None:
        levels = selectors.run_levels(run)
        zonings = selectors.region_zonings(region)
        selection = read_selection(request.GET, levels, zonings)
        context.update(map_context(region, run, selection, levels, zonings))  # with "levels"
    return context


@require_safe
@login_required
def pathway_view(request: HttpRequest, region_code: str, pathway_code: str) -> HttpResponse:
    """One pathway's graded levels: communes by time to the chosen level, the facilities of
    each level, and the population beyond target per zone (or département)."""
    region = region_or_403(request, region_code)
    pathway = selectors.pathway_of_region(pathway_code)
    if pathway is None:
        raise Http404
    context = run_context(region) | {"pathway": pathway}
    run = context["run"]
    if run is not None:
        levels = [lv for lv in selectors.run_levels(run) if lv.pathway_id == pathway.pk]
        if not levels:
            context["not_computed"] = True
            return render(request, "dashboard/pathway.html", context)
        zonings = selectors.region_zonings(region)
        default = Selection(
            COMMUNES, Indicator.NEAREST_MINUTES, selectors.first_shown_level(levels), None
        )
        params = request.GET.copy()
        params["indicator"] = (
            Indicator.NEAREST_MINUTES if params.get("units", COMMUNES) == COMMUNES
            else Indicator.MEAN_MINUTES
        )  # fmt: skip
        selection = read_selection(params, levels, zonings, default)
        context.update(
            map_context(
                region, run, selection, levels, zonings,
                indicators=(Indicator.NEAREST_MINUTES, Indicator.MEAN_MINUTES),
                show_levels=[lv.pk for lv in levels],
            )
        )  # fmt: skip
        breakdown_zoning = zonings[0] if zonings else None
        context["breakdown"] = territory.beyond_by_unit(run, levels, breakdown_zoning)
        context["breakdown_zoning"] = breakdown_zoning
    return render(request, "dashboard/pathway.html", context)


@require_safe
@login_required
def territory_page(
    request: HttpRequest, region_code: str, kind: str, code: str, zoning_id: int | None = None
) -> HttpResponse:
    """The "diagnostic territorial" of a commune, a zone or a département.

    Like the region dashboard, what comes from the run is rendered once per run, territory,
    language and selection and kept; a territory unknown in the region is a 404 (never kept)."""
    region = region_or_403(request, region_code)
    context = run_context(region)
    run = context["run"]
    parts = None
    if run is not None:
        parts = ["territory", region.code, kind, code, str(zoning_id or "")]
        parts += [*selectors.run_parts(run), *query_parts(request.GET, SELECTION)]
    context["fragments"] = page_fragments(
        request, parts, lambda: _territory_fragments(context, kind, code, zoning_id, request.GET)
    )
    context |= MAP_HEAD
    return render(request, "dashboard/territory.html", context)


def _territory_fragments(page: dict, kind: str, code: str, zoning_id: int | None, params) -> dict:
    region, run = page["region"], page["run"]
    unit = territory.find_unit(region, kind, code, zoning_id)
    if unit is None:
        raise Http404
    context = {"region": region, "run": run, "unit": unit}
    fragments = {
        "title": conditional_escape(unit.name),
        "heading": render_fragment("dashboard/_territory_heading.html", context),
        "nav": render_fragment("dashboard/_nav.html", _nav_context(page)),
    }
    if run is None:
        return fragments
    levels = selectors.kept_run_levels(run)  # each territory is seen once, the run's levels often
    context["levels"] = levels
    context.update(territory.diagnostic(run, unit, levels, params.get("level")))
    zonings = selectors.region_zonings(region)
    default = Selection(COMMUNES, Indicator.NEAREST_MINUTES, context["chosen_level"], None)
    selection = read_selection(params, levels, zonings, default)
    context.update(map_context(region, run, selection, levels, zonings, bounds=unit.extent))
    fragments["report_link"] = render_fragment("dashboard/_territory_report_link.html", context)
    fragments["body"] = render_fragment("dashboard/_territory_body.html", context)
    return fragments


# --- JSON layers ----------------------------------------------------------------------------


def _layer_response(
    request: HttpRequest, run: IndicatorRun, name: str, build, view: MapView | None = None
) -> HttpResponse:
    """A layer tied to ``run``: conditional on an ETag from the run, the query string and the
    map ``view`` read from it (its zoom band and bbox, ``MapView.key``: every zoom of a band
    is one layer), so a map that reloads a layer it has seen gets a 304 without the layer
    being built again."""
    query = request.GET.urlencode() if view is None else selection_query(request.GET)
    key = "|".join(
        [name, str(run.pk), str(run.finished_at), str(run.stale), get_language() or "",
         query, view.key() if view is not None else ""]
    )  # fmt: skip
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    modified = run.finished_at.timestamp() if run.finished_at else None
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = HttpResponse(build(), content_type="application/geo+json; charset=utf-8")
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    patch_cache_control(response, private=True, no_cache=True)
    response["Vary"] = "Cookie, Accept-Language"
    return response


def _no_run(region: Region) -> JsonResponse:
    message = _("Aucun calcul d'indicateurs terminé pour %(region)s.") % {"region": region.name}
    return JsonResponse({"error": message}, status=404)


@require_safe
@login_required
def choropleth_layer(request: HttpRequest, region_code: str) -> HttpResponse:
    """The choropleth of the selection. For communes, ``?zoom=`` and ``?bbox=``
    (``dashboard.map_view``) choose the coarse copy at low zooms and only the communes in a
    bounding box (400 on a bad value); the classes and legend are always those of all the
    region's units (``layers.choropleth`` draws them from every stored value)."""
    region = region_or_403(request, region_code)
    try:
        view = read_map_view(request.GET)
    except BadMapView as error:
        return JsonResponse({"error": str(error)}, status=400)
    run = latest_run(region)
    if run is None:
        return _no_run(region)
    levels = selectors.run_levels(run)
    zonings = selectors.region_zonings(region)
    selection = read_selection(request.GET, levels, zonings)

    def build() -> str:
        if selection.zoning is not None:
            shapes = territory_shapes.zone_shapes(selection.zoning)
        elif selection.units == DEPARTMENTS:
            shapes = territory_shapes.department_shapes(region)
        else:
            shapes = territory_shapes.commune_shapes(region, low_zoom=view.low_zoom, bbox=view.bbox)
        values = selectors.layer_values(
            run,
            unit_kind=selection.unit_kind,
            indicator=selection.indicator,
            level=selection.level,
            zoning=selection.zoning,
        )
        title = str(Indicator(selection.indicator).label)
        note = weight = None
        if selection.level is not None:
            second = selection.level.second_target_minutes
            if second and selection.indicator in layers.SECOND_INDICATORS:
                title = f"{title} ({second} min)"
            title = f"{title} — {selection.level}"
            note = selection.level.note
            weight = getattr(selection.level, "weight", None)
        return layers.choropleth(
            shapes, values, indicator=selection.indicator, title=title, note=note, weight=weight
        )

    return _layer_response(request, run, "choropleth", build, view)


@require_safe
@login_required
def facilities_layer(request: HttpRequest, region_code: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    run = latest_run(region)
    if run is None:
        return _no_run(region)
    levels = selectors.run_levels(run)
    return _layer_response(
        request,
        run,
        "facilities",
        lambda: layers.facilities(selectors.region_facilities(region, levels)),
    )


@require_safe
@login_required
def boundaries_layer(request: HttpRequest, region_code: str) -> HttpResponse:
    region = region_or_403(request, region_code)
    run = latest_run(region)
    if run is None:
        return _no_run(region)
    zoning = Zoning.objects.filter(region=region, pk=int_or_none(request.GET.get("units"))).first()

    def build() -> str:
        zones = territory_shapes.zone_shapes(zoning) if zoning is not None else []
        return layers.boundaries(territory_shapes.department_shapes(region), zones)

    return _layer_response(request, run, "boundaries", build)
