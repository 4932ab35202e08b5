"""Facilities on a folium map: one colour per kind, clustered markers per kind, popups."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _
from folium.plugins import FastMarkerCluster

from core.maps import LegendEntry, markercluster_css, markercluster_js

from .activities import CatalogueIndex, labels
from .models import Facility
from .selectors import FacilityPoint

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


def kind_legend(count_by_kind: dict[str, int]) -> list[LegendEntry]:
    """Every facility kind with its marker colour and count, in the order of ``Facility.Kind``."""
    return [
        LegendEntry(KIND_COLOURS[kind], label, count_by_kind.get(kind, 0))
        for kind, label in Facility.Kind.choices
    ]


# The markers' spans are built as elements and coloured through element.style: a style=""
# attribute in an HTML string would be refused by the Content-Security-Policy.
_MARKER_CALLBACK = """function (row) {
    var span = window.srosSwatches.span("%(colour)s");
    span.dataset.finess = row[2];
    var icon = L.divIcon({className: "sros-marker", html: span, iconSize: [14, 14]});
    var marker = L.marker([row[0], row[1]], {icon: icon});
    marker.bindPopup(row[3]);
    marker.bindTooltip(row[4]);
    // Leaflet gives a keyboard marker role="button" but names only <img> icons: name the
    // div icon after the facility (axe-core rule aria-command-name). row[4] is escaped HTML.
    marker.on("add", function () {
        var text = document.createElement("div");
        text.innerHTML = row[4];
        marker.getElement().setAttribute("aria-label", text.textContent);
    });
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
    index = labels()
    for kind, label in kind_labels.items():
        rows = [
            [f.lat, f.lon, f.finess_et, facility_popup(f, kind_labels, index), escape(f.name)]
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


def facility_popup(
    facility: FacilityPoint, kind_labels: dict[str, str], index: CatalogueIndex | None = None
) -> str:
    """The popup of a facility marker: FINESS ET number, name, kind, commune, authorisations
    (labels from ``index``, the catalogue: pass one built once when drawing many)."""
    index = index or labels()
    authorisations = format_html_join(
        "",
        "<li>{}{}</li>",
        (
            (index.activity_label(activity), f" — {index.modality_label(activity, modality)}")
            if modality
            else (index.activity_label(activity), "")
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
