"""Importers of official territory files: régions, départements, communes, populations légales.

Every importer reads and checks the whole file first and raises ``ImportFailed`` (file, entry
or feature or line, reason) before writing anything, then writes in one transaction through
the idempotent ``upsert``: importing the same file twice creates and changes nothing.

Which file is the reference for what: the INSEE COG files (the JSON arrays, the population
CSV) name the units; geometry files (GeoJSON, GeoPackage, Shapefile from IGN) bring shapes and
give a name only to a unit that does not exist yet. So a COG file and a geometry file can be
imported in either order and neither blanks or overrides what the other brought.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from django.db import transaction

from core.import_checks import check_field_count, check_fits, csv_records, json_syntax_error
from core.importing import (
    ImportFailed,
    ImportReport,
    announce_change,
    bulk_upsert,
    read_utf8,
    refuse_empty_or_web_page,
    upsert,
)

from . import geojson_checks
from . import geometry as geo
from .cog import CommuneCodes, How, department_code_of, refuse_unresolved
from .models import Commune, Department, FormerCommuneCode, MunicipalDistrict, Region

# Overseas collectivities (975 Saint-Pierre-et-Miquelon … 989 Clipperton) have 3-digit codes.
REGION_CODE = re.compile(r"^(\d{2}|9[78]\d)$")
DEPARTMENT_CODE = re.compile(r"^(\d{2}|2[AB]|9[78]\d)$")
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

#: Accepted property names (lower-cased) per field: our GeoJSON files, then IGN ADMIN EXPRESS.
REGION_COLUMNS = {"code": ("code", "insee_reg"), "name": ("nom", "nom_m")}
DEPARTMENT_COLUMNS = {"code": ("code", "insee_dep"), "name": ("nom", "nom_m")}
DEPARTMENT_OPTIONAL = {"region": ("region", "insee_reg")}
COMMUNE_COLUMNS = {"code": ("code", "insee_com"), "name": ("nom", "nom_m")}
COMMUNE_OPTIONAL = {"population": ("population",)}

POPULATION_COLUMNS = ("code_insee", "nom", "type", "departement", "population", "commune_parente")
COMMUNE_TYPE = "commune-actuelle"
DISTRICT_TYPE = "arrondissement-municipal"
#: The other row types of the INSEE file: skipped, and counted in the notes. Any other value
#: is a wrong file (or a typo), refused: it would otherwise silently drop a commune.
SKIPPED_TYPES = ("commune-deleguee", "commune-associee")


# --- Reading -----------------------------------------------------------------------------------


def _looks_like_json_array(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


def _read_cog_json(path: Path, required: Iterable[str]) -> list[dict[str, Any]]:
    """An INSEE COG JSON array (``regions.json``, ``departements.json``) with its fields checked."""
    text = read_utf8(path)
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_syntax_error(path, exc) from exc
    if not isinstance(entries, list) or not entries:
        raise ImportFailed(path, "expected a non-empty JSON array of COG entries", where="line 1")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ImportFailed(path, "not a JSON object", where=f"entry {number}")
        missing = [name for name in required if not isinstance(entry.get(name), str)]
        if missing:
            raise ImportFailed(
                path, f"missing or non-text field(s): {', '.join(missing)}", where=f"entry {number}"
            )
    return entries


def _columns(
    path: Path,
    found: Iterable[str],
    required: Mapping[str, tuple[str, ...]],
    optional: Mapping[str, tuple[str, ...]] | None = None,
    *,
    where: str = "line 1",
) -> dict[str, str]:
    """Map our field names to the file's columns (case-insensitive, first alias present)."""
    by_lower = {str(column).lower(): str(column) for column in found}
    mapping: dict[str, str] = {}
    missing = []
    for field, aliases in {**required, **(optional or {})}.items():
        column = next((by_lower[a] for a in aliases if a in by_lower), None)
        if column is not None:
            mapping[field] = column
        elif field in required:
            missing.append(" or ".join(aliases))
    if missing:
        raise ImportFailed(
            path,
            f"missing column(s) {', '.join(missing)} "
            f"(columns found: {', '.join(sorted(by_lower))[:200] or 'none'})",
            where=where,
        )
    return mapping


def _read_geo(
    path: Path,
    required: Mapping[str, tuple[str, ...]],
    optional: Mapping[str, tuple[str, ...]] | None = None,
    *,
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """A vector file (GeoJSON, GeoPackage, Shapefile…) in WGS84, with its columns mapped.

    What GDAL warns about while reading a file it could read (a ring it closed…) is added to
    ``notes`` rather than printed as a Python warning."""
    if not path.exists():
        raise ImportFailed(path, "no such file")
    text = None
    if path.suffix.lower() in (".json", ".geojson"):
        text = read_utf8(path)  # GDAL would silently mangle a non-UTF-8 GeoJSON
    elif path.is_file():
        with path.open("rb") as handle:
            refuse_empty_or_web_page(path, handle.read(512))
    try:
        with warnings.catch_warnings(record=True) as gdal_warnings:
            warnings.simplefilter("always", RuntimeWarning)
            frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio/GDAL raise many types for unreadable input
        if text is not None:
            raise geojson_checks.explain_unreadable(path, text, exc) from exc
        raise ImportFailed(path, f"not a readable geographic file ({exc})") from exc
    if text is not None:
        geojson_checks.check_nothing_dropped(path, text, len(frame))
    notes.extend(f"{path}: GDAL: {warning.message}" for warning in gdal_warnings)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ImportFailed(path, "not a geographic file: it has no geometry column")
    if frame.empty:
        raise ImportFailed(path, "the file has no feature")
    if frame.geometry.isna().all():
        raise ImportFailed(path, "not a geographic file: no feature has a geometry")
    mapping = _columns(path, frame.columns, required, optional, where="feature 1")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        try:
            frame = frame.to_crs(4326)
        except Exception as exc:
            raise ImportFailed(path, f"cannot reproject from {frame.crs} to WGS84 ({exc})") from exc
    return frame, mapping


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _feature(number: int, code: str) -> str:
    return f"feature {number} (code {code})" if code else f"feature {number}"


def _check_codes(path: Path, codes: list[str], pattern: re.Pattern, label: str, unit: str) -> None:
    seen: dict[str, int] = {}
    for number, code in enumerate(codes, start=1):
        if not pattern.match(code):
            raise ImportFailed(path, f"invalid {label} code {code!r}", where=f"{unit} {number}")
        where = f"{unit} {number} (code {code})"
        if code in seen:
            raise ImportFailed(
                path, f"duplicate {label} code {code} (also {unit} {seen[code]})", where=where
            )
        seen[code] = number


def _clean_geometries(path: Path, frame: gpd.GeoDataFrame, codes: list[str]) -> tuple[list, list]:
    """Valid MultiPolygons for every feature, and messages for those that were repaired.

    A missing or non-polygonal geometry, one that cannot be repaired, or one outside France
    fails the whole file.
    """
    geometries = list(frame.geometry.values)
    for number, (code, geometry) in enumerate(zip(codes, geometries, strict=True), 1):
        if not geo.is_polygonal(geometry) or geometry.is_empty:
            kind = "no geometry" if geometry is None else f"a {geometry.geom_type}"
            raise ImportFailed(
                path, f"expected a polygon, found {kind}", where=_feature(number, code)
            )
    fixed, reasons = geo.repair_all(geometries)  # vectorised: the national file in one call
    for number, (code, shape, reason) in enumerate(zip(codes, fixed, reasons, strict=True), 1):
        if shape.is_empty:
            raise ImportFailed(
                path,
                f"broken geometry that cannot be repaired ({reason})",
                where=_feature(number, code),
            )
    cleaned = list(fixed)
    repaired = [
        f"{path}, {_feature(number, code)}: invalid geometry repaired ({reason})"
        for number, (code, reason) in enumerate(zip(codes, reasons, strict=True), 1)
        if reason
    ]
    outside = np.flatnonzero(~geo.inside_france(cleaned))
    if len(outside):
        number = int(outside[0]) + 1
        xmin, ymin, xmax, ymax = shapely.bounds(cleaned[number - 1])
        raise ImportFailed(
            path,
            f"coordinates outside France (lon {xmin:.4f}…{xmax:.4f}, lat {ymin:.4f}…{ymax:.4f}); "
            f"{len(outside)} feature(s) in all",
            where=_feature(number, codes[number - 1]),
        )
    return cleaned, repaired


# --- Régions and départements -------------------------------------------------------------------


def _import_units(
    path: Path,
    *,
    kind: str,
    model: type[Region] | type[Department],
    code_pattern: re.Pattern,
    geo_columns: Mapping[str, tuple[str, ...]],
    geo_optional: Mapping[str, tuple[str, ...]] | None,
    cog_fields: tuple[str, ...],
    cog_row: Callable[[dict[str, Any], str], dict[str, Any]],
    geo_row: Callable[[pd.Series, dict[str, str], str], dict[str, Any]],
) -> ImportReport:
    """Shared path of regions and departments: a COG JSON array or a geometry file."""
    report = ImportReport(kind=kind)
    if _looks_like_json_array(path):
        entries = _read_cog_json(path, cog_fields)
        codes = [entry["code"].strip() for entry in entries]
        _check_codes(path, codes, code_pattern, kind[:-1], "entry")
        rows = []
        for n, entry in enumerate(entries, start=1):
            where = f"entry {n} (code {entry['code'].strip()})"
            rows.append(cog_row(entry, where))
            check_fits(path, model, rows[-1], where, UNIT_LABELS)
    else:
        frame, columns = _read_geo(path, geo_columns, geo_optional, notes=report.messages)
        codes = [_text(value) for value in frame[columns["code"]]]
        _check_codes(path, codes, code_pattern, kind[:-1], "feature")
        geometries, repaired = _clean_geometries(path, frame, codes)
        report.messages.extend(repaired)
        existing = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
        rows = []
        for number, (code, geometry) in enumerate(zip(codes, geometries, strict=True), start=1):
            row = geo_row(frame.iloc[number - 1], columns, _feature(number, code))
            row.update(code=code, geometry=geo.to_geos(geometry))
            if code in existing:
                row.pop("name")
            elif not row["name"]:
                raise ImportFailed(path, "empty name", where=_feature(number, code))
            check_fits(path, model, row, _feature(number, code), UNIT_LABELS)
            rows.append(row)
    with transaction.atomic():
        report.add(upsert(model, "code", rows))
    announce_change(report)
    return report


#: Model fields as the files name them, for ``check_fits`` messages.
UNIT_LABELS = {"name": "nom", "chief_town_code": "chefLieu", "population": "population"}


def import_regions(path: str | Path) -> ImportReport:
    """Régions from the COG JSON array (code, nom, chefLieu) or a region polygon file."""
    path = Path(path)

    def cog_row(entry: dict[str, Any], where: str) -> dict[str, Any]:
        if not entry["nom"].strip():
            raise ImportFailed(path, "empty name", where=where)
        return {
            "code": entry["code"].strip(),
            "name": entry["nom"].strip(),
            "chief_town_code": (entry.get("chefLieu") or "").strip(),
        }

    def geo_row(feature, columns: dict[str, str], where: str) -> dict[str, Any]:
        return {"name": _text(feature[columns["name"]])}

    return _import_units(
        path,
        kind="regions",
        model=Region,
        code_pattern=REGION_CODE,
        geo_columns=REGION_COLUMNS,
        geo_optional=None,
        cog_fields=("code", "nom"),
        cog_row=cog_row,
        geo_row=geo_row,
    )


def import_departments(path: str | Path) -> ImportReport:
    """Départements from the COG JSON array (code, nom, region, chefLieu) or a polygon file.

    The region named by the file must already be loaded (import regions first): région
    codes 01–06 are overseas regions, not the départements 01–06, so a département's region
    is looked up among regions only. A geometry file without a region column leaves the
    region as it is.
    """
    path = Path(path)
    regions = dict(Region.objects.values_list("code", "id"))

    def region_id(code: str, where: str) -> int | None:
        if not code:
            return None
        if code not in regions:
            raise ImportFailed(
                path, f"region {code} is not loaded (import regions first)", where=where
            )
        return regions[code]

    def cog_row(entry: dict[str, Any], where: str) -> dict[str, Any]:
        if not entry["nom"].strip():
            raise ImportFailed(path, "empty name", where=where)
        return {
            "code": entry["code"].strip(),
            "name": entry["nom"].strip(),
            "region_id": region_id((entry.get("region") or "").strip(), where),
            "chief_town_code": (entry.get("chefLieu") or "").strip(),
        }

    def geo_row(feature, columns: dict[str, str], where: str) -> dict[str, Any]:
        row: dict[str, Any] = {"name": _text(feature[columns["name"]])}
        if "region" in columns:
            code = _text(feature[columns["region"]])
            if code:
                row["region_id"] = region_id(code, where)
        return row

    return _import_units(
        path,
        kind="departments",
        model=Department,
        code_pattern=DEPARTMENT_CODE,
        geo_columns=DEPARTMENT_COLUMNS,
        geo_optional=DEPARTMENT_OPTIONAL,
        cog_fields=("code", "nom"),
        cog_row=cog_row,
        geo_row=geo_row,
    )


# --- Communes ----------------------------------------------------------------------------------


def _department_ids(path: Path, codes: list[str], unit: str) -> list[int]:
    departments = dict(Department.objects.values_list("code", "id"))
    ids = []
    for number, code in enumerate(codes, start=1):
        department = department_code_of(code)
        if department not in departments:
            raise ImportFailed(
                path,
                f"département {department} is not loaded (import departments first)",
                where=f"{unit} {number} (code {code})",
            )
        ids.append(departments[department])
    return ids


def _population_values(path: Path, values: Iterable[Any], codes: list[str]) -> list[int | None]:
    result: list[int | None] = []
    for number, (value, code) in enumerate(zip(values, codes, strict=True), start=1):
        if value is None or pd.isna(value):
            result.append(None)
            continue
        try:
            number_value = float(value)
        except (TypeError, ValueError):
            number_value = -1.0
        if not np.isfinite(number_value) or number_value < 0 or number_value != int(number_value):
            raise ImportFailed(
                path,
                f"population {_text(value)!r} is not a whole number",
                where=_feature(number, code),
            )
        result.append(int(number_value))
    return result


def _read_communes(
    path: Path, report: ImportReport, *, check_departments: bool = True
) -> tuple[list[str], list[str], list[int], list[int | None], list]:
    """The checked features of a commune polygon file: codes, names, département ids (empty
    when ``check_departments`` is off), populations (None when absent) and repaired
    MultiPolygons. Any bad feature fails the whole file."""
    frame, columns = _read_geo(path, COMMUNE_COLUMNS, COMMUNE_OPTIONAL, notes=report.messages)
    codes = [_text(value) for value in frame[columns["code"]]]
    names = [_text(value) for value in frame[columns["name"]]]
    _check_codes(path, codes, COMMUNE_CODE, "commune", "feature")
    department_ids = _department_ids(path, codes, "feature") if check_departments else []
    populations = (
        _population_values(path, frame[columns["population"]], codes)
        if "population" in columns
        else [None] * len(codes)
    )
    geometries, repaired = _clean_geometries(path, frame, codes)
    report.messages.extend(repaired)
    return codes, names, department_ids, populations, geometries


def import_communes(path: str | Path) -> ImportReport:
    """Commune polygons from GeoJSON, GeoPackage or Shapefile (``code``/``nom`` or IGN ADMIN
    EXPRESS ``INSEE_COM``/``NOM``, any CRS, reprojected to WGS84).

    Stores the repaired full-resolution MultiPolygon, a map copy simplified over the whole
    file at once (shared edges kept, see ``geometry.map_geometries``), a coarser one for low
    zooms made from it (``geometry.low_zoom_map_geometries``) and a point on the surface. A
    ``population`` property, when present, is stored too.
    """
    path = Path(path)
    report = ImportReport(kind="communes")
    codes, names, department_ids, populations, geometries = _read_communes(path, report)
    report.rows_by_department.update(department_code_of(code) for code in codes)
    map_geometries = geo.map_geometries(geometries)
    low_zoom_geometries = geo.low_zoom_map_geometries(map_geometries)
    points = shapely.point_on_surface(np.asarray(geometries, dtype=object))
    shapes, map_shapes, low_zoom_shapes, at = (
        geo.to_hexewkb(g) for g in (geometries, map_geometries, low_zoom_geometries, points)
    )

    existing = set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))
    rows = []
    for i, code in enumerate(codes):
        row: dict[str, Any] = {
            "code": code,
            "department_id": department_ids[i],
            "geometry": shapes[i],
            "map_geometry": map_shapes[i],
            "low_zoom_map_geometry": low_zoom_shapes[i],
            "point": at[i],
        }
        if code not in existing:
            if not names[i]:
                raise ImportFailed(path, "empty name", where=_feature(i + 1, code))
            row["name"] = names[i]
        if populations[i] is not None:
            row["population"] = populations[i]
        check_fits(path, Commune, row, _feature(i + 1, code), UNIT_LABELS)
        rows.append(row)
    # bulk_upsert takes rows of one shape: new communes have a name, known ones keep theirs.
    shapes_of: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes_of.setdefault(tuple(row), []).append(row)
    with transaction.atomic():
        for same in shapes_of.values():
            report.add(bulk_upsert(Commune, "code", same))
    announce_change(report)
    return report


def import_missing_commune_polygons(path: str | Path) -> ImportReport:
    """Commune polygons of an earlier COG year (IGN ADMIN EXPRESS COG 2018 as cut by
    ``gregoiredavid/france-geojson`` v2.1.1, https://github.com/gregoiredavid/france-geojson,
    tag v2.1.1, 2018-10-16; any file ``import_communes`` reads), given only to the loaded
    communes that have **no polygon yet**.

    Each feature's code is resolved to a loaded commune (``territories.cog``): a current code,
    or a former one recorded by the population file's ``anciens_codes`` (a commune merged
    since). The polygons of all the features that resolve to one commune are merged into its
    shape, its map copy and its point. A commune that already has a polygon keeps it (counted
    unchanged): a file of the current COG year is always the better shape. Features of a
    département with no commune loaded are skipped and counted in the messages; a code found
    nowhere else, or claimed by several communes, fails the whole file. The file never creates
    a commune, never names one and never sets a population (those are the COG's, in the
    population CSV), so it is imported after the population file. Importing it again changes
    nothing: every commune it covers has a polygon by then.
    """
    path = Path(path)
    report = ImportReport(kind="communes-fill")
    codes, names, _ids, populations, geometries = _read_communes(
        path, report, check_departments=False
    )
    # Names and populations are not stored, but a file with bad ones is a bad file.
    for number, (code, name, population) in enumerate(
        zip(codes, names, populations, strict=True), start=1
    ):
        if not name:
            raise ImportFailed(path, "empty name", where=_feature(number, code))
        row = {"name": name, "population": population}
        check_fits(path, Commune, row, _feature(number, code), UNIT_LABELS)
    known = CommuneCodes(codes)
    loaded_departments = set(known.commune_departments.values())
    parts: dict[int, list] = {}
    skipped: Counter[str] = Counter()
    for number, (code, geometry) in enumerate(zip(codes, geometries, strict=True), start=1):
        resolved = known.resolve(code)
        if resolved.how == How.NOT_LOADED or (
            resolved.how == How.UNKNOWN and department_code_of(code) not in loaded_departments
        ):
            skipped[department_code_of(code)] += 1
            continue
        refuse_unresolved(
            path,
            code,
            resolved,
            _feature(number, code),
            unknown_hint=" (import the current population file, with its anciens_codes, first)",
        )
        parts.setdefault(resolved.commune_id, []).append(geometry)
        report.rows_by_department[known.department_of(resolved.commune_id)] += 1
    without = set(Commune.objects.filter(pk__in=parts, geometry=None).values_list("pk", flat=True))
    report.unchanged += len(parts) - len(without)
    targets = sorted(without)
    shapes = [geo.repair(shapely.union_all(parts[pk]))[0] for pk in targets]
    map_shapes = geo.map_geometries(shapes)
    low_zoom_shapes = geo.low_zoom_map_geometries(map_shapes)
    points = shapely.point_on_surface(np.asarray(shapes, dtype=object)) if shapes else []
    rows = [
        {
            "code": known.code_of[pk],
            "geometry": geo.to_geos(shape),
            "map_geometry": geo.to_geos(map_shape),
            "low_zoom_map_geometry": geo.to_geos(low_zoom),
            "point": geo.to_geos(point),
        }
        for pk, shape, map_shape, low_zoom, point in zip(
            targets, shapes, map_shapes, low_zoom_shapes, points, strict=True
        )
    ]
    with transaction.atomic():
        report.add(upsert(Commune, "code", rows))
    merged = sum(1 for pk in targets if len(parts[pk]) > 1)
    if merged:
        report.messages.append(f"{merged} commune(s) given the union of several former polygons")
    for department, count in sorted(skipped.items()):
        report.messages.append(
            f"{count} feature(s) of département {department} skipped (no commune loaded)"
        )
    announce_change(report)
    return report


# --- Populations légales -----------------------------------------------------------------------


def _read_population_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the population CSV, every value as a stripped string.

    A row with fewer or more values than the header (a short row, a last row cut off, a quote
    left open that swallowed the next lines) is refused, naming its line.
    """
    records = csv_records(path, read_utf8(path))
    _line, header = next(records, (1, []))
    header = [name.strip() for name in header]
    _columns(path, header, {name: (name,) for name in POPULATION_COLUMNS})
    rows = []
    for line, fields in records:
        check_field_count(path, line, fields, len(header))
        values = zip(header, (value.strip() for value in fields), strict=True)
        rows.append((line, dict(values)))
    if not rows:
        raise ImportFailed(path, "the file has no data row", where="line 2")
    return rows


def _store_former_codes(path: Path, communes: list[tuple[int, dict[str, str]]]) -> int:
    """Make the former codes of the file's communes those of its ``anciens_codes`` column (when
    it has one); the number of codes added or removed. Runs inside the import's transaction."""
    wanted: dict[str, set[str]] = {}
    for line, row in communes:
        if "anciens_codes" not in row:
            return 0
        codes = {code.strip() for code in row["anciens_codes"].split("|") if code.strip()}
        for code in codes:
            if not COMMUNE_CODE.match(code):
                raise ImportFailed(
                    path,
                    f"invalid former commune code {code[:40]!r} in anciens_codes",
                    where=f"line {line} (code {row['code_insee']})",
                )
        wanted[row["code_insee"]] = codes - {row["code_insee"]}
    ids = dict(Commune.objects.filter(code__in=wanted).values_list("code", "id"))
    stored = FormerCommuneCode.objects.filter(commune_id__in=ids.values())
    have = {(commune_id, code) for code, commune_id in stored.values_list("code", "commune_id")}
    want = {(ids[commune], code) for commune, codes in wanted.items() for code in codes}
    for commune_id, code in have - want:
        stored.filter(commune_id=commune_id, code=code).delete()
    FormerCommuneCode.objects.bulk_create(
        FormerCommuneCode(commune_id=commune_id, code=code) for commune_id, code in want - have
    )
    return len(have ^ want)


def import_population(path: str | Path, *, reference_year: int | None = None) -> ImportReport:
    """INSEE legal populations (the CSV layout of ``communes-<…>-cog2026.csv``).

    ``commune-actuelle`` rows set the commune's population (and ``reference_year`` when
    given) and create communes that have no polygon yet; ``arrondissement-municipal`` rows
    (Lyon 69381–69389) go to ``MunicipalDistrict`` so that they never add to their parent's
    population. Other types (communes déléguées…) are skipped and counted in the messages.
    The optional ``anciens_codes`` column (``|``-separated) records each commune's former
    codes (``FormerCommuneCode``), through which files of another COG year are read.
    """
    path = Path(path)
    report = ImportReport(kind="population", source_version="INSEE populations légales")
    if reference_year is not None:
        report.source_date = dt.date(reference_year, 1, 1)
        report.source_version = f"INSEE populations légales {reference_year}"
    rows = _read_population_csv(path)
    departments = dict(Department.objects.values_list("code", "id"))
    communes: list[tuple[int, dict[str, str]]] = []
    districts: list[tuple[int, dict[str, str]]] = []
    skipped: Counter[str] = Counter()
    seen: dict[str, int] = {}
    for line, row in rows:
        where = f"line {line} (code {row['code_insee']})"
        kind = row["type"]
        if kind in SKIPPED_TYPES:
            skipped[kind] += 1
            continue
        if kind not in (COMMUNE_TYPE, DISTRICT_TYPE):
            raise ImportFailed(
                path,
                f"unknown row type {kind[:40]!r} (expected one of "
                f"{', '.join((COMMUNE_TYPE, DISTRICT_TYPE, *SKIPPED_TYPES))})",
                where=where,
            )
        code = row["code_insee"]
        if not COMMUNE_CODE.match(code):
            raise ImportFailed(path, f"invalid commune code {code!r}", where=f"line {line}")
        if code in seen:
            raise ImportFailed(path, f"duplicate code {code} (also line {seen[code]})", where=where)
        seen[code] = line
        if not re.fullmatch(r"[0-9]+", row["population"]):
            raise ImportFailed(
                path, f"population {row['population']!r} is not a whole number", where=where
            )
        if not row["nom"]:
            raise ImportFailed(path, "empty name", where=where)
        if row["departement"] not in departments:
            raise ImportFailed(
                path,
                f"département {row['departement'] or '(empty)'} is not loaded "
                "(import departments first)",
                where=where,
            )
        (communes if kind == COMMUNE_TYPE else districts).append((line, row))
        report.rows_by_department[row["departement"]] += 1

    commune_rows = []
    for line, row in communes:
        values: dict[str, Any] = {
            "code": row["code_insee"],
            "name": row["nom"],
            "department_id": departments[row["departement"]],
            "population": int(row["population"]),
        }
        if reference_year is not None:
            values["population_year"] = reference_year
        check_fits(path, Commune, values, f"line {line} (code {row['code_insee']})", UNIT_LABELS)
        commune_rows.append(values)

    file_communes = {row["code_insee"] for _line, row in communes}
    parents_needed = {row["commune_parente"] for _line, row in districts}
    parents_in_db = set(
        Commune.objects.filter(code__in=parents_needed).values_list("code", flat=True)
    )
    for line, row in districts:
        parent = row["commune_parente"]
        if parent not in file_communes and parent not in parents_in_db:
            raise ImportFailed(
                path,
                f"parent commune {parent or '(empty)'} is neither in the file nor loaded",
                where=f"line {line} (code {row['code_insee']})",
            )
        district = {"name": row["nom"], "population": int(row["population"])}
        check_fits(
            path, MunicipalDistrict, district, f"line {line} (code {row['code_insee']})",
            UNIT_LABELS,
        )  # fmt: skip

    with transaction.atomic():
        report.add(bulk_upsert(Commune, "code", commune_rows))
        parent_ids = dict(Commune.objects.filter(code__in=parents_needed).values_list("code", "id"))
        district_rows = [
            {
                "code": row["code_insee"],
                "name": row["nom"],
                "commune_id": parent_ids[row["commune_parente"]],
                "population": int(row["population"]),
            }
            for _line, row in districts
        ]
        report.add(upsert(MunicipalDistrict, "code", district_rows))
        former = _store_former_codes(path, communes)
    if former:
        report.messages.append(f"{former} former commune code(s) recorded or changed")
    for kind, count in sorted(skipped.items()):
        report.messages.append(f"{count} row(s) of type {kind!r} skipped (not a current commune)")
    announce_change(report)
    return report
