"""Folium maps embedded in our own pages, drawn with our vendored copies of Leaflet.

A map here is not a full folium HTML document: ``render_parts`` splits folium's output into
the asset links for ``<head>``, the map ``<div>`` and the script, which the Django templates
place in their blocks. Every asset URL points to ``static/vendor`` (no CDN, no tile server: the
map has ``tiles=None`` and a plain background set in ``sros.css``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import folium
import numpy as np
from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _
from folium.plugins import FastMarkerCluster

from facilities.activities import Activity, Modality
from facilities.models import Facility

from .selectors import CommuneShape, FacilityPoint

LEAFLET = "vendor/leaflet-1.9.4"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3"
JQUERY = "vendor/jquery-3.7.1"

#: One colour per facility kind (ColorBrewer-like, chosen to stand out on the blue choropleth).
KIND_COLOURS: dict[str, str] = {
    Facility.Kind.CHU: "#b2182b",
    Facility.Kind.CH: "#e66101",
    Facility.Kind.CLINIC: "#7b3294",
    Facility.Kind.MSP: "#1b7837",
    Facility.Kind.HEALTH_CENTRE: "#7fbc41",
    Facility.Kind.EHPAD: "#de77ae",
    Facility.Kind.PSYCHIATRY: "#8c510a",
    Facility.Kind.SSR: "#35978f",
    Facility.Kind.OTHER: "#4d4d4d",
}

#: Sequential "Blues" (ColorBrewer), light to dark, for population classes.
POPULATION_COLOURS = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
NO_DATA_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class MapParts:
    """Folium's output cut into the pieces a Django template places: ``header`` (asset links
    and styles, for ``<head>``), ``html`` (the map container) and ``script`` (without the
    ``<script>`` tag)."""

    header: str
    html: str
    script: str


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    count: int | None = None


def vendored_js() -> list[tuple[str, str]]:
    """folium's ``default_js`` names, pointed at our static copies (Bootstrap and
    awesome-markers are left out: no folium element we draw uses them)."""
    return [
        ("leaflet", static(f"{LEAFLET}/leaflet.js")),
        ("jquery", static(f"{JQUERY}/jquery.min.js")),
    ]


def vendored_css() -> list[tuple[str, str]]:
    return [("leaflet_css", static(f"{LEAFLET}/leaflet.css"))]


def markercluster_js() -> list[tuple[str, str]]:
    return [("markerclusterjs", static(f"{MARKERCLUSTER}/leaflet.markercluster.js"))]


def markercluster_css() -> list[tuple[str, str]]:
    return [
        ("markerclustercss", static(f"{MARKERCLUSTER}/MarkerCluster.css")),
        ("markerclusterdefaultcss", static(f"{MARKERCLUSTER}/MarkerCluster.Default.css")),
    ]


def page_map(**kwargs) -> folium.Map:
    """A folium map without tiles whose assets come from our static files.

    The asset lists are set on the instance, so folium's class defaults (CDN URLs) stay
    untouched for anyone else.
    """
    m = folium.Map(tiles=None, control_scale=True, **kwargs)
    # Without a tile layer Leaflet knows no zoom limits, and markercluster needs a maxZoom.
    m.options.setdefault("min_zoom", 5)
    m.options.setdefault("max_zoom", 18)
    m.options.setdefault("zoom_snap", 0.25)
    m.default_js = vendored_js()
    m.default_css = vendored_css()
    return m


def render_parts(m: folium.Map) -> MapParts:
    """Render ``m`` and split the result for a Django template.

    folium's own header for the map (a viewport meta tag and styles that set ``html, body``
    to 100 % height) is meant for a standalone page, so it is left out: ``sros.css`` sizes
    ``.folium-map`` instead.
    """
    figure = m.get_root()
    figure.render()
    skipped = {"meta_http", m.get_name()}
    header = "\n".join(
        child.render() for name, child in figure.header._children.items() if name not in skipped
    )
    return MapParts(header=header, html=figure.html.render(), script=figure.script.render())


class CompactGeoJson(folium.GeoJson):
    """``folium.GeoJson`` that embeds its data without the blanks of ``json.dumps``' default
    separators: an eighth of a regional page's weight, which is mostly coordinates.

    The switch is on the Jinja environment shared by folium's templates, for the duration of
    this element's render only; another map rendered at the same moment in another thread
    could at worst come out compact too, which changes no behaviour.
    """

    def render(self, **kwargs):
        policies = self._template.environment.policies
        saved = policies["json.dumps_kwargs"]
        policies["json.dumps_kwargs"] = {**saved, "separators": (",", ":")}
        try:
            super().render(**kwargs)
        finally:
            policies["json.dumps_kwargs"] = saved


def population_breaks(populations: Iterable[int | None], classes: int = 6) -> list[int]:
    """Lower bounds of the population classes after the first: quantiles of the communes'
    populations, rounded to two significant figures (legible legends), without duplicates."""
    values = np.array([p for p in populations if p is not None], dtype=float)
    if not len(values):
        return []
    quantiles = np.quantile(values, np.linspace(0, 1, classes + 1)[1:-1])
    rounded = {_two_significant_figures(q) for q in quantiles}
    return sorted(b for b in rounded if b > 0)


def _two_significant_figures(value: float) -> int:
    if value < 10:
        return int(round(value))
    return int(round(value, 1 - int(np.floor(np.log10(value)))))


def population_class(population: int | None, breaks: Sequence[int]) -> int:
    """Index of the class of ``population`` (-1 when unknown)."""
    if population is None:
        return -1
    return int(np.searchsorted(breaks, population, side="right"))


def population_legend(breaks: Sequence[int]) -> list[LegendEntry]:
    if not breaks:
        return []
    colours = POPULATION_COLOURS[-(len(breaks) + 1) :]
    bounds = [0, *breaks]
    entries = []
    for i, colour in enumerate(colours):
        if i == len(breaks):
            label = _("%(low)s et plus") % {"low": _number(bounds[i])}
        else:
            label = _("%(low)s à %(high)s") % {
                "low": _number(bounds[i]),
                "high": _number(bounds[i + 1] - 1),
            }
        entries.append(LegendEntry(colour, label))
    return entries


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def kind_legend(count_by_kind: dict[str, int]) -> list[LegendEntry]:
    """Every facility kind with its marker colour and count, in the order of ``Facility.Kind``."""
    return [
        LegendEntry(KIND_COLOURS[kind], label, count_by_kind.get(kind, 0))
        for kind, label in Facility.Kind.choices
    ]


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
                "p": _number(c.population) if c.population is not None else unknown,
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


# The markers' spans are built as elements and coloured through element.style: a style=""
# attribute in an HTML string would be refused by the Content-Security-Policy.
_MARKER_CALLBACK = """function (row) {
    var span = window.srosSwatches.span("%(colour)s");
    span.dataset.finess = row[2];
    var icon = L.divIcon({className: "sros-marker", html: span, iconSize: [14, 14]});
    var marker = L.marker([row[0], row[1]], {icon: icon});
    marker.bindPopup(row[3]);
    marker.bindTooltip(row[4]);
    return marker;
}"""

_CLUSTER_ICON = """function (cluster) {
    return L.divIcon({
        className: "sros-cluster",
        html: window.srosSwatches.span("%(colour)s", cluster.getChildCount()),
        iconSize: L.point(28, 28)
    });
}"""


def add_facilities(m: folium.Map, facilities: Sequence[FacilityPoint]) -> None:
    """Facilities as markers coloured by kind: one clustered layer per kind, so the layer
    control can show or hide each kind."""
    kind_labels = dict(Facility.Kind.choices)
    for kind, label in kind_labels.items():
        rows = [
            [f.lat, f.lon, f.finess_et, facility_popup(f, kind_labels), escape(f.name)]
            for f in facilities
            if f.kind == kind
        ]
        if not rows:
            continue
        colour = {"colour": KIND_COLOURS[kind]}
        cluster = FastMarkerCluster(
            rows,
            callback=_MARKER_CALLBACK % colour,
            icon_create_function=_CLUSTER_ICON % colour,
            name=f"{label} ({len(rows)})",
            show_coverage_on_hover=False,
            max_cluster_radius=40,
        )
        cluster.default_js = markercluster_js()
        cluster.default_css = markercluster_css()
        cluster.add_to(m)


def facility_popup(facility: FacilityPoint, kind_labels: dict[str, str]) -> str:
    """The popup of a facility marker: FINESS ET number, name, kind, commune, authorisations."""
    activities = dict(Activity.choices)
    modalities = dict(Modality.choices)
    authorisations = format_html_join(
        "",
        "<li>{}{}</li>",
        (
            (activities.get(activity, activity), f" — {modalities.get(modality, modality)}")
            if modality
            else (activities.get(activity, activity), "")
            for activity, modality in facility.authorisations
        ),
    )
    return format_html(
        '<div class="sros-popup"><strong>{}</strong><br>{} {}<br>{}<br>{}{}</div>',
        facility.name,
        _("FINESS ET"),
        facility.finess_et,
        kind_labels.get(facility.kind, facility.kind),
        facility.commune_name or _("commune inconnue"),
        format_html("<ul>{}</ul>", authorisations) if authorisations else "",
    )


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
    add_facilities(m, facilities)
    folium.LayerControl(collapsed=True).add_to(m)
    if extent is not None:
        west, south, east, north = extent
        m.fit_bounds([[south, west], [north, east]])
    elif facilities:
        lats = [f.lat for f in facilities]
        lons = [f.lon for f in facilities]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=12)
    return render_parts(m), legend
