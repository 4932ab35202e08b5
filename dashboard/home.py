"""The home page: the loaded territory on a map, its totals and its facilities per kind."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.maps import (
    NO_DATA_COLOUR,
    POPULATION_COLOURS,
    CompactGeoJson,
    LegendEntry,
    MapParts,
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
from .home_selectors import CommuneShape
from .selectors import unknown_kinds


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The loaded region on a map, with its totals and facilities per kind.

    A fixed number of queries whatever the size of the region; an empty database shows how to
    load the demo data instead of a map.
    """
    overview = selectors.overview()
    unknown = unknown_kinds(Facility.objects.all())
    counts = {**overview.count_by_kind, **dict.fromkeys(unknown)}  # None: "non chargé"
    context = {
        "overview": overview,
        "kinds": facility_maps.kind_legend(counts),
        "kinds_unknown": bool(unknown) and overview.commune_count > 0,
        "map": None,
        "population_legend": [],
    }
    if overview.commune_count or overview.facility_count:
        context["map"], context["population_legend"] = home_map(
            selectors.map_communes(),
            map_facilities(),
            selectors.map_department_outlines(),
            overview.extent,
        )
    return render(request, "home.html", context)


def add_communes(m: folium.Map, communes: Sequence[CommuneShape]) -> list[LegendEntry]:
    """Communes as a choropleth of population classes; returns the legend.

    Each feature carries its class index ``k`` so that folium's style map holds one style per
    class (not one style object per commune); property names are short because they are
    repeated 4,000 times on a regional page.
    """
    breaks = population_breaks(c.population for c in communes)
    colours = POPULATION_COLOURS[-(len(breaks) + 1) :]
    styles = {-1: _commune_style(NO_DATA_COLOUR)} | {
        i: _commune_style(colour) for i, colour in enumerate(colours)
    }
    unknown = _("inconnue")
    features = [
        {
            "type": "Feature",
            "id": c.code,
            "properties": {
                "n": escape(c.name),
                "c": c.code,
                "p": number(c.population) if c.population is not None else unknown,
                "k": population_class(c.population, breaks),
            },
            "geometry": c.geometry,
        }
        for c in communes
    ]
    CompactGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_("Communes (population)"),
        style_function=lambda feature: styles[feature["properties"]["k"]],
        tooltip=folium.GeoJsonTooltip(
            fields=["n", "c", "p"],
            aliases=[_("Commune"), _("Code INSEE"), _("Population")],
        ),
    ).add_to(m)
    return population_legend(breaks)


def _commune_style(colour: str) -> dict:
    return {"fillColor": colour, "fillOpacity": 0.85, "color": "#ffffff", "weight": 0.4}


def add_department_outlines(m: folium.Map, departments: list[dict]) -> None:
    if not departments:
        return
    CompactGeoJson(
        {"type": "FeatureCollection", "features": departments},
        name=_("Départements"),
        style_function=lambda feature: {"fill": False, "color": "#3a3a3a", "weight": 1.4},
        interactive=False,
    ).add_to(m)


def home_map(
    communes: Sequence[CommuneShape],
    facilities: Sequence[FacilityPoint],
    departments: list[dict],
    extent: tuple[float, float, float, float] | None,
) -> tuple[MapParts, list[LegendEntry]]:
    """The home page map (communes by population, département outlines, facilities by kind),
    fitted to the communes (or to the facilities when no polygon is loaded)."""
    m = page_map()
    legend = add_communes(m, communes) if communes else []
    add_department_outlines(m, departments)
    facility_maps.add_facilities(m, facilities)
    folium.LayerControl(collapsed=True).add_to(m)
    if extent is not None:
        west, south, east, north = extent
        m.fit_bounds([[south, west], [north, east]])
    elif facilities:
        lats = [f.lat for f in facilities]
        lons = [f.lon for f in facilities]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=12)
    return render_parts(m), legend
