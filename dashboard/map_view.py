"""The part of a commune layer's query string that says what the map shows: its zoom and,
optionally, a bounding box (issue 12 §4, "load by region or bounding box at a precision fit
for the zoom").

``?zoom=<int>``: up to ``SROS_LOW_ZOOM_MAX`` (8, where a pixel spans 0.0055° of longitude or
more) the communes come in their coarse copy (``Commune.low_zoom_map_geometry``), above it in
their map copy; without ``zoom``, the map copy, as before. ``?bbox=west,south,east,north``
(WGS84 degrees, drf-gis's ``in_bbox`` order): only the communes whose polygon's bounding box
intersects it (PostGIS ``&&``, served by the polygons' spatial index). What the map needs
twice comes out equal: every zoom of a band gives one key (``MapView.key``), so the layer's
ETag and the browser's cache are shared by the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

#: Zooms Leaflet can reach (the dashboard's maps stop at 18).
MAX_ZOOM = 24

#: The query parameters read here; a layer's other parameters are its selection.
PARAMETERS = ("zoom", "bbox")


class BadMapView(ValueError):
    """A ``zoom`` or ``bbox`` that cannot be read; its message is for the reader (French)."""


@dataclass(frozen=True)
class MapView:
    zoom: int | None = None
    bbox: tuple[float, float, float, float] | None = None

    @property
    def low_zoom(self) -> bool:
        """Whether the coarse copy is drawn (a zoom given, at most ``SROS_LOW_ZOOM_MAX``)."""
        return self.zoom is not None and self.zoom <= settings.SROS_LOW_ZOOM_MAX

    def key(self) -> str:
        """What the layer depends on: the band (``low``, ``fine``, or ``""`` when no zoom was
        given) and the bbox as read."""
        band = "" if self.zoom is None else "low" if self.low_zoom else "fine"
        box = ",".join(repr(value) for value in self.bbox) if self.bbox else ""
        return f"{band}|{box}"


def read_map_view(params: QueryDict) -> MapView:
    """The ``zoom`` and ``bbox`` of ``params``; ``BadMapView`` when one is given but unreadable
    (not an integer from 0 to 24; not four finite numbers, west < east and south < north,
    within ±180° and ±90°)."""
    zoom = params.get("zoom")
    if zoom is not None:
        try:
            zoom = int(zoom.strip())
        except ValueError:
            zoom = -1
        if not 0 <= zoom <= MAX_ZOOM:
            raise BadMapView(
                _("Le paramètre zoom doit être un nombre entier de 0 à %(max)s.")
                % {"max": MAX_ZOOM}
            )
    bbox = params.get("bbox")
    if bbox is not None:
        bbox = _bbox(bbox)
    return MapView(zoom, bbox)


def _bbox(text: str) -> tuple[float, float, float, float]:
    message = _(
        "Le paramètre bbox doit donner ouest,sud,est,nord en degrés (WGS84), avec ouest < est "
        "et sud < nord, par exemple bbox=4.5,45.5,5.2,46.0."
    )
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise BadMapView(message) from None
    values = (west, south, east, north)
    if not all(math.isfinite(v) for v in values) or not (west < east and south < north):
        raise BadMapView(message)
    if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
        raise BadMapView(message)
    return values


def selection_query(params: QueryDict) -> str:
    """``params`` without the map view's parameters, as a query string (a layer's key)."""
    rest = params.copy()
    for name in PARAMETERS:
        rest.pop(name, None)
    return rest.urlencode()
