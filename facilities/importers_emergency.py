"""Importer of the emergency means outside the hospitals (issue 11 §3): médecins
correspondants du SAMU (kind ``mcs``) and héliSMUR bases (kind ``helismur``), one CSV per
kind, ``id;nom;commune;lon;lat;samu;date_debut;date_fin`` (``docs/emergency-resources.md``).

The import contract of the other importers: the whole file is read and checked first (file,
line, reason in ``ImportFailed``), then written in one transaction keyed on (kind, id), so a
second run changes nothing. The commune code goes through ``territories.cog`` (a current code,
an arrondissement municipal, a former code); a line with coordinates only gets the commune
whose loaded polygon holds the point; a line with neither is refused, as are coordinates
outside France and a commune code that both disagrees with nothing and resolves nowhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction

from core.import_checks import check_field_count, check_fits, csv_records
from core.importing import ImportFailed, ImportReport, announce_change, read_utf8, upsert
from territories.cog import CommuneCodes, How, department_code_of, refuse_unresolved
from territories.selectors import communes_at_points

from . import finess
from .emergency import EmergencyResource

COLUMNS = ("id", "nom", "commune", "lon", "lat", "samu", "date_debut", "date_fin")
#: Registry kind → resource kind.
KINDS = {"mcs": EmergencyResource.Kind.MCS, "helismur": EmergencyResource.Kind.HELISMUR}
#: An INSEE commune code: 5 digits, or 2A/2B and 3 digits (Corsica).
COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
#: Our fields as the file names them, for ``check_fits`` messages.
LABELS = {"source_id": "id", "name": "nom", "samu": "samu"}


def import_mcs(path: Path | str) -> ImportReport:
    """Import a CSV of médecins correspondants du SAMU (kind ``mcs``)."""
    return import_emergency_resources(path, "mcs")


def import_helismur(path: Path | str) -> ImportReport:
    """Import a CSV of héliSMUR bases (kind ``helismur``)."""
    return import_emergency_resources(path, "helismur")


def import_emergency_resources(path: Path | str, kind: str) -> ImportReport:
    """Import one CSV of ``kind`` (``mcs`` or ``helismur``); see the module docstring."""
    rows = _read(path, KINDS[kind])
    _place_by_point(rows)
    report = ImportReport(kind=kind)
    codes = CommuneCodes()
    for row in rows:
        if row["commune_id"] is not None:
            report.rows_by_department[codes.department_of(row["commune_id"])] += 1
    without = sum(1 for row in rows if row["commune_id"] is None)
    if without:
        report.messages.append(
            f"{path}: {without} line(s) without a commune (no loaded commune polygon contains "
            "the point); imported at the published point"
        )
    with transaction.atomic():
        report.add(upsert(EmergencyResource, ("kind", "source_id"), rows))
    announce_change(report)
    return report


def _read(path: Path | str, kind: str) -> list[dict[str, Any]]:
    records = csv_records(path, read_utf8(path), delimiter=";")
    _line, header = next(records, (1, []))
    columns = [name.strip().lower() for name in header]
    absent = [name for name in COLUMNS if name not in columns]
    if absent:
        raise ImportFailed(
            path,
            f"not an emergency-resource CSV: missing column(s) {', '.join(absent)} "
            f"(expected header {';'.join(COLUMNS)})",
            where="line 1",
        )
    codes = CommuneCodes()
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, fields in records:
        if not any(field.strip() for field in fields):
            continue
        check_field_count(path, line, fields, len(columns))
        record = {name: value.strip() for name, value in zip(columns, fields, strict=True)}
        row = _row(path, line, record, kind, codes)
        check_fits(path, EmergencyResource, row, f"line {line}", LABELS)
        if row["source_id"] in seen:
            raise ImportFailed(
                path,
                f"duplicate id {row['source_id']} (first on line {seen[row['source_id']]})",
                where=f"line {line}",
            )
        seen[row["source_id"]] = line
        rows.append(row)
    if not rows:
        raise ImportFailed(path, "no data row", where="line 2")
    return rows


def _row(
    path: Path | str, line: int, record: dict[str, str], kind: str, codes: CommuneCodes
) -> dict[str, Any]:
    where = f"line {line}"
    if not record["id"]:
        raise ImportFailed(path, "empty id", where=where)
    if not record["nom"]:
        raise ImportFailed(path, "empty nom", where=where)
    point = _point(path, where, record["lon"], record["lat"])
    commune_id = _commune(path, where, record["commune"], codes)
    if point is None and commune_id is None:
        raise ImportFailed(
            path, "neither commune nor coordinates (lon, lat): the resource has no place",
            where=where,
        )  # fmt: skip
    start = _date(path, where, record["date_debut"], "date_debut")
    end = _date(path, where, record["date_fin"], "date_fin")
    if start and end and end < start:
        raise ImportFailed(path, f"date_fin {end} is before date_debut {start}", where=where)
    return {
        "kind": kind,
        "source_id": record["id"],
        "name": record["nom"],
        "commune_id": commune_id,
        "point": point,
        "samu": record["samu"],
        "start_date": start,
        "end_date": end,
    }


def _point(path: Path | str, where: str, lon_text: str, lat_text: str) -> Point | None:
    if not lon_text and not lat_text:
        return None
    try:
        lon, lat = float(lon_text.replace(",", ".")), float(lat_text.replace(",", "."))
    except ValueError as exc:
        raise ImportFailed(
            path, f"non-numeric lon/lat {lon_text!r}, {lat_text!r} (both or neither)",
            where=where,
        ) from exc  # fmt: skip
    if not (math.isfinite(lon) and math.isfinite(lat) and finess.inside_france(lon, lat)):
        raise ImportFailed(path, f"coordinates lon {lon}, lat {lat} outside France", where=where)
    return Point(lon, lat, srid=4326)


def _commune(path: Path | str, where: str, code: str, codes: CommuneCodes) -> int | None:
    if not code:
        return None
    code = code.upper()
    if len(code) == 4 and code.isdigit():
        code = code.zfill(5)  # a spreadsheet dropped the leading zero
    if not COMMUNE_CODE.fullmatch(code):
        raise ImportFailed(path, f"invalid commune code {code!r} (5 characters)", where=where)
    resolved = codes.resolve(code)
    if resolved.how == How.NOT_LOADED:
        raise ImportFailed(
            path,
            f"commune {code}: its département {department_code_of(code)} is not loaded "
            "(import its communes first)",
            where=f"{where} (code {code})",
        )
    refuse_unresolved(path, code, resolved, f"{where} (code {code})")
    return resolved.commune_id


def _date(path: Path | str, where: str, value: str, column: str) -> dt.date | None:
    """ISO ``YYYY-MM-DD`` or French ``DD/MM/YYYY``; empty = not stated."""
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ImportFailed(
        path, f"{column} {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)", where=where
    )


def _place_by_point(rows: list[dict[str, Any]]) -> None:
    """The commune of each row with coordinates and no commune code: the loaded polygon that
    holds its point (one SQL statement)."""
    pending = [row for row in rows if row["commune_id"] is None and row["point"] is not None]
    found = communes_at_points([(row["point"].x, row["point"].y) for row in pending])
    for row, commune_id in zip(pending, found, strict=True):
        row["commune_id"] = commune_id
