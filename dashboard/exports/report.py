"""The territory page as a PDF report: the diagnostic's figures and SVG charts, and its map drawn
here as SVG (communes coloured by time to the chosen level, its facilities as dots), projected
to Lambert 93 and fitted to a fixed box. WeasyPrint fetches only our static files from disk."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from django.contrib.gis.geos import Polygon
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from pyproj import Transformer
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dashboard import layers, selectors, territory
from facilities.maps import KIND_COLOURS
from facilities.models import Facility
from indicators.models import IndicatorRun
from pathways.models import Level
from pathways.selectors import level_facilities
from territories import shapes as territory_shapes
from territories.models import Commune
from territories.selectors import region_label

from .tables import run_metadata

#: The made-up origin the report's relative URLs resolve against; only its static files load.
REPORT_ORIGIN = "https://rapport.sros.invalid"
MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 440, 8
_TO_LAMBERT93 = Transformer.from_crs(4326, 2154, always_xy=True)
#: The chart rules of dashboard.css, put inside each SVG: WeasyPrint styles an inline SVG from
#: its own ``<style>`` only.
SVG_STYLE = (
    "<style>text{font-family:'DejaVu Sans',sans-serif}.chart-label{font-size:11px;fill:#1b1b1b}"
    ".chart-value{font-size:10px;fill:#1b1b1b}.chart-value-light{fill:#fff}"
    ".chart-small{font-size:10px;fill:#444}"
    ".chart-axis{stroke:#777}.chart-target{stroke:#bd0026;stroke-dasharray:4 3;stroke-width:1.5}"
    ".chart-marker{stroke:#000091;stroke-width:2}</style>"
)
# One INFO line per layout step and page would fill the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class LocalOnlyFetcher(URLFetcher):
    """Serves the report's static files from disk and refuses every other URL (no network: a
    stray ``<img src="https://…">`` is skipped, not fetched). ``refused`` lists what it
    turned away."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        prefix = REPORT_ORIGIN + static("")
        path = finders.find(url[len(prefix) :]) if url.startswith(prefix) else None
        if not path:
            self.refused.append(url)
            raise ValueError(f"the PDF report loads nothing but our static files: {url}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = "text/css" if path.endswith(".css") else "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


# --- the map --------------------------------------------------------------------------------


def projector(
    bounds: tuple[float, float, float, float],
    width: float = MAP_WIDTH,
    height: float = MAP_HEIGHT,
    margin: float = MAP_MARGIN,
) -> Callable[[np.ndarray], np.ndarray]:
    """Lon/lat to SVG pixels: Lambert 93, scaled to fit the box keeping proportions, y down."""
    x0, y0 = _TO_LAMBERT93.transform(bounds[0], bounds[1])
    x1, y1 = _TO_LAMBERT93.transform(bounds[2], bounds[3])
    scale = min(
        (width - 2 * margin) / max(x1 - x0, 1.0),
        (height - 2 * margin) / max(y1 - y0, 1.0),
    )
    dx = (width - scale * (x1 - x0)) / 2
    dy = (height - scale * (y1 - y0)) / 2

    def project(lonlat: np.ndarray) -> np.ndarray:
        x, y = _TO_LAMBERT93.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([dx + scale * (x - x0), height - dy - scale * (y - y0)])

    return project


def svg_path(geometry) -> str:
    """SVG path data of a projected (multi)polygon, one sub-path per ring."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.round(shapely.get_coordinates(ring), 1)
            if len(xy):
                parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in xy) + "Z")
    return "".join(parts)


def report_map(run: IndicatorRun, unit: territory.Unit, level: Level | None) -> SafeString:
    """The unit and its surroundings: communes coloured by their time to ``level`` (the map's
    fixed bands), the unit's communes outlined, the level's facilities as dots by kind."""
    if unit.extent is None:
        return SafeString("")
    xmin, ymin, xmax, ymax = unit.extent
    pad = max(xmax - xmin, ymax - ymin) * 0.08 + 0.01
    bounds = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    box = Polygon.from_bbox(bounds)
    codes = list(
        Commune.objects.filter(
            department__region=unit.region, geometry__bboverlaps=box
        ).values_list("code", flat=True)
    )
    shapes = territory_shapes.commune_shapes(unit.region, codes)
    values = (
        selectors.layer_values(
            run, unit_kind=selectors.UnitKind.COMMUNE,
            indicator=selectors.Indicator.NEAREST_MINUTES, level=level,
        )
        if level else {}
    )  # fmt: skip
    classes = layers.classes_for(selectors.Indicator.NEAREST_MINUTES, [])
    project = projector(bounds)
    geometries = shapely.transform(
        shapely.from_geojson([s.geometry for s in shapes]), project
    ) if shapes else []  # fmt: skip
    own = set(unit.commune_codes)
    fills = []
    for shape, geometry in zip(shapes, geometries, strict=True):
        value = values.get(shape.code)
        fills.append((svg_path(geometry), classes.colour(value.value if value else None)))
    inside = [g for s, g in zip(shapes, geometries, strict=True) if s.code in own]
    outline = svg_path(shapely.union_all(inside, grid_size=0.5)) if inside else ""
    dots = _facility_dots(level, box, project)
    return _map_svg(fills, outline, dots, classes, level)


def _facility_dots(level: Level | None, box: Polygon, project) -> list[tuple]:
    note = getattr(level, "note", None)
    if level is None or (note is not None and note.missing):
        facilities = Facility.objects.none()
    else:
        facilities = level_facilities(level, absent=note.absent if note else ())
    rows = list(
        facilities.filter(point__intersects=box)
        .order_by("finess_et")
        .values_list("point", "kind", "name")
    )
    if not rows:
        return []
    xy = project(np.array([[p.x, p.y] for p, _k, _n in rows]))
    return [
        (f"{x:.1f}", f"{y:.1f}", KIND_COLOURS.get(kind, KIND_COLOURS[Facility.Kind.OTHER]), name)
        for (x, y), (_p, kind, name) in zip(xy, rows, strict=True)
    ]


def _map_svg(fills, outline: str, dots, classes: layers.Classes, level: Level | None) -> SafeString:
    legend_top = MAP_HEIGHT + 6
    entries = classes.legend(_("non atteint ou sans donnée"))
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="14" height="10" fill="{}" stroke="#666" stroke-width=".5"/>'
        '<text x="{}" y="{}" class="chart-small">{}</text>',
        (
            (8 + x, legend_top + y, e["colour"], 26 + x, legend_top + y + 9, e["label"])
            for i, e in enumerate(entries)
            for x, y in [(210 * (i % 3), 16 * (i // 3))]
        ),
    )
    title = _("Temps jusqu'au plus proche : %(level)s") % {"level": level} if level else ""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart report-map" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{title}</title>{style}'
        '<clipPath id="report-map-box"><rect width="{w}" height="{mh}"/></clipPath>'
        '<g clip-path="url(#report-map-box)"><g stroke="#fff" stroke-width=".4">{fills}</g>'
        '<path d="{outline}" fill="none" stroke="#000091" stroke-width="1.8"/>'
        '<g stroke="#fff" stroke-width=".8">{dots}</g></g>'
        '<rect x=".5" y=".5" width="{iw}" height="{mh}" fill="none" stroke="#999" '
        'stroke-width=".5"/>'
        "{legend}</svg>",
        w=MAP_WIDTH,
        h=MAP_HEIGHT + 40,
        mh=MAP_HEIGHT,
        iw=MAP_WIDTH - 1,
        title=title,
        style=SafeString(SVG_STYLE),
        fills=format_html_join("", '<path d="{}" fill="{}"/>', fills),
        outline=outline,
        dots=format_html_join(
            "", '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}</title></circle>', dots
        ),
        legend=legend,
    )


# --- the report -----------------------------------------------------------------------------


def report_html(
    run: IndicatorRun, unit: territory.Unit, levels: Sequence[Level], chosen: str | None, user
) -> str:
    """The report's HTML: the territory page's diagnostic, its map as SVG and the run's
    metadata."""
    context = territory.diagnostic(run, unit, list(levels), chosen)
    for chart in ("band_chart", "histogram"):
        context[chart] = with_svg_style(context[chart])
    context.update(
        {
            "run": run,
            "unit": unit,
            "region": unit.region,
            "region_label": region_label(unit.region),
            "levels": levels,
            "map_svg": report_map(run, unit, context["chosen_level"]),
            "metadata": run_metadata(unit.region, run, {}, user),
        }
    )
    return render_to_string("dashboard/report.html", context)


def with_svg_style(svg: str) -> SafeString:
    """``svg`` with ``SVG_STYLE`` inside its root element."""
    head, sep, tail = str(svg).partition(">")
    return SafeString(head + sep + SVG_STYLE + tail if sep else svg)


def render_pdf(html: str) -> bytes:
    fetcher = LocalOnlyFetcher()
    return HTML(string=html, base_url=REPORT_ORIGIN + "/", url_fetcher=fetcher).write_pdf()
