"""Folium maps embedded in our own pages, drawn with our vendored copies of Leaflet.

A map here is not a full folium HTML document: ``render_parts`` splits folium's output into
the asset links for ``<head>``, the map ``<div>`` and the script, which the Django templates
place in their blocks. Every asset URL points to ``static/vendor`` (no CDN, no tile server: the
map has ``tiles=None`` and a plain background set in ``sros.css``).
What a map of facilities or of the home page adds lives with them (``facilities.maps``,
``dashboard.home``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import folium
import numpy as np
from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.translation import gettext as _

LEAFLET = "vendor/leaflet-1.9.4"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3"
JQUERY = "vendor/jquery-3.7.1"

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
            label = _("%(low)s et plus") % {"low": number(bounds[i])}
        else:
            label = _("%(low)s à %(high)s") % {
                "low": number(bounds[i]),
                "high": number(bounds[i + 1] - 1),
            }
        entries.append(LegendEntry(colour, label))
    return entries


def number(value: int) -> str:
    return number_format(value, force_grouping=True)
