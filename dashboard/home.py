"""The home page: the loaded territory on a map, its totals and its facilities per kind.

At national scale the page holds (issue 12 §4): it draws the regions and départements loaded,
and only for the region chosen (``?region=84``, or the only region loaded) its facilities and
its communes, the communes coming by a request of their own (``home_communes_layer``, a
GeoJSON layer that ``static/dashboard/home.js`` adds to the map) instead of inline.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from folium.utilities import JsCode

from core.maps import (
    NO_DATA_COLOUR,
    POPULATION_COLOURS,
    CompactGeoJson,
    number,
    page_map,
    population_breaks,
    population_class,
    population_legend,
    render_parts,
)
from facilities import maps as facility_maps
from facilities.models import Facility
from facilities.selectors import FacilityPoint, map_facilities

from . import home_selectors as selectors
from .layers import collection_json, feature_json
from .map_view import BadMapView, read_map_view
from .selectors import unknown_kinds

#: A click on a region of the national map opens the home page of that region.
_REGION_CLICK = JsCode(
    """function (feature, layer) {
  layer.on("click", function () {
    window.location.search = "?region=" + encodeURIComponent(feature.properties.c);
  });
}"""
)


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The loaded regions on a map, with the totals and facilities per kind; the region
    chosen (``?region=``, or the only one loaded) with its facilities and communes.

    A fixed number of queries whatever the size of the data; an empty database shows how to
    load the demo data instead of a map; an unknown or empty region code is a 404.
    """
    overview = selectors.overview()
    region = chosen_region(request, overview)  # (code, label) or None
    unknown = unknown_kinds(Facility.objects.all())
    counts = {**overview.count_by_kind, **dict.fromkeys(unknown)}  # None: "non chargé"
    context = {
        "overview": overview,
        "region": region,
        "kinds": facility_maps.kind_legend(counts),
        "kinds_unknown": bool(unknown) and overview.commune_count > 0,
        "map": None,
        "map_name": "",
        "communes_url": "",
        "population_legend": [],
    }
    if region is not None:
        single = len(overview.regions) == 1  # the overview's extent is the region's
        context |= region_context(region[0], overview.extent if single else None)
    elif overview.commune_count or overview.facility_count:
        context |= national_context(overview)
    return render(request, "home.html", context)


def chosen_region(request: HttpRequest, overview: selectors.Overview) -> tuple[str, str] | None:
    """(code, label) of the region of ``?region=`` (404 when no region of that code has
    communes), else of the only region loaded, else None (the national view)."""
    code = request.GET.get("region", "").strip()
    if code:
        region = dict(overview.regions).get(code)
        if region is None:
            raise Http404(_("Aucune région chargée n'a ce code."))
        return code, region
    if len(overview.regions) == 1:
        return overview.regions[0]
    return None


def region_context(
    region_code: str, extent: tuple[float, float, float, float] | None = None
) -> dict:
    """The map of one region: its départements and facilities inline, its communes by a
    request (the legend's classes computed here from the same communes as the layer's);
    ``extent`` when the caller knows it already."""
    breaks = population_breaks(selectors.region_populations(region_code))
    m = page_map()
    add_department_outlines(m, selectors.map_department_outlines(region_code))
    facilities = selectors.region_facilities(region_code)
    facility_maps.add_facilities(m, facilities)
    folium.LayerControl(collapsed=True).add_to(m)
    _fit(m, extent or selectors.region_extent(region_code), facilities)
    return {
        "map": render_parts(m),
        "map_name": m.get_name(),
        "communes_url": reverse("home_communes", kwargs={"region_code": region_code}),
        "low_zoom_max": settings.SROS_LOW_ZOOM_MAX,  # home.js asks for the coarse copy up to it
        "population_legend": population_legend(breaks),
        "home_map_labels": {
            "commune": _("Commune"),
            "code": _("Code INSEE"),
            "population": _("Population"),
            "loading": _("Chargement des communes…"),
            "loaded": _("%(count)s communes affichées."),
            "error": _("Les communes n'ont pas pu être chargées."),
        },
    }


def national_context(overview: selectors.Overview) -> dict:
    """The map of every loaded region and département; facilities only when no commune is
    loaded at all (a facilities-only database has no region to choose)."""
    m = page_map()
    add_region_outlines(m, selectors.map_region_outlines())
    add_department_outlines(m, selectors.map_department_outlines())
    facilities = map_facilities() if not overview.commune_count else []
    facility_maps.add_facilities(m, facilities)
    folium.LayerControl(collapsed=True).add_to(m)
    _fit(m, selectors.outline_extent() or overview.extent, facilities)
    return {"map": render_parts(m), "map_name": m.get_name()}


@require_safe
@login_required
def home_communes_layer(request: HttpRequest, region_code: str) -> HttpResponse:
    """The communes of one region (404 for an unknown code) as a GeoJSON FeatureCollection
    for the home map: ``n`` name, ``c`` INSEE code, ``p`` population as shown, ``f`` fill
    colour of its population class (the classes of the page's legend). Geometries are pasted
    as the database wrote them.

    ``?zoom=`` and ``?bbox=`` (``dashboard.map_view``): the coarse copy at low zooms, only the
    communes in a bounding box; the classes stay those of the whole region (400 on a bad
    value)."""
    if not selectors.region_exists(region_code):
        raise Http404(_("Aucune région n'a ce code."))
    try:
        view = read_map_view(request.GET)
    except BadMapView as error:
        return JsonResponse({"error": str(error)}, status=400)
    rows = selectors.region_commune_rows(region_code, low_zoom=view.low_zoom, bbox=view.bbox)
    # Within a bbox, the classes come from all the region's communes, as the page's legend.
    populations = selectors.region_populations(region_code) if view.bbox else None
    body = communes_layer(rows, populations)
    return HttpResponse(body, content_type="application/geo+json")


def communes_layer(
    rows: Sequence[tuple[str, str, int | None, str]],
    populations: Sequence[int | None] | None = None,
) -> str:
    """Communes as a population choropleth, as GeoJSON text (see ``home_communes_layer``);
    the classes drawn from ``populations`` (by default those of ``rows``)."""
    if populations is None:
        populations = [population for _c, _n, population, _s in rows]
    breaks = population_breaks(populations)
    colours = POPULATION_COLOURS[-(len(breaks) + 1) :]
    unknown = _("inconnue")
    features = []
    for code, name, population, shape in rows:
        k = population_class(population, breaks)
        properties = {
            "n": name,
            "c": code,
            "p": number(population) if population is not None else unknown,
            "f": NO_DATA_COLOUR if k < 0 else colours[k],
        }
        features.append(feature_json(code, properties, shape))
    return collection_json(features)


def add_department_outlines(m: folium.Map, departments: list[dict]) -> None:
    if not departments:
        return
    CompactGeoJson(
        {"type": "FeatureCollection", "features": departments},
        name=_("Départements"),
        style_function=lambda feature: {"fill": False, "color": "#3a3a3a", "weight": 1.4},
        interactive=False,
    ).add_to(m)


def add_region_outlines(m: folium.Map, regions: list[dict]) -> None:
    """Regions, lightly filled, named on hover; a click opens the region's home page."""
    if not regions:
        return
    CompactGeoJson(
        {"type": "FeatureCollection", "features": regions},
        name=_("Régions"),
        style_function=lambda feature: {
            "fillColor": POPULATION_COLOURS[2],
            "fillOpacity": 0.35,
            "color": "#08519c",
            "weight": 2,
        },
        tooltip=folium.GeoJsonTooltip(fields=["n"], aliases=[_("Région")]),
        on_each_feature=_REGION_CLICK,
    ).add_to(m)


def _fit(
    m: folium.Map,
    extent: tuple[float, float, float, float] | None,
    facilities: Sequence[FacilityPoint],
) -> None:
    """Fit ``m`` to the communes' extent, or to the facilities when no polygon is loaded."""
    if extent is not None:
        west, south, east, north = extent
        m.fit_bounds([[south, west], [north, east]])
    elif facilities:
        lats = [f.lat for f in facilities]
        lons = [f.lon for f in facilities]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=12)
