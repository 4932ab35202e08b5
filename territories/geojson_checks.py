"""What GDAL does not say about a GeoJSON file: which feature or line is wrong.

GDAL silently drops a member of ``features`` that is not a Feature object (a misspelt
``"type"``, a bare geometry, a number) and, when it cannot read a file, names neither the line
nor the feature. These checks name them. The common path stays cheap (two regular-expression
counts compared with what GDAL read, ~20 ms on the AURA communes): the file is parsed as JSON
only when something is wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import shapely

from core.import_checks import json_syntax_error
from core.importing import ImportFailed

_FEATURE_TAG = re.compile(r'"type"\s*:\s*"Feature"\s*[,}]')
_GEOMETRY_MEMBER = re.compile(r'"geometry"\s*:')


def check_nothing_dropped(path: Path, text: str, read: int) -> None:
    """Refuse the file if GDAL read fewer features than ``features`` has members."""
    if len(_FEATURE_TAG.findall(text)) == read and len(_GEOMETRY_MEMBER.findall(text)) <= read:
        return
    features = _features(path, _parse(path, text))
    if features is None:
        return  # a bare Feature or geometry: GDAL read it whole
    _check_members(path, features)


def explain_unreadable(path: Path, text: str, exc: Exception) -> ImportFailed:
    """The most precise error for a GeoJSON file GDAL could not read: the JSON syntax error and
    its line, a top-level object that is not GeoJSON, the first member of ``features`` that is
    not a Feature, the first geometry GEOS refuses; else GDAL's own message."""
    data = _parse(path, text)
    features = _features(path, data)
    if features is not None:
        _check_members(path, features)
        for number, feature in enumerate(features, start=1):
            geometry = feature.get("geometry")
            if geometry is None:
                continue
            try:
                shapely.from_geojson(json.dumps(geometry))
            except (shapely.errors.GEOSException, ValueError, TypeError) as error:
                return ImportFailed(
                    path,
                    f"broken geometry that cannot be read ({_geos_reason(error)})",
                    where=_where(number, feature),
                )
    return ImportFailed(path, f"not a readable geographic file ({exc})")


def _parse(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_syntax_error(path, exc) from exc
    except RecursionError as exc:
        raise ImportFailed(path, "not valid GeoJSON (nested too deeply)", where="line 1") from exc


def _features(path: Path, data: Any) -> list[Any] | None:
    """The ``features`` array of a FeatureCollection; None for a bare Feature or geometry."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return data["features"]
    if kind == "FeatureCollection":
        raise ImportFailed(path, "a FeatureCollection without a features array", where="line 1")
    if kind in ("Feature", *_GEOMETRY_TYPES):
        return None
    shown = f"type {kind!r}" if isinstance(data, dict) else f"a JSON {type(data).__name__}"
    raise ImportFailed(
        path, f"not GeoJSON: {shown} at the top, expected a FeatureCollection", where="line 1"
    )


_GEOMETRY_TYPES = (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection",
)  # fmt: skip


def _check_members(path: Path, features: list[Any]) -> None:
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise ImportFailed(
                path,
                f"not a GeoJSON Feature but a JSON {type(feature).__name__}",
                where=f"feature {number}",
            )
        if feature.get("type") != "Feature":
            raise ImportFailed(
                path,
                f'record type {str(feature.get("type"))[:40]!r}, expected "Feature" '
                "(GDAL would silently skip it)",
                where=_where(number, feature),
            )


def _where(number: int, feature: dict[str, Any]) -> str:
    properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    lowered = {str(k).lower(): v for k, v in properties.items()}
    keys = ("code", "insee_com", "insee_dep", "insee_reg")
    code = next((lowered[k] for k in keys if k in lowered), None)
    return f"feature {number} (code {str(code)[:12]})" if code else f"feature {number}"


def _geos_reason(error: Exception) -> str:
    return str(error).split(":", 1)[-1].strip() if "Exception:" in str(error) else str(error)
