"""A background map under the product's layers: an XYZ or WMTS tile template set by the host
(``SROS_BASEMAP_URL``), none by default, so that no page asks a foreign server for anything.

A template names the tile by ``{z}``, ``{x}`` and ``{y}`` (Leaflet's ``L.tileLayer``,
https://leafletjs.com/reference.html#tilelayer), and may spread its requests over subdomains
with ``{s}``. IGN's "Plan IGN" through the Géoplateforme's WMTS, for instance:
``https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}``
(https://geoservices.ign.fr/services-geoplateforme-diffusion).
"""

from __future__ import annotations

from urllib.parse import urlsplit


class BasemapError(ValueError):
    """A ``SROS_BASEMAP_URL`` that no map could use; the message says why."""


def csp_source(template: str) -> str:
    """The Content-Security-Policy source that lets the pages load the template's tiles: its
    scheme and host (a ``{s}`` subdomain becomes ``*``), with its port if it names one.

    Raises BasemapError for a template that is not http(s), has no host, or lacks one of
    ``{z}``, ``{x}``, ``{y}``."""
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in template]
    if missing:
        raise BasemapError(f"SROS_BASEMAP_URL lacks {', '.join(missing)}: {template}")
    parts = urlsplit(template)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise BasemapError(f"SROS_BASEMAP_URL must be an http(s) URL with a host: {template}")
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "@" in host:
        raise BasemapError(f"SROS_BASEMAP_URL's host may only hold {{s}}: {template}")
    return f"{parts.scheme}://{host}"
